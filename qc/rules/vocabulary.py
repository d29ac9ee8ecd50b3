"""The words a site's calls should contain, for the recogniser (pure): company names and the
phrases a rule set requires, as one bounded text (qc gives it to Whisper as the initial
prompt) that never leans towards a phrase the set forbids.

Which phrases are *required*: those of keyword conditions (``any`` / ``all``) reached from a
rule's ``require`` expression, named conditions followed, in the positive sense only (a phrase
under ``not`` or in a ``none`` list is one the agent must not say). Never ``forbid``
expressions; never ``applies_when`` gates, because a gate word the recogniser is pushed to hear
(投诉, 话费) makes a rule apply to a call where it should not and can fail it; never anchor
targets, nor option lists such as ``excuse_phrases`` or ``exclude``. Phrases holding
``{variables}`` are templates, not words, and are skipped.

Which phrases are *avoided*: every keyword phrase and regex pattern reached from a ``forbid``
expression, and the negative phrases of ``require`` expressions. A candidate is dropped when an
avoided phrase matches it, or matches the text built so far across a separator (matching
ignores punctuation), with the rule's own matching options (pinyin homophones included).

Order: company names first, then one phrase from each required phrase list in turn (the
pack's first, most typical phrase of every list before any list's second), without duplicates
or phrases that hold a shorter one (员工号 when 工号 is there: keyword matching finds 工号 in
员工号 anyway), until the token budget is spent: Whisper keeps at most 223 prompt
tokens.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from itertools import zip_longest
from typing import Iterator, Optional, Sequence

from ..text import find_phrase
from .checks.regex import compiled
from .engine import Condition, Expr, Op
from .ruleset import Rule, RuleSet

DEFAULT_MAX_TOKENS = 120  # of Whisper's 223-token prompt budget; the rest stays for the window's own context


@dataclass(frozen=True)
class Phrase:
    """A phrase of a keyword condition with the condition's matching options."""

    text: str
    pinyin: bool = False
    tolerance: int = 0

    def found_in(self, text: str) -> bool:
        return find_phrase(text, self.text, self.pinyin, self.tolerance)


def required_phrases(ruleset: RuleSet) -> tuple[Phrase, ...]:
    """The set's required phrases in priority order (see the module docstring), without duplicates."""
    lists = [[phrase for phrase, said in _said_phrases(condition, sense) if said and "{" not in phrase.text]
             for rule in ruleset.rules for condition, sense in _conditions(rule.require, rule)]
    ordered = [p for turn in zip_longest(*lists) for p in turn if p is not None]
    return tuple({p.text: p for p in ordered}.values())


def avoided_phrases(ruleset: RuleSet) -> tuple[tuple[Phrase, ...], tuple[str, ...]]:
    """(keyword phrases, regex patterns) that the set forbids or requires to be absent."""
    phrases: dict[str, Phrase] = {}
    patterns: dict[str, None] = {}
    for rule in ruleset.rules:
        for expr, kept in ((rule.forbid, (True, False)), (rule.require, (False,))):
            for condition, sense in _conditions(expr, rule):
                if condition.check == "regex" and sense in kept:
                    patterns[condition.options["pattern"]] = None
            phrases.update((p.text, p) for p, said in _keyword_phrases(expr, rule) if said in kept)
    return tuple(phrases.values()), tuple(patterns)


def vocabulary_text(ruleset: RuleSet, company: Sequence[str] = (), max_tokens: int = DEFAULT_MAX_TOKENS) -> str:
    """Company names and the set's required phrases as one text for the recogniser, at most
    ``max_tokens`` (estimated) long, with nothing the set forbids in it."""
    phrases, patterns = avoided_phrases(ruleset)
    names = [name.strip() for name in company if name.strip()]
    required = [p.text for p in required_phrases(ruleset)]
    # A phrase holding a shorter required phrase adds nothing (员工号 when 工号 is there); a
    # company name already says a phrase it holds (通信 in 星河通信).
    required = [p for p in required if not any(_contains(p, other) for other in required)
                and not any(_contains(name, p) for name in names)]

    def leans_forbidden(text: str) -> bool:
        folded = unicodedata.normalize("NFKC", text)
        return any(p.found_in(text) for p in phrases) or any(compiled(p).search(folded) for p in patterns)

    chosen: list[str] = []
    for candidate in dict.fromkeys([*names, *required]):
        text = written([*chosen, candidate], ruleset.language)
        if estimated_tokens(text) > max_tokens:
            continue  # a shorter phrase further on may still fit
        if not leans_forbidden(text):  # the candidate, or it and its neighbour across the separator
            chosen.append(candidate)
    return written(chosen, ruleset.language)


def written(phrases: Sequence[str], language: str) -> str:
    """The phrases as Whisper should read them: it continues in the prompt's style. Chinese:
    joined with ", " (after "，" Whisper base wrote Ｇ and ４, the same three UTF-8 bytes but the
    last, between sentences: CER 22.3 against 13.9 % on the four Mandarin calls of ../shared, 27.1 %
    with spaces). Other languages: as sentences ("Northwind Bank. Thank you for calling."); after
    a lowercase list it wrote lowercase lists and lost a call's first word ("nd you for calling")."""
    if language == "zh":
        return ", ".join(phrases)
    return " ".join(_sentence(p) for p in phrases)


def _sentence(phrase: str) -> str:
    text = " ".join("I" if word == "i" else word for word in phrase.split())
    return f"{text[:1].upper()}{text[1:]}."


def estimated_tokens(text: str) -> int:
    """An upper estimate of Whisper's token count: 2 per non-ASCII character (common hanzi take
    1-2 of its byte-level BPE tokens), 1 per 3 ASCII characters (English words take about 1 per 4)."""
    wide = sum(1 for c in text if ord(c) > 127)
    return 2 * wide + -(-(len(text) - wide) // 3)


def _contains(longer: str, shorter: str) -> bool:
    return len(longer) > len(shorter) and find_phrase(longer, shorter)


def _conditions(node: Optional[Expr], rule: Rule, sense: bool = True,
                seen: tuple[str, ...] = ()) -> Iterator[tuple[Condition, bool]]:
    """Every condition under ``node`` with the sense in which it counts: True where its hit makes
    the expression hit, False under an odd number of ``not``; named conditions followed."""
    if isinstance(node, str):
        if node not in seen and node in rule.conditions:
            yield from _conditions(rule.conditions[node], rule, sense, (*seen, node))
    elif isinstance(node, Op):
        inner = (not sense) if node.op == "not" else sense
        for arg in node.args:
            yield from _conditions(arg, rule, inner, seen)
    elif isinstance(node, Condition):
        yield node, sense


def _keyword_phrases(node: Optional[Expr], rule: Rule) -> Iterator[tuple[Phrase, bool]]:
    for condition, sense in _conditions(node, rule):
        yield from _said_phrases(condition, sense)


def _said_phrases(condition: Condition, sense: bool) -> Iterator[tuple[Phrase, bool]]:
    """A keyword condition's phrases, each with whether saying it makes the expression hit
    (a ``none`` list hits when its phrases are *not* said)."""
    if condition.check != "keyword":
        return
    options = condition.options
    for mode in ("any", "all", "none"):
        for text in options.get(mode) or ():
            phrase = Phrase(text, options.get("pinyin", False), options.get("pinyin_tolerance", 0))
            yield phrase, sense != (mode == "none")
