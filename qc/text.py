"""Text as qc reads it (pure): Chinese characters, and phrase matching that survives ASR
(punctuation, spacing, case, digits and homophones).

- Chinese text is compared with every space and punctuation mark removed; other text on
  whole words, so "no" does not match inside "know".
- Runs of two or more Chinese digits become Arabic digits on both sides (一零二四 = 1024),
  so a job number matches however Whisper wrote it.
- With ``pinyin=True`` Chinese phrases also match on toneless pinyin, allowing
  ``tolerance`` differing syllables: Whisper writes 公号 for 工号 and 克服 for 客服.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable, Optional

CJK_CHARS = "\u3400-\u9fff\uf900-\ufaff"  # CJK unified ideographs, extension A, compatibility ideographs
CJK = re.compile(f"[{CJK_CHARS}]")  # one Chinese character: the one definition every module uses
LATIN_WORD = re.compile(r"[A-Za-z]+")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_HANZI_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0", "幺": "1", "两": "2"}
_HANZI_NUMBER = re.compile(f"[{''.join(_HANZI_DIGITS)}]{{2,}}")


# What editors and Excel write: UTF-8 (with a BOM or not), UTF-16 ("Unicode text") and, on a
# Chinese Windows, GB18030 (a superset of GBK and GB2312).
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


def decode_text(data: bytes) -> Optional[str]:
    """The text of a file written in one of the encodings above; None when it is none of them."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("_", " ")
    text = _HANZI_NUMBER.sub(lambda m: "".join(_HANZI_DIGITS[c] for c in m.group()), text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def find_phrase(text: str, phrase: str, pinyin: bool = False, tolerance: int = 0) -> bool:
    """True when ``phrase`` occurs in ``text`` under the normalisation above."""
    needle = normalize(phrase)
    if not needle:
        return False
    haystack = normalize(text)
    if has_cjk(needle):
        compact_needle, compact_hay = needle.replace(" ", ""), haystack.replace(" ", "")
        if compact_needle in compact_hay:
            return True
        return pinyin and _pinyin_match(compact_hay, compact_needle, tolerance)
    return f" {needle} " in f" {haystack} "


def first_match(text: str, phrases: Iterable[str], pinyin: bool = False, tolerance: int = 0) -> Optional[str]:
    for phrase in phrases:
        if find_phrase(text, phrase, pinyin, tolerance):
            return phrase
    return None


@lru_cache(maxsize=8192)
def syllables(text: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(text, errors=lambda chars: list(chars)))


def _pinyin_match(haystack: str, needle: str, tolerance: int) -> bool:
    target, source = syllables(needle), syllables(haystack)
    width = len(target)
    for start in range(len(source) - width + 1):
        window = source[start:start + width]
        if sum(a != b for a, b in zip(window, target)) <= tolerance:
            return True
    return False
