"""What the scorecard pages show, computed from stored calls (pure: no I/O, no markup).

:func:`call_view` turns one call (its published JSON and, when scored, its analysis) into
the call page's data: findings, the chat with marks and silences, the timeline's lanes and
the conversation measures. :func:`agent_views` and :func:`overview` aggregate call views
into the agent scorecards (against their team's norms, with coaching points) and the team
overview. Everything returned is plain dicts, lists and numbers.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from statistics import mean
from typing import Optional

from ..metrics import call_metrics, silences, turns
from ..schema import CallAnalysis

SILENCE_SHOWN_S = 2.0  # pauses at least this long are drawn and counted as silence
OVERTALK_SHOWN_S = 0.3  # both parties heard at once for at least this long
COACHING_POINTS = 3
TOP_RULES = 8
CATEGORY_ORDER = ("compliance", "service", "emotion")
METRICS = (  # key, how it compares with the team (lower is better: None when neither)
    ("talk_ratio_pct", None), ("silence_pct", "lower"), ("longest_silence_s", "lower"),
    ("interruptions", "lower"), ("speech_rate", None))


def safe_name(text: str) -> str:
    """A file name for an id: letters, digits, '.', '-' and '_' only (ids may contain anything)."""
    cleaned = re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("._")
    return cleaned or "_"


def call_stem(doc: dict) -> str:
    """A call's file name (page, JSON, audio copy): its id made safe plus its identity, so the next
    night's C0001, or "a/b" beside "a_b", never takes another call's page or recording."""
    return f"{safe_name(doc['call_id'])}-{doc['uid'][:8]}"


def agent_stem(agent_id: str) -> str:
    """An agent's page name: the id itself when it is a safe file name, else made safe and told apart."""
    name = safe_name(agent_id)
    return name if name == agent_id else f"{name}-{hashlib.sha256(agent_id.encode()).hexdigest()[:6]}"


# -- one call ------------------------------------------------------------------------------


def call_view(doc: dict, analysis: Optional[CallAnalysis], audio: dict, processing_s: float = 0.0) -> dict:
    """The call page's data; ``doc`` is the call JSON (as reviewed: ``reviewed.review_docs``), ``audio``
    says how to play it."""
    failed_rules = [r for r in doc["rules"] if r["status"] == "fail"]
    rule_set = doc.get("rule_set") or {"name": "", "version": ""}
    # a reviewed call also lists the machine's findings a reviewer or an appeal overturned
    findings = [_finding(r) for r in doc["rules"] if r["status"] == "fail" or r.get("machine_status") == "fail"]
    view = {
        "call_id": doc["call_id"], "uid": doc["uid"], "agent_id": doc["agent_id"], "agent_name": doc["agent_name"],
        "team": doc["team"], "started_at": doc["started_at"], "day": doc["started_at"][:10],
        "page": f"calls/{call_stem(doc)}.html", "json": f"calls/{call_stem(doc)}.json",
        "agent_page": f"agents/{agent_stem(doc['agent_id'])}.html",
        "status": doc["status"], "error": doc["error"], "path": doc["audio"]["path"],
        "duration_s": doc["audio"]["duration_s"] or 0.0, "language": doc["language"] or "",
        "score": doc["score"], "passed": doc["passed"], "processing_s": processing_s or 0.0,
        "rules_name": rule_set["name"], "rules_version": rule_set["version"][:8], "sections": doc.get("sections", []),
        "fatal": any(r["fatal"] for r in failed_rules), "findings": findings, "rules": doc["rules"],
        "passed_rules": [r for r in doc["rules"] if r["status"] == "pass" and r.get("machine_status") != "fail"],
        "machine_score": doc.get("machine_score", doc["score"]), "review": doc.get("review"),
        "na_rules": [r for r in doc["rules"] if r["status"] == "na"],
        "low_confidence": bool(doc["diarization"] and doc["diarization"]["low_confidence"]),
        "role_confidence_pct": round(100 * doc["diarization"]["role_confidence"]) if doc["diarization"] else None,
        "diarization_reason": doc["diarization"]["reason"] if doc["diarization"] else "",
        "audio": audio, "metrics": None, "chat": [], "timeline": None,
    }
    if analysis is not None:
        gaps = [(a, b) for a, b in silences(analysis.transcript) if b - a >= SILENCE_SHOWN_S]
        view["metrics"] = call_metrics(analysis, gaps)
        view["chat"] = _chat(doc["segments"], failed_rules, gaps)
        view["timeline"] = _timeline(analysis, gaps, findings)
    return view


