"""The insights page's data: why customers call, by team and by channel (pure: no I/O, no markup).

Each call view carries the ``reason`` its record step stored (``qc.rules.context``; None for
calls recorded without a taxonomy). :func:`reason_insights` ranks the topics of the period's
calls, the top :data:`TOP_REASONS` with, for each: its share of the calls, this week against
the week before (the week of the newest call), the mean score of its calls, its complaint
share (service type complaint, 投诉), how it splits over teams and channels, and a few example
calls linked at the moment the customer stated it. The channel is the manifest's ``channel``
column (``CallMeta.extra["channel"]``: phone, app, wechat...), ``phone`` when absent.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from statistics import mean
from typing import Optional

from ..rules.taxonomy import OTHER, SERVICE_TYPES
from .emerging import emerging_topics
from .insights import week_of

TOP_REASONS = 10
EXAMPLES_SHOWN = 3
DEFAULT_CHANNEL = "phone"


def channel_of(call: dict) -> str:
    return str(call.get("channel") or DEFAULT_CHANNEL)


def topic_name(reason: dict, language: str) -> str:
    """The topic's name in ``language``, else in another, else its id ("" for other: the page names it)."""
    names = reason.get("topic_names") or {}
    return names.get(language) or next(iter(names.values()), "") or ("" if reason["topic"] == OTHER
                                                                      else reason["topic"])


def reason_insights(calls: list[dict], language: str = "") -> dict:
    """The reasons of ``calls`` (call views): ranked topics, service types, teams, channels, emerging topics."""
    described = [c for c in calls if c["status"] == "ok" and c.get("reason")]
    days = [c["day"] for c in described if c["day"]]
    this = week_of(max(days)) if days else None
    last = this - timedelta(days=7) if this else None

    def in_week(call: dict, start) -> bool:
        end = start + timedelta(days=7) if start else None
        return bool(start and call["day"] and start.isoformat() <= call["day"] < end.isoformat())

    by_topic: dict[str, list[dict]] = {}
    for call in described:
        by_topic.setdefault(call["reason"]["topic"], []).append(call)
    ranked = sorted(by_topic.items(), key=lambda item: (-len(item[1]), item[0] == OTHER, item[0]))[:TOP_REASONS]
    teams = sorted({c["team"] for c in described})
    channels = sorted({channel_of(c) for c in described}, key=lambda ch: (ch != DEFAULT_CHANNEL, ch))
    rows = []
    for topic, members in ranked:
        this_week = sum(in_week(c, this) for c in members)
        last_week = sum(in_week(c, last) for c in members)
        scores = [c["score"] for c in members if c["score"] is not None]
        rows.append({
            "topic": topic, "name": topic_name(members[0]["reason"], language), "calls": len(members),
            "share": _pct(len(members), len(described)), "this_week": this_week, "last_week": last_week,
            "change": this_week - last_week if this else None,
            "mean_score": round(mean(scores), 1) if scores else None,
            "complaint_share": _pct(sum(c["reason"]["service_type"] == "complaint" for c in members), len(members)),
            "by_team": [sum(c["team"] == team for c in members) for team in teams],
            "by_channel": [sum(channel_of(c) == ch for c in members) for ch in channels],
            "examples": examples(members),
        })
    services = Counter(c["reason"]["service_type"] for c in described)
    return {
        "calls": len(calls), "described": len(described),
        "weeks": {"this": this.isoformat(), "last": last.isoformat()} if this else None,
        "reasons": rows, "teams": teams, "channels": channels,
        "team_totals": [sum(c["team"] == team for c in described) for team in teams],
        "channel_totals": [sum(channel_of(c) == ch for c in described) for ch in channels],
        "service_types": [{"id": s, "calls": services[s], "share": _pct(services[s], len(described))}
                          for s in SERVICE_TYPES],
        "other": len(by_topic.get(OTHER, ())),
        "emerging": emerging_topics([c for c in described if c["reason"]["topic"] == OTHER]),
    }


def examples(calls: list[dict], shown: int = EXAMPLES_SHOWN) -> list[dict]:
    """The clearest cases first (highest confidence, then newest): each call with where its statement starts."""
    newest = sorted(calls, key=lambda c: c["started_at"], reverse=True)
    chosen = sorted(newest, key=lambda c: -(c["reason"].get("confidence") or 0))
    return [{"call": c, "start_s": c["reason"].get("start_s"), "quote": c["reason"].get("statement", "")}
            for c in chosen[:shown]]


def _pct(part: int, whole: int) -> Optional[int]:
    return round(100 * part / whole) if whole else None
