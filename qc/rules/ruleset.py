"""Load rule sets from YAML, compose them with ``extends:``, and validate every option.

A rule set file::

    name: zh-default
    language: zh
    pass_score: 80          # a call passes with at least this score and no failed fatal rule
    extends: base.yaml      # optional (see qc.rules.packs); rules with the same id are overridden field by field
    variables: {company: [星河通信]}  # optional: values of site variables (qc.rules.variables)
    rules:
      - id: greeting        # stable id
        title: 开场问候
        category: compliance  # compliance | service | emotion
        severity: major       # minor | major | critical
        points: 10            # deducted when the rule fails (per_hit, max_deduction, bonus, section:
        fatal: false          # see qc.rules.forms); a failed fatal rule makes the call score 0
        require: {check: keyword, role: agent, first_s: 15, any: [您好, 你好]}

A rule has ``require`` (passes when its expression hits) or ``forbid`` (fails when it
hits), optionally ``applies_when`` (``na`` when false) and named ``conditions`` that the
expressions and anchors refer to; see :mod:`qc.rules.engine` for expressions and scopes.

Everything is checked before any audio is decoded; a mistake raises one
:class:`RuleConfigError` naming the file, the rule, the option, what was expected and found.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..errors import RuleConfigError
from .checks import CHECKS
from .engine import Anchor, Condition, Expr, Op, Scope
from .forms import DEFAULT_MAX_SCORE, RULE_FORM_KEYS, Section, parse_sections, rule_form
from .options import ANCHOR_CONF, SCOPE_CONF, describe, suggest, typed, validate_options
from .packs import RULES_DIR, read_pack
from .variables import CALL_VARIABLES, SITE_VARIABLES, load_site, unknown_names, values_of

CATEGORIES = ("compliance", "service", "emotion")
SEVERITIES = ("minor", "major", "critical")
RULE_KEYS = ("id", "title", "category", "severity", "points", "fatal", "description", "enabled", "conditions",
             "applies_when", "require", "forbid", *RULE_FORM_KEYS)
BOOLEAN_OPS = ("all", "any", "not")
PACK_LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    conditions: dict = field(hash=False, compare=False)
    applies_when: Optional[Expr] = None
    require: Optional[Expr] = None
    forbid: Optional[Expr] = None
    category: str = "compliance"
    severity: str = "major"
    points: float = 0.0
    fatal: bool = False
    description: str = ""
    per_hit: Optional[float] = None  # scoring forms: see qc.rules.forms
    max_deduction: Optional[float] = None
    bonus: float = 0.0
    section: str = ""
    source: dict = field(default_factory=dict, hash=False, compare=False)  # the YAML mapping, for fingerprints


@dataclass(frozen=True)
class RuleSet:
    name: str
    language: str
    pass_score: float
    rules: tuple[Rule, ...]
    path: str = ""
    variables: tuple = ()  # (name, (values...)) pairs: the set's and the site file's
    sections: tuple[Section, ...] = ()
    max_score: float = DEFAULT_MAX_SCORE

    def fingerprint(self) -> str:
        """Changes whenever a verdict or a score could change: stored calls are re-scored when it does."""
        data = [self.pass_score] + [r.source for r in self.rules] + ([list(self.variables)] if self.variables else [])
        if self.sections or self.max_score != DEFAULT_MAX_SCORE:  # (so sets without keep their fingerprint)
            data.append([self.max_score, [list(vars(s).values()) for s in self.sections]])
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def load_rulesets(rules_file: Optional[Path] = None, site_file: Optional[Path] = None,
                  given: Optional[dict] = None) -> dict[str, RuleSet]:
    """The sets a run scores with: ``rules_file`` for every call (key ``*``), else the maintained
    pack of each language, with the site file's variables and ``given`` values added (options
    such as ``--company``). Every file is validated here, before any audio is touched."""
    site = load_site(site_file)
    for name, values in (given or {}).items():
        site[name] = tuple(dict.fromkeys((*site.get(name, ()), *values)))
    if rules_file:
        return {"*": load_ruleset(rules_file, site)}
    return {lang: load_ruleset(RULES_DIR / f"{lang}-default.yaml", site) for lang in PACK_LANGUAGES}


def pick_ruleset(rulesets: dict[str, RuleSet], language: str) -> RuleSet:
    """The set for a call: ``*`` (one given for every call), else the call language's, else zh."""
    return rulesets.get("*") or rulesets.get(language) or rulesets["zh"]