def _finding(rule: dict) -> dict:
    evidence = rule["evidence"]
    return {**rule, "start_s": evidence[0]["start_s"] if evidence else None,
            "end_s": max(e["end_s"] for e in evidence) if evidence else None}


def _overlaps(a: list, b: list) -> bool:
    """Spans share time (touching ends do not count); a moment (start == end) inside a span does."""
    return (a[0] < b[1] and a[1] > b[0]) or (b[0] == b[1] and a[0] <= b[0] <= a[1])


def _about(seg: dict, evidence: dict) -> bool:
    """Evidence marks a sentence of the party it is about (what the agent said, not the customer's
    words at the same moment); evidence of nobody's (a silence, the whole call) marks anyone's."""
    return _overlaps([seg["start_s"], seg["end_s"]], [evidence["start_s"], evidence["end_s"]]) \
        and evidence.get("role", "") in ("", seg["role"])


def _chat(segments: list[dict], failed_rules: list[dict], gaps: list[tuple[float, float]]) -> list[dict]:
    """Sentences and long silences in time order; sentences carry the findings they are evidence of."""
    items = []
    for index, seg in enumerate(segments):
        hits = [r for r in failed_rules if any(_about(seg, e) for e in r["evidence"])]
        hits.sort(key=lambda r: -r["points"])  # the costliest finding first: it names the sentence's flag
        emotions = [r["title"] for r in hits if r["category"] == "emotion"]
        if seg.get("emotion"):  # a per-sentence label, when the analysis carries one
            emotions.insert(0, str(seg["emotion"]))
        items.append({"kind": "sentence", "index": index, "role": seg["role"], "speaker": seg["speaker"],
                      "start_s": seg["start_s"], "end_s": seg["end_s"], "text": seg["text"],
                      "flags": [r["title"] for r in hits if r["category"] != "emotion"],
                      "emotions": emotions})
    items += [{"kind": "gap", "start_s": a, "end_s": b, "seconds": round(b - a, 1)} for a, b in gaps]
    return sorted(items, key=lambda item: (item["start_s"], item["kind"] == "sentence"))


def _timeline(analysis: CallAnalysis, gaps: list[tuple[float, float]], findings: list[dict]) -> dict:
    transcript = analysis.transcript
    source = transcript.speech or transcript.segments
    if transcript.roles_known:
        lanes = [{"role": role, "label": role, "spans": [(t.start_s, t.end_s) for t in turns(transcript, role, 0.0)]}
                 for role in ("agent", "customer")]
        overtalk = _intersections(lanes[0]["spans"], lanes[1]["spans"])
    else:
        speakers = sorted({r.speaker for r in source})
        lanes = [{"role": "unknown", "label": speaker,
                  "spans": [(r.start_s, r.end_s) for r in source if r.speaker == speaker]} for speaker in speakers]
        overtalk = _intersections(lanes[0]["spans"], lanes[1]["spans"]) if len(lanes) == 2 else []
    titles: dict[tuple[float, float], list[str]] = defaultdict(list)  # one flag per moment, naming every finding
    for f in findings:
        for e in f["evidence"]:
            titles[(e["start_s"], e["end_s"])].append(f["title"])
    marks = [{"start_s": a, "end_s": b, "title": " · ".join(names)} for (a, b), names in sorted(titles.items())]
    return {"duration_s": analysis.audio.duration_s, "lanes": lanes, "silences": gaps,
            "overtalk": [(a, b) for a, b in overtalk if b - a >= OVERTALK_SHOWN_S], "marks": marks}


def _intersections(first: list[tuple[float, float]], second: list[tuple[float, float]]) -> list[tuple[float, float]]:
    found, j = [], 0
    for a0, a1 in first:
        while j < len(second) and second[j][1] <= a0:
            j += 1
        k = j
        while k < len(second) and second[k][0] < a1:
            start, end = max(a0, second[k][0]), min(a1, second[k][1])
            if end > start:
                found.append((start, end))
            k += 1
    return found


