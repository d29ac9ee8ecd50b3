"""metadata: the call's team, agent, direction, language, duration or any manifest column, for ``applies_when``.

Hits when every given option matches: lists match when the call's value is one of them,
ignoring case (a language ``zh`` also matches ``zh-CN``); durations are the recording's
length. Use it to apply a rule to some calls only, e.g. a sales script to outbound calls of
one team, or a verification rule to the VIP queue.

Options:
- ``team`` / ``agent_id`` / ``direction`` / ``language`` (lists of text): allowed values.
- ``fields`` (mapping of a field name to a list of text): allowed values of any field: the
  ones above, ``agent_name``, or a manifest column qc has no field for (``fields: {queue:
  [vip], tier: [gold]}``); a call without that column matches none.
- ``min_duration_s`` / ``max_duration_s`` (seconds): the allowed duration.
- ``known`` (list of text): site variables that must have a value for the call, written as
  variables (``known: ["{company}"]``); with ``not:`` it picks a fallback for calls without.

PASS (a Chinese call, and the agent greets)::

    rule: {applies_when: {check: metadata, language: [zh]}, require: {check: keyword, role: agent, any: [您好]}}
    agent 0.5 3.0 您好，请问有什么可以帮您？

PASS (the company name is required only where a site file gives one)::

    rule: {require: {any: [{all: [{check: metadata, known: ["{company}"]}, {check: keyword, role: agent, any: ["{company}"]}]}, {all: [{not: {check: metadata, known: ["{company}"]}}, {check: keyword, role: agent, any: [欢迎致电]}]}]}}
    agent 0.5 3.0 您好，欢迎致电万家乐家电

FAIL (calls longer than 10 s need a greeting; this one has none)::

    rule: {applies_when: {check: metadata, min_duration_s: 10}, require: {check: keyword, role: agent, any: [您好]}}
    agent 0.5 3.0 喂？
    customer 3.5 12.0 我想查一下这个月的话费
"""

from __future__ import annotations

from ...messages import joined
from ...schema import CallAnalysis, CallMeta, Match, Segment
from ..messages import TEXTS, say
from .turns import bounds, outside

ID = "metadata"
CONF = {"team": [str], "agent_id": [str], "direction": [str], "language": [str], "fields": dict,
        "min_duration_s": float, "max_duration_s": float, "known": [str]}
PHRASE_OPTIONS = ("known",)  # variables are expanded by the engine; one without a value never hits
DEFAULT = dict.fromkeys(CONF)
CALL_FIELDS = ("team", "agent_id", "agent_name", "direction", "language")  # the rest: manifest columns


def validate(options: dict) -> str | None:
    if all(value is None for value in options.values()):
        return f"at least one of {', '.join(CONF)} is needed"
    for name, allowed in (options["fields"] or {}).items():
        if not isinstance(allowed, list) or not allowed or not all(isinstance(a, (str, int)) for a in allowed):
            return f"fields.{name} must be a non-empty list of text, found {allowed!r}"
    return None


def call_fields(meta: CallMeta, language: str) -> dict[str, str]:
    """Every field of a call a rule or a rule set assignment may test: qc's own and the manifest's extra columns."""
    own = {"team": meta.team, "agent_id": meta.agent_id, "agent_name": meta.agent_name,
           "direction": meta.direction, "language": language}
    return {**{str(k): str(v) for k, v in meta.extra.items()}, **own}


def field_matches(key: str, value: str, allowed: str) -> bool:
    """Case does not matter; a language ``zh`` also matches ``zh-CN``."""
    value, allowed = (value or "").lower(), str(allowed).lower()
    return value == allowed or (key == "language" and value.startswith(allowed + "-"))


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    values = call_fields(call.meta, call.transcript.language)
    wanted = {**{k: options[k] for k in ("team", "agent_id", "direction", "language") if options[k] is not None},
              **(options["fields"] or {})}
    matched, missed = [], []
    for key, allowed in wanted.items():
        value = values.get(key, "")
        shown = {"key": say(f"field.{key}") if f"field.{key}" in TEXTS else key,
                 "value": value or say("metadata.unset")}
        if any(field_matches(key, value, a) for a in allowed):
            matched.append(say("metadata.is", **shown))
        else:
            missed.append(say("metadata.not", allowed=joined(map(str, allowed), "or"), **shown))
    seconds, low, high = call.audio.duration_s, options["min_duration_s"], options["max_duration_s"]
    if low is not None or high is not None:
        if outside(seconds, low, high):
            missed.append(say("metadata.duration_not", seconds=seconds, bounds=bounds(low, high, "s")))
        else:
            matched.append(say("metadata.duration", seconds=seconds))
    if options["known"]:
        matched.append(say("metadata.known", names=joined(options["known"])))
    if missed:
        return Match(False, joined(missed, "clauses"))
    return Match(True, joined(matched, "clauses"))
