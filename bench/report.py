"""How long the scorecards take for a batch of N calls (default 200), with no audio analysed.

The calls come from stored results: a database written by ``qc run`` (``--db``), or else the
committed sample calls' scripts (examples/calls/scripts.json) stored as qc would store them.
Each of the N copies drops a few sentences at random (fixed seed), is re-scored with the
default rule packs and given an agent, a team and a day, so the pages have spread to show.
It prints two figures: the seconds ``write_outputs`` takes to write the whole report (JSON,
CSV, Parquet, every page; ``--audio none`` by default, so only rendering is timed), and the
seconds headless Chromium takes to load and render the index, the largest agent page and a
call page (navigation start to the load event, and to the first paint).

    .venv/bin/python bench/report.py [--calls 200] [--db reports/demo/qc.sqlite] [--out /tmp/qc-bench]
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from qc.messages import render, say  # noqa: E402
from qc.rules.ruleset import RULES_DIR, load_ruleset  # noqa: E402
from qc.schema import (AudioInfo, CallAnalysis, CallMeta, Diarization, Segment, SpeechRegion, Transcript,  # noqa: E402
                       analysis_from_dict, analysis_to_dict, score_to_dict)
from qc.rules.providers import CheckModels  # noqa: E402
from qc.rules.scoring import score_call  # noqa: E402
from qc.run.store import Store  # noqa: E402

EXAMPLES = REPO_ROOT / "examples" / "calls"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
AGENTS = {  # language -> (agent id, name, team)
    "zh": [(f"A10{i:02d}", name, team) for i, (name, team) in enumerate(
        [("小李", "宽带组"), ("王芳", "宽带组"), ("张伟", "宽带组"), ("刘洋", "宽带组"),
         ("陈静", "投诉组"), ("杨磊", "投诉组"), ("赵敏", "投诉组"), ("黄婷", "投诉组")])],
    "en": [(f"E20{i:02d}", name, "Cards") for i, name in enumerate(["Alex Chen", "Sam Reed", "Jo Park", "Kim Lee"])],
}


def script_analysis(script: dict, meta: CallMeta) -> CallAnalysis:
    """What qc would store for a scripted sample call: one sentence per turn, voice activity = the turns,
    the agent on the left channel as a manifest gives it (the note qc writes then, in the call's language)."""
    sides = {"agent": "left", "customer": "right"}
    segments = tuple(Segment(sides[t["role"]], t["role"], t["start_s"], t["end_s"], t["text"]) for t in script["turns"])
    speech = tuple(SpeechRegion(s.speaker, s.role, s.start_s, s.end_s) for s in segments)
    return CallAnalysis(
        meta=meta, audio=AudioInfo(meta.path, script["duration_s"], 2, "stereo-agent-left", script["sample_rate"]),
        transcript=Transcript(script["language"], segments, speech, roles_known=True),
        diarization=Diarization("channels", 2, 1.0, reason=render(say("roles.given", side=say("side.left")),
                                                                  script["language"])))


@functools.lru_cache(maxsize=None)
def default_ruleset(language: str):
    return load_ruleset(RULES_DIR / f"{language}-default.yaml")


@functools.lru_cache(maxsize=None)
def check_models() -> CheckModels:
    """One set of models for the whole script, as one ``qc run`` has."""
    return CheckModels()


def store_call(store: Store, analysis: CallAnalysis, processing_s: float = 0.0) -> dict:
    """Score ``analysis`` with the default pack of its language and store it as ``qc run`` would."""
    ruleset = default_ruleset(analysis.transcript.language)
    score = score_call(analysis, ruleset, check_models())
    key = f"bench:{analysis.meta.call_id}"
    store.mark_processing(key, analysis.meta)
    store.save_ok(key, analysis_to_dict(analysis), score_to_dict(score), ruleset.fingerprint(), processing_s)
    return store.get(key)


def seed_from_scripts(store: Store) -> list[dict]:
    """The four committed sample calls, stored (with the recordings' real paths) without decoding audio."""
    scripts = json.loads((EXAMPLES / "scripts.json").read_text(encoding="utf-8"))["calls"]
    rows = []
    for i, script in enumerate(scripts):
        agent_id, name, team = AGENTS[script["language"]][0]
        meta = CallMeta(script["call_id"], str(EXAMPLES / script["file"]), agent_id, name, team,
                        f"2026-11-21T{9 + i:02d}:00:00+08:00", language=script["language"])
        rows.append(store_call(store, script_analysis(script, meta), processing_s=20.0))
    return rows


def duplicate_calls(sources: list[dict], store: Store, count: int, days: int = 30, seed: int = 7,
                    prefix: str = "c") -> None:
    """``count`` copies of stored calls, each with some sentences dropped, re-scored and given an agent and a day."""
    rng = random.Random(seed)
    analyses = [analysis_from_dict(r["analysis"]) for r in sources if r["status"] == "ok"]
    for i in range(count):
        base = rng.choice(analyses)
        language = "zh" if base.transcript.language.startswith("zh") else "en"
        agent_id, name, team = rng.choice(AGENTS[language])
        kept = tuple(s for s in base.transcript.segments if rng.random() > 0.12) or base.transcript.segments
        speech = tuple(r for r in base.transcript.speech if any(s.start_s < r.end_s and s.end_s > r.start_s
                                                                for s in kept))
        day = 1 + i * days // count
        meta = replace(base.meta, call_id=f"{prefix}{i:04d}", agent_id=agent_id, agent_name=name, team=team,
                       started_at=f"2026-10-{day:02d}T{8 + rng.randrange(10):02d}:{rng.randrange(60):02d}:00+08:00")
        store_call(store, replace(base, meta=meta, transcript=replace(base.transcript, segments=kept, speech=speech)),
                   processing_s=rng.uniform(10, 40))


def page_timings(out_dir: Path, pages: list[str]) -> dict[str, dict]:
    """Seconds from navigation start to the load event and to the first paint, per page, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    timings = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name in pages:
            page.goto((out_dir / name).resolve().as_uri())  # warm the browser's own caches once
            started = time.monotonic()
            page.goto((out_dir / name).resolve().as_uri(), wait_until="load")
            wall = time.monotonic() - started
            page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0", timeout=5000)
            nav = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                                " const p = performance.getEntriesByName('first-contentful-paint')[0];"
                                " return [n.loadEventEnd / 1000, p ? p.startTime / 1000 : null]; }")
            timings[name] = {"load_s": round(nav[0], 3), "first_paint_s": nav[1] and round(nav[1], 3),
                             "wall_s": round(wall, 3), "bytes": (out_dir / name).stat().st_size}
        browser.close()
    return timings


def main() -> None:
    from qc.report import ReportOptions, write_outputs

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--db", type=Path, help="a database written by qc run, to duplicate [default: sample scripts]")
    parser.add_argument("--out", type=Path, default=None, help="where the report goes [default: a temporary folder]")
    parser.add_argument("--audio", choices=("none", "link", "copy"), default="none")
    parser.add_argument("--no-browser", action="store_true", help="time the rendering only")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="qc-bench-report-"))
    store = Store(out / "bench.sqlite")
    sources = Store(args.db).latest_calls() if args.db else seed_from_scripts(Store(out / "seed.sqlite"))
    started = time.monotonic()
    duplicate_calls(sources, store, args.calls)
    print(f"generated and re-scored {args.calls} calls in {time.monotonic() - started:.2f} s")
    rows = store.latest_calls()
    started = time.monotonic()
    write_outputs(rows, out, options=ReportOptions(audio=args.audio))
    print(f"whole report (JSON, CSV, Parquet, {len(rows)} call pages, agent pages, index; audio {args.audio}): "
          f"{time.monotonic() - started:.2f} s")
    new = max(1, args.calls // 30)  # the next night: a day's worth of new calls
    duplicate_calls(sources, store, new, days=1, seed=8, prefix="n")
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.html")}
    started = time.monotonic()
    write_outputs(store.latest_calls(), out, options=ReportOptions(audio=args.audio))
    rewritten = sum(1 for p, stamp in before.items() if p.stat().st_mtime_ns != stamp)
    print(f"next night, {new} new calls: {time.monotonic() - started:.2f} s, {rewritten} of {len(before)} existing "
          f"pages rewritten")
    if args.no_browser:
        return
    biggest = max((out / "agents").glob("*.html"), key=lambda p: p.stat().st_size)
    for name, t in page_timings(out, ["index.html", f"agents/{biggest.name}", "calls/c0000.html"]).items():
        print(f"browser {name}: load event {t['load_s']:.3f} s, first paint {t['first_paint_s']} s, "
              f"goto {t['wall_s']:.3f} s, {t['bytes'] / 1024:.0f} KiB")
    print(f"report in {out}")


if __name__ == "__main__":
    main()