# -- agents and teams ----------------------------------------------------------------------


def group_stats(calls: list[dict], language: str = "") -> dict:
    """Scores, pass rate, fatal failures, rule fail counts, measures and daily trend of some calls.

    A rule keeps the title most calls gave it, preferring calls in ``language`` (the interface's):
    the zh and en packs share rule ids, each titled in its own language."""
    scored = [c for c in calls if c["status"] == "ok"]
    rules: dict[str, dict] = {}
    for call in scored:
        for r in call["rules"]:
            if r["status"] == "na":
                continue
            entry = rules.setdefault(r["rule_id"], {"rule_id": r["rule_id"], "titles": Counter(),
                                                    "category": r["category"], "points": r["points"],
                                                    "failed": 0, "checked": 0})
            entry["titles"][(call["language"][:2] == language, r["title"])] += 1
            entry["checked"] += 1
            entry["failed"] += r["status"] == "fail"
    for entry in rules.values():
        titles = entry.pop("titles")
        entry["title"] = max(titles, key=lambda key: (key[0], titles[key]))[1]
        entry["rate"] = round(100 * entry["failed"] / entry["checked"])
    by_day: dict[str, list[float]] = defaultdict(list)
    for call in scored:
        by_day[call["day"]].append(call["score"])
    return {
        "calls": len(calls), "scored": len(scored), "not_processed": len(calls) - len(scored),
        "mean_score": round(mean(c["score"] for c in scored), 1) if scored else None,
        "pass_rate": round(100 * sum(bool(c["passed"]) for c in scored) / len(scored)) if scored else None,
        "fatal": sum(c["fatal"] for c in scored), "rules": rules,
        "metrics": _mean_metrics(scored),
        "trend": [(day, round(mean(values), 1)) for day, values in sorted(by_day.items()) if day],
        "scores": [c["score"] for c in scored],
    }


def _mean_metrics(calls: list[dict]) -> dict:
    out = {}
    for key, _ in METRICS:
        values = [c["metrics"][key] for c in calls if c["metrics"] and c["metrics"][key] is not None]
        out[key] = round(mean(values), 1) if values else None
    units_seen = Counter(c["metrics"]["rate_unit"] for c in calls if c["metrics"] and c["metrics"]["rate_unit"])
    out["rate_unit"] = units_seen.most_common(1)[0][0] if units_seen else None
    return out


def agent_views(calls: list[dict], descriptions: Optional[dict[str, str]] = None, language: str = "") -> list[dict]:
    """One scorecard per agent in ``calls``, compared with all calls of the agent's team in ``calls``;
    the lowest mean score first (who needs coaching most)."""
    by_team: dict[str, list[dict]] = defaultdict(list)
    by_agent: dict[str, list[dict]] = defaultdict(list)
    for call in calls:
        by_team[call["team"]].append(call)
        by_agent[call["agent_id"]].append(call)
    team_stats = {team: group_stats(team_calls, language) for team, team_calls in by_team.items()}
    views = []
    for agent_id, own in by_agent.items():
        stats = group_stats(own, language)
        team = team_stats[own[0]["team"]]
        views.append({
            **stats, "agent_id": agent_id, "agent_name": own[0]["agent_name"], "team": own[0]["team"],
            "page": f"agents/{agent_stem(agent_id)}.html", "team_stats": team,
            "categories": _categories(stats["rules"], team["rules"]),
            "measures": _measures(stats["metrics"], team["metrics"]),
            "coaching": _coaching(own, stats["rules"], team["rules"], descriptions or {}),
            "top_failures": sorted((r for r in stats["rules"].values() if r["failed"]),
                                   key=lambda r: (-r["failed"], r["title"]))[:3],
            "worst_calls": sorted(own, key=lambda c: (c["status"] == "ok", c["score"] or 0, c["started_at"])),
            "low_confidence_calls": sum(c["low_confidence"] for c in own),
        })
    return sorted(views, key=lambda v: (v["mean_score"] is None, v["mean_score"] or 0, v["agent_id"]))  # worst first


