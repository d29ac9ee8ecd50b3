"""keyword: sentences in scope contain listed phrases (any, all, at least N, or none).

Matching ignores punctuation, spaces and case, reads numbers as digits however they were
said (一零二四 = 1024, "three eight" = 38) and, with ``fuzzy: true``, tolerates recogniser
errors (公号 for 工号 by pinyin; "verfy" for "verify" by one edit). ``negation: true`` skips a
phrase a negation governs (不能保证, "can't guarantee"); ``except`` lists near misses that
must not count (保证金 for 保证). Phrases may hold site variables: ``{company}``,
``{agent_name}``, ``{agent_id}`` (README, Rules: site variables). Scope keys (``role``, ``first_s``,
``anchor``...) choose the sentences.

Options:
- ``any`` / ``all`` / ``none`` (list of text, exactly one of them): the phrases. ``any`` hits
  when at least ``at_least`` different phrases occur; ``all`` when every phrase occurs (in one
  sentence when ``same_sentence`` is true, else anywhere in scope); ``none`` when no phrase
  occurs.
- ``at_least`` (integer, default 1): with ``any``, how many different phrases must occur.
- ``min_hits`` (integer, default 1): how many sentences must match (``any`` / ``all``).
- ``synonyms`` (list of lists of text): each inner list is a group of interchangeable words;
  a phrase containing one of them also matches with any other.
- ``same_sentence`` (true or false, default false): with ``all``, require one sentence.
- ``fuzzy`` (true or false, default false): tolerate recogniser errors: toneless pinyin for
  Chinese, zh/z, ch/c, sh/s and -ng/-n taken as one as input methods do (模糊音: 身活 is
  生活; with ``pinyin_tolerance`` differing syllables), one edit per English word of four
  letters or more (two from eight), one digit misheard, dropped or added in numbers of four digits or more
  (in Chinese also one syllable of the number read out: 公后四次一起 for 4417). A single Chinese
  character is matched as written (请 is not the 情 of 情况), and a numeral in the sentence only as
  itself (七十 is not 气死). ``pinyin`` is the same switch under its older name.
- ``pinyin_tolerance`` (integer, default 0): differing syllables allowed in fuzzy Chinese, in
  phrases of four syllables or more (感谢您的来订 for 感谢您的来电; 再来 is not 再见).
- ``negation`` (true or false, default false): a phrase preceded in its clause by a negation
  (不/没/无法/未/别 up to eight characters before, 不了 after; not/never/no/n't/cannot up to three
  words before) does not count.
- ``except`` (list of text): near misses; a phrase found only inside one of them does not count.
- ``with_any`` (list of text): only sentences that also contain one of these count, e.g. an
  identity question: ``any: [date of birth, postcode]`` with ``with_any: [can i, could you,
  please, "?"]`` ("I can see the phone number on the account" asks nothing). Matched like
  the phrases (fuzzy, numbers); ``?`` and ``？`` match question marks. The phrase and the word
  must share a sentence, not only the recogniser's segment ("I'll send it to the same address.
  Anything else?" asks for no address).
- ``exclude`` (a regular expression for RE2, or a list of them): sentences where it (any of them) matches do not count,
  e.g. the opening offer of help ("Postcode Lottery, how can I help?" asks for no postcode).

PASS::

    rule: {require: {check: keyword, role: agent, first_s: 15, any: [您好, 欢迎致电]}}
    agent 0.5 3.0 您好，这里是星河通信客服中心
    customer 3.5 5.0 你好，我想查话费

FAIL (the customer's 你好 does not count for the agent)::

    rule: {require: {check: keyword, role: agent, first_s: 15, any: [您好, 你好]}}
    agent 0.5 1.5 喂，什么事？
    customer 2.0 3.0 你好

FAIL (``with_any``: the question is another sentence of the segment)::

    rule: {require: {check: keyword, role: agent, any: [address], with_any: ["?"]}}
    agent 0.5 3.0 I'll send it to the same address. Anything else?

FAIL (``exclude``: the brand in the opening offer of help asks for no postcode)::

    rule: {require: {check: keyword, role: agent, any: [postcode], with_any: ["?"], exclude: "how can i help"}}
    agent 0.5 3.0 Postcode Lottery, how can I help?
"""

from __future__ import annotations

from ...schema import CallAnalysis, Match, Segment
from ...text import find_phrase, sentences
from ..messages import say
from ..options import PATTERNS
from . import regex
from .base import evidence_of, listing

