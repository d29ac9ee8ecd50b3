"""The reasons taxonomy: the topics and service types calls are classified into (a YAML file).

The maintained file is ``rules/reasons/default.yaml``; a site gives its own with
``--reasons FILE`` (or ``$QC_REASONS``). Keys::

    min_similarity: {zh: 0.90, en: 0.86}   # below this to every topic, a statement is "other"
                                  # (one number for every language, or one per language)
    topics:
      billing:                    # an id: letters, digits, - and _
        name: {zh: 账单与费用, en: Billing and charges}
        examples: {zh: [我这个月的账单怎么这么高, ...], en: [Why is my bill so high, ...]}
    service_types:                # all five: enquiry (查询), advice (咨询), request (办理),
      complaint:                  # fault (故障), complaint (投诉)
        cues: {zh: [投诉, ...], en: [complaint, ...]}
        examples: {zh: [...], en: [...]}

The file is checked when it is loaded, before any call is read: a mistake is one line naming
the file, the key, what was expected and what was found (with the closest valid key for a
typo), as for rule files. :meth:`Taxonomy.fingerprint` changes with anything that can change a
classification, so stored calls are classified again when the file changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RuleConfigError
from .options import suggest
from .packs import RULES_DIR
from .yamlfile import read_yaml

DEFAULT_TAXONOMY = RULES_DIR / "reasons" / "default.yaml"
OTHER = "other"  # the topic of a statement like no topic's examples
SERVICE_TYPES = ("enquiry", "advice", "request", "fault", "complaint")  # 查询 咨询 办理 故障 投诉
LANGUAGES = ("zh", "en")
FILE_KEYS = ("min_similarity", "topics", "service_types")
TOPIC_KEYS = ("name", "examples")
SERVICE_KEYS = ("cues", "examples")
TOPIC_ID = re.compile(r"^[A-Za-z0-9][\w-]*$")
DEFAULT_MIN_SIMILARITY = 0.85  # a language the file gives no value for


@dataclass(frozen=True)
class Topic:
    id: str
    names: dict = field(hash=False)  # language -> name
    examples: dict = field(hash=False)  # language -> tuple of sentences


@dataclass(frozen=True)
class ServiceType:
    id: str  # one of SERVICE_TYPES
    cues: dict = field(hash=False)  # language -> tuple of phrases (lower case)
    examples: dict = field(hash=False)  # language -> tuple of sentences


@dataclass(frozen=True)
class Taxonomy:
    path: str
    min_similarity: dict = field(hash=False)  # language (or "*": any) -> cosine
    topics: tuple[Topic, ...]
    service_types: tuple[ServiceType, ...]

    def fingerprint(self) -> str:
        """Changes whenever a classification could change."""
        data = [self.min_similarity, [[t.id, t.names, t.examples] for t in self.topics],
                [[s.id, s.cues, s.examples] for s in self.service_types]]
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]

    def threshold(self, language: str) -> float:
        """The cosine a statement in ``language`` needs to be given a topic rather than ``other``."""
        return self.min_similarity.get(language, self.min_similarity.get("*", DEFAULT_MIN_SIMILARITY))

    def topic(self, topic_id: str) -> Topic:
        return next(t for t in self.topics if t.id == topic_id)


def load_taxonomy(path: Path = DEFAULT_TAXONOMY) -> Taxonomy:
    """The taxonomy of ``path``, checked; a mistake raises one :class:`RuleConfigError` line."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise RuleConfigError(path, expected="a mapping with topics and service_types", found=type(data).__name__)
    _known_keys(path, "", data, FILE_KEYS)
    thresholds = _thresholds(path, data.get("min_similarity", DEFAULT_MIN_SIMILARITY))
    topics = _mapping(path, "topics", data.get("topics"))
    if not topics:
        raise RuleConfigError(path, option="topics", expected="at least one topic", found=data.get("topics"))
    services = _mapping(path, "service_types", data.get("service_types"))
    for key in services:
        if key not in SERVICE_TYPES:
            raise RuleConfigError(path, option=f"service_types.{key}", message=f"unknown service type"
                                  f"{suggest(key, SERVICE_TYPES)}", expected=f"one of {', '.join(SERVICE_TYPES)}",
                                  found=key)
    missing = [s for s in SERVICE_TYPES if s not in services]
    if missing:
        raise RuleConfigError(path, option="service_types", message=f"missing {', '.join(missing)}",
                              expected=f"all of {', '.join(SERVICE_TYPES)}", found=sorted(services))
    return Taxonomy(str(path), thresholds, tuple(_topic(path, key, value) for key, value in topics.items()),
                    tuple(_service(path, key, services[key]) for key in SERVICE_TYPES))


