"""phrase-required: a role must say at least one of the phrases, optionally within a window.

Typical rules: the greeting (agent, first 15 s) and the closing (agent, last 30 s).
Matching ignores punctuation, spaces and case; English phrases match whole words.

Options:
- ``phrases`` (list of text, required): any one of them satisfies the rule.
- ``role`` (agent | customer | any, default agent): who must say it.
- ``window`` (call | first | last, default call) and ``window_s`` (seconds, default 30):
  only sentences starting within the first ``window_s`` seconds of the conversation, or
  ending within its last ``window_s`` seconds, count.

PASS::

    options: {phrases: [您好, 欢迎致电], window: first, window_s: 15}
    agent 0.5 3.0 您好，这里是星河通信客服中心
    customer 3.5 5.0 你好，我想查话费

FAIL (the customer's 你好 does not count for the agent)::

    options: {phrases: [您好, 你好], window: first, window_s: 15}
    agent 0.5 1.5 喂，什么事？
    customer 2.0 3.0 你好
"""

from __future__ import annotations

from ..schema import Transcript, Verdict
from ..textmatch import first_match
from .base import ROLES, WINDOWS, by_role, describe_window, evidence_of, in_window, needs_roles

ID = "phrase-required"
CONF = {"phrases": [str], "role": ROLES, "window": WINDOWS, "window_s": float}
DEFAULT = {"role": "agent", "window": "call", "window_s": 30.0}


def check(transcript: Transcript, options: dict) -> Verdict:
    role = options["role"]
    skip = needs_roles(transcript, role)
    if skip:
        return skip
    where = describe_window(options["window"], options["window_s"])
    candidates = in_window(transcript, by_role(transcript, role), options["window"], options["window_s"])
    for segment in candidates:
        phrase = first_match(segment.text, options["phrases"])
        if phrase:
            return Verdict("pass", f'{role} said "{phrase}" {where}', evidence_of([segment]))
    return Verdict("fail", f"{role} said none of {', '.join(options['phrases'][:4])}"
                           f"{'...' if len(options['phrases']) > 4 else ''} {where}",
                   evidence_of(candidates[:3]))
