"""similarity: sentences in scope mean about the same as one of ``examples``.

Finds what keyword lists miss (这都第三次了，还是没人来修 without 投诉) by comparing sentence
embeddings (multilingual-e5-small, Chinese and English alike; ``qc models install`` provisions
it). A sentence of several clauses is compared clause by clause, so a complaint that follows
an address still counts. e5 cosines sit in a narrow band (unrelated sentences score about
0.8, paraphrases 0.9 to 0.95), so a bare threshold separates poorly: give ``negatives``, a
few sentences of the same register that must not count (a neutral request, thanks, an agent
apology). A clause then counts only when it is closer to its best example than to every
negative by ``margin``. Every reason names the sentence, its closest example and the score,
so a rule can be tuned with ``qc rules test``.

Options:
- ``examples`` (list of text, required): what the sentences should mean.
- ``negatives`` (list of text): sentences that must not count; strongly advised.
- ``threshold`` (cosine, default 0.86 with ``negatives``, 0.92 without): the least cosine to
  the closest example. Without negatives only near paraphrases are safe.
- ``margin`` (cosine, default 0.02): with ``negatives``, how much closer to the best example
  than to the best negative a clause must be.
- ``min_hits`` (integer, default 1): how many sentences must match.
- ``min_words`` (integer, default 1): clauses shorter than this are not scored (counted as the
  speech rate counts: a Chinese character is one, as is an English word). Two or three words
  ("Don't appear.", a recogniser's fragment) can sit close to an example by chance.
- ``exclude`` (a regular expression for RE2, or a list of them): sentences where it matches are
  not scored, as in ``keyword`` and ``regex``: the near misses a meaning cannot tell apart (a
  complaint about a third party sounds like one about the company).

PASS::

    rule: {require: {check: similarity, role: customer, examples: [这么久了还没人来处理, 服务太差了], negatives: [我想查询一下账户信息, 好的，谢谢你]}}
    agent 0.5 3.0 您好，请问有什么可以帮您？
    customer 3.5 6.0 这都第三次了，还是没人来修

FAIL (a neutral request is closer to the negatives)::

    rule: {require: {check: similarity, role: customer, examples: [这么久了还没人来处理, 服务太差了], negatives: [我想查询一下账户信息, 好的，谢谢你]}}
    agent 0.5 3.0 您好，请问有什么可以帮您？
    customer 3.5 5.0 我想查一下话费

FAIL (``exclude``: a sentence about another company is not scored)::

    rule: {require: {check: similarity, role: customer, examples: [这么久了还没人来处理, 服务太差了], negatives: [我想查询一下账户信息, 好的，谢谢你], exclude: 那家}}
    agent 0.5 3.0 您好，请问有什么可以帮您？
    customer 3.5 6.0 那家公司这都第三次了，还是没人来修
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...messages import Message, joined
from ...metrics import is_chinese, units
from ...schema import CallAnalysis, Match, Segment
from ...text import sentences
from ..messages import say
from ..options import PATTERNS
from . import regex
from .base import evidence_of

ID = "similarity"
SCOPED = True
MODELS = ("embedder",)
CONF = {"examples": [str], "negatives": [str], "threshold": float, "margin": float, "min_hits": int,
        "min_words": int, "exclude": PATTERNS}
DEFAULT = {"negatives": None, "threshold": None, "margin": 0.02, "min_hits": 1, "min_words": 1, "exclude": None}
THRESHOLD_WITH_NEGATIVES = 0.86
THRESHOLD_ALONE = 0.92


def validate(options: dict) -> Optional[str]:
    if options["threshold"] is not None and not 0 < options["threshold"] <= 1:
        return "threshold must be above 0 and at most 1"
    if not 0 <= options["margin"] < 1:
        return "margin must be at least 0 and below 1"
    if options["min_hits"] < 1:
        return "min_hits must be at least 1"
    if options["min_words"] < 1:
        return "min_words must be at least 1"
    return regex.invalid(exclude=options["exclude"])


@dataclass(frozen=True)
class Scored:
    segment: Segment
    clause: str
    example: str
    score: float
    negative: Optional[str]
    negative_score: float
    hit: bool

    @property
    def lead(self) -> float:
        """How much closer to its example than to the nearest negative (the score without negatives)."""
        return self.score - self.negative_score

    def describe(self) -> Message:
        if self.negative:
            return say("similarity.pair_negative", clause=self.clause, example=self.example, score=self.score,
                       negative=self.negative, against=self.negative_score)
        return say("similarity.pair", clause=self.clause, example=self.example, score=self.score)


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict, models) -> Match:
    negatives = options["negatives"] or []
    segments = regex.without_excluded(segments, options["exclude"])
    threshold = options["threshold"] or (THRESHOLD_WITH_NEGATIVES if negatives else THRESHOLD_ALONE)
    rule = (say("similarity.rule_margin", threshold=threshold, margin=options["margin"]) if negatives
            else say("similarity.rule", threshold=threshold))
    scored = _score(models.get("embedder"), segments, options["examples"], negatives, threshold, options["margin"],
                    options["min_words"])
    hits = [s for s in scored if s.hit]
    if hits and len(hits) >= options["min_hits"]:
        shown = joined((s.describe() for s in hits), "clauses", limit=3)
        return Match(True, say("similarity.found", n=len(hits), rule=rule, shown=shown),
                     evidence_of(s.segment for s in hits))
    if not scored:
        return Match(False, say("similarity.no_scope"))
    closest = sorted(scored, key=lambda s: s.lead, reverse=True)[:3]
    found = say("similarity.only", n=len(hits), min_hits=options["min_hits"]) if hits else say("similarity.none")
    return Match(False, say("similarity.missed", found=found, rule=rule, closest=closest[0].describe()),
                 evidence_of(s.segment for s in hits),
                 evidence_of(sorted((s.segment for s in closest), key=lambda seg: seg.start_s)))


def _score(model, segments, examples, negatives, threshold: float, margin: float,
           min_words: int = 1) -> list[Scored]:
    """One Scored per sentence with text: its clause that matches best (clauses of min_words or more)."""
    pieces = [(seg, clause) for seg in segments for clause in sentences(seg.text)
              if units(clause, is_chinese("", [clause])) >= min_words]
    if not pieces:
        return []
    vectors = model.embed([clause for _, clause in pieces])
    to_examples = vectors @ model.embed(examples).T
    best_example = to_examples.argmax(axis=1)
    best = to_examples.max(axis=1)
    if negatives:
        to_negatives = vectors @ model.embed(negatives).T
        nearest_negative, against = to_negatives.argmax(axis=1), to_negatives.max(axis=1)
        hit = (best >= threshold) & (best - against >= margin)
    else:
        nearest_negative, against = None, np.zeros(len(pieces))
        hit = best >= threshold
    by_segment: dict[int, Scored] = {}
    for i, (seg, clause) in enumerate(pieces):
        item = Scored(seg, clause, examples[best_example[i]], float(best[i]),
                      negatives[nearest_negative[i]] if negatives else None, float(against[i]), bool(hit[i]))
        kept = by_segment.get(id(seg))
        if kept is None or (item.hit, item.lead) > (kept.hit, kept.lead):
            by_segment[id(seg)] = item
    return sorted(by_segment.values(), key=lambda s: (s.segment.start_s, s.segment.end_s))

