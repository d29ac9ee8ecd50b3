"""unlisted-words: sentences in scope hold words in a row that no list of the rule knows.

For a name the pack cannot list: a company greeting with a brand nobody configured, or a brand
the recogniser heard as odd words ("Good morning. Clear pain. Blame. Restaking. Can I help
you?"). A word (letters, apostrophes, ``&`` and ``-``; digits are no word) is unlisted when it has
``min_letters`` letters or more and is in none of the ``known`` phrases, compared
case-insensitively; a sentence counts when ``min`` unlisted words follow each other, as the
words of a name do (a known or shorter word breaks the row, punctuation does not: "the lady
from the office" holds no two in a row). ``known`` may hold site variables (``{agent_name}``: the
agent's own name is no brand). Meant for languages written with spaces between words: a run of
Chinese characters counts as one word.

Options:
- ``min`` (integer, default 2): how many unlisted words in a row a sentence must hold to count.
- ``known`` (list of text, required): words that do not count; a phrase gives each of its words.
- ``until`` (a regular expression for RE2): only the text before its first match is read, e.g.
  the customer's name after "is that" or the reason after "about" are no brand.
- ``min_letters`` (integer, default 3): shorter words do not count.
- ``min_hits`` (integer, default 1): how many sentences must count.

PASS::

    rule: {require: {check: unlisted-words, role: agent, first_s: 15, min: 2, known: [good, morning, how, can, i, help, you]}}
    agent 0.5 3.0 Good morning, Kestrel Plumbing, how can I help you?

FAIL (every word is known)::

    rule: {require: {check: unlisted-words, role: agent, first_s: 15, min: 2, known: [yeah, hello, how, can, i, help, you]}}
    agent 0.5 1.5 Yeah, hello, how can I help you?

FAIL (no two unlisted words in a row)::

    rule: {require: {check: unlisted-words, role: agent, min: 2, known: [hello, the, from, said, you, about, your]}}
    agent 0.5 3.0 Hello, the lady from the office said you rang about your stay.

FAIL (``until``: the words after "is that" are the customer's name, not a brand)::

    rule: {require: {check: unlisted-words, role: agent, min: 2, known: [hello], until: "\\\\bis that\\\\b"}}
    agent 0.5 2.0 Hello, is that Mrs Fairweather?
"""

from __future__ import annotations

import re

from ...schema import CallAnalysis, Match, Segment
from ..messages import say
from ..options import PATTERNS
from . import regex
from .base import evidence_of

ID = "unlisted-words"
SCOPED = True
CONF = {"min": int, "known": [str], "until": PATTERNS, "min_letters": int, "min_hits": int}
DEFAULT = {"min": 2, "until": None, "min_letters": 3, "min_hits": 1}
PHRASE_OPTIONS = OPTIONAL_PHRASES = ("known",)  # variables expanded by the engine; one without a value is left out
WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['&-])*")


def validate(options: dict) -> str | None:
    if options["min"] < 1 or options["min_letters"] < 1:
        return "min and min_letters must be 1 or more"
    return regex.invalid(until=options["until"])


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, apostrophes as typed (’ as ')."""
    return WORD.findall(text.replace("\u2019", "'").lower())


def unlisted_rows(text: str, known: frozenset, min_letters: int) -> list[list[str]]:
    """The rows of consecutive unlisted words of ``text``."""
    rows, row = [], []
    for word in words(text):
        if word not in known and sum(c.isalpha() for c in word) >= min_letters:
            row.append(word)
        elif row:
            rows.append(row)
            row = []
    return rows + [row] if row else rows


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    known = frozenset(w for phrase in options["known"] or () for w in words(phrase))
    until = regex.compiled(options["until"]) if options["until"] else None
    hits, found = [], []
    for seg in segments:
        text = seg.text
        if until is not None and (stop := until.search(text)):
            text = text[:stop.start()]
        rows = [row for row in unlisted_rows(text, known, options["min_letters"]) if len(row) >= options["min"]]
        if rows:
            hits.append(seg)
            found += [" ".join(row) for row in rows]
    if len(hits) >= options["min_hits"]:
        return Match(True, say("unlisted.match", n=len(hits), words=", ".join(dict.fromkeys(found)),
                               min=options["min"]), evidence_of(hits))
    return Match(False, say("unlisted.too_few", n=len(hits), min=options["min"], min_hits=options["min_hits"]),
                 evidence_of(hits), sought=say("unlisted.sought", min=options["min"]))
