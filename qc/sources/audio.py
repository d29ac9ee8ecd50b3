"""Recorded calls: a recording becomes the speaker-attributed transcript the rules read.

Decode -> split channels by layout -> voice activity per channel -> the call's language
when the run lists candidates -> transcription per channel (a language given is checked on
the first window of the channel with the most speech, transcribed first) ->
drop hallucinations -> sentences with acoustics -> one timeline. Stereo calls take their
roles from the channels; mono calls are diarized, words are joined to speaker turns and
the agent is chosen by evidence. The models are passed in: the transcriber and the
diarizer are created by the caller, once per run, and only when a call needs them.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace
from typing import Callable, Optional

import numpy as np

from ..analysis.acoustics import measure
from ..analysis.asr import AsrOptions, Transcriber, release_model, transcribe_blocks
from ..analysis.audio import DecodedAudio, decode_audio
from ..analysis.batched import transcribe_batched
from ..analysis.blocks import note_memory
from ..analysis.diarize import DiarizationOptions, Diarizer
from ..analysis.guard import filter_segments, in_order
from ..analysis.language import call_language, first_window_check
from ..analysis.roles import channel_roles, decide_roles
from ..analysis.skipped import fill_skipped
from ..analysis.speakers import assign_words, turns_as_speech
from ..analysis.timeline import build_transcript, split_sentences
from ..analysis.vad import speech_regions
from ..media import AUDIO_EXTENSIONS, SAMPLE_RATE_HZ, file_sha256
from ..messages import render, say
from ..schema import AudioInfo, CallAnalysis, CallMeta, Diarization, SpeechRegion
from ..timing import stage

IDENTICAL_CHANNELS_CORRELATION = 0.98
DEFAULT_STEREO_LAYOUT = "stereo-agent-left"
LONG_RECORDING_S = 900.0  # from here a recording is processed in blocks (analysis/blocks.py) and held as float16
SAME_SIGNAL_SAMPLES = 2_000_000  # compare channels on at most this many samples (evenly spread)


@dataclass(frozen=True)
class AudioSettings:
    """Every setting that changes what is heard in a recording; all of it is in the call's cache key."""

    asr: AsrOptions = AsrOptions()
    stereo_layout: Optional[str] = None  # stereo files the manifest does not describe; None: agent-left, checked
    diarize: bool = True  # mono calls: find speakers with the diarizer (else roles stay unknown)
    diarization: DiarizationOptions = DiarizationOptions()
    diarization_pipeline: Optional[str] = None  # a pyannote pipeline directory used instead of the options
    num_speakers: Optional[int] = 2
    min_speakers: Optional[int] = None
    max_speakers: Optional[int] = None
    agent_phrases: tuple[str, ...] = field(default=())  # a site's own opening phrases, evidence for the agent
    direction: str = ""  # inbound | outbound: calls whose metadata gives none; "" unknown

    def fingerprint(self) -> str:
        """The settings as canonical JSON: derived from the fields, so a new one is never forgotten."""
        data = asdict(self)
        data["asr"] = self.asr.fingerprint()
        data["diarization"] = self.diarization.fingerprint()
        return json.dumps(data, sort_keys=True, default=str)


class AudioSource:
    """Turns a recording into a :class:`CallAnalysis`; ``transcriber``/``diarizer`` are factories
    called on first need, so a night where every call is already done loads no model."""

    kind = "audio"
    extensions = AUDIO_EXTENSIONS

    def __init__(self, settings: AudioSettings, transcriber: Callable[[], Transcriber],
                 diarizer: Optional[Callable[[], Diarizer]] = None):
        self.settings = settings
        self.transcriber = transcriber
        self.diarizer = diarizer

    def fingerprint(self) -> str:
        return self.settings.fingerprint()

    def content(self, meta: CallMeta) -> str:
        """The recording's sha256; an unreadable one is keyed by its name (analysing it says why)."""
        try:
            return file_sha256(meta.path).hexdigest()
        except OSError:
            return "unreadable:" + hashlib.sha256(meta.path.encode()).hexdigest()

    def identity(self, meta: CallMeta, content: str) -> str:
        """With its id, what makes a recording one call: its bytes (moved or copied, it is the same call)."""
        return content

    def analyse(self, meta: CallMeta, language: str) -> CallAnalysis:
        diarizer = self.diarizer if self.settings.diarize else None
        with stage("analysis"):  # what the nested stages (decode, vad, asr...) leave: acoustics, roles, timeline
            return analyse_recording(meta, self.settings, self.transcriber(), language, diarizer)


