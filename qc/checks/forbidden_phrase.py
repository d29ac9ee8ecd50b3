"""forbidden-phrase: a role must not say any of the phrases.

Every sentence with a forbidden phrase is evidence; the same words from another role do
not count (a customer may say 不知道).

Options:
- ``phrases`` (list of text, required): phrases that must not be said.
- ``role`` (agent | customer | any, default agent): whose sentences are searched.

PASS::

    options: {phrases: [不知道, 不归我管]}
    agent 0.5 3.0 您好，我帮您查一下
    customer 3.5 5.0 我也不知道怎么回事

FAIL::

    options: {phrases: [不知道, 不归我管]}
    agent 0.5 3.0 这个我不知道，不归我管
"""

from __future__ import annotations

from ..schema import Transcript, Verdict
from ..textmatch import find_phrase
from .base import ROLES, by_role, evidence_of, needs_roles

ID = "forbidden-phrase"
CONF = {"phrases": [str], "role": ROLES}
DEFAULT = {"role": "agent"}


def check(transcript: Transcript, options: dict) -> Verdict:
    role = options["role"]
    skip = needs_roles(transcript, role)
    if skip:
        return skip
    hits, said = [], []
    for segment in by_role(transcript, role):
        found = [p for p in options["phrases"] if find_phrase(segment.text, p)]
        if found:
            hits.append(segment)
            said.extend(p for p in found if p not in said)
    if hits:
        return Verdict("fail", f"{role} said {', '.join(repr(p) for p in said)}", evidence_of(hits))
    return Verdict("pass", f"{role} said none of the {len(options['phrases'])} forbidden phrases")
