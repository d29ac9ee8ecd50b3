"""The word rules of the default packs on every corpus script as written, against its labels (no audio).

Each call script's own words are taken as a perfect transcript: its turns in order, each starting
``gap_s`` after every earlier turn ended and lasting as long as its words take to say (4.5 Chinese
characters or 2.6 English words a second). The rules that read only words and their order are scored
on it, the ones whose verdict hangs on the rendered audio (silences, overlaps, loudness, emotion) are
not. No recogniser and no rendering: the whole corpus (1,082 calls in December 2026) takes about 15
CPU minutes, against about 25 minutes for each batch of 16 calls through ``bench/verdicts.py``, so it
is the regression to run on every call after editing a pack. A disagreement here is the pack's own
(the words were right); one that appears only in ``bench/verdicts.py`` comes from recognition.

``--against REV`` scores the packs of a git revision (or a folder holding ``zh-default.yaml`` and
``en-default.yaml``) on the same transcripts and lists every verdict that moved: ``+`` to the
label, ``-`` away from it, ``~`` from one wrong verdict to another.

    .venv/bin/python bench/script_verdicts.py [--calls ID ...] [--packs DIR] [--against REV|DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.corpus.script import CALLS_DIR, CallScript, load_calls  # noqa: E402
from bench.verdicts import Row, print_table, table  # noqa: E402

# The labelled rules decided by words alone; long-silence, hold-announced, agent-interruption,
# customer-emotion-end and agent-raised-voice need the rendered audio's timing and voice.
WORD_RULES = ("greeting", "job-number", "closing", "forbidden-phrase", "complaint-apology",
              "identity-verification", "over-promise")
RENDERING = "script"
CHARS_PER_S, WORDS_PER_S = 4.5, 2.6
MIN_TURN_S = 0.4


def transcript_of(call: CallScript) -> str:
    """``ROLE START END TEXT`` lines (the rule test case format) for the script's turns."""
    lines, end_of_all = [], 0.0
    for turn in call.turns:
        text = " ".join(turn.text.split())
        said_s = (len(re.sub(r"\s", "", text)) / CHARS_PER_S if call.language == "zh"
                  else len(text.split()) / WORDS_PER_S)
        start = max(0.0, end_of_all + turn.gap_s)
        end = start + max(said_s, MIN_TURN_S)
        lines.append(f"{turn.speaker} {start:.2f} {end:.2f} {text}")
        end_of_all = max(end_of_all, end)
    return "\n".join(lines)


def score(calls: list[CallScript], packs: Path, rules: tuple = WORD_RULES) -> list[Row]:
    """One row per (call, rule) with the verdict of ``packs``' default pack for the call's language,
    scored as ``qc run`` scores (``score_call``) with the pack cut down to ``rules``."""
    from qc.rules.casefile import call_from_case
    from qc.rules.providers import CheckModels
    from qc.rules.ruleset import load_ruleset
    from qc.rules.scoring import score_call

    models, sets, rows = CheckModels(), {}, []
    for call in calls:
        if call.language not in sets:
            pack = load_ruleset(packs / f"{call.language}-default.yaml")
            sets[call.language] = replace(pack, rules=tuple(r for r in pack.rules if r.id in rules))
        analysis = call_from_case({"name": call.id, "language": call.language, "transcript": transcript_of(call),
                                   "call": {"agent_id": call.agent_id, "agent_name": call.agent_name,
                                            "direction": call.direction}})
        rows += [Row(call.id, RENDERING, result.rule_id, result.status, call.labels[result.rule_id])
                 for result in score_call(analysis, sets[call.language], models).rules]
    return rows


def packs_of(where: str, scratch: Path) -> Path:
    """A folder with the default packs: ``where`` itself, or the rules/ folder of git revision ``where``."""
    if Path(where).is_dir():
        return Path(where)
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", where, "rules"], capture_output=True)
    if archive.returncode != 0:
        raise SystemExit(f"--against {where}: neither a folder nor a git revision "
                         f"({archive.stderr.decode(errors='replace').strip()})")
    subprocess.run(["tar", "-x", "-C", str(scratch)], input=archive.stdout, check=True)
    return scratch / "rules"


def moved(before: list[Row], after: list[Row]) -> list[tuple[str, Row, str]]:
    """(mark, row after, verdict before) for every (call, rule) whose verdict differs; mark ``+`` when
    it moved to the label, ``-`` when away from it, ``~`` when it was and is wrong."""
    was = {(r.call_id, r.rule_id): r.got for r in before}
    out = []
    for row in after:
        old = was.get((row.call_id, row.rule_id))
        if old is not None and old != row.got:
            out.append(("+" if row.got == row.label else "-" if old == row.label else "~", row, old))
    return out


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", nargs="+", metavar="ID", help="only these call scripts (ids)")
    parser.add_argument("--calls-dir", type=Path, default=CALLS_DIR, help="the scripts [default: bench/corpus/calls]")
    parser.add_argument("--packs", type=Path, default=REPO_ROOT / "rules", help="the packs to score [default: rules/]")
    parser.add_argument("--against", metavar="REV|DIR", help="also score these packs and list the verdicts that moved")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the rows, the table and what moved")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    calls = load_calls(args.calls_dir, args.calls)
    if not calls:
        print(f"no call scripts in {args.calls_dir}" + (" with those ids" if args.calls else ""), file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    rows = score(calls, args.packs)
    print(f"\n{len(calls)} call scripts, {len(WORD_RULES)} word rules, scored in {time.perf_counter() - t0:.0f} s\n")
    summary = table(rows)
    print_table(summary)
    wrong = [r for r in rows if r.got != r.label]
    print(f"\n{len(wrong)} disagreements (call, rule: got, label):")
    for r in wrong:
        print(f"  {r.call_id:<40} {r.rule_id:<22} got {r.got:<5} label {r.label}")
    changes = []
    if args.against:
        with tempfile.TemporaryDirectory() as scratch:
            changes = moved(score(calls, packs_of(args.against, Path(scratch))), rows)
        print(f"\nagainst {args.against}: {len(changes)} verdicts moved "
              f"({sum(m == '+' for m, _, _ in changes)} to the label, {sum(m == '-' for m, _, _ in changes)} away)")
        for mark, r, old in changes:
            print(f"  {mark} {r.call_id:<40} {r.rule_id:<22} {old} -> {r.got} (label {r.label})")
    if args.json:
        args.json.write_text(json.dumps({"table": summary, "rows": [asdict(r) for r in rows],
                                         "moved": [{"mark": m, **asdict(r), "before": old} for m, r, old in changes]},
                                        ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