def analyse_recording(meta: CallMeta, settings: AudioSettings, transcriber: Transcriber, language: str,
                      diarizer: Optional[Callable[[], Diarizer]] = None) -> CallAnalysis:
    """Decode, split by layout, detect speech and transcribe each channel, drop hallucinations,
    find speakers (channels, or diarization of a mono call), build the timeline."""
    with stage("decode"):
        audio = decode_audio(meta.path)
        if audio.duration_s > LONG_RECORDING_S:  # long calls held as float16: bounded memory (bench/long_call.py)
            audio = audio.compact()
        note_memory("decode")
        layout, channels = split_channels(audio, meta.layout, settings.stereo_layout or DEFAULT_STEREO_LAYOUT)
    channel_words, speech, dropped, segment_starts = [], [], 0, []
    # The site prompt is the agent's script: not for a channel known to be the customer's (qc.analysis.asr)
    given = bool(meta.layout or settings.stereo_layout)
    prompted = [role != "customer" or not given for _, role, _ in channels]
    with stage("vad"):
        voiced = [speech_regions(samples) for _, _, samples in channels]
    note_memory("voice activity")
    batching = language != "auto" and audio.duration_s <= LONG_RECORDING_S and _batch_size(transcriber) > 1
    check = first_window_check(transcriber, language)  # a single language given: heard on the first window
    if check is None:
        with stage("language"):
            language = call_language(transcriber, [samples for _, _, samples in channels], voiced, language)  # zh,en
    agent = (meta.agent_name, meta.agent_id)  # in the agent channel's prompt, where the options ask for it
    batched = None
    if batching:
        with stage("asr"), (check() if check else nullcontext()):  # every channel's chunks decoded together
            batched = transcribe_batched(transcriber, [(samples, regions) for (_, _, samples), regions
                                                       in zip(channels, voiced)], language, prompted, agent)
    # Decoded one channel at a time, the language given is checked on the first window of the channel with the
    # most speech, heard first (batched: on the first chunk of the first batch, the prompted channel's)
    talkiest = None if batching or not check else max(range(len(channels)),
                                                      key=lambda i: sum(end - start for start, end in voiced[i]))
    heard = {}
    for index in sorted(range(len(channels)), key=lambda i: i != talkiest):  # stable: else in channel order
        (speaker, role, samples), regions = channels[index], voiced[index]
        if batched is not None:
            result = batched[index]
        else:
            with stage("asr"), (check() if index == talkiest else nullcontext()):
                result = transcribe_blocks(transcriber, samples, None if language == "auto" else language, regions,
                                           settings.asr.block_s, prompted=prompted[index], agent=agent)
        kept, removed = filter_segments(result.segments, regions)
        with stage("asr"):  # speech left without a word (skipped, or only an invention there) heard again alone
            result = fill_skipped(transcriber, samples, None if language == "auto" else language, regions,
                                  replace(result, segments=tuple(kept)), prompted=prompted[index], agent=agent)
        note_memory(f"transcription {speaker}")
        language = result.language  # "auto": the first (agent) channel decides for the call
        heard[index], removed_again = filter_segments(result.segments, regions)  # the kept ones stay kept
        dropped += len(removed) + len(removed_again)
    for index, ((speaker, role, _), regions) in enumerate(zip(channels, voiced)):
        channel_words.append((speaker, role, [w for seg in heard[index] for w in in_order(seg.words)]))
        segment_starts.append([seg.words[0].start_s for seg in heard[index] if seg.words])
        speech.extend(SpeechRegion(speaker, role, a, b) for a, b in regions)
    if audio.duration_s > LONG_RECORDING_S:
        # What follows (pyannote, the rules' models) needs the memory more than a warm Whisper does;
        # loading it again for the next call takes a second or two, nothing beside a long call's minutes.
        release_model(transcriber)
    if layout != "mono":
        segments = [measure(samples, audio.sample_rate_hz, split_sentences(words, speaker, role))
                    for (speaker, role, words), (_, _, samples) in zip(channel_words, channels)]
        layout, segments, speech, diarization = _stereo_roles(layout, segments, speech, language, settings,
                                                              given=given,
                                                              direction=meta.direction or settings.direction,
                                                              agent=agent)
        if len(audio.channels) > 2:
            diarization = replace(diarization, reason=render(say("roles.extra_channels", reason=diarization.reason,
                                                                 n=len(audio.channels)), language))
        transcript = build_transcript(language, segments, speech, dropped, roles_known=True)
    elif diarizer is not None:
        transcript, diarization = _diarized(channels[0][2], channel_words[0][2], language, settings, diarizer(),
                                            dropped, [(r.start_s, r.end_s) for r in speech],
                                            meta.direction or settings.direction, segment_starts[0], agent)
    else:
        segments = [measure(channels[0][2], audio.sample_rate_hz,
                            split_sentences(channel_words[0][2], "S0", "unknown"))]
        diarization = Diarization("none", 1, 0.0, reason=render(say("roles.diarization_off"), language))
        transcript = build_transcript(language, segments, speech, dropped, roles_known=False)
    info = AudioInfo(path=meta.path, duration_s=round(audio.duration_s, 3), channels=len(audio.channels),
                     layout=layout, sample_rate_hz=audio.source_sample_rate_hz, codec=audio.codec)
    return CallAnalysis(meta=replace(meta, layout=layout, language=language), audio=info, transcript=transcript,
                        diarization=diarization)


