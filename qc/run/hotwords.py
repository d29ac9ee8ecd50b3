"""The words each call's recogniser is told to favour, per language: composed here, because
they come from the rule sets (``qc.rules.vocabulary``) and go into the recogniser's options
(``qc.analysis.asr.AsrOptions.hotwords``), two layers that never import each other.

``auto``: the site's company names and the required phrases of the pack of each language
(never a forbidden one); ``off``: nothing; any other text: that text, for every language.
They change the transcript, so they are part of every call's cache key (``AsrOptions``), and
so is a pack's edit to a required phrase under ``auto``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:
    from ..rules.ruleset import RuleSet

AUTO, OFF = "auto", "off"
DEFAULT_HOTWORDS = OFF  # decided by bench/hotwords.py


def run_hotwords(setting: str, rulesets: Mapping[str, "RuleSet"],
                 company: Sequence[str] = ()) -> tuple[tuple[str, str], ...]:
    """``(language, text)`` pairs for :class:`AsrOptions`; ``company``: the site's brand names."""
    from ..rules.vocabulary import hotword_text  # here: the CLI reads the default above at import

    if setting == OFF:
        return ()
    if setting != AUTO:
        return (("*", setting),)
    texts = {ruleset.language: hotword_text(ruleset, company) for ruleset in rulesets.values()}
    return tuple(sorted((language, text) for language, text in texts.items() if text))
