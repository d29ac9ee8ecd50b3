"""Site variables in rules (pure): ``{company}``, ``{agent_name}``, ``{agent_id}`` and a site's own.

A phrase list or a pattern may name a variable instead of a fixed word, so "says the company
name" and "states the own agent number" are real checks on every call::

    any: ["{company}", 欢迎致电]                       # keyword: one phrase per value
    pattern: "(工号|编号).{0,4}{agent_id}"               # regex: the values as escaped alternatives

Values come from, in this order of precedence: the call's manifest row (``agent_name``,
``agent_id``; an agent id with letters also gives its digits, A3875 -> 3875; a name of two
words or more also gives ``agent_first_name``, Dana Whitfield -> Dana, because agents introduce
themselves by first name: "Dana here", "it's Dana from..."), the site file
(``qc run --site site.yaml``: ``company: [星河通信, Galaxy Telecom]`` and any other names)
and the rule set's own ``variables:`` block. A phrase whose variable has no value for a call
is left out; a condition left with no phrase at all does not hit, and says which value is
missing, so a rule never passes on a name nobody configured.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping, Optional

from ..errors import RuleConfigError
from ..schema import NO_AGENT_ID, CallMeta
from .yamlfile import read_yaml

VARIABLE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
CALL_VARIABLES = ("agent_name", "agent_first_name", "agent_id")  # filled from each call's metadata
SITE_VARIABLES = ("company",)  # the ones qc's default packs use; a site file may add others
NOTHING = "[^\\s\\S]"  # a pattern that matches nothing, for a variable without a value

Variables = Mapping[str, tuple[str, ...]]


def values_of(raw, path, where: str) -> dict[str, tuple[str, ...]]:
    """A ``name: value or [values]`` mapping, checked, as name -> tuple of text."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RuleConfigError(path, option=where, expected="a mapping of name: [values]", found=raw)
    out = {}
    for name, value in raw.items():
        items = value if isinstance(value, list) else [value]
        if not VARIABLE.fullmatch(f"{{{name}}}") or not all(isinstance(v, (str, int)) for v in items):
            raise RuleConfigError(path, option=f"{where}.{name}", expected="a lower-case name with text values",
                                  found=value)
        out[str(name)] = tuple(str(v).strip() for v in items if str(v).strip())
    return out


def load_site(path: Optional[Path]) -> dict[str, tuple[str, ...]]:
    """The variables of a site file (YAML mapping), or none without one."""
    if path is None:
        return {}
    if not Path(path).is_file():
        raise RuleConfigError(path, message="site file not found")
    return values_of(read_yaml(Path(path)), path, "site")


def call_variables(base: Variables, meta: CallMeta) -> dict[str, tuple[str, ...]]:
    """``base`` (site and rule set) with the call's own values on top."""
    out = dict(base)
    name = meta.agent_name.strip()
    if name:
        out["agent_name"] = (name,)
        words = name.split()
        if len(words) >= 2 and len(words[0]) >= 2:  # "周敏" has no first name apart; "Dana Whitfield" does
            out["agent_first_name"] = (words[0],)
    agent_id = meta.agent_id.strip()
    if agent_id and agent_id != NO_AGENT_ID:
        digits = "".join(c for c in agent_id if c.isdigit())
        out["agent_id"] = (agent_id,) + ((digits,) if len(digits) >= 3 and digits != agent_id else ())
    return out


def names_in(text: str) -> list[str]:
    return VARIABLE.findall(text)


def expand_phrases(phrases: list[str], variables: Variables) -> tuple[list[str], list[str]]:
    """``(phrases with every variable replaced by each of its values, names that had no value)``."""
    out, missing = [], []
    for phrase in phrases:
        expanded = [phrase]
        for name in dict.fromkeys(names_in(phrase)):
            values = variables.get(name, ())
            if not values:
                missing.append(name)
                expanded = []
                break
            expanded = [p.replace(f"{{{name}}}", v) for p in expanded for v in values]
        out.extend(expanded)
    return out, list(dict.fromkeys(missing))


def expand_pattern(pattern: str, variables: Variables) -> str:
    def alternatives(found: re.Match) -> str:
        values = variables.get(found.group(1), ())
        return "(?:" + "|".join(re.escape(v) for v in values) + ")" if values else NOTHING

    return VARIABLE.sub(alternatives, pattern)


def expand(options: dict, module, variables: Variables) -> tuple[dict, list[str]]:
    """A condition's options with variables replaced, and the names that had no value for a
    list left empty by them (the condition cannot hit then)."""
    phrase_keys = getattr(module, "PHRASE_OPTIONS", ())
    pattern_keys = getattr(module, "PATTERN_OPTIONS", ())
    if not any(_mentions(options.get(k)) for k in (*phrase_keys, *pattern_keys)):
        return options, []
    optional = getattr(module, "OPTIONAL_PHRASES", ())
    out, emptied = dict(options), []
    for key in phrase_keys:
        if _mentions(options.get(key)):
            out[key], missing = expand_phrases(options[key], variables)
            if not out[key]:
                out[key] = None
                emptied += [] if key in optional else missing
    for key in pattern_keys:
        if _mentions(options.get(key)):
            out[key] = expand_pattern(options[key], variables)
    return out, emptied


def unknown_names(options: dict, module, declared) -> list[str]:
    """Variables a condition names that neither qc nor the rule set declares (typos)."""
    known = set(CALL_VARIABLES) | set(SITE_VARIABLES) | set(declared)
    texts = []
    for key in (*getattr(module, "PHRASE_OPTIONS", ()), *getattr(module, "PATTERN_OPTIONS", ())):
        value = options.get(key)
        texts += value if isinstance(value, list) else [value] if isinstance(value, str) else []
    return [name for text in texts for name in names_in(str(text)) if name not in known]


def _mentions(value) -> bool:
    if isinstance(value, str):
        return bool(VARIABLE.search(value))
    return isinstance(value, list) and any(isinstance(v, str) and VARIABLE.search(v) for v in value)