def _batch_size(transcriber) -> int:
    size = getattr(transcriber, "batch_size", None)  # a transcriber without batching decodes one chunk at a time
    return size() if callable(size) else 1


def _stereo_roles(layout: str, segments, speech, language: str, settings: AudioSettings, given: bool,
                  direction: str = "", agent: tuple[str, str] = ()):
    """Check (or, when it was only assumed, correct) which channel is the agent's."""
    agent_side = "left" if layout == "stereo-agent-left" else "right"
    side, confidence, reason = channel_roles([s for channel in segments for s in channel], agent_side, given,
                                             language, settings.agent_phrases, direction, agent)
    if side != agent_side:  # swap every role: the other channel is the agent's
        layout = "stereo-agent-left" if side == "left" else "stereo-agent-right"
        roles = {"agent": "customer", "customer": "agent"}
        segments = [[replace(s, role=roles[s.role]) for s in channel] for channel in segments]
        speech = [replace(r, role=roles[r.role]) for r in speech]
    return layout, segments, speech, Diarization("channels", 2, confidence, reason=reason)


def _diarized(samples, words, language, settings: AudioSettings, diarizer: Diarizer, dropped: int, voiced,
              direction: str, segment_starts_s, agent: tuple[str, str] = ()):
    """Mono call: speaker turns from the diarizer, words joined to them (a clause starts where Whisper
    began a segment), agent chosen by evidence."""
    with stage("diarization"):
        turns = diarizer.diarize(samples, num_speakers=settings.num_speakers, min_speakers=settings.min_speakers,
                                 max_speakers=settings.max_speakers, speech=voiced)
    note_memory("diarization")
    unlabelled = measure(samples, SAMPLE_RATE_HZ, assign_words(words, turns, {}, segment_starts_s))
    note_memory("acoustics")
    decision = decide_roles(unlabelled, language, settings.agent_phrases, direction, agent)
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
    step = max(1, len(a) // SAME_SIGNAL_SAMPLES)  # a long call compared on a sample, not copied whole
    a, b = np.asarray(a[::step], dtype=np.float32), np.asarray(b[::step], dtype=np.float32)
    if np.allclose(a, b, atol=1e-4):
        return True
    sa, sb = float(np.std(a)), float(np.std(b))
    if sa == 0 or sb == 0:
        return False
    return float(np.corrcoef(a, b)[0, 1]) > IDENTICAL_CHANNELS_CORRELATION
