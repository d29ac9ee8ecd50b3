"""Rule verdicts of the default packs on every labelled call of ../shared/data, against the labels.

The synthetic call-centre dialogues carry ``expected_compliance`` labels; each comes as a
stereo rendering (one party per channel), an 8 kHz mu-law mono rendering and a 16 kHz
mono mix. This runs ``qc run`` on all of them (results cached in a database, so a rerun
after editing rules only re-scores) and prints a rule x call table: the verdict, the
label's verdict where a label covers the rule, and whether they agree.

    .venv/bin/python bench/verdicts.py [--db reports/bench/verdicts.sqlite] [--rescore]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
RENDERINGS = ("stereo8k.wav", "tel8k.wav", "wav")


def label_verdicts(labels: dict) -> dict[str, str]:
    """What the labels say each default-pack rule should conclude."""
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("QC_EVAL_DATA") or REPO_ROOT.parent / "shared" / "data"))
    parser.add_argument("--db", type=Path, default=REPO_ROOT / "reports" / "bench" / "verdicts.sqlite")
    parser.add_argument("--rescore", action="store_true", help="only re-score what the database holds")
    args = parser.parse_args(argv)
    dialogues = args.data / "synthetic-tts-dialogues"
    if not dialogues.is_dir():
        print(f"evaluation data not found at {args.data} (set QC_EVAL_DATA)", file=sys.stderr)
        return 2
    calls = []
    for label_file in sorted(dialogues.glob("*.json")):
        spec = json.loads(label_file.read_text(encoding="utf-8"))
        if "expected_compliance" not in spec:
            continue
        for rendering in RENDERINGS:
            calls.append((f"{label_file.stem}.{rendering}", dialogues / f"{label_file.stem}.{rendering}",
                          spec["language"], label_verdicts(spec["expected_compliance"])))
    out = args.db.parent
    manifest = out / "manifest.csv"
    out.mkdir(parents=True, exist_ok=True)
    manifest.write_text("call_id,file,agent_id,agent_name,team,started_at,channels_layout,language\n" + "".join(
        f"{cid},{path},bench,,,,{'stereo-agent-left' if 'stereo' in cid else 'mono'},{lang}\n"
        for cid, path, lang, _ in calls), encoding="utf-8")
    from click.testing import CliRunner

    from qc.cli import cli

    command = ["score", "--db", str(args.db)] if args.rescore else ["run", "--manifest", str(manifest), "--out",
                                                                     str(out), "--db", str(args.db)]
    result = CliRunner().invoke(cli, command)
    if result.exit_code not in (0, 1):
        print(result.output, file=sys.stderr)
        return 2
    return print_table(calls, out)


def print_table(calls, out: Path) -> int:
    docs = {cid: json.loads((out / "calls" / f"{cid}.json").read_text(encoding="utf-8")) for cid, *_ in calls}
    rule_ids = list(dict.fromkeys(r["rule_id"] for d in docs.values() for r in d["rules"]))
    width = max(len(r) for r in rule_ids) + 2
    print(f"{'call':<40}" + "".join(f"{r:<{width}}" for r in rule_ids))
    agree = disagree = 0
    disagreements = []
    for cid, _, _, expected in calls:
        verdicts = {r["rule_id"]: r["status"] for r in docs[cid]["rules"]}
        cells = []
        for rule_id in rule_ids:
            got = verdicts.get(rule_id, "-")
            want = expected.get(rule_id)
            if want is None:
                cells.append(got)
            elif got == want:
                agree += 1
                cells.append(f"{got} ok")
            else:
                disagree += 1
                cells.append(f"{got}≠{want}")
                disagreements.append((cid, rule_id, got, want))
        print(f"{cid:<40}" + "".join(f"{c:<{width}}" for c in cells))
    print(f"\nlabelled verdicts: {agree} agree, {disagree} disagree "
          f"(cells 'x ok' agree with the label, 'x≠y' got x where the label says y, bare cells are unlabelled)")
    for cid, rule_id, got, want in disagreements:
        print(f"  {cid}: {rule_id}: got {got}, label says {want}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
