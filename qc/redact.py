"""Personal data out of every output: phone, ID card and bank card numbers, e-mail addresses.

Numbers are found however the recogniser wrote them: Arabic or full-width digits, Chinese
digits (一三九, 幺, 两, 零/〇) and English digit words ("four four one nine", "oh"), with the
spaces, dashes and commas people pause on (138 0013 8000, 一三八，零零一三). A run of digits
is classified by its length::

    11 digits from 13-19, or 7-12 digits      phone      (mobile, landline, US and local numbers)
    15 digits, or 17 digits and X, or 18      id_card    (resident identity card)
    13-14 or 16-19 digits, or more            bank_card
    name@domain.tld                            email

Shorter numbers (agent numbers such as 工号 1024, amounts, the last four digits a customer
reads out to verify) are not personal data and stay. Every digit of a number but the last
``keep_last`` (4) becomes ``*``; an e-mail keeps only its domain. Masking keeps the text's
length, so word timings still say when each masked digit was spoken: those spans are
silenced in the audio copies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Optional

from .schema import CallAnalysis, CallMeta, CallScore, Evidence, Segment, Word

ENTITIES = ("phone", "id_card", "bank_card", "email")
_DIGIT_CHARS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0", "幺": "1", "两": "2"}
_DIGIT_CHARS |= {str(i): str(i) for i in range(10)} | {chr(0xFF10 + i): str(i) for i in range(10)}
_DIGIT_WORDS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                "six": "6", "seven": "7", "eight": "8", "nine": "9"}
_UNIT = re.compile(r"\b(?:" + "|".join(_DIGIT_WORDS) + r")\b|[" + "".join(_DIGIT_CHARS) + r"xX]", re.IGNORECASE)
_SEPARATOR = re.compile(r"[\s\-–—.,，、·/()（）]{0,3}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class Found:
    kind: str
    units: tuple[tuple[int, int], ...]  # character spans of each digit (or the e-mail's local part)


def classify(digits: str) -> Optional[str]:
    n, tail_x = len(digits), digits[-1:] in ("x", "X")
    if tail_x:
        return "id_card" if n == 18 and digits[:-1].isdigit() else None
    if not digits.isdigit() or n < 7:
        return None
    if n == 11 and digits[0] == "1" and digits[1] in "3456789" or 7 <= n <= 12:
        return "phone"
    if n in (15, 18):
        return "id_card"
    return "bank_card"


def find(text: str) -> list[Found]:
    """Every personal number and e-mail address in ``text``."""
    found = [Found("email", ((m.start(), m.start() + m.group().index("@")),)) for m in _EMAIL.finditer(text)]
    taken = [span for f in found for span in f.units]
    units = [m for m in _UNIT.finditer(text) if not any(a <= m.start() < b for a, b in taken)]
    run: list[re.Match] = []
    for unit in [*units, None]:
        joined = unit is not None and run and _SEPARATOR.fullmatch(text[run[-1].end():unit.start()]) and not (
            run[-1].group() in "xX")
        if unit is not None and (not run or joined):
            run.append(unit)
            continue
        if run:
            digits = "".join(_DIGIT_CHARS.get(u.group(), _DIGIT_WORDS.get(u.group().lower(), u.group())) for u in run)
            kind = classify(digits.strip("xX") if digits[:1] in "xX" else digits)
            if kind:
                found.append(Found(kind, tuple((u.start(), u.end()) for u in run if u.group() not in "xX"
                                               or u is run[-1])))
        run = [unit] if unit is not None and unit.group() not in "xX" else []
    return found


def mask(text: str, keep_last: int = 4) -> tuple[str, list[Found]]:
    """``text`` with personal data masked (same length), and what was found."""
    found = find(text)
    chars = list(text)
    for item in found:
        spans = item.units if item.kind == "email" else item.units[:max(0, len(item.units) - keep_last)]
        for start, end in spans:
            chars[start:end] = "*" * (end - start)
    return "".join(chars), found


def mask_meta(meta: CallMeta) -> CallMeta:
    """The metadata a PBX may fill with the caller's number masked: the call id, the path and the
    manifest's extra columns (a caller-number column)."""
    return replace(meta, call_id=mask(meta.call_id)[0], path=mask(meta.path)[0],
                   extra={k: mask(v)[0] for k, v in meta.extra.items()})


def redact_call(analysis: CallAnalysis, score: Optional[CallScore], keep_last: int = 4):
    """The call with every sentence, word, reason and piece of evidence masked; the transcript's
    ``redacted`` holds the time spans (s) of the masked words, for the audio copies."""
    spans: list[tuple[float, float]] = list(analysis.transcript.redacted or ())
    segments = tuple(_segment(seg, keep_last, spans) for seg in analysis.transcript.segments)
    transcript = replace(analysis.transcript, segments=segments, redacted=tuple(sorted(set(spans))))
    masked = replace(analysis, transcript=transcript, meta=mask_meta(analysis.meta),
                     audio=replace(analysis.audio, path=mask(analysis.audio.path)[0]))
    if score is not None:
        rules = tuple(replace(r, reason=mask(r.reason, keep_last)[0],
                              evidence=tuple(Evidence(e.start_s, e.end_s, mask(e.text, keep_last)[0])
                                             for e in r.evidence)) for r in score.rules)
        score = replace(score, rules=rules)
    return masked, score


def _segment(seg: Segment, keep_last: int, spans: list) -> Segment:
    text, found = mask(seg.text, keep_last)
    if not found:
        return seg
    joined = "".join(w.text for w in seg.words)
    masked_joined, _ = mask(joined, keep_last)
    words, offset = [], 0
    for word in seg.words:
        new = masked_joined[offset:offset + len(word.text)]
        if new != word.text:
            spans.append((word.start_s, word.end_s))
        words.append(Word(word.start_s, word.end_s, new, word.probability))
        offset += len(word.text)
    if not seg.words:
        spans.append((seg.start_s, seg.end_s))
    return replace(seg, text=text, words=tuple(words))
