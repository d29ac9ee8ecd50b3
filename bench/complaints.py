"""Complaint detection on sentences written apart from the packs: recall and false hits.

``bench/complaints/bank*.yaml`` hold customer sentences, labelled ``complaint`` (the customer
complains about, or shows dissatisfaction with, the company, its service, staff, delays or
charges) or ``other`` (everything else a caller says: calm fault reports, requests, details,
thanks, small talk, complaints about the weather or the traffic, "no complaints"), 100-160 a
list, in Mandarin and English, written by authors who saw neither the packs nor the corpus:

- ``bank1.yaml`` (160 a list) was written first and then used to widen the packs' complaint
  classes (session 9), so its figures after that are optimistic;
- ``bank2.yaml`` (100 a list, another author, asked for wording without complaint keywords)
  was kept out of that work: the held-out figure.

Each sentence is scored as its own call (an agent's greeting, the sentence as the customer's
turn, a neutral agent reply) by the rule ``complaint-apology`` of a pack, exactly as ``qc rules
test`` scores a case: a complaint must make the rule apply (and fail, since no apology follows),
anything else must leave it ``na``. No audio and no recogniser: this measures the wording
classes alone, an upper bound for what a call transcribed with errors reaches.

    .venv/bin/python bench/complaints.py [--rules DIR] [--bank FILE ...] [--misses]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from qc.rules.casefile import evaluate_case  # noqa: E402
from qc.rules.providers import CheckModels  # noqa: E402
from qc.rules.ruleset import load_ruleset  # noqa: E402
from qc.rules.yamlfile import read_yaml  # noqa: E402

BANKS = sorted((REPO_ROOT / "bench" / "complaints").glob("bank*.yaml"))
RULE = "complaint-apology"
OPENING = {"zh": ("您好，请问有什么可以帮您？", "好的，我记一下。"), "en": ("Hello, how can I help?", "Okay, let me note that.")}


def case_for(sentence: str, language: str) -> dict:
    hello, reply = OPENING[language]
    return {"name": sentence, "rule": RULE, "language": language,
            "transcript": f"agent 0.5 2.5 {hello}\ncustomer 3.0 7.0 {sentence}\nagent 7.5 9.0 {reply}\n"}


def detected(ruleset, sentence: str, language: str, models) -> bool:
    """Whether the pack finds a complaint in the sentence (the rule applies)."""
    return evaluate_case(Path("bank"), case_for(sentence, language), models, ruleset).status != "na"


def score(bank: dict, rulesets: dict, models) -> list[tuple]:
    """(language, kind, found, total, missed or wrongly flagged sentences) per language and kind."""
    rows = []
    for language, lists in bank.items():
        for kind in ("complaint", "other"):
            sentences = lists.get(kind, [])
            hits = [s for s in sentences if detected(rulesets[language], s, language, models)]
            wrong = [s for s in sentences if s not in hits] if kind == "complaint" else hits
            rows.append((language, kind, len(hits), len(sentences), wrong))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", type=Path, default=REPO_ROOT / "rules",
                        help="directory with zh-default.yaml and en-default.yaml (default: rules/)")
    parser.add_argument("--bank", type=Path, nargs="+", default=BANKS)
    parser.add_argument("--misses", action="store_true", help="list missed complaints and flagged other sentences")
    args = parser.parse_args(argv)
    rulesets = {lang: load_ruleset(args.rules / f"{lang}-default.yaml") for lang in ("zh", "en")}
    models = CheckModels()
    print(f"{'bank':12s} {'lang':4s} {'complaints found':>18s} {'other flagged':>15s}")
    for path in args.bank:
        rows = score(read_yaml(path), rulesets, models)
        for language in ("zh", "en"):
            found = next(r for r in rows if r[:2] == (language, "complaint"))
            flagged = next(r for r in rows if r[:2] == (language, "other"))
            print(f"{path.stem:12s} {language:4s} {found[2]:>5d}/{found[3]:<4d} {100 * found[2] / found[3]:5.1f} % "
                  f"{flagged[2]:>4d}/{flagged[3]:<4d} {100 * flagged[2] / flagged[3]:4.1f} %")
            if args.misses:
                for sentence in found[4]:
                    print(f"    missed   {sentence}")
                for sentence in flagged[4]:
                    print(f"    flagged  {sentence}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
