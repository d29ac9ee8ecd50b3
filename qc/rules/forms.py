"""Scoring forms as QA teams write them (pure): what each rule deducts or adds, and weighted sections.

A rule deducts its ``points`` when it fails. Besides, it may say::

    per_hit: 2          # deducted for each finding (evidence item) as well, e.g. each forbidden phrase
    max_deduction: 6    # the most the rule deducts from one call
    bonus: 5            # added when the rule passes (an offer made, a customer thanked by name)
    section: opening    # the form's section it counts in (below)

A rule set may cap the score and group its rules into weighted sections::

    max_score: 100      # bonuses never lift a score (or a section's) above this; the default
    sections:
      - {id: opening, title: 开场, weight: 20}
      - {id: handling, title: 业务处理, weight: 50}
      - {id: closing, title: 结束, weight: 30}

Without sections a call scores 100 − deductions + bonuses, kept within 0 and ``max_score``.
With sections every rule names its section, each section is scored that way on its own
rules (its subtotal), and the call's score is the mean of the subtotals weighted by
``weight``, to one decimal; a section whose rules were all ``na`` has no subtotal and its
weight is left out. A failed fatal rule makes the call's score 0 either way.

A call's score keeps its form, so the reviewed score (the statuses reviewers decided under
`qc serve` or `qc review import`) is counted the same way: a rule a reviewer passes earns its
bonus, one a reviewer fails deducts its points and one hit, within `max_deduction`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..errors import RuleConfigError
from ..schema import RuleResult
from .options import suggest, typed

RULE_FORM_KEYS = ("per_hit", "max_deduction", "bonus", "section")
SECTION_KEYS = ("id", "title", "weight")
DEFAULT_MAX_SCORE = 100.0


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    weight: float


def rule_form(path, rule_id: str, entry: dict, sections: tuple[Section, ...]) -> dict:
    """The form keys of one rule mapping, checked: ``per_hit``, ``max_deduction``, ``bonus``, ``section``."""
    out = {}
    for key in ("per_hit", "max_deduction", "bonus"):
        if key in entry:
            out[key] = typed(path, rule_id, key, entry[key], float)
            if out[key] < 0:
                raise RuleConfigError(path, rule_id, key, expected="a number >= 0", found=entry[key])
    if "max_deduction" in out and "per_hit" not in out:
        raise RuleConfigError(path, rule_id, "max_deduction", message="caps per_hit deductions; the rule has no "
                                                                      "per_hit")
    ids = [s.id for s in sections]
    if sections and "section" not in entry:
        raise RuleConfigError(path, rule_id, "section", message="missing: the set has sections",
                              expected=f"one of {', '.join(ids)}")
    if "section" in entry:
        if entry["section"] not in ids:
            raise RuleConfigError(path, rule_id, "section", message=f"unknown section{suggest(entry['section'], ids)}",
                                  expected=f"one of {', '.join(ids) or '(the set has no sections:)'}",
                                  found=entry["section"])
        out["section"] = entry["section"]
    return out


def parse_sections(path, raw) -> tuple[Section, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(s, dict) for s in raw):
        raise RuleConfigError(path, option="sections", expected="a list of {id, title, weight}", found=raw)
    sections = []
    for item in raw:
        for key in item:
            if key not in SECTION_KEYS:
                raise RuleConfigError(path, option=f"sections.{key}", message=f"unknown key{suggest(key, SECTION_KEYS)}",
                                      expected=f"one of {', '.join(SECTION_KEYS)}", found=key)
        section_id = typed(path, None, "sections.id", item.get("id"), str)
        weight = typed(path, None, f"sections.{section_id}.weight", item.get("weight"), float)
        if weight <= 0:
            raise RuleConfigError(path, option=f"sections.{section_id}.weight", expected="a number > 0", found=weight)
        if section_id in {s.id for s in sections}:
            raise RuleConfigError(path, option=f"sections.{section_id}", message="duplicate section id")
        sections.append(Section(section_id, str(item.get("title", section_id)), weight))
    return tuple(sections)


def deduction(points: float, per_hit: Optional[float], max_deduction: Optional[float], hits: int) -> float:
    """What a failed rule deducts: its points, plus ``per_hit`` for each finding (at least one), at most
    ``max_deduction``."""
    total = points + (per_hit or 0.0) * max(hits, 1)
    return min(total, max_deduction) if max_deduction is not None else total


def subtotal(results: list[RuleResult], max_score: float) -> float:
    """100 − deductions + bonuses of these results, within 0 and ``max_score``."""
    change = sum(r.bonus for r in results) - sum(r.points for r in results if r.status == "fail")
    return min(max_score, max(0.0, 100.0 + change))


def form_score(results: tuple[RuleResult, ...], sections: tuple[Section, ...],
               max_score: float) -> tuple[float, tuple[tuple[str, str, float, Optional[float]], ...]]:
    """The call's score before fatal rules, and each section's (id, title, weight, subtotal or None)."""
    if not sections:
        return subtotal(list(results), max_score), ()
    scored = []
    for section in sections:
        own = [r for r in results if r.section == section.id]
        applied = any(r.status != "na" for r in own)
        scored.append((section.id, section.title, section.weight, round(subtotal(own, max_score), 1) if applied
                       else None))
    counted = [(weight, value) for _, _, weight, value in scored if value is not None]
    if not counted:
        return min(max_score, 100.0), tuple(scored)  # nothing applied: nothing lost
    return round(sum(w * v for w, v in counted) / sum(w for w, _ in counted), 1), tuple(scored)


def form_record(pass_score: float, max_score: float, sections: tuple[Section, ...], rules) -> dict:
    """What the reviewed score needs of a set's form (``CallScore.form``): its pass mark, maximum and
    sections, and the bonus and per-hit deductions of the ``rules`` (``Rule``) that have them, since
    a call's results hold only what the machine's statuses earned."""
    return {"pass_score": pass_score, "max_score": max_score, "sections": [[s.id, s.title, s.weight] for s in sections],
            "rules": {r.id: {"bonus": r.bonus, "per_hit": r.per_hit, "max_deduction": r.max_deduction}
                      for r in rules if r.bonus or r.per_hit is not None}}
