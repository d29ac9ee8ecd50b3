"""Text as qc reads it (pure): Chinese characters, and phrase matching that survives ASR
(punctuation, spacing, case, numbers, homophones, negation).

- Chinese text is compared with every space and punctuation mark removed; other text on
  whole words, so "no" does not match inside "know".
- Numbers are compared as digits however they were said or written (:mod:`qc.numerals`, which
  regex rules read through too).
- ``fuzzy`` matching tolerates recogniser errors: Chinese phrases also match on toneless
  pinyin with ``tolerance`` differing syllables (公号 for 工号, 克服 for 客服); English words
  of four letters or more match with one edit (two from eight letters): "verfy" for
  "verify"; a phrase of several words also when the recogniser split or joined its words
  differently ("have an ice day", "goodbye" for "good bye"); digit strings of four or more with
  one digit misheard, dropped or added, and in Chinese read out with one syllable misheard
  (工号四四一七 heard as 公后四次一起).
- :func:`find_phrase` with ``negation=True`` ignores a phrase that a negation governs in its
  clause: 不/没/无法/未/别 up to eight characters before it (不能保证, 没办法百分之百保证) or 不了
  after it (保证不了), or a guarantee refused after it in its clause (百分之百复原我们不能保证);
  not/never/no/nobody/can't/won't/cannot up to three words before it ("I can't guarantee", "nobody
  can guarantee") or "can't promise/guarantee" after it. ``excepts`` are near-miss phrases: an occurrence
  inside one of them does not count (保证金 for 保证, 不知道您对 for 不知道).
- :func:`sentences` splits a segment into its sentences, the unit keyword's ``with_any`` and the
  similarity check read.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from typing import Iterable, Optional, Sequence

from .numerals import SAME_CHARACTER, numerals  # noqa: F401 (the rules and the recogniser read them here)

CJK_CHARS = "\u3400-\u9fff\uf900-\ufaff"  # CJK unified ideographs, extension A, compatibility ideographs
CJK = re.compile(f"[{CJK_CHARS}]")  # one Chinese character: the one definition every module uses
LATIN_WORD = re.compile(r"[A-Za-z]+")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SCRIPT_CHANGE = re.compile(f"(?<=[{CJK_CHARS}])(?=[^{CJK_CHARS}\\s])|(?<=[^{CJK_CHARS}\\s])(?=[{CJK_CHARS}])")
_CLAUSE_BREAK = re.compile(r"[，。！？；：、,.!?;:\n]+")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+")
_FILLER = " \t。！？!?.,，、；;…"
NEGATION_ZH = ("不", "没", "无法", "未", "别", "甭")
NEGATION_ZH_AFTER = ("不了", "不到")
NEGATION_EN = frozenset({"not", "no", "never", "t", "cannot", "unable", "nor", "without", "neither", "nobody", "none"})
NEGATION_ZH_CHARS, NEGATION_EN_WORDS = 8, 3
# a guarantee refused after what it would promise, in the same clause (百分之百复原我们不能保证,
# "a hundred percent I can't promise")
REFUSED_AFTER_ZH = re.compile(r"(不能|不敢|没法|没办法|无法|不好|不会)(给您|给你|跟您|跟你|向您|向你)?(保证|打包票|担保|承诺)")
REFUSED_AFTER_EN = re.compile(r"\b(can ?not|can t|won t|couldn t|wouldn t|not) (guarantee|promise|swear)\b")


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


# Whisper writes the particle 着 as 著 (您别著急, 等著) and OpenCC's t2s keeps it (著 is simplified too,
# in 著名): read it as 着 outside the words where it is 著
_ZHE = re.compile(r"(?<![显土名卓昭编原巨论专])著(?![名作称述者])")


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    # 工号3875 -> 工号 3875: words apart; "100%" -> "100 percent", never the amount 100元
    text = _ZHE.sub("着", text) if "著" in text else text
    text = _SCRIPT_CHANGE.sub(" ", numerals(text).replace("_", " ").replace("%", " percent "))
    return " ".join(_NON_WORD.sub(" ", text).split())


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def find_phrase(text: str, phrase: str, pinyin: bool = False, tolerance: int = 0, negation: bool = False,
                excepts: Sequence[str] = ()) -> bool:
    """True when ``phrase`` occurs in ``text`` under the normalisation above.

    ``pinyin`` is the fuzzy switch (its historical name): pinyin for Chinese, edit distance
    for English words and digit strings."""
    if not normalize(phrase):
        return False
    if not negation and not excepts:
        return bool(_spans(normalize(text), phrase, pinyin, tolerance))
    whole = _spans(normalize(text), phrase, pinyin, tolerance)
    if not whole:
        return False
    inside_clauses = 0
    for clause in _CLAUSE_BREAK.split(unicodedata.normalize("NFKC", text)):
        hay = normalize(clause)
        blocked = [s for near in excepts for s in _spans(hay, near, pinyin, tolerance)]
        for start, end in _spans(hay, phrase, pinyin, tolerance):
            inside_clauses += 1
            if any(b_start <= start and end <= b_end for b_start, b_end in blocked):
                continue
            if negation and _negated(hay, start, end, has_cjk(normalize(phrase))):
                continue
            return True
    return inside_clauses == 0  # found only across a clause break: neither test applies


def first_match(text: str, phrases: Iterable[str], pinyin: bool = False, tolerance: int = 0) -> Optional[str]:
    for phrase in phrases:
        if find_phrase(text, phrase, pinyin, tolerance):
            return phrase
    return None


def sentences(text: str) -> list[str]:
    """The segment itself, or its sentences when it has several (split after 。！？；!?; and '. ');
    pieces of fewer than two characters besides punctuation stay with no sentence."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if len(p.strip(_FILLER)) >= 2]
    if len(parts) > 1:
        return parts
    return [text.strip()] if text.strip(_FILLER) else []

