"""regex: sentences in scope match a regular expression, unless an exclusion matches too.

The pattern is searched in the sentence text after Unicode width folding (full-width
digits and letters become ASCII), case-insensitively.

Options:
- ``pattern`` (text, required): a Python regular expression.
- ``exclude`` (text): sentences where this expression also matches do not count
  (e.g. ``不能保证|无法保证`` next to ``保证``).
- ``min_hits`` (integer, default 1): how many sentences must match.

PASS::

    rule: {forbid: {check: regex, role: agent, pattern: "保证|绝对|百分之百", exclude: "不能保证|无法保证|不敢保证"}}
    agent 0.5 3.0 这个我不能保证，但我会尽力帮您跟进
    customer 3.5 5.0 好的

FAIL::

    rule: {forbid: {check: regex, role: agent, pattern: "保证|绝对|百分之百", exclude: "不能保证|无法保证"}}
    agent 0.5 3.0 我保证明天一定给您修好
"""

from __future__ import annotations

import re
import unicodedata

from ...schema import CallAnalysis, Match, Segment
from .base import evidence_of

ID = "regex"
SCOPED = True
CONF = {"pattern": str, "exclude": str, "min_hits": int}
DEFAULT = {"exclude": None, "min_hits": 1}


def validate(options: dict) -> str | None:
    for key in ("pattern", "exclude"):
        if options[key]:
            try:
                re.compile(options[key])
            except re.error as exc:
                return f"{key} is not a valid regular expression: {exc}"
    return None


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    pattern = re.compile(options["pattern"], re.IGNORECASE)
    exclude = re.compile(options["exclude"], re.IGNORECASE) if options["exclude"] else None
    hits = []
    for seg in segments:
        text = unicodedata.normalize("NFKC", seg.text)
        if pattern.search(text) and not (exclude and exclude.search(text)):
            hits.append(seg)
    if len(hits) >= options["min_hits"]:
        return Match(True, f"{len(hits)} sentence(s) match /{options['pattern']}/", evidence_of(hits))
    return Match(False, f"{len(hits)} sentence(s) match /{options['pattern']}/, {options['min_hits']} needed",
                 evidence_of(hits), evidence_of(segments[:3]))
