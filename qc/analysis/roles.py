"""Decide which diarized speaker is the agent (pure), with an honest confidence.

Evidence, per speaker, from the tables of :mod:`qc.analysis.role_cues` (one class of phrases
each, per language): the scripted opening (doubled in the first 30 s), service forms, asking
for identity data, stating what the account shows, for the agent; describing a problem,
addressing the company as "you", giving one's own data, for the customer; plus a site's own
agent phrases, and the manifest's agent introducing themselves (their full name, "this is Dev",
我是韩雪松, their agent number). Who speaks first counts with the call's direction: on an inbound call the agent
answers, on an outbound call the customer picks up (喂? hello?) and the agent introduces
themselves; when the direction is unknown it counts as on an inbound call, but half as much, and
not at all when the first words only answer the phone (a customer picking up, or a curt agent).

So an agent who skips the script is still found by what they do. The confidence is the
logistic of the evidence margin between the two most agent-like speakers: 0.5 when the
evidence is balanced (a call where nobody said anything typical is flagged, not guessed
silently), near 1 when it is one-sided. The reason, shown on the call's page, is said in the
call's language (:mod:`qc.messages`, roles.* and cue.*).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import takewhile
from typing import Sequence

from ..messages import Message, joined, render, say
from ..schema import LOW_ROLE_CONFIDENCE, NO_AGENT_ID, Segment
from ..text import find_phrase, normalize
from .role_cues import (ASKED_SHORT_CHARS, CUES, EN_QUESTION_STARTS, FIRST_PERSON, INVITES, PICKUP,
                        QUESTION_MARKS, QUESTION_WORDS, Cue)

OPENING_S = 30.0
SITE_PHRASE_WEIGHT = 2.0  # a site's own agent phrase (--agent-phrase) weighs like the script
# Who speaks first, by direction and by whether the first words only answer the phone (喂? hello?):
# the agent answers an inbound call; the customer picks up an outbound one.
FIRST_SPEAKER_WEIGHT = {("inbound", False): 1.0, ("inbound", True): 1.0, ("outbound", False): -0.5,
                        ("outbound", True): -1.0, ("", False): 0.5, ("", True): 0.0}
OWN_NAME_WEIGHT = 3.0  # the manifest's agent introducing themselves: a caller hardly ever says it (the script: 2.0)
MARGIN_SCALE = 2.0  # evidence margin that moves the confidence from 0.5 to 0.73 (logistic)
DIRECTIONS = ("inbound", "outbound")


@dataclass(frozen=True)
class RoleDecision:
    roles: dict  # speaker -> "agent" | "customer"
    confidence: float  # 0..1
    reason: str

    @property
    def low_confidence(self) -> bool:
        return self.confidence < LOW_ROLE_CONFIDENCE


def own_name_phrases(agent_name: str, agent_id: str, language: str) -> tuple[str, ...]:
    """What the manifest's agent says of themselves and a caller hardly does: the full name (韩雪松,
    "Callum Deacon"), an introduction by first name ("this is Callum", "Callum speaking", 我是韩雪松)
    and the agent number's digits. A first name alone is not one ("Hi Callum" is the caller's)."""
    name = " ".join(str(agent_name or "").split())
    digits = "".join(ch for ch in str(agent_id or "") if ch.isdigit()) if agent_id != NO_AGENT_ID else ""
    phrases = [digits] if len(digits) >= 3 else []
    if language == "zh":
        return (*phrases, name, f"我是{name}", f"我叫{name}") if len(name) >= 2 else tuple(phrases)
    words = name.split()
    if len(words) >= 2:
        phrases.append(name)
    if words:
        first = words[0]
        phrases += [f"this is {first}", f"it's {first}", f"my name is {first}", f"my name's {first}",
                    f"{first} speaking", f"{first} here", f"you're speaking with {first}", f"you've got {first}"]
    return tuple(phrases)


def decide_roles(sentences: Sequence[Segment], language: str, extra_agent_phrases: Sequence[str] = (),
                 direction: str = "", agent: tuple[str, str] = ()) -> RoleDecision:
    """The agent among the speakers of ``sentences``; ``direction``: inbound, outbound or "" (unknown);
    ``agent``: the manifest's (agent name, agent id), either may be empty."""
    ordered = sorted(sentences, key=lambda s: s.start_s)
    speakers = list(dict.fromkeys(s.speaker for s in ordered))
    if not speakers:
        return RoleDecision({}, 0.0, render(say("roles.nobody"), language))
    cues = CUES.get(language, CUES["en"])
    if extra_agent_phrases:
        cues = (*cues, Cue("site phrase", SITE_PHRASE_WEIGHT, tuple(extra_agent_phrases)))
    own = own_name_phrases(*agent, language) if agent else ()
    if own:
        cues = (*cues, Cue("own name", OWN_NAME_WEIGHT, own, cap=1))
    points = {sp: 0.0 for sp in speakers}
    found: dict[str, dict[str, int]] = {sp: {} for sp in speakers}
    start = ordered[0].start_s
    for cue in cues:
        for speaker in speakers:
            said = [s for s in ordered if s.speaker == speaker and _says(s.text, cue, language)]
            weights = sorted((2.0 if cue.name == "script" and s.start_s - start <= OPENING_S else 1.0 for s in said),
                             reverse=True)[:cue.cap]
            if said:
                points[speaker] += cue.weight * sum(weights)
                found[speaker][cue.name] = found[speaker].get(cue.name, 0) + len(said)
    first = ordered[0].speaker
    # the first speaker's whole first turn: "Hello." then a brand and a name answers the phone
    first_turn = " ".join(s.text for s in takewhile(lambda s: s.speaker == first, ordered))
    pickup = _picks_up(first_turn, language)
    direction = direction if direction in DIRECTIONS else ""
    points[first] += FIRST_SPEAKER_WEIGHT[direction, pickup]
    ranked = sorted(speakers, key=lambda sp: -points[sp])
    agent = ranked[0]
    roles = {sp: ("agent" if sp == agent else "customer") for sp in speakers}
    evidence = joined((_summary(sp, points[sp], found[sp]) for sp in ranked), "clauses")
    said_first = say(f"direction.{direction or 'unknown'}")
    first_note = (say("roles.first_pickup", speaker=_speaker(first), words=_first_words(ordered[0].text),
                      direction=said_first) if pickup else
                  say("roles.first", speaker=_speaker(first), direction=said_first))
    if len(speakers) == 1:
        return RoleDecision(roles, 0.3, render(say("roles.one_speaker", evidence=evidence), language))
    margin = points[agent] - points[ranked[1]]
    confidence = round(1.0 / (1.0 + math.exp(-margin / MARGIN_SCALE)), 3)
    return RoleDecision(roles, confidence, render(say("roles.decided", agent=_speaker(agent), evidence=evidence,
                                                      first=first_note), language))


