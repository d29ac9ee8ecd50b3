"""Is a call in the language it was given? Whisper's language head on the first window qc encodes.

    .venv/bin/python bench/language_check.py [--corpus DIR ...] [--renderings stereo8k tel8k] [--every N]
                                             [--eval-data DIR] [--json OUT] [--sample first-window|both]

qc transcribes a call in the language it is given (``--language zh`` or the manifest's column)
unless the call is plainly another language qc knows (``qc.analysis.language.plainly_other``):
then the call fails with that reason. For every ``--every``-th corpus call of each rendering
(``$QC_BENCH_DATA`` or the ``--corpus`` folders, rendered by ``make bench-data``) and the real
recordings of ``$QC_EVAL_DATA`` whose language is known, it asks Whisper base what ``qc run``
asks: ``first-window`` (the default, as qc checks a language given) the first window Whisper
encodes when transcribing the channel with the most speech (``qc.analysis.first_window``);
``both`` the first 30 s of speech of every channel in time order (``speech_sample``: how a
list of languages is decided, and how a language given was checked before). Printed per true
language:

- the lowest probability of the call's own language and the highest of the other known one;
- ``refused as given``: calls that would fail with their own language given (must be 0);
- ``caught as other``: calls that would fail given the other language (the point of the check).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from qc.analysis.asr import AsrOptions, WhisperTranscriber  # noqa: E402
from qc.analysis.audio import decode_audio  # noqa: E402
from qc.analysis.language import KNOWN, plainly_other, speech_sample  # noqa: E402
from qc.analysis.vad import speech_regions  # noqa: E402
from qc.models import default_models_dir, resolve  # noqa: E402

# Real recordings of ../shared/data whose language is known (the corpus's is in its file names)
REAL = {"zh": ["FireRedASR/BAC009S0764W0121.wav", "FireRedTTS2/zh_S1.flac", "FireRedTTS2/zh_S2.flac",
               "simulated-from-real-zh/sim_fireredtts2_S1S2_overlap.tel8k.wav",
               "simulated-from-real-zh/sim_moss_moon_longsilence.tel8k.wav"],
        "en": ["pyannote-audio/sample.wav", "joinly/OSR_us_000_0034_8k.wav", "openai-whisper/jfk.flac",
               "faster-whisper/stereo_diarization.wav", "pyannote-audio/ami_excerpts/dev00.wav"]}


def files(corpora: list[Path], renderings, every: int, eval_data: Path | None) -> list[tuple[str, Path]]:
    """(true language, path) of every file to check."""
    found = []
    for rendering in renderings:
        paths = sorted((path for corpus in corpora for path in corpus.glob(f"*.{rendering}.wav")),
                       key=lambda path: path.name)[::every]
        found += [(path.name.split("-")[0], path) for path in paths]
    if eval_data:
        found += [(lang, eval_data / name) for lang, names in REAL.items() for name in names
                  if (eval_data / name).exists()]
    return found


class Heard(Exception):
    """The first window was heard: nothing needs decoding."""


def first_window(transcriber: WhisperTranscriber, samples, language: str) -> dict[str, float]:
    """The language probabilities qc's check gets: those of the first window the transcription of
    ``samples`` encodes (the encoder output does not depend on the language it is asked for)."""
    heard: dict[str, float] = {}

    def check(probabilities):
        heard.update(probabilities)
        raise Heard

    with transcriber.first_window.hearing(check):
        try:
            transcriber.transcribe(samples, language)
        except Heard:
            pass
    return heard


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_corpus = Path(os.environ.get("QC_BENCH_DATA") or REPO_ROOT / "reports" / "bench-data" / "corpus")
    parser.add_argument("--corpus", type=Path, nargs="+", default=[default_corpus])
    parser.add_argument("--renderings", nargs="+", default=["stereo8k", "tel8k"])
    parser.add_argument("--every", type=int, default=4, help="every N-th corpus call of each rendering")
    parser.add_argument("--eval-data", type=Path, default=Path(os.environ.get("QC_EVAL_DATA")
                                                               or REPO_ROOT.parent / "shared" / "data"))
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--sample", choices=["first-window", "both"], default="first-window")
    args = parser.parse_args(argv)
    transcriber = WhisperTranscriber(AsrOptions(), resolve("whisper-base", default_models_dir()), cpu_threads=1)
    rows, spent = [], 0.0
    for truth, path in files(args.corpus, args.renderings, args.every, args.eval_data):
        audio = decode_audio(path)
        channels = list(audio.channels)
        regions = [speech_regions(samples) for samples in channels]
        if not any(regions):
            continue
        started = time.perf_counter()
        if args.sample == "both":
            probabilities = transcriber.language_probabilities(speech_sample(channels, regions))
        else:
            talkiest = max(range(len(channels)), key=lambda i: sum(end - start for start, end in regions[i]))
            probabilities = first_window(transcriber, channels[talkiest], truth)
        if not probabilities:
            continue  # Whisper's own voice activity heard nothing to encode
        spent += time.perf_counter() - started if rows else 0.0  # the first call loads the model
        other = next(lang for lang in KNOWN if lang != truth)
        rows.append({"file": path.name, "truth": truth, "own": probabilities.get(truth, 0.0),
                     "other": probabilities.get(other, 0.0),
                     "refused_as_given": bool(plainly_other(probabilities, truth)),
                     "caught_as_other": plainly_other(probabilities, other) == truth})
        print(f"{path.name:55s} {truth} own {rows[-1]['own']:.3f} other {rows[-1]['other']:.4f}", flush=True)
    print(f"\n{'language':8s} {'calls':>5s} {'own min':>8s} {'other max':>9s} {'refused as given':>17s} "
          f"{'caught as other':>16s}")
    for lang in KNOWN:
        mine = [row for row in rows if row["truth"] == lang]
        if mine:
            print(f"{lang:8s} {len(mine):5d} {min(r['own'] for r in mine):8.3f} {max(r['other'] for r in mine):9.4f} "
                  f"{sum(r['refused_as_given'] for r in mine):17d} {sum(r['caught_as_other'] for r in mine):16d}")
    if len(rows) > 1 and args.sample == "both":  # the first window costs the transcription one decoder step
        print(f"\nlanguage detection: {spent / (len(rows) - 1):.2f} s per call (1 CPU thread, model loaded)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
