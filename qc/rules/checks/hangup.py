"""hangup: the call ends abnormally, on the customer's words or in the middle of a sentence.

*customer-last*: the last sentence of the call is the customer's and the recording ends
within ``max_gap_s`` of it, with no agent sentence after; or the customer's last sentence is
a question (ends with ？ or ?) that no agent sentence follows. A customer's 再见 after the
agent's closing also ends a call this way, so pair it with a closing check when that is
normal: ``{all: [{check: hangup, mode: customer-last}, {not: <closing keyword>}]}``.
*mid-sentence*: the last sentence ends within ``cut_s`` of the end of the recording, as when
the line is cut while someone speaks. customer-last needs speaker roles; with ``mode: any``
and roles unknown only mid-sentence is judged.

Options:
- ``mode`` (customer-last, mid-sentence or any, default any): which endings count.
- ``max_gap_s`` (seconds, default 2): how soon after the customer's last words the call ends.
- ``cut_s`` (seconds, default 0.3): how close to the recording's end a sentence is cut.

PASS::

    rule: {forbid: {check: hangup}}
    customer 0.5 3.0 好的，那麻烦你帮我退掉吧。
    agent 3.5 6.0 已经为您办理退订，感谢您的来电，再见！

FAIL (the customer's question is never answered)::

    rule: {forbid: {check: hangup}}
    agent 0.5 3.0 你自己去营业厅问吧。
    customer 3.5 5.0 那你们到底谁管？
"""

from __future__ import annotations

from ...messages import joined
from ...schema import CallAnalysis, Evidence, Match, Segment
from ..messages import say
from .base import of_role
from .turns import need_roles, quote

ID = "hangup"
CONF = {"mode": ("customer-last", "mid-sentence", "any"), "max_gap_s": float, "cut_s": float}
DEFAULT = {"mode": "any", "max_gap_s": 2.0, "cut_s": 0.3}
QUESTION_END = ("？", "?")


def evaluate(call: CallAnalysis, segments: tuple[Segment, ...], options: dict) -> Match:
    transcript, mode = call.transcript, options["mode"]
    everything = sorted(transcript.segments, key=lambda s: (s.end_s, s.start_s))
    if not everything:
        return Match(False, say("hangup.no_sentence"))
    end_s, last = call.audio.duration_s, everything[-1]
    findings, notes = [], []
    if mode in ("mid-sentence", "any"):
        tail_s = end_s - last.end_s
        if tail_s <= options["cut_s"]:
            findings.append((say("hangup.cut", tail=max(tail_s, 0)),
                             Evidence(last.start_s, last.end_s, quote(last), last.role)))
        else:
            notes.append(say("hangup.tail", tail=tail_s))
    if mode == "customer-last":
        need_roles(transcript, "customer", say("what.last_speaker"))
    if mode in ("customer-last", "any") and transcript.roles_known:
        found, note = _customer_last(everything, end_s, options["max_gap_s"])
        findings += [found] if found else []
        notes.append(note)
    elif mode == "any":
        notes.append(say("hangup.roles_unknown"))
    if findings:
        return Match(True, joined((reason for reason, _ in findings), "clauses"),
                     tuple(dict.fromkeys(e for _, e in findings)))
    return Match(False, say("hangup.normal", notes=joined((n for n in notes if n), "clauses")))


def _customer_last(timeline: list[Segment], end_s: float, max_gap_s: float):
    customer = of_role(timeline, "customer")
    if not customer:
        return None, say("hangup.customer_silent")
    words = customer[-1]
    evidence = Evidence(words.start_s, words.end_s, quote(words), "customer")
    answered = any(s.role == "agent" and s.end_s > words.end_s for s in timeline)
    if answered:
        return None, say("hangup.agent_after")
    if words.text.rstrip().endswith(QUESTION_END):
        return (say("hangup.unanswered"), evidence), ""
    if end_s - words.end_s <= max_gap_s:
        return (say("hangup.ends_after", gap=max(end_s - words.end_s, 0)), evidence), ""
    return None, say("hangup.ends_after", gap=end_s - words.end_s)