def _says(text: str, cue: Cue, language: str) -> bool:
    if any(find_phrase(text, word) for word in cue.unless):
        return False
    for phrase in cue.phrases:
        if find_phrase(text, phrase, pinyin=language == "zh" and cue.name in ("script", "site phrase", "own name")):
            return not cue.asked or _asks_for(text, phrase, language)
    return False


def _asks_for(text: str, phrase: str, language: str) -> bool:
    """Whether ``text`` asks for ``phrase`` (a question, or hardly more than the phrase) rather
    than gives one's own (我的手机号是..., my number is...)."""
    if any(find_phrase(text, own) for own in FIRST_PERSON.get(language, FIRST_PERSON["en"])):
        return False
    plain = normalize(text)
    if len(plain.replace(" ", "")) <= len(normalize(phrase).replace(" ", "")) + ASKED_SHORT_CHARS:
        return True
    if text.strip().endswith(QUESTION_MARKS):
        return True
    if any(find_phrase(text, word) for word in QUESTION_WORDS.get(language, QUESTION_WORDS["en"])):
        return True
    return language != "zh" and any(f" {plain} ".startswith(f" {word} ") for word in EN_QUESTION_STARTS)


def _picks_up(text: str, language: str) -> bool:
    plain = normalize(text).replace(" ", "") if language == "zh" else normalize(text)
    if any(find_phrase(text, word) for word in INVITES.get(language, INVITES["en"])):
        return False
    return any(plain.startswith(word) for word in PICKUP.get(language, PICKUP["en"])) and len(plain) <= 12


def _first_words(text: str) -> str:
    return text if len(text) <= 12 else text[:12] + "…"


def _summary(speaker: str, points: float, found: dict[str, int]) -> Message:
    if not found:
        return say("roles.points", speaker=_speaker(speaker), points=points)
    detail = joined(say("roles.cue_count", cue=say(f"cue.{name}"), n=count) for name, count in found.items())
    return say("roles.points_found", speaker=_speaker(speaker), points=points, found=detail)


def _speaker(speaker: str):
    """A speaker as the note names it: a stereo channel (left, 左声道) or the diarizer's id (SPEAKER_00)."""
    return say(f"speaker.{speaker}") if speaker in ("left", "right") else speaker


def channel_roles(sentences: Sequence[Segment], agent_side: str, layout_given: bool, language: str,
                  extra_agent_phrases: Sequence[str] = (), direction: str = "",
                  agent: tuple[str, str] = ()) -> tuple[str, float, str]:
    """Which channel of a stereo call is the agent's: ``(side, confidence, reason)``.

    A layout the manifest or ``--stereo-layout`` gave is kept, at confidence 1.0 unless what
    the channels say contradicts it clearly (then it is flagged, not silently trusted). An
    assumed layout (agent on the left) is checked against the same evidence as a mono call's
    speakers and swapped when the other channel clearly sounds like the agent; its confidence
    is the evidence's.
    """
    other = "right" if agent_side == "left" else "left"
    decision = decide_roles(sentences, language, extra_agent_phrases, direction, agent)
    found = next((sp for sp, role in decision.roles.items() if role == "agent"), None)
    clear = found is not None and not decision.low_confidence and len(decision.roles) == 2
    sides = {"side": say(f"side.{agent_side}"), "other": say(f"side.{other}"), "reason": decision.reason}
    if layout_given:
        if clear and found == other:
            return agent_side, round(1.0 - decision.confidence, 3), render(say("roles.contradicted", **sides), language)
        return agent_side, 1.0, render(say("roles.given", side=sides["side"]), language)
    if clear and found == other:
        return other, decision.confidence, render(say("roles.found_other", **sides), language)
    confidence = decision.confidence if found == agent_side else round(1.0 - decision.confidence, 3)
    return agent_side, confidence, render(say("roles.assumed", side=sides["side"], reason=decision.reason), language)
