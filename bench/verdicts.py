"""Rule verdicts of the default packs on every labelled call, against the labels.

Two sets of labelled calls, each in three renderings (8 kHz stereo with one party per channel,
8 kHz mu-law mono, 16 kHz mono mix):

* ``dev``: the scripted dialogues of ``../shared/data/synthetic-tts-dialogues`` (labels from their
  ``expected_compliance`` block, mapped to rule ids by ``label_verdicts``);
* ``corpus``: the regression corpus rendered by ``make bench-data`` (``bench/corpus``; one label per
  default rule id in each call's ``.json``), read from ``--corpus``.

Every rendering goes through ``qc run`` with the default packs and a manifest that gives what a
real one would (call id, file, agent id and name, language; the channel layout of the stereo
renderings), nothing else (``--audio none`` only skips the MP3 copies). Results are cached in a
database, so a rerun only analyses new or changed recordings and ``--rescore`` after editing
rules re-scores without decoding audio (about 1.5 s a recording). Prints, per rule, agreement
with the labels and the precision and recall of ``fail`` for each rendering and overall, then
every disagreement with the rule's reason and evidence from the call JSON.

    .venv/bin/python bench/verdicts.py [--set dev|corpus|all] [--calls ID ...] [--rescore] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from qc.report.scorecards import call_stem  # noqa: E402
from qc.run.plan import content_sha256  # noqa: E402
from qc.schema import call_uid  # noqa: E402

RENDERINGS = {"stereo8k.wav": "stereo8k", "tel8k.wav": "tel8k", "wav": "16k wav"}
ALL = "all"


@dataclass(frozen=True)
class LabelledCall:
    call_id: str  # the recording's file name: ID.RENDERING
    path: str
    language: str
    rendering: str  # a value of RENDERINGS
    agent_id: str
    agent_name: str
    labels: dict  # rule id -> pass | fail | na
    source: str  # dev | corpus


@dataclass(frozen=True)
class Row:
    call_id: str
    rendering: str
    rule_id: str
    got: str
    label: str


def label_verdicts(labels: dict) -> dict[str, str]:
    """What the dev dialogues' ``expected_compliance`` says each default-pack rule should conclude."""
    long_gaps = [s for s in labels.get("long_silences", []) if s["seconds"] > 5]
    unannounced = [s for s in long_gaps if "announced" not in s.get("context", "") or "unannounced" in s["context"]]
    agent_interruptions = [i for i in labels.get("interruptions", []) if i["by"] == "agent" and i["overlap_s"] > 1]
    out = {
        "greeting": "pass" if labels["greeting"] else "fail",
        "closing": "pass" if labels["closing"] else "fail",
        "forbidden-phrase": "fail" if labels.get("prohibited_phrases") else "pass",
        "long-silence": "fail" if unannounced else "pass",
        "hold-announced": ("fail" if unannounced else "pass") if long_gaps else "na",
        "agent-interruption": "fail" if agent_interruptions else "pass",
    }
    if "agent_identified_with_job_number" in labels:
        out["job-number"] = "pass" if labels["agent_identified_with_job_number"] else "fail"
    return out


def renderings_of(folder: Path, stem: str, spec: dict, labels: dict, source: str) -> list[LabelledCall]:
    return [LabelledCall(f"{stem}.{suffix}", str(folder / f"{stem}.{suffix}"), spec["language"], name,
                         str(spec.get("agent_id") or ""), str(spec.get("agent_name") or ""), labels, source)
            for suffix, name in RENDERINGS.items() if (folder / f"{stem}.{suffix}").is_file()]


def dev_calls(data: Path) -> list[LabelledCall]:
    calls = []
    for label_file in sorted((data / "synthetic-tts-dialogues").glob("*.json")):
        spec = json.loads(label_file.read_text(encoding="utf-8"))
        if "expected_compliance" in spec:
            calls += renderings_of(label_file.parent, label_file.stem, spec,
                                   label_verdicts(spec["expected_compliance"]), "dev")
    return calls


def corpus_calls(corpus: Path, ids=None) -> list[LabelledCall]:
    calls = []
    for label_file in sorted(corpus.glob("*.json")):
        spec = json.loads(label_file.read_text(encoding="utf-8"))
        if "labels" in spec and (not ids or label_file.stem in ids):
            labels = {rule: verdict for rule, verdict in spec["labels"].items() if verdict in ("pass", "fail", "na")}
            calls += renderings_of(corpus, label_file.stem, spec, labels, "corpus")
    return calls


