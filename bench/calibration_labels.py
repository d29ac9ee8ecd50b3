"""The labelled calls' labels as a human QA export, for ``qc calibrate --labels``.

``bench/verdicts.py`` runs qc on every rendering of the labelled calls (the dev dialogues and
the regression corpus), filed under the ids ``<call>.<rendering>``. This writes what their
labels say each default-pack rule should conclude, one ``call_id,rule_id,status`` line per
rendering and rule, as a QA team's manual results would be:

    .venv/bin/python bench/verdicts.py --set dev --db /tmp/verdicts/verdicts.sqlite
    .venv/bin/python bench/calibration_labels.py --set dev --out /tmp/verdicts/labels.csv
    qc calibrate --db /tmp/verdicts/verdicts.sqlite --labels /tmp/verdicts/labels.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.verdicts import ALL, corpus_calls, dev_calls, parse_args  # noqa: E402


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--out" not in argv:
        print("give --out FILE.csv", file=sys.stderr)
        return 2
    at = argv.index("--out")
    out, argv = Path(argv[at + 1]), argv[:at] + argv[at + 2:]
    args = parse_args(argv)  # the same selection options as bench/verdicts.py
    calls = (dev_calls(args.data) if args.which in ("dev", ALL) else []) + \
        (corpus_calls(args.corpus, args.calls) if args.which in ("corpus", ALL) else [])
    calls = [c for c in calls if not args.renderings or c.rendering in args.renderings]
    if not calls:
        print(f"no labelled calls found (dev data: {args.data}, corpus: {args.corpus})", file=sys.stderr)
        return 2
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("call_id", "rule_id", "status"))
        rows = [(c.call_id, rule_id, status) for c in calls for rule_id, status in c.labels.items()]
        writer.writerows(rows)
    print(f"{len(rows)} labels of {len(calls)} recordings written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
