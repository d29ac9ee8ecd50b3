"""Option tables of check types, and the one validator that turns any mistake into a line.

Each check type declares ``CONF`` (option -> kind) and ``DEFAULT``; kinds are ``float``,
``int``, ``bool``, ``str``, ``dict``, a tuple of allowed values, ``[kind]`` for a non-empty
list, or ``PATTERNS``: a regular expression, or a list of them taken as one expression that
matches where any of them does (so packs can share one YAML anchor and add to it).
:func:`validate_options` checks a condition against its table and fills in the defaults; a
mistake raises :class:`RuleConfigError` naming file, rule, option, what was expected and what
was found, with the closest valid key suggested.
"""

from __future__ import annotations

import difflib
from typing import Any

from ..errors import RuleConfigError

SCOPE_CONF = {"role": ("agent", "customer", "any"), "first_s": float, "last_s": float, "first_sentences": int,
              "last_sentences": int, "by": ("sentence", "turn"), "anchor": dict}
ANCHOR_CONF = {"to": str, "relation": ("before", "after", "around"), "within_s": float, "within_sentences": int,
               "within_turns": int, "first_hit": bool}

PATTERNS = "patterns"  # the kind of an option holding one regular expression or a list of them


def validate_options(path, rule_id: str, module, options: Any, where: str = "") -> dict:
    """Check a condition's options against its module's CONF table; return them with defaults."""
    prefix = f"{where}." if where else ""
    if not isinstance(options, dict):
        raise RuleConfigError(path, rule_id, where or "options", expected="a mapping", found=options)
    allowed = list(module.CONF) + (list(SCOPE_CONF) if getattr(module, "SCOPED", False) else [])
    for key in options:
        if key not in module.CONF:
            raise RuleConfigError(path, rule_id, f"{prefix}{key}",
                                  message=f"unknown option for check {module.ID}{suggest(key, allowed)}",
                                  expected=f"one of {', '.join(allowed)}", found=key)
    result = {}
    for key, kind in module.CONF.items():
        if key not in options or options[key] is None:
            if key not in module.DEFAULT:
                raise RuleConfigError(path, rule_id, f"{prefix}{key}", message=f"missing option for check {module.ID}",
                                      expected=describe(kind))
            result[key] = module.DEFAULT[key]
            continue
        result[key] = typed(path, rule_id, f"{prefix}{key}", options[key], kind)
    problem = module.validate(result) if hasattr(module, "validate") else None
    if problem:
        raise RuleConfigError(path, rule_id, where or module.ID, message=f"check {module.ID}: {problem}")
    return result


def typed(path, rule_id, key, value, kind):
    if kind is PATTERNS:
        if isinstance(value, list):
            if not value:
                raise RuleConfigError(path, rule_id, key, expected=describe(kind), found=value)
            # a list may hold a shared YAML anchor that is itself a list: [own, *shared]
            return "|".join(f"(?:{typed(path, rule_id, key, v, PATTERNS)})" for v in value)
        return typed(path, rule_id, key, value, str)
    if isinstance(kind, tuple):
        if value not in kind:
            raise RuleConfigError(path, rule_id, key, expected=describe(kind), found=value)
        return value
    if isinstance(kind, list):
        item = kind[0]
        if not isinstance(value, list) or not value:
            raise RuleConfigError(path, rule_id, key, expected=describe(kind), found=value)
        return [typed(path, rule_id, key, v, item) for v in value]
    if kind is dict:
        if not isinstance(value, dict):
            raise RuleConfigError(path, rule_id, key, expected="a mapping", found=value)
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RuleConfigError(path, rule_id, key, expected="a number", found=value)
        return float(value)
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise RuleConfigError(path, rule_id, key, expected="an integer", found=value)
        return value
    if kind is bool:
        if not isinstance(value, bool):
            raise RuleConfigError(path, rule_id, key, expected="true or false", found=value)
        return value
    if kind is str:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or str(value) == "":
            raise RuleConfigError(path, rule_id, key, expected="text", found=value)
        return str(value)
    raise TypeError(f"unsupported option kind {kind!r}")


def describe(kind) -> str:
    if kind is PATTERNS:
        return "text or a non-empty list of text"
    if isinstance(kind, tuple):
        return "one of " + ", ".join(kind)
    if isinstance(kind, list):
        return f"a non-empty list of {describe(kind[0])}"
    return {float: "a number", int: "an integer", bool: "true or false", str: "text", dict: "a mapping"}[kind]


def suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""