def write_manifest(calls: list[LabelledCall], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("call_id,file,agent_id,agent_name,team,started_at,channels_layout,language\n" + "".join(
        f"{c.call_id},{c.path},{c.agent_id},{c.agent_name},,,"
        f"{'stereo-agent-left' if c.rendering == 'stereo8k' else 'mono'},{c.language}\n" for c in calls),
        encoding="utf-8")


def run_qc(calls: list[LabelledCall], out: Path, db: Path, rescore: bool, options: Sequence[str] = ()) -> int:
    """``qc run`` (or ``qc score``) as a user runs it, its progress on this terminal; ``options``
    are added to either (to compare a setting against the defaults: ``--assign`` for other packs)."""
    manifest = out / "manifest.csv"
    write_manifest(calls, manifest)
    command = (["score", "--db", str(db), "--out", str(out), *options] if rescore else
               ["run", "--manifest", str(manifest), "--out", str(out), "--db", str(db), "--audio", "none", *options])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "qc.cli", *command], env=env).returncode


def call_json(call: LabelledCall, out: Path) -> Path:
    uid = call_uid(call.call_id, content_sha256(call.path))  # the recording rendered now, not an older one
    return out / "calls" / f"{call_stem({'call_id': call.call_id, 'uid': uid})}.json"


def compare(calls: list[LabelledCall], out: Path) -> tuple[list[Row], dict, list[str]]:
    """One row per labelled (call, rule); the call JSONs by call id; calls that have no result."""
    rows, docs, missing = [], {}, []
    for call in calls:
        path = call_json(call, out)
        if not path.is_file():
            missing.append(call.call_id)
            continue
        docs[call.call_id] = doc = json.loads(path.read_text(encoding="utf-8"))
        verdicts = {r["rule_id"]: r["status"] for r in doc.get("rules", [])}
        rows += [Row(call.call_id, call.rendering, rule, verdicts.get(rule, "-"), label)
                 for rule, label in call.labels.items()]
    return rows, docs, missing


def stats(rows: list[Row]) -> dict:
    """Agreement, and precision and recall of ``fail`` (None where undefined), over some rows."""
    agree = sum(r.got == r.label for r in rows)
    true_fail = sum(r.got == "fail" and r.label == "fail" for r in rows)
    said_fail, labelled_fail = sum(r.got == "fail" for r in rows), sum(r.label == "fail" for r in rows)
    return {"n": len(rows), "agree": agree, "agreement": agree / len(rows) if rows else None,
            "fail_precision": true_fail / said_fail if said_fail else None,
            "fail_recall": true_fail / labelled_fail if labelled_fail else None,
            "said_fail": said_fail, "labelled_fail": labelled_fail}


def table(rows: list[Row]) -> dict:
    """``{rule or ALL: {rendering or ALL: stats}}``."""
    rules = list(dict.fromkeys(r.rule_id for r in rows))
    renderings = [name for name in RENDERINGS.values() if any(r.rendering == name for r in rows)]
    out = {}
    for rule in [*rules, ALL]:
        of_rule = [r for r in rows if rule in (ALL, r.rule_id)]
        out[rule] = {rendering: stats([r for r in of_rule if rendering in (ALL, r.rendering)])
                     for rendering in [*renderings, ALL]}
    return out


def pct(value) -> str:
    return "   -" if value is None else f"{100 * value:4.0f}"


def print_table(summary: dict) -> None:
    columns = list(next(iter(summary.values())))
    width = max(len(rule) for rule in summary) + 1
    print(f"{'':<{width}}" + "".join(f"| {name:<25} " for name in columns))
    print(f"{'rule':<{width}}" + "| agree% fail-P fail-R    n " * len(columns))
    for rule, by_rendering in summary.items():
        print(f"{rule:<{width}}" + "".join(
            f"| {pct(s['agreement']):>6} {pct(s['fail_precision']):>6} {pct(s['fail_recall']):>6} {s['n']:>4} "
            for s in by_rendering.values()))
    print("agree%: verdicts equal to the label; fail-P: share of qc's fails that the label calls fail; "
          "fail-R: share of labelled fails qc found; n: labelled verdicts")