ID = "keyword"
SCOPED = True
CONF = {"any": [str], "all": [str], "none": [str], "at_least": int, "min_hits": int, "synonyms": [[str]],
        "same_sentence": bool, "pinyin": bool, "fuzzy": bool, "pinyin_tolerance": int, "negation": bool,
        "except": [str], "with_any": [str], "exclude": PATTERNS}
DEFAULT = {"any": None, "all": None, "none": None, "at_least": 1, "min_hits": 1, "synonyms": None,
           "same_sentence": False, "pinyin": False, "fuzzy": False, "pinyin_tolerance": 0, "negation": False,
           "except": None, "with_any": None, "exclude": None}
PHRASE_OPTIONS = ("any", "all", "none", "except", "with_any")  # where site variables are expanded
OPTIONAL_PHRASES = ("except",)


def validate(options: dict) -> str | None:
    given = [k for k in ("any", "all", "none") if options[k]]
    if len(given) != 1:
        return "exactly one of any, all, none is needed"
    if options["at_least"] < 1 or options["min_hits"] < 1:
        return "at_least and min_hits must be at least 1"
    return regex.invalid(exclude=options["exclude"])


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    mode = next(k for k in ("any", "all", "none") if options[k])
    phrases = options[mode]
    segments = regex.without_excluded(segments, options["exclude"])
    if options["with_any"]:
        segments = tuple(s for s in segments if _asked_with(s.text, phrases, options))
    found_in = {phrase: [s for s in segments if _said(s.text, phrase, options)] for phrase in phrases}
    said = [p for p in phrases if found_in[p]]
    if mode == "none":
        if said:
            hits = _in_order(s for p in said for s in found_in[p])
            return Match(False, say("keyword.said", phrases=listing(said)), evidence_of(hits))
        return Match(True, say("keyword.said_none", phrases=listing(phrases)))
    if mode == "all":
        if options["same_sentence"]:
            hits = [s for s in segments if all(s in found_in[p] for p in phrases)]
        else:
            hits = _in_order(s for p in phrases for s in found_in[p]) if len(said) == len(phrases) else []
        missing = [p for p in phrases if not found_in[p]]
        if len(hits) >= options["min_hits"] and hits:
            return Match(True, say("keyword.said_all", phrases=listing(phrases)), evidence_of(hits))
        together = options["same_sentence"] and not missing
        reason = say("keyword.not_together" if together else "keyword.not_said", phrases=listing(missing or phrases))
        return Match(False, reason, evidence_of(_in_order(s for p in said for s in found_in[p])),
                     sought=listing(missing or phrases))
    hits = _in_order(s for p in said for s in found_in[p])
    if len(said) >= options["at_least"] and len(hits) >= options["min_hits"]:
        return Match(True, say("keyword.said", phrases=listing(said)), evidence_of(hits))
    if said:
        return Match(False, say("keyword.said_only", phrases=listing(said), n=len(said), hits=len(hits),
                                at_least=options["at_least"], min_hits=options["min_hits"]), evidence_of(hits),
                     sought=listing([p for p in phrases if p not in said]))
    return Match(False, say("keyword.said_none", phrases=listing(phrases)), sought=listing(phrases))


def _said(text: str, phrase: str, options: dict) -> bool:
    fuzzy = options["fuzzy"] or options["pinyin"]
    return any(find_phrase(text, variant, fuzzy, options["pinyin_tolerance"], options["negation"],
                           options["except"] or ())
               for variant in _variants(phrase, options["synonyms"] or ()))


def _asked_with(text: str, phrases: list[str], options: dict) -> bool:
    """A sentence of ``text`` holds both a phrase and one of ``with_any`` (not the phrase in one
    sentence and a closing question in the next: 那我按原地址发。您还有别的事吗？)."""
    return any(any(_also(sentence, p, options) for p in options["with_any"])
               and any(_said(sentence, phrase, options) for phrase in phrases)
               for sentence in sentences(text))


def _also(text: str, phrase: str, options: dict) -> bool:
    if phrase.strip() in ("?", "？"):
        return "?" in text or "？" in text
    return find_phrase(text, phrase, options["fuzzy"] or options["pinyin"], options["pinyin_tolerance"])


def _variants(phrase: str, groups) -> list[str]:
    variants = [phrase]
    for group in groups:
        for word in group:
            if word in phrase:
                variants += [phrase.replace(word, other) for other in group if other != word]
    return variants


def _in_order(segments) -> list[Segment]:
    unique = {id(s): s for s in segments}
    return sorted(unique.values(), key=lambda s: (s.start_s, s.end_s))
