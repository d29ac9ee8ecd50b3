"""Error rates for the transcription benchmark: normalisation and edit distance (pure).

Kept apart from the runner so tests can check the arithmetic without a model, and so the
numbers qc publishes are computed one way only. No dependency beyond the standard library
and opencc, which qc already needs for its own Traditional-to-Simplified step.

Normalisation, chosen to match how the issue's baselines were measured:

- zh (CER): NFKC (full-width digits and letters become ASCII), OpenCC t2s, lowercase, then
  every punctuation mark, symbol and space removed; the units are the remaining characters.
  Optionally Arabic digits become hanzi digit by digit (``1024`` -> ``一零二四``), because the
  synthetic references write numbers in hanzi and Whisper often writes digits. Digit by digit
  is deliberately naive: ``25`` becomes ``二五``, not ``二十五``, so read that column as a
  lower-noise estimate, not a number-aware score.
- en (WER): NFKC, lowercase, apostrophes dropped (``don't`` -> ``dont`` on both sides), every
  other punctuation mark or symbol turned into a space; numbers are left as they are, so
  ``49`` against ``forty nine`` counts as errors.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

HANZI_DIGITS = "零一二三四五六七八九"
APOSTROPHES = "'\u2019"
_UTTERANCE_ID = re.compile(r"^[A-Z]+[0-9][A-Z0-9_-]*\s+")  # AISHELL: "BAC009S0764W0121 text"


@dataclass(frozen=True)
class ErrorCount:
    """Edits against reference units; adding two pools them (sum of edits / sum of units)."""

    edits: int = 0
    ref_units: int = 0

    @property
    def rate(self) -> Optional[float]:
        return self.edits / self.ref_units if self.ref_units else None

    def __add__(self, other: "ErrorCount") -> "ErrorCount":
        return ErrorCount(self.edits + other.edits, self.ref_units + other.ref_units)


def edit_distance(ref: Sequence, hyp: Sequence) -> int:
    """Levenshtein distance (substitutions, deletions, insertions each cost 1), one row at a time."""
    previous = list(range(len(hyp) + 1))
    for i, ref_unit in enumerate(ref, 1):
        current = [i]
        for j, hyp_unit in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_unit != hyp_unit)))
        previous = current
    return previous[-1]


@functools.lru_cache(maxsize=1)
def _opencc_t2s():
    import opencc

    return opencc.OpenCC("t2s.json")


def to_simplified(text: str) -> str:
    return _opencc_t2s().convert(text)


def digits_to_hanzi(text: str) -> str:
    return re.sub(r"[0-9]", lambda m: HANZI_DIGITS[int(m.group())], text)


def strip_utterance_id(text: str) -> str:
    """Corpus transcripts sometimes start with the utterance id; it is not speech."""
    return _UTTERANCE_ID.sub("", text.strip())


def _is_punct_or_symbol(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def normalise_zh(text: str, numbers_to_hanzi: bool = False,
                 simplify: Callable[[str], str] = to_simplified) -> str:
    text = simplify(unicodedata.normalize("NFKC", text)).lower()
    if numbers_to_hanzi:
        text = digits_to_hanzi(text)
    return "".join(c for c in text if not (c.isspace() or _is_punct_or_symbol(c)))


def normalise_en(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(c for c in text if c not in APOSTROPHES)
    return "".join(" " if _is_punct_or_symbol(c) else c for c in text).split()


def cer(ref: str, hyp: str, numbers_to_hanzi: bool = False,
        simplify: Callable[[str], str] = to_simplified) -> ErrorCount:
    ref_chars = normalise_zh(ref, numbers_to_hanzi, simplify)
    hyp_chars = normalise_zh(hyp, numbers_to_hanzi, simplify)
    return ErrorCount(edit_distance(ref_chars, hyp_chars), len(ref_chars))


def wer(ref: str, hyp: str) -> ErrorCount:
    ref_words, hyp_words = normalise_en(ref), normalise_en(hyp)
    return ErrorCount(edit_distance(ref_words, hyp_words), len(ref_words))


def pooled(counts: Iterable[ErrorCount]) -> ErrorCount:
    return sum(counts, ErrorCount())
