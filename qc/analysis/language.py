"""Which language a call is in, when the run lists the candidates (``--language zh,en``).

Whisper's language head gives a probability for each of its hundred languages; a call gets
the most likely of the *listed* ones only, so a Mandarin call with an English brand name is
never transcribed as Japanese or Cantonese and always finds a rule pack. The decision is made
once per call, from the first 30 s of speech of every channel in time order, so both parties
of a stereo call are transcribed, and the call scored, in one language. ``auto`` keeps Whisper's
own choice from the agent channel.

A single language (``zh``, from ``--language`` or the manifest) is used as given, unless the
call is plainly another language qc knows (:func:`plainly_other`): Whisper base then
writes nonsense in the given language (an English call read as Mandarin came out as
"你知道我没有吗?", 3.5 minutes in temperature fallbacks, and was scored), so the call fails
with that reason instead, and is done again by the run that names its language. Where the
transcriber can hear the first window it encodes (:mod:`.first_window`), that check is made
there (:func:`first_window_check`): on the channel with the most speech, transcribed first,
with no encoder pass of its own; otherwise on the 30 s sample above, before transcription.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Callable, Mapping, Optional, Sequence

import numpy as np

from ..errors import CallError
from ..media import SAMPLE_RATE_HZ
from ..messages import say
from .asr import Transcriber

AUTO = "auto"
DETECTION_S = 30.0  # Whisper hears one 30-second window
KNOWN = ("zh", "en")  # the languages qc has packs for
# Not the given language: at most GIVEN_MAX likely, while another known one is at least OTHER_MIN.
# On 152 recordings (bench/language_check.py: every 4th corpus call, stereo and mono 8 kHz, and 10
# real ones) a call's own language scored 0.24-1.00 (the lowest an espeak voice heard as Welsh;
# real recordings 0.89 and up) and the other known one at most 0.018; none would be refused as
# given, 151 of 152 would be caught given the other language.
GIVEN_MAX = 0.01
OTHER_MIN = 0.1


def parse_language(text: str, known: Sequence[str]) -> str:
    """``zh``, ``auto`` or a comma-separated list of ``known`` languages, written canonically
    (``" ZH, en"`` -> ``"zh,en"``); a mistake raises ValueError naming the valid choices."""
    items = list(dict.fromkeys(item.strip().lower() for item in text.split(",") if item.strip()))
    if items == [AUTO]:
        return AUTO
    unknown = [item for item in items if item not in known]
    if not items or unknown:
        raise ValueError(f"{text!r}: expected {AUTO}, one of {', '.join(known)}, or a comma-separated list of them "
                         f"(e.g. {','.join(known)})")
    return ",".join(items)


def listed_languages(language: str) -> tuple[str, ...]:
    """The candidates of a list (``"zh,en"`` -> ``("zh", "en")``); () for one language or auto."""
    items = tuple(item for item in language.split(",") if item)
    return items if len(items) > 1 else ()


def pick_language(probabilities: Mapping[str, float], listed: Sequence[str]) -> str:
    """The most likely of the ``listed`` languages (the first listed on a tie or when none is scored)."""
    return max(listed, key=lambda lang: (probabilities.get(lang, 0.0), -listed.index(lang)))


def speech_sample(channels: Sequence[np.ndarray], regions: Sequence[Sequence[tuple[float, float]]],
                  max_s: float = DETECTION_S) -> np.ndarray:
    """The call's first ``max_s`` seconds of speech: every channel's speech regions, in order of
    start, each cut from its own channel (so two parties are heard one after the other, not mixed)."""
    spans = sorted((start_s, end_s, i) for i, voiced in enumerate(regions) for start_s, end_s in voiced)
    pieces, left = [], int(max_s * SAMPLE_RATE_HZ)
    for start_s, end_s, i in spans:
        if left <= 0:
            break
        start = int(start_s * SAMPLE_RATE_HZ)
        piece = np.asarray(channels[i][start:min(int(end_s * SAMPLE_RATE_HZ), start + left)], dtype=np.float32)
        pieces.append(piece)
        left -= len(piece)
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


def plainly_other(probabilities: Mapping[str, float], given: str, known: Sequence[str] = KNOWN) -> str:
    """The known language a call is plainly in when it is not ``given``; "" when ``given`` may be right."""
    if probabilities.get(given, 0.0) > GIVEN_MAX:
        return ""
    other = max((lang for lang in known if lang != given), key=lambda lang: probabilities.get(lang, 0.0), default="")
    return other if other and probabilities.get(other, 0.0) >= OTHER_MIN else ""


def call_language(transcriber: Transcriber, channels: Sequence[np.ndarray],
                  regions: Sequence[Sequence[tuple[float, float]]], language: str) -> str:
    """The language to transcribe and score the call in: the likeliest of a list, else ``language``
    itself; a call plainly in another known language than the one given raises :class:`CallError`.
    A transcriber that cannot tell languages is trusted with a single one."""
    listed = listed_languages(language)
    detect = getattr(transcriber, "language_probabilities", None)
    if language == AUTO or (not listed and detect is None):
        return language
    speech = speech_sample(channels, regions)
    if not len(speech):
        return listed[0] if listed else language  # nothing to hear: the call is empty whatever its language
    probabilities = detect(speech)
    if listed:
        return pick_language(probabilities, listed)
    refuse_other(probabilities, language)
    return language


def refuse_other(probabilities: Mapping[str, float], given: str) -> None:
    """Raise :class:`CallError`, with the reason, where the call is plainly another known language than ``given``."""
    heard = plainly_other(probabilities, given)
    if heard:
        raise CallError(say("failure.other_language", given=given, heard=heard, option="--language",
                            column="language", p=round(probabilities.get(heard, 0.0), 2)))


def first_window_check(transcriber: Transcriber,
                       language: str) -> Optional[Callable[[], AbstractContextManager]]:
    """For a single language given and a transcriber with a ``first_window`` (asr.py): a context
    to transcribe one channel in, checking (:func:`refuse_other`) the first window it encodes.
    None for ``auto``, a list (decided before transcription: :func:`call_language`) or another
    transcriber."""
    first = getattr(transcriber, "first_window", None)
    if first is None or language == AUTO or listed_languages(language):
        return None
    return lambda: first.hearing(lambda probabilities: refuse_other(probabilities, language))
