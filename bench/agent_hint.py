"""The call's agent in Whisper's prompt: names and numbers heard, and invented, with and without.

    .venv/bin/python bench/agent_hint.py [--calls ID ...] [--corpus DIR] [--json OUT]

For each stereo 8 kHz corpus call (``$QC_BENCH_DATA``, rendered by ``make bench-data``), the
agent's channel, first 30 s (where the packs look for the introduction), is transcribed twice
by qc's own ``WhisperTranscriber`` with the default packs' words as the prompt
(``--initial-prompt auto``, no site file): ``off``, as before, and ``hint``, with the call's agent
name and number before them (``qc.analysis.asr.call_hint``, what ``qc run`` now does). Per
language and per label of the job-number rule, it prints how many openings the agent's name
(English: the first name; Mandarin: the full name) and number (its digits, numerals read as
digits) appear in:

- label ``pass`` (the agent said one of them): what the hint should raise;
- label ``fail`` and the name not in the script's first 30 s of agent text: an invented name or
  number, which would hide a violation (must stay 0).

The verdicts that follow from it are measured by ``bench/verdicts.py`` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from qc.analysis.asr import AsrOptions, WhisperTranscriber  # noqa: E402
from qc.analysis.audio import decode_audio  # noqa: E402
from qc.models import default_models_dir, resolve  # noqa: E402
from qc.rules.ruleset import load_ruleset  # noqa: E402
from qc.run.prompts import site_prompts  # noqa: E402
from qc.text import numerals  # noqa: E402

OPENING_S = 30.0
VARIANTS = ("off", "hint")


def heard(text: str, name: str, number: str, language: str) -> tuple[bool, bool]:
    """(name heard, number heard) in ``text``."""
    key = name if language == "zh" else (name.split() or [""])[0]
    digits = re.sub(r"\D", "", number)
    said_digits = re.sub(r"\D", "", numerals(text))
    return bool(key) and key.lower() in text.lower(), bool(digits) and digits in said_digits


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("QC_BENCH_DATA")
                                                            or REPO_ROOT / "reports" / "bench-data" / "corpus"))
    parser.add_argument("--calls", nargs="+", default=None, help="corpus call ids [default: all]")
    parser.add_argument("--json", type=Path, default=None, help="also write every call's texts here")
    args = parser.parse_args(argv)
    packs = [load_ruleset(REPO_ROOT / "rules" / f"{lang}-default.yaml") for lang in ("zh", "en")]
    prompts = site_prompts("auto", packs)
    model_path = resolve("whisper-base", default_models_dir())
    transcriber = WhisperTranscriber(AsrOptions(initial_prompt=prompts, agent_hint=True), model_path)
    rows = []
    for spec_file in sorted(args.corpus.glob("*.json")):
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
        if "labels" not in spec or (args.calls and spec_file.stem not in args.calls):
            continue
        wav = args.corpus / f"{spec_file.stem}.stereo8k.wav"
        if not wav.is_file():
            continue
        audio = decode_audio(wav)
        agent_side = 0 if spec.get("stereo8k_channels", {}).get("left", "agent") == "agent" else 1
        opening = audio.channels[agent_side][:int(OPENING_S * audio.sample_rate_hz)].astype("float32")
        lang, name, number = spec["language"], spec["agent_name"], str(spec["agent_id"])
        script = " ".join(t["text"] for t in spec["turns"] if t["spk"] == "agent" and t["start"] < OPENING_S)
        row = {"call": spec_file.stem, "language": lang, "label": spec["labels"].get("job-number"),
               "name_in_script": heard(script, name, "", lang)[0]}
        for variant, agent in zip(VARIANTS, ((), (name, number))):  # without an agent no hint is given
            text = " ".join(s.text for s in transcriber.transcribe(opening, lang, agent=agent).segments)
            row[variant] = text
            row[f"{variant}_heard"] = heard(text, name, number, lang)
        rows.append(row)
        print(f"{row['call']:34} {row['label']:5} off {_flags(row['off_heard'])} hint {_flags(row['hint_heard'])}",
              flush=True)
    print()
    print("language label calls | name heard off -> hint | number heard off -> hint | invented (fail, name not said)")
    for lang in ("zh", "en"):
        for label in ("pass", "fail"):
            group = [r for r in rows if r["language"] == lang and r["label"] == label]
            if not group:
                continue
            counts = {v: [sum(r[f"{v}_heard"][i] for r in group) for i in (0, 1)] for v in VARIANTS}
            unsaid = [r for r in group if label == "fail" and not r["name_in_script"]]
            invented = {v: sum(any(r[f"{v}_heard"]) for r in unsaid) for v in VARIANTS}
            print(f"{lang:8} {label:5} {len(group):5} | {counts['off'][0]:3} -> {counts['hint'][0]:3}"
                  f"             | {counts['off'][1]:3} -> {counts['hint'][1]:3}"
                  + (f"               | {invented['off']} -> {invented['hint']} of {len(unsaid)}" if unsaid else ""))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def _flags(pair: tuple[bool, bool]) -> str:
    return ("N" if pair[0] else "-") + ("#" if pair[1] else "-")


if __name__ == "__main__":
    sys.exit(main())
