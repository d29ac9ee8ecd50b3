"""The HTML pages: team overview, agent scorecards, call pages, rule pages, the comparison and
the search page, from plain view data; the static report writes them all, ``qc serve`` renders
one per request with :func:`render`.

Templates are a base layout plus partials, autoescaped, with undefined variables as errors.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional

from .. import __version__
from ..rules.ruleset import RULES_DIR, load_ruleset
from ..schema import now
from . import charts
from .files import write_text
from .i18n import STRINGS, translator
from .options import ReportOptions
from .insights import comparison, rule_pages, search_index
from .scorecards import agent_views, overview

CALIBRATION_PAGE = "calibration.html"  # written by qc calibrate beside the overview, which links to it

SEARCH_FIELDS = ("q", "rule", "agent", "since", "until")  # the search form's fields


def environment(language: str):
    """The templates in ``language``; ``actions`` (what a logged-in user may do, under qc serve) is
    None on static pages."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("qc.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["mmss"] = lambda s: f"{int(s) // 60}:{int(s) % 60:02d}" if s is not None else "–"
    env.filters["num"] = lambda v, unit="": "–" if v is None else f"{v:g}{unit}"
    env.filters["t3"] = lambda s: f"{s:.3f}"
    env.filters["signed"] = lambda v: "–" if v is None else f"{v:+g}"
    t = translator(language)
    env.filters["duration"] = lambda seconds: _duration(seconds, t)
    env.filters["audit_change"] = lambda before, after: _audit_change(before, after, t)
    env.globals.update(t=t, lang=language, charts=charts, version=__version__, generated_at=now(), actions=None)
    return env


def _duration(seconds: float, t) -> str:
    """1.5 h, 12.3 min or 42 s: the size of a batch at a glance."""
    if seconds >= 3600:
        return t("hours", n=f"{seconds / 3600:.1f}")
    return t("minutes", n=f"{seconds / 60:.1f}") if seconds >= 60 else t("seconds", n=f"{seconds:.0f}")


AUDIT_VALUES = {"decision": "decision_", "status": "status_", "appeal": "appeal_status_", "review": "review_state_",
                "closed": "closed_", "via": "via_"}  # the audit fields whose values the pages name


def _audit_change(before: dict, after: dict, t) -> str:
    """What an audit row changed besides the score: ``decision: – → false_positive`` (判定：– → 误判)."""
    keys = [k for k in {**before, **after}
            if k not in ("score", "passed", "finding_key", "id") and before.get(k) != after.get(k)]

    def shown(key: str, value) -> str:
        if value is None:
            return "–"
        name = f"{AUDIT_VALUES.get(key, '')}{str(value).lower()}"
        return t(name) if key in AUDIT_VALUES and name in STRINGS else str(value)

    return t("list_sep").join(t("audit_field", field=t(f"field_{k}") if f"field_{k}" in STRINGS else k,
                                before=shown(k, before.get(k)), after=shown(k, after.get(k))) for k in keys)


def render(env, kind: str, root: str, **context) -> str:
    """One page: ``kind`` names its template (index, agent, call, rule, compare, search)."""
    return env.get_template(f"{kind}.html").render(root=root, **context)


def common_context(options: ReportOptions, packs: dict) -> dict:
    return {"period": {"since": options.since, "until": options.until, "team": options.team, "agent": options.agent},
            "pass_mark": packs["pass_score"]}


def search_choices(calls: list[dict]) -> dict:
    """The rules and agents the search form offers."""
    rules = {r["rule_id"]: r["title"] for c in calls for r in c["rules"] if r["status"] == "fail"}
    agents = {c["agent_id"]: c["agent_name"] for c in calls}
    return {"rules": sorted(rules.items(), key=lambda r: r[1]), "agents": sorted(agents.items())}


def render_pages(views: list[dict], chosen: set[str], out_dir: Path, batch: dict, options: ReportOptions,
                 language: str, packs: dict, changed: set[str], teams: set[str]) -> dict:
    """Write the pages of the ``chosen`` calls that ``changed``, the agent pages of ``teams`` (and
    any missing one), the rule pages, the comparison, the search page and the overview."""
    shown = [v for v in views if v["uid"] in chosen]
    env = environment(language)
    agents = [a for a in agent_views(views, packs["descriptions"], language)
              if any(c["uid"] in chosen for c in a["worst_calls"])]
    common = common_context(options, packs)
    for call in (c for c in shown if c["uid"] in changed):
        write_text(out_dir / call["page"], render(env, "call", "../", call=call, **common))
    for agent in (a for a in agents if a["team"] in teams or not (out_dir / a["page"]).is_file()):
        write_text(out_dir / agent["page"], render(env, "agent", "../", agent=agent, **common))
    if options.team is None and options.agent is None:  # agents with no call left (purged) lose their page
        current = {out_dir / a["page"] for a in agents}
        for stale in set((out_dir / "agents").glob("*.html")) - current:
            stale.unlink()
    rules = rule_pages(shown, language)
    for rule in rules:
        write_text(out_dir / rule["page"], render(env, "rule", "../", rule=rule, **common))
    for stale in set((out_dir / "rules").glob("*.html")) - {out_dir / r["page"] for r in rules}:
        stale.unlink()
    write_text(out_dir / "compare.html", render(env, "compare", "", comparison=comparison(shown, language),
                                                 **common))
    write_text(out_dir / "search.html", render(env, "search", "", index=search_index(shown), results=None,
                                                query=dict.fromkeys(SEARCH_FIELDS, ""), **search_choices(shown),
                                                **common))
    index = out_dir / "index.html"  # last: it links to the pages above
    write_text(index, render(env, "index", "", overview=overview(shown, agents, language), batch=batch,
                             rule_pages={r["rule_id"]: r["page"] for r in rules},
                             calibration=(out_dir / CALIBRATION_PAGE).is_file(), **common))
    return {"index": index, "agents": out_dir / "agents", "calls": out_dir / "calls"}


@lru_cache(maxsize=32)
def _pack(path: str, mtime_ns: int):
    """A pack read once per version of its file (qc serve asks again after every review action)."""
    return load_ruleset(Path(path))


def rule_packs(rules_dir: Optional[Path], names: set[str], language: str) -> dict:
    """Rule descriptions (for coaching; the interface language's pack wins), the pass mark and each
    pack's (by name), from the packs named in the results, when they are found in ``rules_dir``."""
    rules_dir = rules_dir or RULES_DIR
    packs = []
    for name in sorted(n for n in names if n):
        try:
            path = rules_dir / f"{name}.yaml"
            packs.append(_pack(str(path), path.stat().st_mtime_ns))
        except Exception:  # noqa: BLE001 - a custom pack stored elsewhere: coach without descriptions
            continue
    descriptions, pass_scores = {}, {}
    for pack in sorted(packs, key=lambda p: p.language == language):
        pass_scores[pack.name] = pack.pass_score
        descriptions.update({rule.id: rule.description for rule in pack.rules if rule.description})
    marks = set(pass_scores.values())
    return {"descriptions": descriptions, "pass_score": marks.pop() if len(marks) == 1 else None,
            "pass_scores": pass_scores}
