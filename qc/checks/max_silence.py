"""max-silence: no stretch of the conversation without speech may last longer than ``max_s``.

Silence is measured between the speech that voice activity detection found on every
channel (or, for calls stored without it, between sentences); the time before the first
and after the last speech (ringing, hang-up) is not part of the conversation.

Options:
- ``max_s`` (seconds, default 5): the longest gap allowed.

PASS::

    options: {max_s: 5}
    agent 0.5 3.0 请您稍等
    agent 6.0 8.0 感谢您的耐心等待

FAIL::

    options: {max_s: 5}
    agent 0.5 3.0 你自己去营业厅问吧
    customer 11.0 12.0 喂？还有人吗？
"""

from __future__ import annotations

from ..schema import Evidence, Transcript, Verdict

ID = "max-silence"
CONF = {"max_s": float}
DEFAULT = {"max_s": 5.0}


def speech_spans(transcript: Transcript) -> list[tuple[float, float]]:
    if transcript.speech:
        return [(r.start_s, r.end_s) for r in transcript.speech]
    return [(s.start_s, s.end_s) for s in transcript.segments]


def silences(transcript: Transcript) -> list[tuple[float, float]]:
    """Gaps between the union of all speech, in time order."""
    gaps, reach = [], None
    for start, end in sorted(speech_spans(transcript)):
        if reach is not None and start > reach:
            gaps.append((reach, start))
        reach = end if reach is None else max(reach, end)
    return gaps


def check(transcript: Transcript, options: dict) -> Verdict:
    limit = options["max_s"]
    long_gaps = [(a, b) for a, b in silences(transcript) if b - a > limit]
    if not long_gaps:
        return Verdict("pass", f"no silence longer than {limit:g} s")
    evidence = tuple(Evidence(a, b, f"{b - a:.1f} s without speech after: {_said_before(transcript, a)}")
                     for a, b in long_gaps)
    longest = max(b - a for a, b in long_gaps)
    return Verdict("fail", f"{len(long_gaps)} silence(s) longer than {limit:g} s, longest {longest:.1f} s",
                   evidence)


def _said_before(transcript: Transcript, time_s: float) -> str:
    before = [s for s in transcript.segments if s.start_s < time_s]
    if not before:
        return "(start of call)"
    last = max(before, key=lambda s: s.end_s)
    return f"{last.role} «{last.text}»"
