"""How far each rule's verdicts agree with human reviewers' (pure): what a QA lead reads before
trusting a rule, or fixing it.

Over the calls where both qc and a human gave a rule a verdict (``pass``, ``fail`` or ``na``):

- *agreement*: the share of those calls where both said the same;
- *precision* of ``fail``: of the calls qc failed, the share the human failed too (None when qc
  failed none): how often a qc finding is real;
- *recall* of ``fail``: of the calls the human failed, the share qc failed too (None when the
  human failed none): how much qc catches;
- *Cohen's kappa*: agreement beyond chance, ``(p_o - p_e) / (1 - p_e)``, where ``p_o`` is the
  agreement and ``p_e`` the agreement expected from each side's own share of each status.

``na`` is a status like the other two, for agreement and kappa alike: a human's ``na`` against
qc's ``pass`` is a disagreement (the rule should not have applied); for precision and recall it
is "not fail". When both sides gave one and the same status on every call, ``p_e`` is 1 and
kappa is undefined (None): the agreement is perfect but says nothing about the rule's
judgement. A rule is *below the threshold* when its kappa is below ``min_kappa``; an undefined
kappa never is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Optional, Sequence

from ..schema import Status

STATUSES: tuple[Status, ...] = ("pass", "fail", "na")
DEFAULT_MIN_KAPPA = 0.6  # Landis and Koch: above 0.6 is "substantial" agreement


@dataclass(frozen=True)
class Pair:
    """One rule on one call: qc's verdict and a human's."""

    call_uid: str
    rule_id: str
    machine: Status
    human: Status


@dataclass(frozen=True)
class RuleAgreement:
    rule_id: str
    calls: int  # human-checked calls that qc also judged
    agreement: float  # 0..1
    precision: Optional[float]  # of fail; None: qc failed no call
    recall: Optional[float]  # of fail; None: the human failed no call
    kappa: Optional[float]  # None: both gave one status only
    below: bool  # kappa below the threshold
    confusion: tuple[tuple[Status, Status, int], ...]  # (qc, human, calls) for every pair of statuses seen
    disagreements: tuple[Pair, ...]


def cohen_kappa(machine: Sequence[str], human: Sequence[str]) -> Optional[float]:
    """Cohen's kappa of two raters over the same items; None when chance agreement is 1."""
    n = len(machine)
    if n == 0 or n != len(human):
        raise ValueError("two equally long, non-empty sequences of verdicts are needed")
    observed = sum(m == h for m, h in zip(machine, human)) / n
    ours, theirs = Counter(machine), Counter(human)
    expected = sum(ours[s] * theirs[s] for s in ours) / (n * n)
    return None if expected == 1 else (observed - expected) / (1 - expected)


def rule_agreement(pairs: Sequence[Pair], min_kappa: float = DEFAULT_MIN_KAPPA) -> list[RuleAgreement]:
    """One row per rule, in the order rules first appear in ``pairs``."""
    by_rule: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_rule.setdefault(pair.rule_id, []).append(pair)
    return [_agreement(rule_id, own, min_kappa) for rule_id, own in by_rule.items()]


def _agreement(rule_id: str, pairs: list[Pair], min_kappa: float) -> RuleAgreement:
    machine, human = [p.machine for p in pairs], [p.human for p in pairs]
    both_fail = sum(m == h == "fail" for m, h in zip(machine, human))
    kappa = cohen_kappa(machine, human)
    counts = Counter(zip(machine, human))
    return RuleAgreement(
        rule_id=rule_id, calls=len(pairs), agreement=sum(m == h for m, h in zip(machine, human)) / len(pairs),
        precision=both_fail / machine.count("fail") if "fail" in machine else None,
        recall=both_fail / human.count("fail") if "fail" in human else None,
        kappa=kappa, below=kappa is not None and kappa < min_kappa,
        confusion=tuple((m, h, counts[m, h]) for m in STATUSES for h in STATUSES if counts[m, h]),
        disagreements=tuple(p for p in pairs if p.machine != p.human))