def load_ruleset(path: str | Path, site: Optional[dict] = None) -> RuleSet:
    path = Path(path)
    raw = read_pack(path)
    variables = {**values_of(raw.get("variables"), path, "variables"), **(site or {})}
    sections = parse_sections(path, raw.get("sections"))
    rules = []
    seen = set()
    for entry in raw["rules"]:
        if entry.get("enabled", True) is False:
            continue
        rule = build_rule(path, entry, tuple(variables), sections)
        if rule.id in seen:
            raise RuleConfigError(path, rule.id, "id", message="duplicate rule id")
        seen.add(rule.id)
        rules.append(rule)
    pass_score = typed(path, None, "pass_score", raw.get("pass_score", 80), float)
    max_score = typed(path, None, "max_score", raw.get("max_score", DEFAULT_MAX_SCORE), float)
    return RuleSet(name=str(raw.get("name") or path.stem), language=str(raw.get("language", "zh")),
                   pass_score=pass_score, rules=tuple(rules), path=str(path),
                   variables=tuple(sorted(variables.items())), sections=sections, max_score=max_score)


def build_rule(path, entry: dict, declared: tuple[str, ...] = (), sections: tuple[Section, ...] = ()) -> Rule:
    """Validate one rule mapping and build it; every mistake names file, rule and option."""
    rule_id = entry["id"]
    for key in entry:
        if key not in RULE_KEYS:
            raise RuleConfigError(path, rule_id, key, message=f"unknown key{suggest(key, RULE_KEYS)}",
                                  expected=f"one of {', '.join(RULE_KEYS)}", found=key)
    if "title" not in entry:
        raise RuleConfigError(path, rule_id, "title", message="missing", expected="a value")
    if ("require" in entry) == ("forbid" in entry):
        raise RuleConfigError(path, rule_id, "require", message="a rule needs exactly one of require and forbid")
    category = entry.get("category", "compliance")
    if category not in CATEGORIES:
        raise RuleConfigError(path, rule_id, "category", expected=f"one of {', '.join(CATEGORIES)}", found=category)
    severity = entry.get("severity", "major")
    if severity not in SEVERITIES:
        raise RuleConfigError(path, rule_id, "severity", expected=f"one of {', '.join(SEVERITIES)}", found=severity)
    points = typed(path, rule_id, "points", entry.get("points", 0), float)
    if points < 0:
        raise RuleConfigError(path, rule_id, "points", expected="a number >= 0", found=points)
    fatal = typed(path, rule_id, "fatal", entry.get("fatal", False), bool)
    form = rule_form(path, rule_id, entry, sections)
    parser = _RuleParser(path, rule_id, declared)
    named = entry.get("conditions") or {}
    if not isinstance(named, dict):
        raise RuleConfigError(path, rule_id, "conditions", expected="a mapping of name -> condition", found=named)
    parser.names = set(named)
    conditions = {name: parser.expr(body, f"conditions.{name}") for name, body in named.items()}
    exprs = {key: parser.expr(entry[key], key) for key in ("applies_when", "require", "forbid") if key in entry}
    parser.check_references(conditions)
    return Rule(id=rule_id, title=str(entry["title"]), conditions=conditions, category=category,
                severity=severity, points=points, fatal=fatal, description=str(entry.get("description", "")),
                source=entry, **form, **exprs)


