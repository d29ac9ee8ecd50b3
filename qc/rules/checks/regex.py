r"""regex: sentences in scope match a regular expression, unless an exclusion matches too.

The pattern is searched in the sentence text after Unicode width folding (full-width
digits and letters become ASCII) with numbers as digits however they were said, as keyword
rules read them (工号三八七五 is searched as 工号3875, "three eight seven five" as 3875),
case-insensitively, with RE2, an engine whose time is
linear in the text: no rule can hang a night on catastrophic backtracking (``^(\w+\s?)+$``
takes microseconds). RE2 has no look-around or back-references (use ``exclude`` instead);
``\w``, ``\d`` and ``\b`` are ASCII, ``\p{Han}`` is a Chinese character.

Options:
- ``pattern`` (text, required): a regular expression (RE2 syntax, close to Python's).
- ``exclude`` (text, or a list of texts: any of them): sentences where this expression also matches do not count
  (e.g. ``不能保证|无法保证`` next to ``保证``).
- ``exclude_near`` (true or false, default false): look for the exclusion only in the clauses the
  match spans (a clause ends at ，。；！？ or , ; ! ?, its mark kept; not at "." of "3.5"), not in the whole
  sentence: Whisper often writes a Mandarin turn as one sentence of comma-joined clauses, and a
  question in its last clause (想跟您确认一下什么时候方便交) does not make a statement in its first
  ones (您家里租的那台制氧机，租金一千零八十元还没交) a question.
- ``min_hits`` (integer, default 1): how many sentences must match.

PASS::

    rule: {forbid: {check: regex, role: agent, pattern: "保证|绝对|百分之百", exclude: "不能保证|无法保证|不敢保证"}}
    agent 0.5 3.0 这个我不能保证，但我会尽力帮您跟进
    customer 3.5 5.0 好的

FAIL::

    rule: {forbid: {check: regex, role: agent, pattern: "保证|绝对|百分之百", exclude: "不能保证|无法保证"}}
    agent 0.5 3.0 我保证明天一定给您修好

PASS (a job number said in Chinese digits is searched as digits)::

    rule: {require: {check: regex, role: agent, pattern: "工号[0-9]{3,}"}}
    agent 0.5 3.0 您好，我是工号三八七五的客服

FAIL (the exclusion is in another clause than the match)::

    rule: {forbid: {check: regex, role: agent, pattern: "租金.*元", exclude: "什么|吗", exclude_near: true}}
    agent 0.5 3.0 您的租金一共一千零八十元还没交，想问一下什么时候方便交
"""

from __future__ import annotations

import re
from functools import lru_cache

import re2

from ...schema import CallAnalysis, Match, Segment
from ...text import numerals
from ..messages import say
from ..options import PATTERNS
from .base import evidence_of

ID = "regex"
SCOPED = True
CONF = {"pattern": str, "exclude": PATTERNS, "exclude_near": bool, "min_hits": int}
PATTERN_OPTIONS = ("pattern", "exclude")  # where site variables are expanded (as escaped alternatives)
DEFAULT = {"exclude": None, "exclude_near": False, "min_hits": 1}
CLAUSE_END = re.compile(r"[，,。；;！!？?]")


def validate(options: dict) -> str | None:
    return invalid(pattern=options["pattern"], exclude=options["exclude"])


def invalid(**patterns) -> str | None:
    """One line for the first of ``patterns`` (option name: expression or None) that RE2 cannot
    compile; None when every one compiles. Any check with an expression option validates with it."""
    for key, pattern in patterns.items():
        if pattern:
            try:
                compiled(pattern)
            except re2.error as exc:
                detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
                return (f"{key} is not a valid regular expression for RE2, qc's linear-time engine ({detail}); "
                        f"it has no look-around or back-references: use exclude instead")
    return None


@lru_cache(maxsize=512)
def compiled(pattern: str):
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # the error becomes one line of the rule check, not a log dump
    return re2.compile(pattern, options=options)


def without_excluded(segments: tuple[Segment, ...], exclude) -> tuple[Segment, ...]:
    """The sentences that ``exclude`` (an option's expression or list of them; None: nothing)
    does not match, as the checks with an ``exclude`` option read them (numerals as digits)."""
    if not exclude:
        return segments
    found = compiled(exclude)
    return tuple(s for s in segments if not found.search(numerals(s.text)))


def clauses_of(text: str, start: int, end: int) -> str:
    """The clauses of ``text`` that the span ``start:end`` touches, with their closing marks."""
    left = max((m.end() for m in CLAUSE_END.finditer(text, 0, start)), default=0)
    right = next((m.end() for m in CLAUSE_END.finditer(text, end)), len(text))
    return text[left:right]


def _counts(text: str, pattern, exclude, near: bool) -> bool:
    if not near or exclude is None:
        return bool(pattern.search(text)) and not (exclude and exclude.search(text))
    return any(not exclude.search(clauses_of(text, m.start(), m.end())) for m in pattern.finditer(text))


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    pattern = compiled(options["pattern"])
    exclude = compiled(options["exclude"]) if options["exclude"] else None
    hits = [seg for seg in segments if _counts(numerals(seg.text), pattern, exclude, options["exclude_near"])]
    if len(hits) >= options["min_hits"]:
        return Match(True, say("regex.match", n=len(hits), pattern=options["pattern"]), evidence_of(hits))
    return Match(False, say("regex.too_few", n=len(hits), pattern=options["pattern"], min_hits=options["min_hits"]),
                 evidence_of(hits), sought=say("regex.sought", pattern=options["pattern"]))
