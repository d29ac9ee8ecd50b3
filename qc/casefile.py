"""Rule test cases: a tiny transcript in ``ROLE START END TEXT`` lines plus expectations.

The same format serves the project's own check tests (``tests/cases/*.yaml``) and rule
authors' tests of their rule sets::

    - name: greeting said in time
      check: phrase-required
      options: {phrases: [您好], window: first, window_s: 15}
      transcript: |
        agent 0.5 3.0 您好，这里是星河通信客服中心
        customer 3.5 5.0 你好
      expect: pass            # pass | fail | na
      evidence: 1             # optional: number of evidence items

Lines may also be ``speech ROLE START END`` to give voice-activity regions explicitly;
without them the sentences themselves are the speech. ``roles: unknown`` marks a mono
call without diarization.
"""

from __future__ import annotations

from pathlib import Path

from .errors import RuleConfigError
from .schema import Segment, SpeechRegion, Transcript

ROLE_NAMES = ("agent", "customer", "unknown")


def parse_transcript(text: str, language: str = "zh", roles_known: bool = True) -> Transcript:
    segments, speech = [], []
    for number, raw in enumerate(text.strip().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=4 if line.startswith("speech ") else 3)
        try:
            if parts[0] == "speech":
                _, role, start, end = parts[:4]
                speech.append(SpeechRegion(role, _role(role), float(start), float(end)))
                continue
            role, start, end, body = parts[0], float(parts[1]), float(parts[2]), parts[3] if len(parts) > 3 else ""
        except (ValueError, IndexError):
            raise ValueError(f"transcript line {number}: expected 'ROLE START END TEXT', found {raw!r}") from None
        segments.append(Segment(role, _role(role), start, end, body))
    segments.sort(key=lambda s: (s.start_s, s.end_s))
    return Transcript(language, tuple(segments), tuple(speech), roles_known=roles_known)


def _role(name: str):
    if name not in ROLE_NAMES:
        raise ValueError(f"unknown role {name!r}; expected one of {', '.join(ROLE_NAMES)}")
    return name


def load_cases(path: Path) -> list[dict]:
    import yaml

    cases = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(cases, list):
        raise RuleConfigError(path, expected="a list of cases", found=type(cases).__name__)
    for index, case in enumerate(cases):
        for key in ("name", "check", "transcript", "expect"):
            if key not in case:
                raise RuleConfigError(path, case.get("name", f"case {index + 1}"), key, message="missing")
    return cases
