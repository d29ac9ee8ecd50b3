"""Load rule sets from YAML, compose them with ``extends:``, and validate every option.

A rule set file::

    name: zh-default
    language: zh
    pass_score: 80          # a call passes with at least this score and no failed fatal rule
    extends: base.yaml      # optional; rules with the same id are overridden field by field
    rules:
      - id: greeting        # stable id
        title: 开场问候
        category: compliance  # compliance | service | emotion
        severity: major       # minor | major | critical
        points: 10            # deducted when the rule fails
        fatal: false          # a failed fatal rule makes the call score 0
        check: phrase-required
        options: {phrases: [您好], window: first, window_s: 15}

Everything is checked before any audio is decoded; a mistake raises one
:class:`RuleConfigError` naming the file, the rule, the option, what was expected and found.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import CHECKS
from .errors import RuleConfigError

CATEGORIES = ("compliance", "service", "emotion")
SEVERITIES = ("minor", "major", "critical")
RULE_KEYS = ("id", "title", "category", "severity", "points", "fatal", "check", "options", "enabled",
             "description")
SET_KEYS = ("name", "language", "pass_score", "extends", "rules", "description")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    check: str
    options: dict = field(hash=False)
    category: str = "compliance"
    severity: str = "major"
    points: float = 0.0
    fatal: bool = False
    description: str = ""


@dataclass(frozen=True)
class RuleSet:
    name: str
    language: str
    pass_score: float
    rules: tuple[Rule, ...]
    path: str = ""

    def fingerprint(self) -> str:
        """Changes whenever a verdict could change: stored calls are re-scored when it does."""
        data = [self.pass_score] + [[r.id, r.check, r.options, r.points, r.fatal, r.category, r.severity]
                                    for r in self.rules]
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def load_ruleset(path: str | Path) -> RuleSet:
    path = Path(path)
    raw = _load_with_extends(path, stack=())
    rules = []
    seen = set()
    for entry in raw["rules"]:
        if entry.get("enabled", True) is False:
            continue
        rule = _build_rule(path, entry)
        if rule.id in seen:
            raise RuleConfigError(path, rule.id, "id", message="duplicate rule id")
        seen.add(rule.id)
        rules.append(rule)
    pass_score = _typed(path, None, "pass_score", raw.get("pass_score", 80), float)
    return RuleSet(name=str(raw.get("name") or path.stem), language=str(raw.get("language", "zh")),
                   pass_score=pass_score, rules=tuple(rules), path=str(path))


def _read_yaml(path: Path) -> dict:
    import yaml

    if not path.is_file():
        raise RuleConfigError(path, message="rule file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RuleConfigError(path, message=f"not valid YAML: {where}{getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise RuleConfigError(path, expected="a mapping with a 'rules' list", found=type(data).__name__)
    for key in data:
        if key not in SET_KEYS:
            raise RuleConfigError(path, option=key, message=f"unknown key{_suggest(key, SET_KEYS)}",
                                  expected=f"one of {', '.join(SET_KEYS)}", found=key)
    rules = data.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise RuleConfigError(path, option="rules", expected="a list of rule mappings", found=rules)
    for entry in rules:
        if not isinstance(entry.get("id"), str) or not entry["id"]:
            raise RuleConfigError(path, option="id", message="every rule needs an id",
                                  expected="a string", found=entry.get("id"))
    return data


def _load_with_extends(path: Path, stack: tuple[Path, ...]) -> dict:
    resolved = path.resolve()
    if resolved in stack:
        chain = " -> ".join(p.name for p in (*stack, resolved))
        raise RuleConfigError(stack[0], option="extends", message=f"cycle in extends: {chain}")
    data = _read_yaml(path)
    base_name = data.get("extends")
    if not base_name:
        return data
    base_path = path.parent / str(base_name)
    if not base_path.is_file():
        raise RuleConfigError(path, option="extends", message="base rule set not found", found=str(base_name))
    base = _load_with_extends(base_path, (*stack, resolved))
    merged = {r["id"]: dict(r) for r in base.get("rules", [])}
    for entry in data.get("rules", []):
        merged[entry["id"]] = {**merged.get(entry["id"], {}), **entry}
    return {**base, **{k: v for k, v in data.items() if k != "extends"}, "rules": list(merged.values())}


def _build_rule(path: Path, entry: dict) -> Rule:
    rule_id = entry["id"]
    for key in entry:
        if key not in RULE_KEYS:
            raise RuleConfigError(path, rule_id, key, message=f"unknown key{_suggest(key, RULE_KEYS)}",
                                  expected=f"one of {', '.join(RULE_KEYS)}", found=key)
    for required in ("title", "check"):
        if required not in entry:
            raise RuleConfigError(path, rule_id, required, message="missing", expected="a value")
    check_id = entry["check"]
    if check_id not in CHECKS:
        raise RuleConfigError(path, rule_id, "check", message=f"unknown check{_suggest(check_id, CHECKS)}",
                              expected=f"one of {', '.join(CHECKS)}", found=check_id)
    category = entry.get("category", "compliance")
    if category not in CATEGORIES:
        raise RuleConfigError(path, rule_id, "category", expected=f"one of {', '.join(CATEGORIES)}", found=category)
    severity = entry.get("severity", "major")
    if severity not in SEVERITIES:
        raise RuleConfigError(path, rule_id, "severity", expected=f"one of {', '.join(SEVERITIES)}", found=severity)
    points = _typed(path, rule_id, "points", entry.get("points", 0), float)
    if points < 0:
        raise RuleConfigError(path, rule_id, "points", expected="a number >= 0", found=points)
    fatal = _typed(path, rule_id, "fatal", entry.get("fatal", False), bool)
    options = validate_options(path, rule_id, CHECKS[check_id], entry.get("options") or {})
    return Rule(id=rule_id, title=str(entry["title"]), check=check_id, options=options, category=category,
                severity=severity, points=points, fatal=fatal, description=str(entry.get("description", "")))


def validate_options(path, rule_id: str, module, options: Any) -> dict:
    """Check ``options`` against the check module's CONF table; return them with defaults."""
    if not isinstance(options, dict):
        raise RuleConfigError(path, rule_id, "options", expected="a mapping", found=options)
    for key in options:
        if key not in module.CONF:
            raise RuleConfigError(path, rule_id, key,
                                  message=f"unknown option for check {module.ID}{_suggest(key, module.CONF)}",
                                  expected=f"one of {', '.join(module.CONF)}", found=key)
    result = {}
    for key, kind in module.CONF.items():
        if key not in options:
            if key not in module.DEFAULT:
                raise RuleConfigError(path, rule_id, key, message=f"missing option for check {module.ID}",
                                      expected=_describe(kind))
            result[key] = module.DEFAULT[key]
            continue
        result[key] = _typed(path, rule_id, key, options[key], kind)
    return result


def _typed(path, rule_id, key, value, kind):
    if isinstance(kind, tuple):
        if value not in kind:
            raise RuleConfigError(path, rule_id, key, expected=_describe(kind), found=value)
        return value
    if isinstance(kind, list):
        item = kind[0]
        if not isinstance(value, list) or not value:
            raise RuleConfigError(path, rule_id, key, expected=_describe(kind), found=value)
        return [_typed(path, rule_id, key, v, item) for v in value]
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


def _describe(kind) -> str:
    if isinstance(kind, tuple):
        return "one of " + ", ".join(kind)
    if isinstance(kind, list):
        return f"a non-empty list of {_describe(kind[0])}"
    return {float: "a number", int: "an integer", bool: "true or false", str: "text"}[kind]


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""
