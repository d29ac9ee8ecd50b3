"""The labelled dialogues' labels as a human QA export, for ``qc calibrate --labels``.

The synthetic call-centre dialogues carry ``expected_compliance`` labels; ``bench/verdicts.py``
runs qc on every rendering of them, filed under the ids ``<dialogue>.<rendering>``. This writes
what the labels say each default-pack rule should conclude, one ``call_id,rule_id,status``
line per rendering and rule, as a QA team's manual results would be:

    .venv/bin/python bench/verdicts.py --db /tmp/verdicts/verdicts.sqlite
    .venv/bin/python bench/calibration_labels.py --out /tmp/verdicts/labels.csv
    qc calibrate --db /tmp/verdicts/verdicts.sqlite --labels /tmp/verdicts/labels.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.verdicts import RENDERINGS, label_verdicts  # noqa: E402


def label_rows(dialogues: Path) -> list[dict]:
    rows = []
    for label_file in sorted(dialogues.glob("*.json")):
        spec = json.loads(label_file.read_text(encoding="utf-8"))
        if "expected_compliance" not in spec:
            continue
        for rendering in RENDERINGS:
            for rule_id, status in label_verdicts(spec["expected_compliance"]).items():
                rows.append({"call_id": f"{label_file.stem}.{rendering}", "rule_id": rule_id, "status": status})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(os.environ.get("QC_EVAL_DATA") or REPO_ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write")
    args = parser.parse_args(argv)
    dialogues = args.data / "synthetic-tts-dialogues"
    if not dialogues.is_dir():
        print(f"evaluation data not found at {args.data} (set QC_EVAL_DATA)", file=sys.stderr)
        return 2
    rows = label_rows(dialogues)
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=("call_id", "rule_id", "status"))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} labels of {len({r['call_id'] for r in rows})} calls written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
