"""Benchmark of decoding that knows the site's words: the same calls transcribed without and with
the company names and the packs' required phrases given to Whisper (as hotwords, or as the
initial prompt), through qc's own ``analyse_recording``. See bench/README.md.

For every stereo call, per channel against that channel's reference turns:

- CER (zh) / WER (en), pooled (bench/metrics.py);
- required phrases (the call language's pack, ``qc.rules.vocabulary.required_phrases``, matched as
  the rules match them): recall = found in the hypothesis when in the reference; false hits = in
  the hypothesis, not in the reference (a hallucinated required phrase hides a violation);
- forbidden phrases and patterns (``avoided_phrases``): recall, and false hits, which decoding
  towards the site's words must not raise.

    .venv/bin/python bench/hotwords.py [--variants off hotwords prompt] [--corpus DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.metrics import ErrorCount, cer, pooled, wer  # noqa: E402
from bench.transcription import hypothesis, languages, load_reference  # noqa: E402
from qc.analysis.asr import AsrOptions, WhisperTranscriber  # noqa: E402
from qc.models import default_models_dir, resolve  # noqa: E402
from qc.rules.checks.regex import compiled  # noqa: E402
from qc.rules.ruleset import RULES_DIR, load_ruleset  # noqa: E402
from qc.rules.vocabulary import avoided_phrases, required_phrases, vocabulary_text  # noqa: E402
from qc.schema import CallMeta  # noqa: E402
from qc.sources.audio import AudioSettings, analyse_recording  # noqa: E402

SHARED_GLOBS = ("synthetic-tts-dialogues/*.stereo8k.wav", "simulated-from-real-zh/*.stereo8k.wav")
# The shared calls carry no company field: the names a zh and an en site would configure, as said
# in the scripted dialogues (星河通信客服中心, Northwind Bank).
SITE_COMPANY = {"zh": ("星河通信",), "en": ("Northwind Bank",)}
VARIANTS = ("off", "hotwords", "prompt")


@dataclass(frozen=True)
class Call:
    path: Path
    language: str
    company: tuple[str, ...]


@dataclass
class Tally:
    """Counts pooled over calls for one variant and language."""

    errors: ErrorCount = ErrorCount()
    required: list[int] = field(default_factory=lambda: [0, 0, 0])  # in reference, found of those, false hits
    forbidden: list[int] = field(default_factory=lambda: [0, 0, 0])
    wall_s: float = 0.0
    audio_s: float = 0.0
    calls: int = 0


def presence(items, text: str) -> set[str]:
    """The phrases (and regex patterns) of ``items`` that occur in ``text`` as the rules match them."""
    phrases, patterns = items
    folded = unicodedata.normalize("NFKC", text)
    return {p.text for p in phrases if p.found_in(text)} | {p for p in patterns if compiled(p).search(folded)}


def count(items, ref: str, hyp: str, into: list[int]) -> None:
    in_ref, in_hyp = presence(items, ref), presence(items, hyp)
    into[0] += len(in_ref)
    into[1] += len(in_ref & in_hyp)
    into[2] += len(in_hyp - in_ref)


def options_for(variant: str, base: AsrOptions, language: str, text: str) -> AsrOptions:
    if variant == "hotwords":
        return replace(base, hotwords=((language, text),))
    if variant == "prompt":
        return replace(base, initial_prompt=((language, text),))
    return base


def find_calls(data: Path, corpus: Optional[Path], max_corpus: int) -> list[Call]:
    calls = []
    language = languages(data)  # the data README's file table
    for pattern in SHARED_GLOBS:
        for path in sorted(data.glob(pattern)):
            lang = language[str(path.relative_to(data))]
            calls.append(Call(path, lang, SITE_COMPANY[lang]))
    if corpus and corpus.is_dir():
        found = {}
        for path in sorted(corpus.glob("*.stereo8k.wav")):
            meta = json.loads(path.with_name(path.name.split(".")[0] + ".json").read_text(encoding="utf-8"))
            company = meta.get("company") or ()
            call = Call(path, meta["language"], (company,) if isinstance(company, str) else tuple(company))
            found.setdefault(call.language, []).append(call)
        for group in found.values():  # as many of each language, spread over its industries
            n = min(len(group), max_corpus // len(found))
            calls += [group[i * len(group) // n] for i in range(n)]
    return calls


def percent(numerator: float, denominator: float) -> str:
    return f"{100 * numerator / denominator:.1f} %" if denominator else "-"


def print_table(tallies: dict[tuple[str, str], Tally]) -> None:
    print(f"\n{'variant':<9} {'lang':<4} {'calls':>5} {'CER/WER':>8} {'edits/ref':>10} {'req in ref':>10} "
          f"{'req recall':>10} {'req false':>9} {'forb in ref':>11} {'forb recall':>11} {'forb false':>10} {'RTF':>5}")
    for (variant, language), t in sorted(tallies.items(), key=lambda kv: (kv[0][1], VARIANTS.index(kv[0][0]))):
        print(f"{variant:<9} {language:<4} {t.calls:>5} {percent(t.errors.edits, t.errors.ref_units):>8} "
              f"{f'{t.errors.edits}/{t.errors.ref_units}':>10} {t.required[0]:>10} "
              f"{percent(t.required[1], t.required[0]):>10} {t.required[2]:>9} {t.forbidden[0]:>11} "
              f"{percent(t.forbidden[1], t.forbidden[0]):>11} {t.forbidden[2]:>10} {t.wall_s / t.audio_s:>5.2f}")


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Transcription with and without the site's words (hotwords).")
    parser.add_argument("--model", default="whisper-base")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    default_data = Path(os.environ.get("QC_EVAL_DATA") or REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--data", type=Path, default=default_data, help="shared evaluation data")
    parser.add_argument("--corpus", type=Path, default=Path("/work/bench-data/corpus"),
                        help="labelled corpus renderings (<id>.stereo8k.wav + <id>.json), used when present")
    parser.add_argument("--max-corpus", type=int, default=12, help="at most this many corpus calls")
    parser.add_argument("--languages", nargs="+", choices=("zh", "en"), default=["zh", "en"],
                        help="only calls in these languages")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write per-call texts and counts")
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    calls = [c for c in find_calls(args.data, args.corpus, args.max_corpus) if c.language in args.languages]
    if not calls:
        print(f"bench: no calls under {args.data} or {args.corpus}", file=sys.stderr)
        return 2
    packs = {lang: load_ruleset(RULES_DIR / f"{lang}-default.yaml") for lang in ("zh", "en")}
    base = AsrOptions(model=args.model)
    transcriber = WhisperTranscriber(base, resolve(args.model, default_models_dir()), cpu_threads=os.cpu_count())
    transcriber.load()
    tallies: dict[tuple[str, str], Tally] = {}
    rows = []
    for call in calls:
        pack = packs[call.language]
        text = vocabulary_text(pack, call.company)
        required, forbidden = (required_phrases(pack), ()), avoided_phrases(pack)
        reference = load_reference(call.path)
        for variant in args.variants:
            options = options_for(variant, base, call.language, text)
            transcriber.options = options  # one loaded model, the variant's decoding options
            meta = CallMeta(call_id=call.path.name.split(".")[0], path=str(call.path), language=call.language)
            started = time.perf_counter()
            analysis = analyse_recording(meta, AudioSettings(asr=options), transcriber, call.language)
            wall_s = time.perf_counter() - started
            tally = tallies.setdefault((variant, call.language), Tally())
            tally.calls += 1
            tally.wall_s += wall_s
            tally.audio_s += analysis.audio.duration_s
            errors = []
            for channel, ref in reference.items():
                hyp = hypothesis(analysis.transcript, channel)
                errors.append(cer(ref, hyp) if call.language == "zh" else wer(ref, hyp))
                count(required, ref, hyp, tally.required)
                count(forbidden, ref, hyp, tally.forbidden)
                rows.append({"call": call.path.name, "variant": variant, "channel": channel, "reference": ref,
                             "hypothesis": hyp, "edits": errors[-1].edits, "ref_units": errors[-1].ref_units})
            tally.errors += pooled(errors)
            print(f"{call.path.name:<48} {variant:<9} {percent(pooled(errors).edits, pooled(errors).ref_units):>8} "
                  f"{wall_s:6.1f} s", flush=True)
        print(f"  {call.language} words: {text}", flush=True)
    print_table(tallies)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
