"""Calibration, shown: the table ``qc calibrate`` prints and ``calibration.html`` beside the overview,
which links to it. Both read plain data: the rules' agreement (:mod:`qc.rules.calibration`), their
titles and, by call uid, the calls that were compared."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from ..errors import environment_errors
from ..rules.calibration import RuleAgreement
from .files import write_text
from .i18n import interface_language
from .pages import CALIBRATION_PAGE, environment
from .scorecards import call_stem


def calibration_table(rules: Sequence[RuleAgreement], min_kappa: float) -> str:
    """The per-rule table, as text: calls, agreement, precision and recall of fail, kappa."""
    width = max([len(r.rule_id) for r in rules] + [4]) + 2
    lines = [f"{'rule':<{width}}{'calls':>6}{'agree':>8}{'precision':>11}{'recall':>8}{'kappa':>8}"]
    for r in rules:
        lines.append(f"{r.rule_id:<{width}}{r.calls:>6}{r.agreement:>8.0%}{_fixed(r.precision):>11}"
                     f"{_fixed(r.recall):>8}{_fixed(r.kappa):>8}{'  below ' + format(min_kappa, '.2f') if r.below else ''}")
    below = [r for r in rules if r.below]
    lines.append(f"{len(below)} of {len(rules)} rules below kappa {min_kappa:.2f}"
                 + (": " + ", ".join(r.rule_id for r in below) if below else "")
                 + "; precision and recall are of fail; '–' where undefined (no fail, or one status only)")
    return "\n".join(lines)


def _title(by_language: dict[str, str], language: str, rule_id: str) -> str:
    return by_language.get(language) or next(iter(by_language.values()), rule_id)


def _fixed(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.2f}"


def write_calibration_page(out_dir: Path, rules: Sequence[RuleAgreement], titles: dict[str, dict[str, str]],
                           calls: dict[str, dict], summary: dict, min_kappa: float,
                           ui_language: str = "auto") -> Path:
    """``titles``: rule id -> language -> title (the interface language's is shown); ``summary``: what was
    read (``read``, ``sources``, ``skipped``: reason -> count) and the ``period``."""
    language = interface_language(ui_language, [c["language"] for c in calls.values()])
    view = [{"rule_id": r.rule_id, "title": _title(titles.get(r.rule_id, {}), language, r.rule_id), "calls": r.calls,
             "agreement_pct": round(100 * r.agreement), "precision": _fixed(r.precision),
             "recall": _fixed(r.recall), "kappa": _fixed(r.kappa), "below": r.below,
             "confusion": [{"machine": m, "human": h, "n": n} for m, h, n in r.confusion],
             "disagreements": [{**calls[p.call_uid], "machine": p.machine, "human": p.human,
                                "reason": calls[p.call_uid]["reasons"].get(p.rule_id, ""),
                                "page": f"calls/{call_stem({'call_id': calls[p.call_uid]['call_id'], 'uid': p.call_uid})}.html"}
                               for p in r.disagreements]}
            for r in rules]
    html = environment(language).get_template("calibration.html").render(
        rules=view, summary=summary, min_kappa=min_kappa, root="", period=summary["period"])
    path = out_dir / CALIBRATION_PAGE
    with environment_errors(f"writing {path}"):
        out_dir.mkdir(parents=True, exist_ok=True)
        write_text(path, html)
    return path
