"""The whole data flow of qc, top to bottom.

For each call: hash the audio and settings -> skip if done -> decode -> split channels by
layout -> voice activity and transcription per channel -> one speaker-attributed timeline
-> score against the rule set -> store. One call's failure is recorded and the batch goes
on; only environment failures (disk full, database unwritable) stop it. Progress goes
through an injected ``hook(step, call_id, completed=, total=)``, so stages never print.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Optional, Protocol, Sequence

import numpy as np

from .acoustics import measure
from .asr import AsrOptions, Transcriber
from .audio import SAMPLE_RATE_HZ, DecodedAudio, decode_audio
from .errors import CallError, EnvironmentFailure, QcError
from .ruleset import RuleSet
from .guard import filter_segments
from .roles import decide_roles
from .schema import (AudioInfo, CallAnalysis, CallMeta, Diarization, SpeechRegion, analysis_from_dict,
                     analysis_to_dict, score_to_dict)
from .speakers import Turn, assign_words, turns_as_speech
from .scoring import score_call
from .store import Store
from .timeline import build_transcript, split_sentences
from .vad import speech_regions

Hook = Callable[..., None]


class Diarizer(Protocol):
    def diarize(self, samples: np.ndarray, num_speakers: Optional[int] = 2, min_speakers: Optional[int] = None,
                max_speakers: Optional[int] = None) -> list[Turn]: ...
IDENTICAL_CHANNELS_CORRELATION = 0.98
ANALYSIS_VERSION = 3  # bump when analyse_call's output changes, so stored calls are analysed again


def no_hook(step: str, call_id: str = "", **info) -> None:
    """Default hook: report nothing."""


@dataclass(frozen=True)
class RunSettings:
    asr: AsrOptions = AsrOptions()
    language: str = "zh"  # zh | en | auto; a call's manifest language wins
    stereo_layout: str = "stereo-agent-left"  # for stereo files the manifest does not describe
    force: bool = False
    diarize: bool = True  # mono calls: find speakers with the diarizer (else roles stay unknown)
    num_speakers: Optional[int] = 2
    min_speakers: Optional[int] = None
    max_speakers: Optional[int] = None
    agent_phrases: tuple[str, ...] = ()  # a site's own opening phrases, evidence for the agent role


@dataclass
class BatchSummary:
    total: int = 0
    processed: int = 0
    skipped: int = 0
    rescored: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    audio_s: float = 0.0
    wall_s: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def call_key(path: str, settings: RunSettings, language: str, layout: Optional[str]) -> str:
    """Hash of the audio bytes and of every setting that changes the transcript."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        digest.update(f"unreadable:{Path(path).resolve()}".encode())
    speakers = [settings.diarize, settings.num_speakers, settings.min_speakers, settings.max_speakers,
                list(settings.agent_phrases)]
    digest.update(json.dumps([settings.asr.fingerprint(), language, layout or settings.stereo_layout, speakers,
                              ANALYSIS_VERSION], sort_keys=True).encode())
    return digest.hexdigest()


def run_batch(calls: Sequence[CallMeta], settings: RunSettings, store: Store,
              ruleset_for: Callable[[str], RuleSet], transcriber: Callable[[], Transcriber],
              hook: Hook = no_hook, diarizer: Optional[Callable[[], Diarizer]] = None) -> BatchSummary:
    """Process every call; return what happened. ``transcriber`` is called only if needed,
    so a rerun where everything is done never loads a model."""
    summary = BatchSummary(total=len(calls))
    started = time.monotonic()
    for index, meta in enumerate(calls):
        language = meta.language or settings.language
        key = call_key(meta.path, settings, language, meta.layout)
        done = store.get(key) if not settings.force else None
        if done and done["status"] == "ok":
            analysis = analysis_from_dict(done["analysis"])
            ruleset = ruleset_for(analysis.transcript.language)
            if done["rules_hash"] != ruleset.fingerprint():
                store.save_score(key, score_to_dict(score_call(analysis, ruleset)), ruleset.fingerprint())
                summary.rescored += 1
            summary.skipped += 1
            hook("skipped", meta.call_id, completed=index + 1, total=len(calls))
            continue
        store.mark_processing(key, meta)
        hook("processing", meta.call_id, completed=index, total=len(calls))
        t0 = time.monotonic()
        try:
            analysis = analyse_call(meta, settings, transcriber(), language,
                                    diarizer if settings.diarize else None)
            ruleset = ruleset_for(analysis.transcript.language)
            score = score_call(analysis, ruleset)
            store.save_ok(key, analysis_to_dict(analysis), score_to_dict(score), ruleset.fingerprint(),
                          time.monotonic() - t0)
            summary.processed += 1
            summary.audio_s += analysis.audio.duration_s
            hook("done", meta.call_id, completed=index + 1, total=len(calls), score=score.score)
        except EnvironmentFailure:
            raise
        except Exception as exc:  # one bad call never stops the batch
            if isinstance(exc, QcError) and not isinstance(exc, CallError):
                raise  # configuration problems (e.g. model unloadable) concern every call
            reason = str(exc) if isinstance(exc, CallError) else f"internal error: {exc!r}"
            if not isinstance(exc, CallError):
                hook("traceback", meta.call_id, text=traceback.format_exc())
            store.save_failed(key, reason, time.monotonic() - t0)
            summary.failed.append((meta.call_id, reason))
            hook("failed", meta.call_id, completed=index + 1, total=len(calls), reason=reason)
    summary.wall_s = time.monotonic() - started
    return summary


