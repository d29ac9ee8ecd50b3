"""Write a batch's outputs from stored calls: per-call JSON, results.csv and HTML scorecards.

Rendering takes plain dictionaries (rows from :meth:`Store.latest_calls`), never a cursor.
Templates are autoescaped and undefined variables are errors.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path
from statistics import mean

from . import __version__
from .schema import CallMeta, analysis_from_dict, call_json, score_from_dict
from .speakers import rttm
from .store import environment_errors, now

RESULT_COLUMNS = ("call_id", "agent_id", "agent_name", "team", "started_at", "status", "error", "duration_s",
                  "language", "layout", "score", "passed", "failed_rules", "path")


def safe_name(text: str) -> str:
    """A file name for an id: letters, digits, '.', '-' and '_' only (ids may contain anything)."""
    cleaned = re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("._")
    return cleaned or "_"


def call_document(row: dict) -> dict:
    """The published JSON of one stored call."""
    meta = CallMeta(call_id=row["call_id"], path=row["path"], agent_id=row["agent_id"],
                    agent_name=row["agent_name"], team=row["team"], started_at=row["started_at"])
    analysis = analysis_from_dict(row["analysis"]) if row.get("analysis") and row["status"] == "ok" else None
    score = score_from_dict(row["score_detail"]) if row.get("score_detail") and row["status"] == "ok" else None
    error = row["error"] if row["status"] != "ok" else None
    if row["status"] == "processing":
        error = "interrupted while processing; will be retried on the next run"
    return call_json(meta, analysis, score, error)


def write_outputs(rows: list[dict], out_dir: Path, batch: dict | None = None) -> dict[str, Path]:
    """Write everything under ``out_dir``; return the main paths."""
    with environment_errors(f"writing reports to {out_dir}"):
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "calls").mkdir(exist_ok=True)
        (out_dir / "agents").mkdir(exist_ok=True)
        docs = [call_document(r) for r in rows]
        for row, doc in zip(rows, docs):
            path = out_dir / "calls" / f"{safe_name(doc['call_id'])}.json"
            path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
            turns = ((row.get("analysis") or {}).get("diarization") or {}).get("turns")
            if doc["status"] == "ok" and doc["diarization"] and doc["diarization"]["method"] == "pyannote" and turns:
                (out_dir / "calls" / f"{safe_name(doc['call_id'])}.rttm").write_text(
                    rttm(doc["call_id"], [tuple(t) for t in turns]), encoding="utf-8")
        _write_results_csv(docs, out_dir / "results.csv")
        pages = _render_html(docs, out_dir, batch or {})
    return {"results": out_dir / "results.csv", **pages}


def _write_results_csv(docs: list[dict], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=RESULT_COLUMNS)
        writer.writeheader()
        for d in docs:
            writer.writerow({
                "call_id": d["call_id"], "agent_id": d["agent_id"], "agent_name": d["agent_name"],
                "team": d["team"], "started_at": d["started_at"], "status": d["status"], "error": d["error"] or "",
                "duration_s": d["audio"]["duration_s"], "language": d["language"] or "",
                "layout": d["audio"]["layout"] or "", "score": d["score"], "passed": d["passed"],
                "failed_rules": ";".join(r["rule_id"] for r in d["rules"] if r["status"] == "fail"),
                "path": d["audio"]["path"],
            })


def agent_summaries(docs: list[dict]) -> list[dict]:
    by_agent: dict[str, list[dict]] = defaultdict(list)
    for d in docs:
        by_agent[d["agent_id"]].append(d)
    summaries = []
    for agent_id, calls in by_agent.items():
        scored = [c for c in calls if c["status"] == "ok"]
        fails: dict[str, int] = defaultdict(int)
        for c in scored:
            for r in c["rules"]:
                if r["status"] == "fail":
                    fails[r["title"]] += 1
        summaries.append({
            "agent_id": agent_id, "agent_name": calls[0]["agent_name"], "team": calls[0]["team"],
            "file": f"agents/{safe_name(agent_id)}.html", "calls": len(calls), "scored": len(scored),
            "failed_calls": len(calls) - len(scored),
            "mean_score": round(mean(c["score"] for c in scored), 1) if scored else None,
            "pass_rate": round(100 * sum(bool(c["passed"]) for c in scored) / len(scored)) if scored else None,
            "fatal": sum(any(r["fatal"] and r["status"] == "fail" for r in c["rules"]) for c in scored),
            "top_failures": sorted(fails.items(), key=lambda kv: -kv[1])[:3],
            "call_docs": sorted(calls, key=lambda c: (c["score"] is None, c["score"] or 0)),
        })
    return sorted(summaries, key=lambda s: (s["mean_score"] is None, -(s["mean_score"] or 0), s["agent_id"]))


def _render_html(docs: list[dict], out_dir: Path, batch: dict) -> dict[str, Path]:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("qc", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["safe_name"] = safe_name
    env.filters["mmss"] = lambda s: f"{int(s) // 60}:{int(s) % 60:02d}" if s is not None else ""
    agents = agent_summaries(docs)
    common = {"generated_at": now(), "version": __version__}
    failed = [d for d in docs if d["status"] != "ok"]
    index = out_dir / "index.html"
    index.write_text(env.get_template("index.html").render(
        agents=agents, failed=failed, batch=batch, total=len(docs), root="", **common), encoding="utf-8")
    for agent in agents:
        page = out_dir / agent["file"]
        page.write_text(env.get_template("agent.html").render(agent=agent, root="../", **common), encoding="utf-8")
    return {"index": index, "agents": out_dir / "agents"}