class _RuleParser:
    def __init__(self, path, rule_id: str, declared: tuple[str, ...] = ()):
        self.path, self.rule_id, self.declared = path, rule_id, declared
        self.names: set[str] = set()
        self.inline = 0
        self.refs: list[tuple[str, str]] = []  # (where, name) of every reference, checked at the end

    def fail(self, option, **kwargs):
        raise RuleConfigError(self.path, self.rule_id, option, **kwargs)

    def expr(self, node, where: str) -> Expr:
        if isinstance(node, str):
            self.refs.append((where, node))
            return node
        if not isinstance(node, dict):
            self.fail(where, expected="a condition name, a condition with check:, or all/any/not", found=node)
        if "check" in node:
            self.inline += 1
            return self.condition(node, f"{where}#{self.inline}", where)
        ops = [k for k in node if k in BOOLEAN_OPS]
        if len(ops) != 1 or len(node) != 1:
            self.fail(where, message="an expression is one of all, any, not, or a condition with check:",
                      found=node)
        op = ops[0]
        if op == "not":
            return Op("not", (self.expr(node["not"], f"{where}.not"),))
        items = node[op]
        if not isinstance(items, list) or not items:
            self.fail(f"{where}.{op}", expected="a non-empty list of expressions", found=items)
        return Op(op, tuple(self.expr(item, f"{where}.{op}[{i}]") for i, item in enumerate(items)))

    def condition(self, body, name: str, where: str) -> Condition:
        if not isinstance(body, dict) or "check" not in body:
            self.fail(where, expected="a mapping with check: and its options", found=body)
        check_id = body["check"]
        if check_id not in CHECKS:
            self.fail(f"{where}.check", message=f"unknown check{suggest(check_id, CHECKS)}",
                      expected=f"one of {', '.join(CHECKS)}", found=check_id)
        module = CHECKS[check_id]
        scoped = getattr(module, "SCOPED", False)
        scope_values = {k: v for k, v in body.items() if scoped and k in SCOPE_CONF}
        options = {k: v for k, v in body.items() if k != "check" and k not in scope_values}
        validated = validate_options(self.path, self.rule_id, module, options, where)
        for unknown in unknown_names(validated, module, self.declared):
            filled = ", ".join(f"{{{name}}}" for name in (*SITE_VARIABLES, *CALL_VARIABLES))
            self.fail(where, message=f"unknown variable {{{unknown}}}: qc fills {filled}; declare others under variables:",
                      found=unknown)
        return Condition(name=name, check=check_id, options=validated, scope=self.scope(scope_values, where))

    def scope(self, values: dict, where: str) -> Scope:
        keys = {k: typed(self.path, self.rule_id, f"{where}.{k}", v, SCOPE_CONF[k])
                for k, v in values.items() if k != "anchor"}
        anchor = None
        if "anchor" in values:
            raw = values["anchor"]
            if not isinstance(raw, dict) or "to" not in raw:
                self.fail(f"{where}.anchor", expected="a mapping with to: <condition name>", found=raw)
            for key in raw:
                if key not in ANCHOR_CONF:
                    self.fail(f"{where}.anchor.{key}", message=f"unknown key{suggest(key, ANCHOR_CONF)}",
                              expected=f"one of {', '.join(ANCHOR_CONF)}", found=key)
            fields_ = {k: typed(self.path, self.rule_id, f"{where}.anchor.{k}", v, ANCHOR_CONF[k])
                       for k, v in raw.items()}
            if keys.get("by") == "turn":
                self.fail(f"{where}.by", message="by: turn takes no anchor (anchors are measured in sentences)",
                          found="turn")
            self.refs.append((f"{where}.anchor.to", fields_["to"]))
            anchor = Anchor(**fields_)
        return Scope(anchor=anchor, **keys)

    def check_references(self, conditions: dict[str, Condition]) -> None:
        for where, name in self.refs:
            if name not in conditions:
                known = ", ".join(sorted(conditions)) or "none"
                self.fail(where, message=f"refers to a missing condition{suggest(name, conditions)}",
                          expected=f"one of the rule's conditions ({known})", found=name)
        for start in conditions:
            self._walk(start, conditions, [start])

    def _walk(self, name: str, conditions: dict, seen: list[str]) -> None:
        """Follow every reference and anchor out of a named condition; a loop is an error."""
        for target in _references(conditions[name]):
            if target in seen:
                self.fail(f"conditions.{seen[0]}", message="conditions refer to each other in a cycle: "
                          + " -> ".join([*seen, target]))
            self._walk(target, conditions, [*seen, target])


def _references(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, Condition):
        return [node.scope.anchor.to] if node.scope.anchor else []
    return [ref for arg in node.args for ref in _references(arg)]


def checks_used(ruleset: "RuleSet") -> set[str]:
    """The check types the set's rules evaluate."""
    def walk(node):
        if isinstance(node, Condition):
            yield node.check
        elif isinstance(node, Op):
            for arg in node.args:
                yield from walk(arg)

    return {check for rule in ruleset.rules
            for node in [*rule.conditions.values(), rule.applies_when, rule.require, rule.forbid]
            for check in walk(node)}


def uses_check(ruleset: "RuleSet", check_id: str) -> bool:
    """Whether any rule of the set evaluates a condition of this check type."""
    return check_id in checks_used(ruleset)


def models_needed(rulesets) -> set[str]:
    """The models (see :mod:`qc.rules.providers`) that the checks of ``rulesets`` ask for."""
    return {name for ruleset in rulesets for check in checks_used(ruleset)
            for name in getattr(CHECKS[check], "MODELS", ())}
