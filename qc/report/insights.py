"""The pages supervisors asked for, computed from call views (pure: no I/O, no markup).

:func:`rule_pages` gives each rule that failed a page of its failing calls; :func:`comparison`
sets one week against the week before and team against team; :func:`search_index` and
:func:`search` find calls by phrase, rule, agent and date (the static search page filters
the index in the browser with the same rules; ``qc serve`` runs :func:`search`).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from typing import Optional

from .scorecards import TOP_RULES, group_stats, safe_name

SEARCH_HITS_SHOWN = 3


def rule_stem(rule_id: str) -> str:
    name = safe_name(rule_id)
    return name if name == rule_id else f"{name}-{hashlib.sha256(rule_id.encode()).hexdigest()[:6]}"


def rule_pages(calls: list[dict], language: str = "") -> list[dict]:
    """One page per rule that failed in ``calls``: its rates and its failing calls, worst first,
    each linking to the moment of the evidence."""
    stats = group_stats(calls, language)["rules"]
    pages = []
    for rule in sorted((r for r in stats.values() if r["failed"]), key=lambda r: (-r["failed"], r["title"])):
        failing = []
        for call in calls:
            result = next((r for r in call["rules"] if r["rule_id"] == rule["rule_id"] and r["status"] == "fail"
                           and call["status"] == "ok"), None)
            if result:
                evidence = result["evidence"]
                failing.append({"call": call, "reason": result["reason"],
                                "start_s": evidence[0]["start_s"] if evidence else None,
                                "end_s": max(e["end_s"] for e in evidence) if evidence else None,
                                "quote": next((e["text"] for e in evidence if e["text"]), "")})
        failing.sort(key=lambda f: (f["call"]["score"], f["call"]["started_at"]))
        pages.append({**rule, "page": f"rules/{rule_stem(rule['rule_id'])}.html", "calls": failing})
    return pages


def week_of(day: str) -> date:
    """The Monday of the ISO week of a ``YYYY-MM-DD`` day."""
    d = date.fromisoformat(day[:10])
    return d - timedelta(days=d.weekday())


def comparison(calls: list[dict], language: str = "", week: Optional[str] = None) -> dict:
    """The week of ``week`` (a day; default: the newest call's) against the week before, per team and
    overall, with the rules that failed most; and every team against the others over all ``calls``."""
    days = [c["day"] for c in calls if c["day"]]
    if not days:
        return {"weeks": None, "teams": []}
    this = week_of(week or max(days))
    last = this - timedelta(days=7)
    spans = [(last, this), (this, this + timedelta(days=7))]
    in_week = [[c for c in calls if c["day"] and a.isoformat() <= c["day"] < b.isoformat()] for a, b in spans]
    team_names = sorted({c["team"] for c in calls})
    rows = []
    for team in [None, *team_names]:
        pair = [group_stats([c for c in group if team is None or c["team"] == team], language) for group in in_week]
        rows.append({"team": team, "before": pair[0], "after": pair[1],
                     "change": _change(pair[1]["mean_score"], pair[0]["mean_score"]),
                     "pass_change": _change(pair[1]["pass_rate"], pair[0]["pass_rate"])})
    titles = {r: s["title"] for r, s in group_stats(calls, language)["rules"].items()}  # the interface's, if any
    both = [group_stats(group, language)["rules"] for group in in_week]
    rule_ids = sorted(set(both[0]) | set(both[1]),
                      key=lambda r: (-(both[1].get(r, {}).get("failed", 0) + both[0].get(r, {}).get("failed", 0)), r))
    weekly_rules = [{"rule_id": r, "title": titles[r],
                     "before": both[0].get(r, {}).get("rate"), "after": both[1].get(r, {}).get("rate")}
                    for r in rule_ids if both[0].get(r, {}).get("failed") or both[1].get(r, {}).get("failed")]
    teams = [{"team": team, **group_stats([c for c in calls if c["team"] == team], language),
              "agents": len({c["agent_id"] for c in calls if c["team"] == team})} for team in team_names]
    team_rules = sorted({r for t in teams for r, s in t["rules"].items() if s["failed"]},
                        key=lambda r: (-sum(t["rules"].get(r, {}).get("failed", 0) for t in teams), r))[:TOP_RULES]
    return {
        "weeks": {"this": this.isoformat(), "last": last.isoformat(), "end": (this + timedelta(days=6)).isoformat(),
                  "rows": rows, "rules": weekly_rules[:TOP_RULES]},
        "teams": teams,
        "team_rules": [{"rule_id": r, "title": titles[r],
                        "rates": [t["rules"][r]["rate"] if r in t["rules"] else None for t in teams]}
                       for r in team_rules],
    }


def _change(after: Optional[float], before: Optional[float]) -> Optional[float]:
    return None if after is None or before is None else round(after - before, 1)


def search_index(calls: list[dict]) -> list[dict]:
    """What the static search page filters: per call its id, page, agent, team, day, score, failed
    rules and sentences (start, text)."""
    return [{"id": c["call_id"], "page": c["page"], "agent": c["agent_id"], "name": c["agent_name"],
             "team": c["team"], "day": c["day"], "score": c["score"], "passed": c["passed"],
             "rules": [r["rule_id"] for r in c["rules"] if r["status"] == "fail"],
             "titles": [r["title"] for r in c["rules"] if r["status"] == "fail"],
             "said": [[item["start_s"], item["text"]] for item in c["chat"] if item["kind"] == "sentence"]}
            for c in calls]


def search(calls: list[dict], phrase: str = "", rule: str = "", agent: str = "", since: str = "",
           until: str = "") -> list[dict]:
    """Calls that said ``phrase`` (any case), failed ``rule``, are ``agent``'s (id or name) and started
    between ``since`` and ``until`` (days, both included); each with its first matching sentences."""
    needle = re.compile(re.escape(phrase.strip()), re.IGNORECASE) if phrase.strip() else None
    found = []
    for call in sorted(calls, key=lambda c: c["started_at"], reverse=True):
        if rule and not any(r["rule_id"] == rule and r["status"] == "fail" for r in call["rules"]):
            continue
        if agent and agent not in (call["agent_id"], call["agent_name"]):
            continue
        if (since and call["day"] < since) or (until and call["day"] > until):
            continue
        hits = [item for item in call["chat"] if needle and item["kind"] == "sentence" and needle.search(item["text"])]
        if needle and not hits:
            continue
        found.append({"call": call, "hits": [_marked(h, needle) for h in hits[:SEARCH_HITS_SHOWN]],
                      "more": max(0, len(hits) - SEARCH_HITS_SHOWN)})
    return found


def _marked(item: dict, needle: re.Pattern) -> dict:
    """A sentence cut around the phrase, so the page can mark it without markup in the data."""
    text, match = item["text"], needle.search(item["text"])
    return {"start_s": item["start_s"], "before": text[:match.start()], "match": match.group(),
            "after": text[match.end():]}
