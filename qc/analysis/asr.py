"""Speech recognition with faster-whisper (CTranslate2), behind a small interface.

:class:`WhisperTranscriber` loads its model on first use (and again after a long recording
released it) and transcribes one channel at a time. faster-whisper, ctranslate2 and opencc are
imported only here, inside the methods that need them, so ``qc --help`` stays fast.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Optional, Protocol, Sequence

import numpy as np

from ..errors import ModelError
from ..schema import NO_AGENT_ID, Word
from ..text import SAME_CHARACTER
from ..media import SAMPLE_RATE_HZ
from .blocks import blocks
from .devices import choose_device
from .features import BlockedFeatureExtractor
from .first_window import FirstWindow
from .gpu import ctranslate2_view

log = logging.getLogger(__name__)

# The prompt goes before the first 30-second window of each channel (condition_on_previous_text is off); hotwords
# before every window. For the site's words (company names and the packs' required phrases, qc.rules.vocabulary) the
# prompt won on 17 stereo calls (bench/hotwords.py): CER 17.4 vs 18.8 % (zh), WER 28.6 vs 31.8 % (en), required-phrase
# recall 95.7 vs 84.8 % and 83.0 vs 63.8 %, no forbidden phrase heard that was not said; as hotwords Whisper base
# looped ("bye, bye, ...") and invented a forbidden phrase, CER 21.6 %. A plain Chinese prompt made it loop on short
# clips before (5-20x slower), so there is no prompt without the site's words. The words are the agent's script, so a
# customer's channel gets none: on the 42 stereo corpus calls the prompt cut the customer's speech into fragments
# ("Hi, baby." / "It can't come." for "I think I lost my debit card somewhere in town") that read as complaints
# (bench/verdicts.py). With them, the call's agent (call_hint): Whisper wrote the agent's name in 17 of 24 English
# openings that said it (1 without), the number in 5 of 6 Mandarin ones (1 without), and neither in 31 that said
# neither (bench/agent_hint.py, first 30 s of 62 stereo corpus calls).


@dataclass(frozen=True)
class AsrOptions:
    """Every setting that changes what the recogniser writes (and so the call's cache key)."""

    model: str = "whisper-base"
    device: str = "auto"  # auto | cpu | cuda
    compute_type: str = "auto"  # auto: float16 on CUDA, int8 on CPU
    beam_size: int = 5
    # (language, text) pairs, "*" for any language: each call gets its language's text
    initial_prompt: tuple[tuple[str, str], ...] = ()
    hotwords: tuple[tuple[str, str], ...] = ()
    vad_min_silence_ms: int = 1000
    block_s: float = 300.0  # longer recordings are transcribed block by block, cut in pauses (bounded memory)
    batch_size: Optional[int] = None  # chunks decoded together (batched.py); None: 8 on CUDA, 1 (sequential) on CPU
    agent_hint: bool = False  # the call's agent name and number before the initial prompt (call_hint)

    def fingerprint(self) -> dict:
        """The settings that affect output (device and precision included: they change text).

        Of the prompt and hotwords only whether they are given counts: they are hints derived
        from the rule sets, and a rule edit must never send a night's history back to Whisper;
        a transcript made with an earlier hint stays valid (``--force`` redoes it). A batch size
        counts only when one was asked for (like ``auto`` device and precision). The agent hint,
        like the prompt's words, does not count: calls stored before it keep their transcripts."""
        data = {**asdict(self), "initial_prompt": bool(self.initial_prompt), "hotwords": bool(self.hotwords)}
        del data["agent_hint"]
        if not self.batch_size or self.batch_size == 1:
            del data["batch_size"]  # calls stored before batching existed keep their key
        return data

    def prompt_for(self, language: Optional[str], agent: tuple[str, ...] = ()) -> tuple[Optional[str], Optional[str]]:
        """(initial prompt, hotwords) for a call in ``language``; ``agent`` (name, id) goes before
        the prompt when ``agent_hint`` is on (:func:`call_hint`), never without the site's words."""
        def pick(pairs):
            given = dict(pairs)
            return given.get(language or "") or given.get("*")

        prompt = pick(self.initial_prompt)
        hint = call_hint(*agent, language) if prompt and agent and self.agent_hint else ""
        if hint:
            prompt = f"{hint} {prompt}"
        return prompt, pick(self.hotwords)

    def by_language(self) -> bool:
        """Whether the prompt or hotwords depend on the language (it must be known first)."""
        return any(key != "*" for key, _ in (*self.initial_prompt, *self.hotwords))


MAX_HINT_CHARS = 40  # per value: a manifest's stray column must not crowd the site's words out of the prompt


def call_hint(agent_name: str, agent_id: str, language: Optional[str]) -> str:
    """The agent as an opening says it ("Priya Nair, 4410." / "王芳, 工号3385,"); empty without either."""
    name = " ".join(str(agent_name or "").split())[:MAX_HINT_CHARS]
    number = " ".join(str(agent_id or "").split())[:MAX_HINT_CHARS]
    if number == NO_AGENT_ID:
        number = ""
    if language == "zh":
        text = ", ".join(filter(None, [name, f"工号{number}" if number else ""]))  # as the pack's words are joined
        return f"{text}," if text else ""
    text = ", ".join(filter(None, [name, number]))
    return f"{text}." if text else ""


@dataclass(frozen=True)
class RawSegment:
    start_s: float
    end_s: float
    text: str
    words: tuple[Word, ...]
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0


@dataclass(frozen=True)
class ChannelTranscript:
    language: str
    segments: tuple[RawSegment, ...]


class Transcriber(Protocol):
    def transcribe(self, samples: np.ndarray, language: Optional[str], prompted: bool = True,
                   agent: tuple[str, ...] = ()) -> ChannelTranscript:
        """``prompted=False``: without the initial prompt and hotwords (a customer's channel);
        ``agent``: the call's (agent name, agent id), for the prompt (:meth:`AsrOptions.prompt_for`)."""

    def language_probabilities(self, speech: np.ndarray) -> dict[str, float]:
        """How likely each language is, from the first 30 s of ``speech`` (needed for a list of languages)."""


def release_model(transcriber: Transcriber) -> None:
    """Unload the transcriber's model where it has a ``release()``; it loads again when next used."""
    release = getattr(transcriber, "release", None)
    if release is not None:
        release()


def transcribe_blocks(transcriber: Transcriber, samples: np.ndarray, language: Optional[str],
                      speech: Sequence[tuple[float, float]], block_s: float, prompted: bool = True,
                      agent: tuple[str, ...] = ()) -> ChannelTranscript:
    """One channel, in blocks of at most ``block_s`` cut in the pauses of ``speech`` when it is long:
    faster-whisper computes the features of everything it is given at once (a 2-hour channel
    would need over a gigabyte). The first block decides an ``auto`` language."""
    spans = blocks(len(samples) / SAMPLE_RATE_HZ, speech, block_s)
    if len(spans) == 1:
        return transcriber.transcribe(np.asarray(samples, dtype=np.float32), language, prompted=prompted,
                                      agent=agent)
    segments: list[RawSegment] = []
    for start_s, end_s in spans:
        block = samples[int(start_s * SAMPLE_RATE_HZ):int(end_s * SAMPLE_RATE_HZ)]
        part = transcriber.transcribe(np.asarray(block, dtype=np.float32), language, prompted=prompted,
                                      agent=agent)
        language = language or part.language
        segments += [shifted(seg, start_s) for seg in part.segments]
    return ChannelTranscript(language, tuple(segments))


def shifted(seg: RawSegment, offset_s: float) -> RawSegment:
    """``seg`` and its words moved ``offset_s`` later (a block's or a clip's time back on the channel's clock)."""
    words = tuple(Word(round(w.start_s + offset_s, 3), round(w.end_s + offset_s, 3), w.text, w.probability)
                  for w in seg.words)
    return replace(seg, start_s=round(seg.start_s + offset_s, 3), end_s=round(seg.end_s + offset_s, 3), words=words)


# Whisper base on a clip in a language it was not told, or on noise, can loop: every one of
# faster-whisper's six fallback temperatures then writes its full 448 tokens (about 7 s each on
# 2 cores) before the guard drops the text; an English call read as Mandarin took 3.5-9 minutes,
# most of them in fill_skipped's clips (with the budget, its ten clips 16.6 s instead of 25.7 s).
# Real speech is far below the budget: 99.9 % of 4,120 stored corpus sentences run at most
# 11.4 (zh) / 10.2 (en) tokens a second, so their words do not change.
TOKENS_PER_S = 20
TOKEN_MARGIN = 16
SHORT_CLIP_S = 10.0  # longer clips fill 30 s windows, where 448 tokens is Whisper's own bound
MAX_LENGTH = 448  # Whisper's decoder: prompt and new tokens together


def token_budget(duration_s: float, prompt_tokens: int = 0) -> Optional[int]:
    """New tokens a clip of ``duration_s`` may decode to per window; None (Whisper's own limit) for
    a long clip, or where ``prompt_tokens`` leave less room than the budget anyway."""
    if duration_s > SHORT_CLIP_S:
        return None
    budget = int(np.ceil(duration_s * TOKENS_PER_S)) + TOKEN_MARGIN
    return budget if budget < MAX_LENGTH - prompt_tokens else None


def pick_device(requested: str) -> tuple[str, str]:
    """Return (device, compute_type) for ``auto|cpu|cuda``.

    A GPU that ctranslate2 sees but cannot use (no cuBLAS 12, see :mod:`.gpu`) sends ``auto``
    to the CPU, with the reason in the log, and stops ``cuda`` with it."""
    def gpus() -> int:
        view = ctranslate2_view()
        if view.device == "cpu" and requested == "cuda":
            raise ModelError(f"--device cuda was asked for but {view.detail}")
        if view.device == "cpu" and view.visible:
            _warn_once(f"Whisper runs on the CPU: {view.detail}")
        return view.visible if view.device == "cuda" else 0

    device = choose_device(requested, gpus)
    return device, "float16" if device == "cuda" else "int8"


@functools.cache
def _warn_once(message: str) -> None:
    log.warning("%s", message)


class WhisperTranscriber:
    """faster-whisper behind :class:`Transcriber`; the model is loaded once per process."""

    def __init__(self, options: AsrOptions, model_path: str, cpu_threads: int = 0, num_workers: int = 1):
        """``num_workers``: model replicas, so that as many threads can transcribe at once
        (CTranslate2 runs them with the GIL released); ``cpu_threads`` each."""
        self.options = options
        self.model_path = model_path
        self.cpu_threads = cpu_threads
        self.num_workers = num_workers
        self._model = None
        self._t2s = None
        self._loading = threading.Lock()
        self.first_window = FirstWindow()  # the language of the first window encoded, for a check (language.py)

    def load(self):
        """Load the model now (it is otherwise loaded on first use) and return it."""
        return self.model

    @property
    def model(self):
        with self._loading:  # threads sharing this transcriber load it once
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self):
        from faster_whisper import WhisperModel

        device, compute_type = pick_device(self.options.device)
        if self.options.compute_type != "auto":
            compute_type = self.options.compute_type
        local = Path(self.model_path).is_dir()
        try:
            model = WhisperModel(self.model_path, device=device, compute_type=compute_type,
                                 cpu_threads=self.cpu_threads, num_workers=self.num_workers, local_files_only=local)
        except Exception as exc:  # the library raises many types: one clear line instead
            raise ModelError(f"cannot load Whisper model {self.model_path!r} on {device}/{compute_type}: "
                             f"{exc}. Use an installed model ('qc models list') or a local "
                             f"CTranslate2 directory") from exc
        # its features computed a block at a time: the same values to the bit, a quarter of the
        # transient (the library's is about 64 bytes a sample of speech): features.py
        model.feature_extractor = BlockedFeatureExtractor(model.feature_extractor)
        self.first_window.wrap(model)
        log.info("loaded %s on %s (%s)", self.model_path, device, compute_type)
        return model

    def release(self) -> None:
        """Drop the model (about 110 MB for Whisper base on CPU); the next :meth:`transcribe` loads it again."""
        self._model = None

    def transcribe(self, samples: np.ndarray, language: Optional[str], prompted: bool = True,
                   agent: tuple[str, ...] = ()) -> ChannelTranscript:
        lang = None if language in (None, "auto") else language
        from faster_whisper.vad import VadOptions  # detect_language takes no dict, transcribe both

        vad = VadOptions(min_silence_duration_ms=self.options.vad_min_silence_ms)
        if lang is None and self.options.by_language():
            lang, _, _ = self.model.detect_language(samples, vad_filter=True, vad_parameters=vad)  # as Whisper would
        prompt, hotwords = self.options.prompt_for(lang, agent) if prompted else (None, None)
        budget = token_budget(len(samples) / SAMPLE_RATE_HZ, self.prompt_tokens(prompt, hotwords))
        segments, info = self.model.transcribe(
            samples,
            max_new_tokens=budget,
            language=lang,
            beam_size=self.options.beam_size,
            initial_prompt=prompt,
            hotwords=hotwords,
            vad_filter=True,
            vad_parameters=vad,
            word_timestamps=True,
            condition_on_previous_text=False,
        )
        out_lang = info.language
        convert = self.simplify if out_lang == "zh" else (lambda text: text)
        raw = []
        for seg in segments:
            words = tuple(Word(round(w.start, 3), round(w.end, 3), convert(w.word), round(w.probability, 3))
                          for w in (seg.words or ()))
            raw.append(RawSegment(round(seg.start, 3), round(seg.end, 3), convert(seg.text.strip()), words,
                                  seg.avg_logprob, seg.no_speech_prob, seg.compression_ratio))
        return ChannelTranscript(out_lang, tuple(raw))

    def prompt_tokens(self, prompt: Optional[str], hotwords: Optional[str]) -> int:
        """The most tokens the decoder's prompt can take with ``prompt`` and ``hotwords`` (each
        cut to half of the decoder's length, as faster-whisper does, plus the start tokens)."""
        texts = [text for text in (prompt, hotwords) if text]
        if not texts:
            return 8
        encode = self.model.hf_tokenizer.encode
        return 8 + sum(min(MAX_LENGTH // 2 - 1, len(encode(" " + text.strip()).ids)) for text in texts)

    def batch_size(self) -> int:
        """Chunks decoded together: the option, else 8 on CUDA and 1 (sequential) on CPU."""
        if self.options.batch_size:
            return self.options.batch_size
        return 8 if pick_device(self.options.device)[0] == "cuda" else 1

    def language_probabilities(self, speech: np.ndarray) -> dict[str, float]:
        _, _, probabilities = self.model.detect_language(np.asarray(speech, dtype=np.float32))
        return dict(probabilities)

    def simplify(self, text: str) -> str:
        """Traditional Chinese characters as simplified ones (Whisper writes either), 妳 as 你."""
        if self._t2s is None:
            import opencc

            self._t2s = opencc.OpenCC("t2s.json")
        return self._t2s.convert(text).translate(SAME_CHARACTER)