def analyse_call(meta: CallMeta, settings: RunSettings, transcriber: Transcriber, language: str,
                 diarizer: Optional[Callable[[], Diarizer]] = None) -> CallAnalysis:
    """Decode, split by layout, detect speech and transcribe each channel, drop hallucinations,
    find speakers (channels, or diarization of a mono call), build the timeline."""
    audio = decode_audio(meta.path)
    layout, channels = split_channels(audio, meta.layout, settings.stereo_layout)
    channel_words, speech, dropped = [], [], 0
    for speaker, role, samples in channels:
        regions = speech_regions(samples)
        result = transcriber.transcribe(samples, None if language == "auto" else language)
        language = result.language  # "auto": the first (agent) channel decides for the call
        kept, removed = filter_segments(result.segments, regions)
        dropped += len(removed)
        channel_words.append((speaker, role, [w for seg in kept for w in seg.words]))
        speech.extend(SpeechRegion(speaker, role, a, b) for a, b in regions)
    if layout != "mono":
        segments = [measure(samples, audio.sample_rate_hz, split_sentences(words, speaker, role))
                    for (speaker, role, words), (_, _, samples) in zip(channel_words, channels)]
        diarization = Diarization("channels", len(channels), 1.0, reason=f"one party per channel ({layout})")
        transcript = build_transcript(language, segments, speech, dropped, roles_known=True)
    elif diarizer is not None:
        transcript, diarization = _diarized(channels[0][2], channel_words[0][2], language, settings, diarizer(),
                                            dropped)
    else:
        segments = [measure(channels[0][2], audio.sample_rate_hz, split_sentences(channel_words[0][2], "S0", "unknown"))]
        diarization = Diarization("none", 1, 0.0, reason="mono call, diarization off")
        transcript = build_transcript(language, segments, speech, dropped, roles_known=False)
    info = AudioInfo(path=meta.path, duration_s=round(audio.duration_s, 3), channels=len(audio.channels),
                     layout=layout, sample_rate_hz=audio.source_sample_rate_hz, codec=audio.codec)
    return CallAnalysis(meta=replace(meta, layout=layout, language=language), audio=info, transcript=transcript,
                        diarization=diarization)


def _diarized(samples, words, language, settings: RunSettings, diarizer: Diarizer, dropped: int):
    """Mono call: speaker turns from the diarizer, words joined to them, agent chosen by evidence."""
    turns = diarizer.diarize(samples, num_speakers=settings.num_speakers, min_speakers=settings.min_speakers,
                             max_speakers=settings.max_speakers)
    unlabelled = measure(samples, SAMPLE_RATE_HZ, assign_words(words, turns, {}))
    decision = decide_roles(unlabelled, language, settings.agent_phrases)
    segments = [replace(s, role=decision.roles.get(s.speaker, "unknown")) for s in unlabelled]
    speech = turns_as_speech(turns, decision.roles)
    speakers = sorted({t[0] for t in turns})
    diarization = Diarization("pyannote", len(speakers), decision.confidence, tuple(turns), decision.reason)
    transcript = build_transcript(language, [segments], speech, dropped, roles_known=bool(decision.roles))
    return transcript, diarization


def split_channels(audio: DecodedAudio, layout: Optional[str], stereo_default: str):
    """Return the effective layout and ``[(speaker, role, samples)]``.

    Stereo files whose two channels carry the same signal are really mono recordings
    and are treated as such, whatever the manifest says, so rules never credit one
    party with the other's words.
    """
    if len(audio.channels) >= 2 and not _same_signal(audio.channels[0], audio.channels[1]):
        layout = layout if layout and layout != "mono" else stereo_default
        left, right = audio.channels[0], audio.channels[1]
        agent, customer = (left, right) if layout == "stereo-agent-left" else (right, left)
        agent_side, customer_side = ("left", "right") if layout == "stereo-agent-left" else ("right", "left")
        return layout, [(agent_side, "agent", agent), (customer_side, "customer", customer)]
    return "mono", [("S0", "unknown", audio.mono())]


def _same_signal(a: np.ndarray, b: np.ndarray) -> bool:
    if np.allclose(a, b, atol=1e-4):
        return True
    sa, sb = float(np.std(a)), float(np.std(b))
    if sa == 0 or sb == 0:
        return False
    return float(np.corrcoef(a, b)[0, 1]) > IDENTICAL_CHANNELS_CORRELATION


def rescore_stored(store: Store, ruleset_for: Callable[[str], RuleSet], since: Optional[str] = None) -> int:
    """Score every stored call again with the current rules, without touching audio."""
    count = 0
    for row in store.latest_calls(since=since):
        if row["status"] != "ok":
            continue
        analysis = analysis_from_dict(row["analysis"])
        ruleset = ruleset_for(analysis.transcript.language)
        store.save_score(row["call_key"], score_to_dict(score_call(analysis, ruleset)), ruleset.fingerprint())
        count += 1
    return count