def _categories(rules: dict, team_rules: dict) -> list[dict]:
    rows = [{**r, "team_rate": team_rules[r["rule_id"]]["rate"] if r["rule_id"] in team_rules else None}
            for r in rules.values()]
    categories = sorted({r["category"] for r in rows},
                        key=lambda c: (CATEGORY_ORDER.index(c) if c in CATEGORY_ORDER else len(CATEGORY_ORDER), c))
    return [{"category": c, "rules": sorted((r for r in rows if r["category"] == c),
                                             key=lambda r: (-r["rate"], r["title"]))} for c in categories]


def _measures(own: dict, team: dict) -> list[dict]:
    rows = []
    for key, better in METRICS:
        value, norm = own[key], team[key]
        worse = better == "lower" and value is not None and norm is not None and value > norm * 1.2 + 0.1
        rows.append({"key": key, "value": value, "team": norm, "worse": worse,
                     "scale": max(value or 0, norm or 0) * 1.5 or 1,
                     "unit": own["rate_unit"] if key == "speech_rate" else None})
    return rows


def _coaching(calls: list[dict], rules: dict, team_rules: dict, descriptions: dict[str, str]) -> list[dict]:
    """The most frequent failures, each with what qc found and an example quote from a failing call."""
    frequent = sorted((r for r in rules.values() if r["failed"]),
                      key=lambda r: (-r["failed"], -r["points"], r["title"]))  # most frequent, then most costly
    points, used = [], set()
    for rule in frequent[:COACHING_POINTS]:
        failing = sorted((c for c in calls if c["status"] == "ok"
                          and any(r["rule_id"] == rule["rule_id"] and r["status"] == "fail" for r in c["rules"])),
                         key=lambda c: (c["score"], c["started_at"]))
        result = next(r for r in failing[0]["rules"] if r["rule_id"] == rule["rule_id"])
        example = _example(failing, rule["rule_id"], used)
        used.add(example["text"] if example else "")
        points.append({**rule, "team_rate": team_rules[rule["rule_id"]]["rate"],
                       "description": descriptions.get(rule["rule_id"], ""), "reason": result["reason"],
                       "example": example})
    return points


def _example(failing: list[dict], rule_id: str, used: set[str]) -> Optional[dict]:
    """The first evidence with text from the worst failing calls, preferring what the agent said and
    quotes not shown for another coaching point."""
    candidates = []
    for call in failing:
        result = next(r for r in call["rules"] if r["rule_id"] == rule_id)
        for e in result["evidence"]:
            if not e["text"]:
                continue
            agent_said = any(item["kind"] == "sentence" and item["role"] == "agent"
                             and _overlaps([item["start_s"], item["end_s"]], [e["start_s"], e["end_s"]])
                             for item in call["chat"])
            candidates.append((e["text"] in used, not agent_said, len(candidates),
                               {**e, "call_id": call["call_id"], "page": call["page"]}))
    return min(candidates, key=lambda c: c[:3])[3] if candidates else None


def overview(calls: list[dict], agents: list[dict], language: str = "") -> dict:
    """The team overview: per-team sections of ranked agents, most failed rules, trend, batch summary."""
    teams = []
    for team in sorted({a["team"] for a in agents}):
        members = [a for a in agents if a["team"] == team]
        teams.append({"team": team, "agents": members, "stats": members[0]["team_stats"],
                      "packs": _packs([c for c in calls if c["team"] == team])})
    stats = group_stats(calls, language)
    top_rules = sorted((r for r in stats["rules"].values() if r["failed"]),
                       key=lambda r: (-r["failed"], -r["rate"], r["title"]))[:TOP_RULES]
    failed = [c for c in calls if c["status"] != "ok"]
    return {
        "teams": teams, "stats": stats, "top_rules": top_rules, "failed": failed,
        "audio_s": sum(c["duration_s"] for c in calls), "processing_s": sum(c["processing_s"] for c in calls),
        "rule_packs": _packs(calls),
        "low_confidence": sum(c["low_confidence"] for c in calls),
    }


def _packs(calls: list[dict]) -> list[dict]:
    """The rule sets (name and version) scored calls were scored with, most calls first: a team's
    mean over calls scored by different sets is shown as such, never silently."""
    counts = Counter((c["rules_name"], c["rules_version"]) for c in calls if c["status"] == "ok" and c["rules_name"])
    return [{"name": name, "version": version, "calls": n} for (name, version), n in counts.most_common()]
