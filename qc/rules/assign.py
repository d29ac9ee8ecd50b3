"""Which rule set scores which call: the entries of an assignment file, the first that matches.

An assignment file::

    # rules/assign.yaml (used when present), or qc run / qc score --assign FILE
    assign:
      - when: {team: [sales], direction: [outbound]}
        rules: teams/sales.yaml          # beside this file, or a pack of the rules folder
      - when: {queue: [vip]}             # any manifest column
        rules: vip.yaml
      - when: {language: [en]}
        rules: en-default.yaml
      - rules: zh-default.yaml           # no when: every other call

``when`` tests a call's fields as the ``metadata`` check does: ``team``, ``agent_id``,
``agent_name``, ``direction``, ``language`` (the one the call was transcribed in) and the
manifest's own columns; each key must match one of its values, ignoring case. A call that
no entry matches is scored with the maintained pack of its language. ``qc run`` and ``qc
score`` pick the same way, so a call keeps its team's set whichever of them ran last.

Everything is checked before any audio is decoded: every entry, every set it names, and
that each ``when`` key is a field some call of the run has (a misspelt column would never
match). An entry after one without ``when`` would never be used and is an error. Entries
count from 1 in messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from ..errors import RuleConfigError
from ..schema import CallMeta
from .checks.metadata import CALL_FIELDS, call_fields, field_matches
from .options import suggest, typed
from .packs import RULES_DIR, find_pack
from .ruleset import RuleSet, load_ruleset, load_rulesets, pick_ruleset
from .variables import load_site
from .yamlfile import read_yaml

DEFAULT_ASSIGN = RULES_DIR / "assign.yaml"  # used by qc run and qc score when present and no --rules is given
FILE_KEYS = ("assign", "description")
ENTRY_KEYS = ("when", "rules")


@dataclass(frozen=True)
class Entry:
    number: int
    when: tuple[tuple[str, tuple[str, ...]], ...]  # (field, allowed values); () for every call
    ruleset: RuleSet

    def matches(self, fields: dict[str, str]) -> bool:
        return all(any(field_matches(key, fields.get(key, ""), v) for v in values) for key, values in self.when)


@dataclass(frozen=True)
class Assignment:
    """Each call's rule set: the first matching entry, else the set of its language (``*``: every call)."""

    entries: tuple[Entry, ...] = ()
    by_language: dict[str, RuleSet] = field(default_factory=dict, hash=False, compare=False)
    path: str = ""  # the assignment file; "" without one

    def pick(self, meta: CallMeta) -> RuleSet:
        """``meta.language``: the language the call was transcribed in."""
        fields = call_fields(meta, meta.language or "")
        for entry in self.entries:
            if entry.matches(fields):
                return entry.ruleset
        return pick_ruleset(self.by_language, meta.language or "")

    @property
    def rulesets(self) -> list[RuleSet]:
        """Every set a call may get, each once."""
        sets = [e.ruleset for e in self.entries] + list(self.by_language.values())
        return list({id(s): s for s in sets}.values())

    def check_fields(self, columns: Iterable[str]) -> None:
        """A ``when`` key that is neither a field of qc's nor one of ``columns`` (the extra manifest
        columns of the calls at hand) can never match: a typo, reported before any work."""
        known = (*CALL_FIELDS, *sorted(set(columns)))
        for entry in self.entries:
            for key, _ in entry.when:
                if key not in known:
                    raise RuleConfigError(self.path, option=f"assign[{entry.number}].when.{key}",
                                          message=f"no call has this field{suggest(key, known)}",
                                          expected=f"one of {', '.join(known)}", found=key)


def is_assignment(path: Path) -> bool:
    """Whether a YAML file is an assignment file (``assign:``) rather than a rule set."""
    data = read_yaml(Path(path))
    return isinstance(data, dict) and "assign" in data


def load_assignment(assign_file: Optional[Path] = None, rules_file: Optional[Path] = None,
                    site_file: Optional[Path] = None, given: Optional[dict] = None) -> Assignment:
    """The rule sets of a run or a re-scoring, all checked here: the assignment file's entries, else
    ``rules_file`` for every call, else the maintained pack of each call's language."""
    if assign_file is None:
        return Assignment(by_language=load_rulesets(rules_file, site_file, given))
    path = Path(assign_file)
    site = load_site(site_file)
    for name, values in (given or {}).items():  # options such as --company, added to the site file's
        site[name] = tuple(dict.fromkeys((*site.get(name, ()), *values)))
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("assign"), list) or not data["assign"]:
        raise RuleConfigError(path, option="assign", expected="a non-empty list of {when: ..., rules: FILE} entries",
                              found=data.get("assign") if isinstance(data, dict) else data)
    for key in data:
        if key not in FILE_KEYS:
            raise RuleConfigError(path, option=key, message=f"unknown key{suggest(key, FILE_KEYS)}",
                                  expected=f"one of {', '.join(FILE_KEYS)}", found=key)
    loaded: dict[Path, RuleSet] = {}
    entries: list[Entry] = []
    for number, raw in enumerate(data["assign"], start=1):
        entries.append(_entry(path, number, raw, entries, loaded, site))
    by_language = {} if entries[-1].when == () else load_rulesets(None, site_file, given)
    return Assignment(tuple(entries), by_language, str(path))


def _entry(path: Path, number: int, raw, earlier: list[Entry], loaded: dict, site: dict) -> Entry:
    where = f"assign[{number}]"
    if not isinstance(raw, dict) or "rules" not in raw:
        raise RuleConfigError(path, option=where, expected="a mapping with rules: FILE and optionally when:",
                              found=raw)
    for key in raw:
        if key not in ENTRY_KEYS:
            raise RuleConfigError(path, option=f"{where}.{key}", message=f"unknown key{suggest(key, ENTRY_KEYS)}",
                                  expected=f"one of {', '.join(ENTRY_KEYS)}", found=key)
    catch_all = next((e.number for e in earlier if e.when == ()), None)
    if catch_all is not None:
        raise RuleConfigError(path, option=where, message=f"never used: entry {catch_all} has no when: and takes "
                                                          f"every call")
    when = raw.get("when", {})
    if "when" in raw and (not isinstance(when, dict) or not when):
        raise RuleConfigError(path, option=f"{where}.when", expected="a mapping of field -> [values] (leave when: "
                                                                     "out for every call)", found=when)
    conditions = tuple((str(key), tuple(typed(path, None, f"{where}.when.{key}", values, [str])))
                       for key, values in when.items())
    pack = find_pack(str(raw["rules"]), path.parent, path, f"{where}.rules").resolve()
    if pack not in loaded:
        loaded[pack] = load_ruleset(pack, site)
    return Entry(number, conditions, loaded[pack])
