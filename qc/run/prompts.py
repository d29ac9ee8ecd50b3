"""What each call's recogniser is told to expect, per language: composed here, because it comes
from the rule sets (``qc.rules.vocabulary``) and goes into the recogniser's options
(``qc.analysis.asr.AsrOptions``), two layers that never import each other.

``auto``: the site's company names and the required phrases of each language's pack (never a
forbidden one); ``off``: nothing; any other text: that text, for every language. Used for the
initial prompt, which bench/hotwords.py measured better than hotwords for these words (see
``qc.analysis.asr``). Whether a prompt is given is part of every call's cache key
(``AsrOptions.fingerprint``), its words are not: editing a pack's required phrase re-scores
stored calls but never sends them back to Whisper.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Optional, Sequence

if TYPE_CHECKING:
    from ..rules.ruleset import RuleSet

AUTO, OFF = "auto", "off"
DEFAULT_PROMPT = AUTO  # measured: bench/README.md, "Decoding that knows the site's words"


def site_prompts(setting: Optional[str], rulesets: "Mapping[str, RuleSet] | Sequence[RuleSet]",
                 company: Sequence[str] = ()) -> tuple[tuple[str, str], ...]:
    """``(language, text)`` pairs for :class:`AsrOptions`; ``company``: brand names given on the
    command line, added to each rule set's ``{company}`` values (the site file's)."""
    from ..rules.vocabulary import vocabulary_text  # here: the CLI reads the default above at import

    if not setting or setting == OFF:
        return ()
    if setting != AUTO:
        return (("*", setting),)
    sets = rulesets.values() if isinstance(rulesets, Mapping) else rulesets
    texts = {ruleset.language: vocabulary_text(ruleset, _companies(ruleset, company)) for ruleset in sets}
    return tuple(sorted((language, text) for language, text in texts.items() if text))


def _companies(ruleset: "RuleSet", given: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*given, *dict(ruleset.variables).get("company", ()))))