def _spans(haystack: str, phrase: str, fuzzy: bool, tolerance: int) -> list[tuple[int, int]]:
    """Where ``phrase`` occurs in the normalized ``haystack``: character offsets into its compact
    form (spaces removed) for Chinese phrases, word offsets for other phrases."""
    needle = normalize(phrase)
    if has_cjk(needle):
        compact_needle, compact_hay = needle.replace(" ", ""), haystack.replace(" ", "")
        found = [(m.start(), m.start() + len(compact_needle))
                 for m in re.finditer(f"(?={re.escape(compact_needle)})", compact_hay)]
        if found or not fuzzy or len(compact_needle) < SOUNDED_FROM:
            return found
        return _pinyin_spans(compact_hay, compact_needle, tolerance)
    target, words = needle.split(), haystack.split()
    width = len(target)
    found = [(i, i + width) for i in range(len(words) - width + 1)
             if all(_same_word(w, t, fuzzy) for w, t in zip(words[i:i + width], target))]
    if found or not fuzzy:
        return found
    if needle.isdigit() and len(needle) >= TOLERANT_FROM and has_cjk(haystack):
        return _spoken_digit_spans(haystack.replace(" ", ""), needle)
    return _joined_spans(words, target) if width > 1 and not needle.isdigit() else []


JOINED_FROM = 7  # letters: a shorter phrase read across word boundaries finds other words ("an ice" for "a nice")
JOINED_EDIT_FROM = 10  # letters: from here one edit more is allowed


def _joined_spans(words: Sequence[str], target: Sequence[str]) -> list[tuple[int, int]]:
    """A phrase of several words that the recogniser split or joined differently ("have an ice day"
    for "have a nice day", "goodbye" for "good bye"): its letters equal those of a run of words
    (one edit allowed from ten letters), never by dropping a negation ("can't help" is not "can
    help"). Word offsets, as for English phrases."""
    compact = "".join(target)
    if len(compact) < JOINED_FROM:
        return []
    edits = 1 if len(compact) >= JOINED_EDIT_FROM else 0
    # a run within one edit of the phrase holds one of its halves as it is: most texts stop here
    letters, half = "".join(words), len(compact) // 2
    if compact[:half] not in letters and compact[half:] not in letters:
        return []
    spans = []
    for i in range(len(words)):
        for j in range(i + 1, len(words) + 1):
            run = "".join(words[i:j])
            if len(run) > len(compact) + edits:
                break
            if abs(len(run) - len(compact)) <= edits and (run == compact or edit_distance(run, compact) <= edits) \
                    and not (NEGATION_EN & set(words[i:j])) - set(target):
                spans.append((i, j))
    return spans


def _same_word(word: str, target: str, fuzzy: bool) -> bool:
    if word == target:
        return True
    if not fuzzy or len(target) < 4 or (target.isdigit() != word.isdigit()):
        return False
    if target.isdigit():  # one digit misheard, dropped or added (九零二一 heard as 92021 or 921)
        return abs(len(word) - len(target)) <= 1 and edit_distance(word, target) <= 1
    return abs(len(word) - len(target)) <= 2 and edit_distance(word, target) <= (1 if len(target) < 8 else 2)


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _negated(haystack: str, start: int, end: int, chinese: bool) -> bool:
    if chinese:
        compact = haystack.replace(" ", "")
        return _negated_zh(compact[max(0, start - NEGATION_ZH_CHARS):start], compact[end:])
    words = haystack.split()
    before, after = "".join(words[:start])[-NEGATION_ZH_CHARS:], "".join(words[end:])  # the Chinese around 100%
    return (any(w in NEGATION_EN for w in words[max(0, start - NEGATION_EN_WORDS):start])
            or bool(REFUSED_AFTER_EN.search(" ".join(words[end:])))
            or (has_cjk(before + after) and _negated_zh(before, after)))


