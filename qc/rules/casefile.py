"""Rule test cases: a tiny transcript in ``ROLE START END TEXT`` lines plus expectations.

The same format serves the project's own check tests (``tests/cases/*.yaml``) and rule
authors' tests of their rule sets (``qc rules test CASES.yaml``)::

    rules: ../rules/zh-default.yaml   # optional: cases may name a rule of this set
    cases:
      - name: greeting said in time
        rule: greeting                # a rule id of the set above, or an inline rule:
        # rule: {require: {check: keyword, role: agent, first_s: 15, any: [您好]}}
        transcript: |
          agent 0.5 3.0 您好，这里是星河通信客服中心
          customer 3.5 5.0 你好
        expect: pass                  # pass | fail | na
        evidence: 1                   # optional: number of evidence items

Transcript lines may also be ``speech ROLE START END`` (voice-activity regions; without
them the sentences are the speech) or ``ROLE START END [loudness_db=-20 pitch_hz=210] TEXT``
with measured acoustics. ``roles: unknown`` marks a mono call without diarization;
``call: {team: ..., duration_s: ..., direction: ..., agent_id: ..., queue: ...}`` sets call metadata
(keys qc has no field for are manifest columns);
``site: {company: [星河通信]}`` gives site variables as a site file would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from ..errors import RuleConfigError
from ..schema import Acoustics, AudioInfo, CallAnalysis, CallMeta, Segment, SpeechRegion, Transcript
from .providers import CheckModels

ROLE_NAMES = ("agent", "customer", "unknown")
CASE_KEYS = ("name", "rule", "transcript", "expect", "evidence", "roles", "call", "language", "reason", "site")
_FEATURES = re.compile(r"^\[([^\]]*)\]\s*")


def parse_transcript(text: str, language: str = "zh", roles_known: bool = True) -> Transcript:
    segments, speech = [], []
    for number, raw in enumerate(text.strip().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            if line.startswith("speech "):
                _, role, start, end = line.split()[:4]
                speech.append(SpeechRegion(role, _role(role), float(start), float(end)))
                continue
            parts = line.split(maxsplit=3)
            role, start, end = parts[0], float(parts[1]), float(parts[2])
            body = parts[3] if len(parts) > 3 else ""
        except (ValueError, IndexError):
            raise ValueError(f"transcript line {number}: expected 'ROLE START END TEXT', found {raw!r}") from None
        acoustics = None
        found = _FEATURES.match(body)
        if found:
            values = dict(item.split("=", 1) for item in found.group(1).split())
            acoustics = Acoustics(**{k: float(v) for k, v in values.items()})
            body = body[found.end():]
        segments.append(Segment(role, _role(role), start, end, body, acoustics=acoustics))
    segments.sort(key=lambda s: (s.start_s, s.end_s))
    return Transcript(language, tuple(segments), tuple(speech), roles_known=roles_known)


def call_from_case(case: dict) -> CallAnalysis:
    """The CallAnalysis a case describes, with neutral metadata unless ``call:`` sets it."""
    roles_known = case.get("roles", "known") != "unknown"
    transcript = parse_transcript(case["transcript"], case.get("language", "zh"), roles_known)
    extra = dict(case.get("call") or {})
    end = max((s.end_s for s in transcript.segments), default=0.0)
    duration = float(extra.pop("duration_s", end + 0.5))
    meta_keys = {"agent_id", "agent_name", "team", "started_at", "direction"}  # any other key: a manifest column
    meta = CallMeta(call_id=case.get("name", "case"), path="", language=transcript.language,
                    **{k: str(v) for k, v in extra.items() if k in meta_keys},
                    extra={k: str(v) for k, v in extra.items() if k not in meta_keys})
    audio = AudioInfo(path="", duration_s=duration, channels=2 if roles_known else 1,
                      layout="stereo-agent-left" if roles_known else "mono", sample_rate_hz=8000)
    return CallAnalysis(meta=meta, audio=audio, transcript=transcript)


def _role(name: str):
    if name not in ROLE_NAMES:
        raise ValueError(f"unknown role {name!r}; expected one of {', '.join(ROLE_NAMES)}")
    return name


def load_cases(path: Path) -> tuple[Optional[Path], list[dict]]:
    """Return the rule set a case file names (if any) and its cases, checked for shape."""
    from .yamlfile import read_yaml

    data = read_yaml(path) or []
    rules_path = None
    if isinstance(data, dict):
        rules_path = (path.parent / data["rules"]) if data.get("rules") else None
        data = data.get("cases", [])
    if not isinstance(data, list):
        raise RuleConfigError(path, expected="a list of cases", found=type(data).__name__)
    for index, case in enumerate(data):
        name = case.get("name", f"case {index + 1}") if isinstance(case, dict) else f"case {index + 1}"
        if not isinstance(case, dict):
            raise RuleConfigError(path, name, expected="a mapping", found=case)
        for key in ("name", "rule", "transcript", "expect"):
            if key not in case:
                raise RuleConfigError(path, name, key, message="missing")
        for key in case:
            if key not in CASE_KEYS:
                raise RuleConfigError(path, name, key, message="unknown key", expected=", ".join(CASE_KEYS))
        if case["expect"] not in ("pass", "fail", "na"):
            raise RuleConfigError(path, name, "expect", expected="pass, fail or na", found=case["expect"])
    return rules_path, data


def evaluate_case(path: Path, case: dict, models: CheckModels, ruleset=None):
    """The verdict of one case: its ``rule`` is a rule id of ``ruleset`` or an inline rule. Reasons are
    said in the rule set's language, or for an inline rule in the case's (``language:``, zh by default)."""
    from .engine import evaluate_rule
    from .ruleset import build_rule
    from .variables import call_variables, values_of

    site = values_of(case.get("site"), path, f"{case['name']}.site")

    if isinstance(case["rule"], str):
        if ruleset is None:
            raise RuleConfigError(path, case["name"], "rule", message="names a rule but the file has no 'rules:'")
        by_id = {r.id: r for r in ruleset.rules}
        if case["rule"] not in by_id:
            raise RuleConfigError(path, case["name"], "rule", message="unknown rule id",
                                  expected=f"one of {', '.join(by_id)}", found=case["rule"])
        rule = by_id[case["rule"]]
    else:
        rule = build_rule(path, {"id": case["name"], "title": case["name"], **case["rule"]}, tuple(site))
    call = call_from_case(case)
    variables = call_variables({**dict(ruleset.variables if ruleset else ()), **site}, call.meta)
    return evaluate_rule(call, rule.conditions, rule.applies_when, rule.require, rule.forbid, models, variables,
                         language=ruleset.language if ruleset else call.transcript.language)
