"""Rule set files: finding one by name, reading it, and composing it with ``extends:``.

A file names another rule set (``extends: zh-default.yaml``, or ``rules:`` in an assignment
file, see :mod:`qc.rules.assign`) by a path relative to its own folder, or by the name of
one of the packs in the rules folder (``rules/``: the maintained ``<language>-default.yaml``
and whatever a site keeps beside them), so a team's set kept anywhere can build on
``zh-default`` (the ``.yaml`` may be left out). A file found in neither place is one error
that names both.

Composing: the extending file's rules override the base's field by field, by id; a new id
adds a rule; ``enabled: false`` drops one, and dropping an id the base does not have is an
error (a typo there would silently keep the rule it meant to drop).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import RuleConfigError
from .options import suggest
from .yamlfile import read_yaml

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"  # the maintained packs: <language>-default.yaml
SET_KEYS = ("name", "language", "pass_score", "extends", "rules", "description", "variables", "sections",
            "max_score")


def find_pack(name: str, beside: Path, where: Path, option: str, rules_dir: Path = RULES_DIR) -> Path:
    """The rule set file ``name`` means when ``where`` (a file in folder ``beside``) names it."""
    tried = []
    for folder in dict.fromkeys((beside, rules_dir)):
        for candidate in (folder / name, folder / f"{name}.yaml"):
            if candidate.is_file():
                return candidate
        tried.append(str(folder))
    raise RuleConfigError(where, option=option, message=f"rule set not found in {' or '.join(tried)}",
                          found=str(name))


def read_pack(path: Path) -> dict:
    """A rule set file's mapping with its ``extends:`` chain composed."""
    return _load_with_extends(Path(path), stack=())


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise RuleConfigError(path, message="rule file not found")
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise RuleConfigError(path, expected="a mapping with a 'rules' list", found=type(data).__name__)
    for key in data:
        if key not in SET_KEYS:
            raise RuleConfigError(path, option=key, message=f"unknown key{suggest(key, SET_KEYS)}",
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
        for entry in data.get("rules", []):
            if entry.get("enabled", True) is False and "require" not in entry and "forbid" not in entry:
                raise RuleConfigError(path, entry["id"], "enabled", message="disables a rule this file does not "
                                      "extend (no extends:)")
        return data
    base_path = find_pack(str(base_name), path.parent, path, "extends")
    base = _load_with_extends(base_path, (*stack, resolved))
    merged = {r["id"]: dict(r) for r in base.get("rules", [])}
    for entry in data.get("rules", []):
        if entry.get("enabled", True) is False and entry["id"] not in merged:
            raise RuleConfigError(path, entry["id"], "enabled",
                                  message=f"disables a rule {base_path.name} does not have"
                                          f"{suggest(entry['id'], merged)}", found=entry["id"])
        merged[entry["id"]] = {**merged.get(entry["id"], {}), **entry}
    variables = {**(base.get("variables") or {}), **(data.get("variables") or {})}
    return {**base, **{k: v for k, v in data.items() if k != "extends"}, "rules": list(merged.values()),
            **({"variables": variables} if variables else {})}
