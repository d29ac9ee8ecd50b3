"""repetition: a role says the same sentence over and over.

Sentences are compared after removing punctuation, spaces and case (and writing Chinese
digits as numbers); two are the same when equal or when difflib's similarity ratio is at
least ``similarity``. Each sentence joins the first earlier group it resembles. A script
recited again and again, or a 您好？ into a dead line, shows up here. Needs speaker roles
unless ``role`` is ``any``.

Options:
- ``role`` (agent, customer or any, default agent): whose sentences are compared.
- ``min_count`` (integer, default 3): how many times one sentence must be said.
- ``similarity`` (0 to 1, default 0.9): how alike two sentences must be.
- ``min_chars`` (integer, default 4): shorter sentences (好的, 嗯嗯, okay) are ignored.

PASS::

    rule: {forbid: {check: repetition, role: agent}}
    agent 0.5 3.0 您好，请问有什么可以帮您？
    customer 3.5 5.0 我想查话费
    agent 5.5 8.0 好的，请您提供机主姓名

FAIL (the same sentence three times)::

    rule: {forbid: {check: repetition, role: agent}}
    agent 0.5 3.0 这个我们没有办法处理。
    customer 3.5 5.0 那怎么办？
    agent 5.5 8.0 这个我们没有办法处理
    customer 8.5 9.0 你听我说
    agent 9.5 12.0 这个我们没办法处理。
"""

from __future__ import annotations

from difflib import SequenceMatcher

from ...schema import CallAnalysis, Match, Segment
from ...messages import joined, role as role_word
from ...text import normalize
from ..messages import say
from .base import ROLES, evidence_of
from .turns import role_sentences

ID = "repetition"
CONF = {"role": ROLES, "min_count": int, "similarity": float, "min_chars": int}
DEFAULT = {"role": "agent", "min_count": 3, "similarity": 0.9, "min_chars": 4}


def validate(options: dict) -> str | None:
    if options["min_count"] < 2:
        return "min_count must be at least 2"
    if not 0 < options["similarity"] <= 1:
        return "similarity must be above 0 and at most 1"
    return None


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    role = options["role"]
    groups: list[tuple[str, list[Segment]]] = []
    for sentence in role_sentences(call.transcript, role):
        text = normalize(sentence.text).replace(" ", "")
        if len(text) < options["min_chars"]:
            continue
        group = next((g for g in groups if _alike(g[0], text, options["similarity"])), None)
        if group:
            group[1].append(sentence)
        else:
            groups.append((text, [sentence]))
    repeated = [said for _, said in groups if len(said) >= options["min_count"]]
    if not repeated:
        most = max((len(said) for _, said in groups), default=0)
        return Match(False, say("repetition.none", role=role_word(role), min_count=options["min_count"], most=most))
    reason = joined((say("repetition.found", role=role_word(role), text=said[0].text, n=len(said)) for said in repeated),
                    "clauses")
    return Match(True, reason, evidence_of(s for said in repeated for s in said))


def _alike(a: str, b: str, similarity: float) -> bool:
    return a == b or SequenceMatcher(None, a, b).ratio() >= similarity
