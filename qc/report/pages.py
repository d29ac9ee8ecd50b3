"""The HTML pages: team overview, agent scorecards and call pages, from plain view data.

Templates are a base layout plus partials, autoescaped, with undefined variables as errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from .. import __version__
from ..rules.ruleset import RULES_DIR, load_ruleset
from ..schema import now
from . import charts
from .files import write_text
from .i18n import translator
from .options import ReportOptions
from .scorecards import agent_views, overview

CALIBRATION_PAGE = "calibration.html"  # written by qc calibrate beside the overview, which links to it


def environment(language: str):
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("qc.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["mmss"] = lambda s: f"{int(s) // 60}:{int(s) % 60:02d}" if s is not None else "–"
    env.filters["num"] = lambda v, unit="": "–" if v is None else f"{v:g}{unit}"
    env.filters["t3"] = lambda s: f"{s:.3f}"
    env.filters["duration"] = _duration
    env.globals.update(t=translator(language), lang=language, charts=charts, version=__version__,
                       generated_at=now())
    return env


def _duration(seconds: float) -> str:
    """1.5 h, 12.3 min or 42 s: the size of a batch at a glance."""
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def render_pages(views: list[dict], chosen: set[str], out_dir: Path, batch: dict, options: ReportOptions,
                 language: str, packs: dict, changed: set[str], teams: set[str]) -> dict:
    """Write the pages of the ``chosen`` calls that ``changed``, the agent pages of ``teams`` (and
    any missing one), and the overview."""
    shown = [v for v in views if v["uid"] in chosen]
    env = environment(language)
    agents = [a for a in agent_views(views, packs["descriptions"], language)
              if any(c["uid"] in chosen for c in a["worst_calls"])]
    period = {"since": options.since, "until": options.until, "team": options.team, "agent": options.agent}
    common = {"period": period, "pass_mark": packs["pass_score"]}
    call_page = env.get_template("call.html")
    for call in (c for c in shown if c["uid"] in changed):
        write_text(out_dir / call["page"], call_page.render(call=call, root="../", **common))
    for agent in (a for a in agents if a["team"] in teams or not (out_dir / a["page"]).is_file()):
        write_text(out_dir / agent["page"], env.get_template("agent.html").render(agent=agent, root="../", **common))
    if options.team is None and options.agent is None:  # agents with no call left (purged) lose their page
        current = {out_dir / a["page"] for a in agents}
        for stale in set((out_dir / "agents").glob("*.html")) - current:
            stale.unlink()
    index = out_dir / "index.html"  # last: it links to the pages above
    write_text(index, env.get_template("index.html").render(overview=overview(shown, agents, language),
                                                            batch=batch, root="", **common,
                                                            calibration=(out_dir / CALIBRATION_PAGE).is_file()))
    return {"index": index, "agents": out_dir / "agents", "calls": out_dir / "calls"}


def rule_packs(rules_dir: Optional[Path], names: set[str], language: str) -> dict:
    """Rule descriptions (for coaching; the interface language's pack wins) and the pass mark, from the
    packs named in the results, when they are found in ``rules_dir``."""
    rules_dir = rules_dir or RULES_DIR
    packs = []
    for name in sorted(n for n in names if n):
        try:
            packs.append(load_ruleset(rules_dir / f"{name}.yaml"))
        except Exception:  # noqa: BLE001 - a custom pack stored elsewhere: coach without descriptions
            continue
    descriptions, pass_scores = {}, set()
    for pack in sorted(packs, key=lambda p: p.language == language):
        pass_scores.add(pack.pass_score)
        descriptions.update({rule.id: rule.description for rule in pack.rules if rule.description})
    return {"descriptions": descriptions, "pass_score": pass_scores.pop() if len(pass_scores) == 1 else None}