def _negated_zh(before: str, after: str) -> bool:
    return (any(cue in before for cue in NEGATION_ZH) or after.startswith(NEGATION_ZH_AFTER)
            or bool(REFUSED_AFTER_ZH.search(after)))


@lru_cache(maxsize=8192)
def syllables(text: str) -> tuple[str, ...]:
    """Each character's most common reading, without pypinyin's phrase dictionary: that
    dictionary held 44 MB in every process that scores Chinese (a tenth of a worker), and on the
    labelled corpus (141 calls, 5,028 verdicts) readings by character gave the same verdicts. The
    same rule reads both the phrase and the transcript, so a phrase still meets its homophones."""
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")  # read when pypinyin is first imported
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(text, errors=lambda chars: list(chars)))


# characters: one character is matched as written, never by its sound: a syllable has dozens of
# homophones (请 qing is 情 of 情况 and, with -n and -ng as one, 亲 of 父亲)
SOUNDED_FROM = 2
CHINESE_NUMERALS = frozenset("零〇一二两三四五六七八九十百千万亿")
TOLERANT_FROM = 4  # syllables: a shorter phrase with one syllable changed is another word (再来, not 再见)
# How each digit is read out in a number (1 as 幺 yao, 2 as 两 liang too)
DIGIT_READINGS = {"0": ("ling",), "1": ("yi", "yao"), "2": ("er", "liang"), "3": ("san",), "4": ("si",),
                  "5": ("wu",), "6": ("liu",), "7": ("qi",), "8": ("ba",), "9": ("jiu",)}


def _spoken_digit_spans(haystack: str, digits: str) -> list[tuple[int, int]]:
    """Where the digits of a number of four or more were read out in Chinese with at most one
    syllable misheard (四四一七 heard as 四次一起, 七一五零 as 记忆武灵): on toneless pinyin, a digit
    Whisper already wrote as a digit counting as its reading. Offsets as for Chinese phrases."""
    target = [DIGIT_READINGS[d] for d in digits]
    heard = [DIGIT_READINGS.get(s, (s,)) for s in syllables(haystack)]
    if len(heard) != len(haystack):
        return []
    width = len(target)
    return [(i, i + width) for i in range(len(heard) - width + 1)
            if sum(not set(h) & set(t) for h, t in zip(heard[i:i + width], target)) <= 1]


# Fuzzy pinyin as input methods have it (模糊音): retroflex and flat initials, and -ng and -n finals,
# count as one. Whisper on 8 kHz calls and speakers from the south swap them (实在不好意思 came out
# as 实在不好预似, and 似 reads shi by itself). Not for numbers: 四 si and 十 shi are different digits.
_LOOSE_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))


def loose(syllable: str) -> str:
    """A toneless pinyin syllable with the distinctions 模糊音 ignores taken out (shi -> si, zhang -> zan)."""
    for retroflex, flat in _LOOSE_INITIALS:
        if syllable.startswith(retroflex):
            syllable = flat + syllable[len(retroflex):]
            break
    return syllable[:-1] if syllable.endswith("ng") and len(syllable) > 2 else syllable


@lru_cache(maxsize=8192)
def _loose_syllables(text: str) -> tuple[str, ...]:
    """:func:`syllables` with :func:`loose` applied, kept: every phrase of a rule is matched against the same sentence."""
    return tuple(map(loose, syllables(text)))


def _pinyin_spans(haystack: str, needle: str, tolerance: int) -> list[tuple[int, int]]:
    target, source = _loose_syllables(needle), _loose_syllables(haystack)
    width = len(target)
    if width < TOLERANT_FROM:
        tolerance = 0
    if len(source) != len(haystack):  # one syllable per character, or no reliable offsets
        return [(0, len(haystack))] if any(
            sum(a != b for a, b in zip(source[i:i + width], target)) <= tolerance
            for i in range(len(source) - width + 1)) else []
    def differ(at: int) -> int:  # a numeral heard is that number: 七十 is not 气死 (qi shi / qi si)
        return sum(a != b or (h in CHINESE_NUMERALS and h != n)
                   for a, b, h, n in zip(source[at:at + width], target, haystack[at:at + width], needle))

    return [(i, i + width) for i in range(len(source) - width + 1) if differ(i) <= tolerance]
