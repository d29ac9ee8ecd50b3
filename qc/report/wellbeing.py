"""Agent wellbeing: how many calls with angry or abusive customers each agent took (pure).

A call's ``customer_load`` (``qc.rules.customer_load``: the customer's angry sentences and
abusive words) was stored by its record step; None where who the customer is is unknown.
:func:`load_by_agent` gives each agent's count and share of such *difficult* calls among the
calls where it could be read, this week against the week before (the week of the newest call),
and their team's share beside it. It is shown to supervisors as a load to support the agent
with, never as a fault: it is no part of any score, and agents are ranked by it only to see
who may need support first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Optional

from .insights import week_of

EXAMPLES_SHOWN = 3


def difficult(call: dict) -> bool:
    return bool((call.get("customer_load") or {}).get("difficult"))


def load_by_agent(calls: list[dict]) -> list[dict]:
    """One row per agent with readable calls, the highest share of difficult calls first."""
    read = [c for c in calls if c["status"] == "ok" and c.get("customer_load") is not None]
    days = [c["day"] for c in read if c["day"]]
    this = week_of(max(days)) if days else None
    spans = [(this - timedelta(days=7), this), (this, this + timedelta(days=7))] if this else []
    team_share = {team: _share([c for c in read if c["team"] == team]) for team in {c["team"] for c in read}}
    rows = []
    for agent_id in sorted({c["agent_id"] for c in read}):
        own = [c for c in read if c["agent_id"] == agent_id]
        hard = [c for c in own if difficult(c)]
        weeks = [[c for c in own if c["day"] and a.isoformat() <= c["day"] < b.isoformat()] for a, b in spans]
        rows.append({
            "agent_id": agent_id, "agent_name": own[0]["agent_name"], "team": own[0]["team"],
            "page": own[0]["agent_page"], "calls": len(own), "difficult": len(hard), "share": _share(own),
            "angry": sum(bool(c["customer_load"]["angry_sentences"]) for c in own),
            "abusive": sum(bool(c["customer_load"]["abusive_words"]) for c in own),
            "last_week": _week(weeks[0]) if weeks else None, "this_week": _week(weeks[1]) if weeks else None,
            "team_share": team_share[own[0]["team"]],
            "examples": [{"call": c, "start_s": (c["customer_load"]["moments"] or [{}])[0].get("start_s"),
                          "quote": (c["customer_load"]["moments"] or [{}])[0].get("text", "")}
                         for c in sorted(hard, key=lambda c: c["started_at"], reverse=True)[:EXAMPLES_SHOWN]],
        })
    return sorted(rows, key=lambda r: (-(r["share"] or 0), -r["difficult"], r["agent_id"]))


def _week(calls: list[dict]) -> dict:
    return {"calls": len(calls), "difficult": sum(difficult(c) for c in calls), "share": _share(calls)}


def _share(calls: list[dict]) -> Optional[int]:
    return round(100 * sum(difficult(c) for c in calls) / len(calls)) if calls else None
