"""Numbers as qc reads them (pure): compared as digits however they were said or written.

Runs of two or more Chinese digits (一零二四, 幺三九) and runs of English number words ("three
eight seven five"; in a run of four or more, the homophones Whisper writes for digits too: to,
for, won, ate...) become Arabic digits, as do English numbers said in words ("twenty-five", "four
hundred and fifty", "fifteen": what the recogniser writes as 25, 450, 15, and a script or a chat
may write in words; a lone digit word and "a hundred" stay words), and digits separated by spaces
join (``3 8 7 5`` = ``3875``, "nineteen eighty-seven" = ``1987``). Keyword phrases are compared
after this (:func:`qc.text.normalize`) and regex rules match its output (:func:`numerals`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_HANZI_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0", "幺": "1", "两": "2"}
_HANZI_NUMBER = re.compile(f"[{''.join(_HANZI_DIGITS)}]{{2,}}")
_DIGIT_WORDS = "zero one two three four five six seven eight nine".split()
_EN_DIGITS = {w: str(i) for i, w in enumerate(_DIGIT_WORDS)} | {"oh": "0"}
# What Whisper writes for a digit said on its own, read as the digit only inside a run of numbers.
_EN_DIGIT_SOUNDS = {"o": "0", "won": "1", "to": "2", "too": "2", "tree": "3", "free": "3", "for": "4", "fore": "4",
                    "ate": "8", "nein": "9"}
_NUMBERISH = re.compile(r"[a-z]+|\d+|[^a-z\d]+")
# Numbers said as words ("twenty-five", "four hundred and fifty", "fifteen"): the recogniser writes
# most of them in digits, a script or a chat in words. A lone digit word stays a word ("one moment")
# and runs of them are read above; "a hundred" stays words too (no digit names it).
_UNIT_WORDS = _DIGIT_WORDS[1:]
_TEEN_WORDS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_VALUES = ({w: i for i, w in enumerate(_UNIT_WORDS, 1)} | {w: i for i, w in enumerate(_TEEN_WORDS, 10)}
                  | {w: 10 * i for i, w in enumerate(_TENS_WORDS, 2)})
_U, _T, _TY = (f"(?:{'|'.join(ws)})" for ws in (_UNIT_WORDS, _TEEN_WORDS, _TENS_WORDS))
_BELOW_100 = f"(?:{_TY}(?:[- ]{_U})?|{_T})"
_HUNDREDS = f"(?:{_U} hundred(?: (?:and )?(?:{_BELOW_100}|{_U}))?)"
_BELOW_1000 = f"(?:{_HUNDREDS}|{_BELOW_100})"
_CARDINAL = re.compile(f"\\b(?:(?:{_BELOW_1000}|{_U}) thousand(?:,? (?:and )?(?:{_BELOW_1000}|{_U}))?|{_BELOW_1000})\\b")
_SPACED_DIGITS = re.compile(r"(?<=\d)[ \-](?=\d)")

# Characters the recogniser writes for another that rules spell one way: Whisper writes 妳 for
# 你, which OpenCC's t2s keeps (it is also a simplified character).
SAME_CHARACTER = str.maketrans({"妳": "你"})


@lru_cache(maxsize=8192)
def numerals(text: str) -> str:
    """``text`` width-folded, lower-cased and with 妳 as 你, with spoken and written numbers as
    Arabic digits."""
    text = unicodedata.normalize("NFKC", text).lower().translate(SAME_CHARACTER)
    text = _HANZI_NUMBER.sub(lambda m: "".join(_HANZI_DIGITS[c] for c in m.group()), text)
    return _SPACED_DIGITS.sub("", _english_digits(text))


def _cardinal_value(words: str) -> str:
    total = current = 0
    for word in re.split(r"[-, ]+", words):
        if word == "hundred":
            current *= 100
        elif word == "thousand":
            total, current = total + current * 1000, 0
        elif word != "and":
            current += _NUMBER_VALUES[word]
    return str(total + current)


def _english_digits(text: str) -> str:
    text = _CARDINAL.sub(lambda m: _cardinal_value(m.group()), text)
    pieces = _NUMBERISH.findall(text)
    out = list(pieces)
    run: list[int] = []
    for position, piece in enumerate(pieces + ["."]):
        if piece[0].isalnum() and (piece in _EN_DIGITS or piece in _EN_DIGIT_SOUNDS or piece.isdigit()):
            run.append(position)
            continue
        if not piece[0].isalnum() and piece.strip(" -") == "" and run:
            continue  # a space or hyphen inside a run of numbers
        strong = [i for i in run if pieces[i] in _EN_DIGITS or pieces[i].isdigit()]
        if len(strong) >= 2:
            for i in run:
                if pieces[i] in _EN_DIGITS:
                    out[i] = _EN_DIGITS[pieces[i]]
                elif pieces[i] in _EN_DIGIT_SOUNDS and len(run) >= 4:
                    out[i] = _EN_DIGIT_SOUNDS[pieces[i]]
        run = []
    return "".join(out)
