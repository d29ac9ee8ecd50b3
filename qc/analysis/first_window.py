"""What language the first window Whisper encodes is in, read from the encoder output the
transcription computes anyway.

A single language given (``--language zh``, the manifest's column) is checked against the call
(:func:`qc.analysis.language.plainly_other`). Asking Whisper's language head in a pass of its
own costs a log-mel and an encoder pass per call: on the stereo throughput set (8 short calls,
one CPU thread) 0.8 s a call, 9 % of qc's work, and a transient of about 130 MB beside the
decoder's. The language head reads the encoder output itself, so :class:`FirstWindow` wraps
the model's ``encode``: while a check is armed on the current thread (:meth:`FirstWindow.hearing`),
the next window encoded is also given to the head (one decoder step) and its probabilities to
the check, which may stop the call by raising before a word is decoded.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

Check = Callable[[dict], None]  # language -> probability, for one window


class FirstWindow:
    """A check armed per thread (threads of ``--executor threads`` share one model)."""

    def __init__(self) -> None:
        self._armed = threading.local()

    def wrap(self, model) -> None:
        """Make ``model`` (faster-whisper's ``WhisperModel``, sequential or batched) hand the armed
        check the language probabilities of the next window it encodes (the first of a batch)."""
        encode = model.encode

        def encode_and_hear(features):
            output = encode(features)
            check = getattr(self._armed, "check", None)
            if check is not None:
                self._armed.check = None  # once: the first window, not every window of the channel
                check({token[2:-2]: p for token, p in model.model.detect_language(output)[0]})
            return output

        model.encode = encode_and_hear

    @contextmanager
    def hearing(self, check: Check) -> Iterator[None]:
        """``check`` armed for the first window encoded on this thread inside the block; disarmed
        at its end whether or not a window was encoded (a channel without speech encodes none)."""
        self._armed.check = check
        try:
            yield
        finally:
            self._armed.check = None
