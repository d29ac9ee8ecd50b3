"""Rule verdicts of the default packs on the labelled chat fixture, against its labels.

The fixture (``bench/chats``) is 26 chat conversations, Mandarin and English, of a dozen
industries, in the shapes qc reads: qc's JSON Lines and CSV (one in GB18030 with Chinese
headers) and Zendesk Chat objects; ``bench/chats/labels.yaml`` gives each conversation's
expected verdict for every rule of the default packs. The folder goes through ``qc run`` as a
user runs it (no manifest: the logs carry agent, team and channel; ``--audio none``), into a
database of its own, so a rerun re-scores only what changed. Prints, per rule, for zh, en and
both: agreement with the labels and the precision and recall of ``fail``; then every
disagreement with qc's reason.

    .venv/bin/python bench/chats.py [--fixture bench/chats] [--out reports/bench/chats] [--json OUT]

Exit status 0; 1 when a labelled conversation has no result; 2 for a setup error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.verdicts import Row, disagreements, print_table, stats  # noqa: E402

LANGUAGES = ("zh", "en")
ALL = "all"


def read_labels(fixture: Path) -> dict[str, dict]:
    """Conversation id -> its entry (language, industry, labels, notes)."""
    return yaml.safe_load((fixture / "labels.yaml").read_text(encoding="utf-8"))


def run_qc(fixture: Path, out: Path) -> int:
    """``qc run`` on the fixture folder, its progress on this terminal."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    command = ["run", str(fixture), "--out", str(out), "--db", str(out / "qc.sqlite"), "--audio", "none"]
    return subprocess.run([sys.executable, "-m", "qc.cli", *command], env=env).returncode


def results(fixture: Path, out: Path) -> dict[str, dict]:
    """The call JSON of each conversation of the fixture, by conversation id (the newest when a
    conversation was analysed in several versions)."""
    found: dict[str, tuple[float, dict]] = {}
    root = fixture.resolve()
    for path in (out / "calls").glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if Path(doc["audio"]["path"] or "").parent != root:
            continue
        stamp = path.stat().st_mtime
        if doc["call_id"] not in found or stamp > found[doc["call_id"]][0]:
            found[doc["call_id"]] = (stamp, doc)
    return {call_id: doc for call_id, (_, doc) in found.items()}


def compare(labels: dict[str, dict], docs: dict[str, dict]) -> tuple[list[Row], list[str]]:
    """One row per labelled (conversation, rule), its language in the rendering column."""
    rows, missing = [], []
    for call_id, entry in labels.items():
        doc = docs.get(call_id)
        if doc is None or doc["status"] != "ok":
            missing.append(call_id)
            continue
        verdicts = {r["rule_id"]: r["status"] for r in doc["rules"]}
        rows += [Row(call_id, entry["language"], rule, verdicts.get(rule, "-"), label)
                 for rule, label in entry["labels"].items()]
    return rows, missing


def table(rows: list[Row]) -> dict:
    """``{rule or ALL: {language or ALL: stats}}``."""
    rules = list(dict.fromkeys(r.rule_id for r in rows))
    return {rule: {language: stats([r for r in rows if rule in (ALL, r.rule_id) and language in (ALL, r.rendering)])
                   for language in (*LANGUAGES, ALL)} for rule in (*rules, ALL)}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixture", type=Path, default=REPO_ROOT / "bench" / "chats",
                        help="the chat logs and labels.yaml [default: bench/chats]")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "reports" / "bench" / "chats",
                        help="where qc writes its database and pages [default: reports/bench/chats]")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write rows, the table and disagreements")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not (args.fixture / "labels.yaml").is_file():
        print(f"no labels.yaml in {args.fixture}", file=sys.stderr)
        return 2
    labels = read_labels(args.fixture)
    started = time.perf_counter()
    code = run_qc(args.fixture, args.out)
    elapsed_s = time.perf_counter() - started
    if code not in (0, 1):
        print(f"qc exited with {code}", file=sys.stderr)
        return 2
    docs = results(args.fixture, args.out)
    rows, missing = compare(labels, docs)
    if not rows:
        print("no results to compare", file=sys.stderr)
        return 2
    summary = table(rows)
    print(f"\n{len(labels) - len(missing)} of {len(labels)} labelled conversations scored; qc run took "
          f"{elapsed_s:.0f} s\n")
    print_table(summary)
    items = disagreements(rows, docs)
    print(f"\n{len(items)} disagreements (conversation, language, rule: got, label; qc's reason):")
    for d in items:
        print(f"  {d['call_id']:<16} {d['rendering']:<3} {d['rule_id']:<22} got {d['got']:<5} label {d['label']:<5}"
              f" {d['reason'][:170]}")
    if missing:
        print(f"\nno result for {len(missing)} conversations: {', '.join(missing)}")
    if args.json:
        args.json.write_text(json.dumps({"rows": [asdict(r) for r in rows],
                                         "table": summary, "disagreements": items}, ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
