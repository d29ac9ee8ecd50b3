"""Phrase matching that tolerates punctuation, spacing and case (pure).

Chinese text is compared with every space and punctuation mark removed; other text is
compared on whole words, so "no" does not match inside "know".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("_", " ")
    return " ".join(_NON_WORD.sub(" ", text).split())


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def find_phrase(text: str, phrase: str) -> bool:
    """True when ``phrase`` occurs in ``text`` under the normalisation above."""
    needle = normalize(phrase)
    if not needle:
        return False
    haystack = normalize(text)
    if has_cjk(needle):
        return needle.replace(" ", "") in haystack.replace(" ", "")
    return f" {needle} " in f" {haystack} "


def first_match(text: str, phrases) -> str | None:
    for phrase in phrases:
        if find_phrase(text, phrase):
            return phrase
    return None