def _thresholds(path: Path, value) -> dict:
    values = value if isinstance(value, dict) else {"*": value}
    for language, number in values.items():
        where = "min_similarity" if language == "*" else f"min_similarity.{language}"
        if language != "*" and language not in LANGUAGES:
            raise RuleConfigError(path, option=where, message=f"unknown language{suggest(language, LANGUAGES)}",
                                  expected=f"one of {', '.join(LANGUAGES)}", found=language)
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 < number < 1:
            raise RuleConfigError(path, option=where, expected="a number between 0 and 1", found=number)
    return {language: float(number) for language, number in values.items()}


def _topic(path: Path, key, value) -> Topic:
    where = f"topics.{key}"
    if not isinstance(key, str) or not TOPIC_ID.match(key) or key == OTHER:
        raise RuleConfigError(path, option=where, expected=f"an id of letters, digits, - and _ (not {OTHER!r})",
                              found=key)
    value = _mapping(path, where, value)
    _known_keys(path, where, value, TOPIC_KEYS)
    names = _by_language(path, f"{where}.name", value.get("name"), str)
    return Topic(key, names, _by_language(path, f"{where}.examples", value.get("examples"), list))


def _service(path: Path, key: str, value) -> ServiceType:
    where = f"service_types.{key}"
    value = _mapping(path, where, value)
    _known_keys(path, where, value, SERVICE_KEYS)
    cues = _by_language(path, f"{where}.cues", value.get("cues"), list)
    return ServiceType(key, {lang: tuple(c.lower() for c in phrases) for lang, phrases in cues.items()},
                       _by_language(path, f"{where}.examples", value.get("examples"), list))


def _by_language(path: Path, where: str, value, kind) -> dict:
    """``{zh: ..., en: ...}`` (at least one language): a text, or a non-empty list of texts."""
    value = _mapping(path, where, value)
    if not value:
        raise RuleConfigError(path, option=where, expected=f"texts by language ({', '.join(LANGUAGES)})", found=value)
    out = {}
    for language, item in value.items():
        if language not in LANGUAGES:
            raise RuleConfigError(path, option=f"{where}.{language}", message=f"unknown language"
                                  f"{suggest(language, LANGUAGES)}", expected=f"one of {', '.join(LANGUAGES)}",
                                  found=language)
        items = [item] if kind is str else item
        if not isinstance(items, list) or not items or not all(isinstance(i, (str, int, float)) and str(i).strip()
                                                               for i in items):
            raise RuleConfigError(path, option=f"{where}.{language}",
                                  expected="a text" if kind is str else "a non-empty list of texts", found=item)
        texts = tuple(str(i).strip() for i in items)
        out[language] = texts[0] if kind is str else texts
    return out


def _mapping(path: Path, where: str, value) -> dict:
    if value is None:
        raise RuleConfigError(path, option=where, message="missing", expected="a mapping")
    if not isinstance(value, dict):
        raise RuleConfigError(path, option=where, expected="a mapping", found=value)
    return value


def _known_keys(path: Path, where: str, value: dict, allowed: tuple) -> None:
    for key in value:
        if key not in allowed:
            raise RuleConfigError(path, option=f"{where}.{key}" if where else key,
                                  message=f"unknown key{suggest(key, allowed)}",
                                  expected=f"one of {', '.join(allowed)}", found=key)