def disagreements(rows: list[Row], docs: dict) -> list[dict]:
    out = []
    for row in rows:
        if row.got == row.label:
            continue
        rule = next((r for r in docs[row.call_id].get("rules", []) if r["rule_id"] == row.rule_id), {})
        evidence = [f"{e.get('start_s', 0):.1f}-{e.get('end_s', 0):.1f}s {e.get('text', '')}"
                    for e in rule.get("evidence", [])]
        out.append({**asdict(row), "reason": rule.get("reason", ""), "evidence": evidence})
    return out


def print_disagreements(items: list[dict]) -> None:
    print(f"\n{len(items)} disagreements (call, rendering, rule: got, label; qc's reason; evidence):")
    for d in items:
        evidence = " | ".join(e[:90] for e in d["evidence"][:3])
        print(f"  {d['call_id']:<32} {d['rendering']:<8} {d['rule_id']:<22} got {d['got']:<5} label {d['label']:<5}"
              f" {d['reason'][:160]}" + (f"  [{evidence}]" if evidence else ""))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("dev", "corpus", ALL), default=ALL, dest="which",
                        help="which labelled calls [default: all]")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("QC_EVAL_DATA") or
                                                          REPO_ROOT.parent / "shared" / "data"),
                        help="dev data [default: $QC_EVAL_DATA or ../shared/data]")
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("QC_BENCH_DATA") or
                                                            REPO_ROOT / "reports" / "bench-data" / "corpus"),
                        help="rendered corpus [default: $QC_BENCH_DATA or reports/bench-data/corpus]")
    parser.add_argument("--calls", nargs="+", metavar="ID", help="only these corpus calls (ids without rendering)")
    parser.add_argument("--renderings", nargs="+", choices=list(RENDERINGS.values()), help="only these renderings")
    parser.add_argument("--db", type=Path, default=REPO_ROOT / "reports" / "bench" / "verdicts.sqlite")
    parser.add_argument("--rescore", action="store_true", help="only re-score what the database holds")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write rows, the table and disagreements")
    parser.add_argument("--qc-option", action="append", default=[], metavar="ARG",
                        help="one more argument for qc run (or qc score with --rescore), e.g. "
                             "--qc-option=--initial-prompt --qc-option=off (use a database of its own: the analyses "
                             "differ), or --qc-option=--assign --qc-option=FILE to score with other packs")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    calls = []
    if args.which in ("dev", ALL):
        if not (args.data / "synthetic-tts-dialogues").is_dir():
            print(f"evaluation data not found at {args.data} (set QC_EVAL_DATA)", file=sys.stderr)
            return 2
        calls += dev_calls(args.data)
    if args.which in ("corpus", ALL):
        found = corpus_calls(args.corpus, args.calls)
        if not found:
            print(f"no rendered corpus at {args.corpus}: run `make bench-data` (or set QC_BENCH_DATA)", file=sys.stderr)
            if args.which == "corpus":
                return 2
        calls += found
    if args.renderings:
        calls = [c for c in calls if c.rendering in args.renderings]
    out = args.db.parent
    t0 = time.perf_counter()
    code = run_qc(calls, out, args.db, args.rescore, args.qc_option)
    elapsed_s = time.perf_counter() - t0
    if code not in (0, 1):
        print(f"qc exited with {code}", file=sys.stderr)
        return 2
    rows, docs, missing = compare(calls, out)
    if not rows:
        print("no results to compare", file=sys.stderr)
        return 2
    summary = table(rows)
    print(f"\n{len(docs)} recordings ({len({c.call_id.split('.')[0] for c in calls})} calls, set {args.which}), "
          f"qc {'score' if args.rescore else 'run'} took {elapsed_s:.0f} s\n")
    print_table(summary)
    items = disagreements(rows, docs)
    print_disagreements(items)
    if missing:
        print(f"\nno result for {len(missing)} recordings (failed in qc): {', '.join(missing)}")
    if args.json:
        args.json.write_text(json.dumps({"set": args.which, "elapsed_s": elapsed_s, "table": summary,
                                         "rows": [asdict(r) for r in rows], "disagreements": items,
                                         "missing": missing}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
