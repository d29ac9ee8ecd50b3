"""Benchmark of qc on mono calls: who said what, and which speaker is the agent.

Runs qc's own ``analyse_recording`` (decode, voice activity, Whisper, guard, pyannote, words
joined to speaker turns, role decision) on every mono rendering that has a ``.json`` reference
with ``agent``/``customer`` turns: the 16 kHz ``.wav`` and 8 kHz mu-law ``.tel8k.wav`` files of
../shared/data (simulated and synthetic calls) and of any ``--corpus`` folder (``<id>.json``
beside ``<id>.wav`` / ``<id>.tel8k.wav``). Per file:

* ``agent``: whether the speaker qc calls the agent is the one that holds most of the
  reference agent's speech (time overlap of the turns), the role confidence and whether the
  call is flagged (confidence below ``LOW_ROLE_CONFIDENCE``);
* ``DER``: collar 0.25, overlap excluded, as bench/diarization.py scores it;
* ``wrong``: the share of tokens (zh characters, en words) that qc gives to the wrong party,
  among those its text shares with the reference after an edit-distance alignment (so timing
  drift of Whisper's words does not hide or invent errors); each qc speaker stands for the
  party most of its tokens belong to, so a wrong agent choice is not counted twice;
* ``mixed``: qc sentences holding at least ``MIXED_TOKENS`` aligned tokens of each party;
* ``oracle``: ``wrong`` again, with qc's words joined to the *reference* turns instead of
  pyannote's: what is left is the attribution's own share (Whisper's word times, the join),
  the rest of ``wrong`` comes from diarization.

Whisper's words and pyannote's turns are cached in ``--cache`` (keyed by the samples, the
settings and, for turns, the source of qc's diarization modules), so a change to attribution
or roles re-runs in seconds; a change to diarization code re-diarizes.

    .venv/bin/python bench/attribution.py [--corpus /work/bench-data/corpus] [--no-direction] [--json OUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Optional, Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.metrics import normalise_en, normalise_zh  # noqa: E402
from qc.analysis.asr import AsrOptions, ChannelTranscript, RawSegment, WhisperTranscriber  # noqa: E402
from qc.analysis.diarize import DiarizationOptions, Diarizer  # noqa: E402
from qc.models import default_models_dir, resolve  # noqa: E402
from qc.analysis.speakers import assign_words  # noqa: E402
from qc.schema import CallMeta, Turn, Word  # noqa: E402
from qc.sources.audio import AudioSettings, analyse_recording  # noqa: E402

DEV_GLOBS = ("simulated-from-real-zh/*.wav", "synthetic-tts-dialogues/*.wav")
MIXED_TOKENS = 2
DIARIZATION_SOURCES = ("qc/analysis/diarize.py", "qc/analysis/diarize_options.py", "qc/analysis/pyannote_models.py",
                       "qc/analysis/speaker_split.py", "qc/analysis/blocks.py",
                       "qc/analysis/turn_clustering.py")


@dataclass(frozen=True)
class FileResult:
    file: str
    group: str
    language: str
    direction: str
    audio_s: float
    agent_right: bool
    confidence: float
    flagged: bool
    speakers: int
    der: float
    wrong_tokens: int
    oracle_wrong_tokens: int
    aligned_tokens: int
    sentences: int
    mixed: int
    reason: str


def tokens(text: str, language: str) -> list[str]:
    return list(normalise_zh(text)) if language == "zh" else normalise_en(text)


def tagged(items: Sequence[tuple[str, str]], language: str) -> list[tuple[str, str]]:
    """``[(role, text)]`` as ``[(token, role)]``."""
    return [(token, role) for role, text in items for token in tokens(text, language)]


def align(ref: Sequence[str], hyp: Sequence[str]) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)`` of the reference and hypothesis tokens a minimal edit script matches
    (equal or substituted), by dynamic programming with backtrace."""
    n, m = len(ref), len(hyp)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = i
    for j in range(m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        row, above = cost[i], cost[i - 1]
        for j in range(1, m + 1):
            row[j] = min(above[j] + 1, row[j - 1] + 1, above[j - 1] + (ref[i - 1] != hyp[j - 1]))
    pairs, i, j = [], n, m
    while i > 0 and j > 0:
        if cost[i][j] == cost[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def attribution(reference: list[dict], sentences, language: str, show: bool = False) -> tuple[int, int, int]:
    """(aligned tokens given to the wrong party, aligned tokens, qc sentences mixing both parties).

    Each qc speaker stands for the party most of its aligned tokens belong to, so a wrong agent
    choice (measured apart) does not count here. Reference tokens Whisper never wrote (overtalk
    it did not hear) are left out: they are transcription errors, not attribution errors."""
    ref = tagged([(t["spk"], t["text"]) for t in sorted(reference, key=lambda t: t["start"])], language)
    hyp_items, owner = [], []
    for index, s in enumerate(sentences):
        for token in tokens(s.text, language):
            hyp_items.append((token, s.speaker))
            owner.append(index)
    pairs = align([t for t, _ in ref], [t for t, _ in hyp_items])
    votes: dict[str, dict[str, int]] = {}
    parties: dict[int, dict[str, int]] = {}
    for i, j in pairs:
        for table, key in ((votes, hyp_items[j][1]), (parties, owner[j])):
            counts = table.setdefault(key, {})
            counts[ref[i][1]] = counts.get(ref[i][1], 0) + 1
    party = {speaker: max(counts, key=counts.get) for speaker, counts in votes.items()}
    wrong = sum(1 for i, j in pairs if party[hyp_items[j][1]] != ref[i][1])
    mixed = {index for index, counts in parties.items() if sum(c >= MIXED_TOKENS for c in counts.values()) >= 2}
    if show:
        for index, s in enumerate(sentences):
            counts = parties.get(index, {})
            mark = "MIXED" if index in mixed else "wrong" if counts and max(counts, key=counts.get) != \
                party.get(s.speaker) else ""
            print(f"  {s.start_s:6.2f}-{s.end_s:6.2f} {s.speaker:>10} {s.role:>8} {mark:>5} {counts} {s.text}")
    return wrong, len(pairs), len(mixed)


def agent_speaker(reference: list[dict], turns) -> Optional[str]:
    """The qc speaker that overlaps the reference agent's turns the longest."""
    overlap: dict[str, float] = {}
    for t in reference:
        if t["spk"] != "agent":
            continue
        for speaker, start, end in turns:
            overlap[speaker] = overlap.get(speaker, 0.0) + max(0.0, min(end, t["end"]) - max(start, t["start"]))
    return max(overlap, key=overlap.get) if overlap else None


def der(reference: list[dict], turns, path: Path, duration_s: float) -> float:
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for i, t in enumerate(reference):
        ref[Segment(t["start"], t["end"]), i] = t["spk"]
    for i, (speaker, start, end) in enumerate(turns):
        hyp[Segment(start, end), i] = speaker
    uem_path = path.with_name(path.name.split(".")[0] + ".uem")
    regions = ([Segment(float(f[2]), float(f[3])) for f in (line.split() for line in uem_path.read_text().splitlines())
                if len(f) >= 4] if uem_path.is_file() else [Segment(0, duration_s)])
    return DiarizationErrorRate(collar=0.25, skip_overlap=True)(ref, hyp, uem=Timeline(regions))


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else json.dumps(part, sort_keys=True, default=str).encode())
    return h.hexdigest()[:24]


class CachedTranscriber:
    """qc's WhisperTranscriber, its output kept on disk by samples, language and settings."""

    def __init__(self, options: AsrOptions, cache: Path, threads: int = 0):
        self.options, self.cache, self.threads, self._inner = options, cache, threads, None
        self.last: Optional[ChannelTranscript] = None

    def transcribe(self, samples, language, **options):
        path = self.cache / f"asr-{_digest(samples.tobytes(), language, self.options.fingerprint())}.json"
        if path.is_file():
            data = json.loads(path.read_text())
            self.last = ChannelTranscript(data["language"], tuple(
                RawSegment(**{**s, "words": tuple(Word(**w) for w in s["words"])}) for s in data["segments"]))
            return self.last
        if self._inner is None:
            self._inner = WhisperTranscriber(self.options, resolve(self.options.model, default_models_dir()),
                                             cpu_threads=self.threads)
        self.last = self._inner.transcribe(samples, language)
        path.write_text(json.dumps(asdict(self.last), ensure_ascii=False))
        return self.last


class CachedDiarizer:
    """qc's Diarizer, its turns kept on disk by samples, settings and the diarization code itself."""

    def __init__(self, diarizer: Diarizer, cache: Path):
        self.diarizer, self.cache = diarizer, cache
        self.code = _digest(*[(REPO_ROOT / p).read_bytes() for p in DIARIZATION_SOURCES if (REPO_ROOT / p).is_file()])

    def diarize(self, samples, num_speakers=2, min_speakers=None, max_speakers=None, speech=()):
        key = _digest(samples.tobytes(), self.diarizer.options.fingerprint(), self.code,
                      [num_speakers, min_speakers, max_speakers], list(speech))
        path = self.cache / f"turns-{key}.json"
        if path.is_file():
            return [Turn(*t) for t in json.loads(path.read_text())]
        turns = self.diarizer.diarize(samples, num_speakers, min_speakers, max_speakers, speech)
        path.write_text(json.dumps([list(t) for t in turns]))
        return turns


def mono_files(folder: Path, globs: Sequence[str]) -> list[Path]:
    found = sorted(p for g in globs for p in folder.glob(g) if ".stereo8k." not in p.name)
    return [p for p in found if _has_agent(p.with_name(p.name.split(".")[0] + ".json"))]


def _has_agent(label: Path) -> bool:
    """A call with agent and customer turns (not, e.g., two livestream speakers)."""
    return label.is_file() and {t["spk"] for t in json.loads(label.read_text())["turns"]} == {"agent", "customer"}


def bench_file(path: Path, group: str, transcriber, diarizer, use_direction: bool, show: bool = False) -> FileResult:
    label = json.loads(path.with_name(path.name.split(".")[0] + ".json").read_text())
    reference = label["turns"]
    language = label.get("language", "zh")
    direction = (label.get("direction") or "") if use_direction else ""
    meta = CallMeta(call_id=path.stem, path=str(path), language=language, direction=direction)
    analysis = analyse_recording(meta, AudioSettings(), transcriber, language, lambda: diarizer)
    turns = analysis.diarization.turns
    agents = [s for s, role in {s.speaker: s.role for s in analysis.transcript.segments}.items() if role == "agent"]
    truth = agent_speaker(reference, turns)
    if show:
        print(path.name)
        for t in reference:
            print(f"  REF {t['start']:6.2f}-{t['end']:6.2f} {t['spk']:>8} {t['text']}")
        print("  turns:", " ".join(f"{sp[-2:]}:{a:.2f}-{b:.2f}" for sp, a, b in turns))
    wrong, total, mixed = attribution(reference, analysis.transcript.segments, language, show)
    words = [w for s in analysis.transcript.segments for w in s.words]
    oracle_turns = [Turn(t["spk"], t["start"], t["end"]) for t in reference]
    starts = [seg.words[0].start_s for seg in transcriber.last.segments if seg.words]
    oracle, _, _ = attribution(reference, _oracle_sentences(words, oracle_turns, starts), language)
    d = analysis.diarization
    return FileResult(str(path), group, language, direction or "?", analysis.audio.duration_s,
                      bool(agents) and agents[0] == truth, d.role_confidence, d.low_confidence,
                      d.num_speakers, der(reference, turns, path, analysis.audio.duration_s), wrong, oracle, total,
                      len(analysis.transcript.segments), mixed, d.reason)


def _oracle_sentences(words, turns, segment_starts_s):
    roles = {"agent": "agent", "customer": "customer"}
    try:
        return assign_words(words, turns, roles, segment_starts_s)
    except TypeError:  # qc before segment starts were passed
        return assign_words(words, turns, roles)


def print_results(results: list[FileResult], data: Path) -> None:
    names = [os.path.relpath(r.file, data) if r.file.startswith(str(data)) else Path(r.file).name for r in results]
    width = max(len(n) for n in names)
    print(f"{'file':<{width}} {'lang':>4} {'dir':>8} {'spk':>3} {'DER%':>5} {'agent':>5} {'conf':>5} {'flag':>4} "
          f"{'wrong%':>6} {'oracle':>6} {'mixed':>7}  reason")
    for name, r in zip(names, results):
        print(f"{name:<{width}} {r.language:>4} {r.direction:>8} {r.speakers:3d} {100 * r.der:5.1f} "
              f"{'ok' if r.agent_right else 'WRONG':>5} {r.confidence:5.2f} {'!' if r.flagged else '':>4} "
              f"{100 * r.wrong_tokens / max(r.aligned_tokens, 1):6.1f} {100 * r.oracle_wrong_tokens / max(r.aligned_tokens, 1):6.1f} "
              f"{r.mixed:3d}/{r.sentences:<3d}  {r.reason}")
    for group in dict.fromkeys(r.group for r in results):
        for kind, rows in (("tel8k", [r for r in results if r.group == group and ".tel8k." in r.file]),
                           ("16 kHz", [r for r in results if r.group == group and ".tel8k." not in r.file])):
            if not rows:
                continue
            right = sum(r.agent_right for r in rows)
            flagged_wrong = sum(r.flagged for r in rows if not r.agent_right)
            print(f"{group} {kind:>6} ({len(rows):2d} files): agent right {right}/{len(rows)} "
                  f"(wrong and flagged {flagged_wrong}), flagged {sum(r.flagged for r in rows)}, "
                  f"mean DER {100 * sum(r.der for r in rows) / len(rows):.1f} %, "
                  f"tokens to the wrong role {_share(rows, 'wrong_tokens')} % (with the reference turns "
                  f"{_share(rows, 'oracle_wrong_tokens')} %), "
                  f"mixed sentences {sum(r.mixed for r in rows)}/{sum(r.sentences for r in rows)}")


def diarization_options(pairs: list[str]) -> DiarizationOptions:
    """``FIELD=VALUE`` pairs over the defaults, typed by each field's default."""
    defaults = DiarizationOptions()
    changes = {}
    for pair in pairs:
        key, _, text = pair.partition("=")
        kind = type(getattr(defaults, key))
        changes[key] = text.lower() in ("1", "true", "yes") if kind is bool else kind(text)
    return replace(defaults, **changes)


def _share(rows: list[FileResult], field: str) -> str:
    return f"{100 * sum(getattr(r, field) for r in rows) / max(1, sum(r.aligned_tokens for r in rows)):.1f}"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark qc on mono calls: attribution and the agent role.")
    default_data = Path(os.environ.get("QC_EVAL_DATA") or REPO_ROOT.parent / "shared" / "data")
    parser.add_argument("--data", type=Path, default=default_data, help="evaluation data [default: ../shared/data]")
    parser.add_argument("--corpus", type=Path, action="append", default=[],
                        help="also a folder of <id>.json + <id>.wav/.tel8k.wav calls (repeatable)")
    parser.add_argument("--no-dev", action="store_true", help="only the --corpus folders")
    parser.add_argument("--only", default="", help="only files whose name contains this")
    parser.add_argument("--rendering", choices=("all", "tel8k", "16k"), default="all",
                        help="only the 8 kHz mu-law or only the 16 kHz renderings")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="override a DiarizationOptions field (repeatable), e.g. segmentation_step=0.25")
    parser.add_argument("--show", action="store_true", help="print every sentence with the parties of its tokens")
    parser.add_argument("--no-direction", action="store_true", help="ignore the direction the labels give")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/qc-bench-roles"), help="cache of words and turns")
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads for Whisper and torch (0: their defaults; 1 on a busy machine)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write per-file results as JSON")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    groups = [] if args.no_dev else [("dev", p) for p in mono_files(args.data, DEV_GLOBS)]
    for folder in args.corpus:
        groups += [(folder.name, p) for p in mono_files(folder, ("*.wav",))]
    groups = [(g, p) for g, p in groups if args.only in p.name
              and args.rendering in ("all", "tel8k" if ".tel8k." in p.name else "16k")]
    if not groups:
        print("bench/attribution.py: no mono calls with a .json reference found", file=sys.stderr)
        return 2
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    transcriber = CachedTranscriber(AudioSettings().asr, args.cache, args.threads)
    diarizer = CachedDiarizer(Diarizer(diarization_options(args.set)), args.cache)
    print(f"diarization: {json.dumps(asdict(diarizer.diarizer.options))}")
    started = time.perf_counter()
    results = []
    for group, path in groups:
        try:
            results.append(bench_file(path, group, transcriber, diarizer, not args.no_direction, args.show))
        except Exception as exc:  # one file's failure never stops the benchmark
            print(f"{path}: FAILED: {exc!r}", file=sys.stderr)
    print_results(results, args.data)
    print(f"{len(results)} files in {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1, ensure_ascii=False) + "\n")
    return 0 if len(results) == len(groups) else 1


if __name__ == "__main__":
    sys.exit(main())
