"""Decide which diarized speaker is the agent (pure), with a confidence.

Evidence, per speaker: agent phrases (the scripted opening: greeting, company or service
name, 工号 / agent number, "how may I help"; plus a site's own phrases), weighted more in
the first 30 s of the call; customer phrases (我想, my card...) count against; and on an
inbound call the agent usually speaks first. The confidence is the share of the evidence
margin in the total evidence, so a call where nobody said anything typical is flagged
rather than guessed silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..schema import LOW_ROLE_CONFIDENCE, Segment
from ..text import find_phrase

AGENT_PHRASES = {
    "zh": ("您好", "很高兴为您服务", "请问有什么可以帮您", "有什么可以帮您", "工号", "客服", "这里是", "请您稍等",
           "感谢您的来电", "还有其他", "为您", "帮您", "请问您"),
    "en": ("thank you for calling", "thanks for calling", "how may i help", "how can i help", "my name is",
           "speaking", "please hold", "is there anything else", "have a great day", "for calling"),
}
CUSTOMER_PHRASES = {
    "zh": ("我想", "我的", "你们", "我要", "为什么", "怎么", "我叫"),
    "en": ("i want", "i'd like", "my card", "my account", "i was", "why", "you guys"),
}
OPENING_S = 30.0


@dataclass(frozen=True)
class RoleDecision:
    roles: dict  # speaker -> "agent" | "customer"
    confidence: float  # 0..1
    reason: str

    @property
    def low_confidence(self) -> bool:
        return self.confidence < LOW_ROLE_CONFIDENCE


def decide_roles(sentences: Sequence[Segment], language: str, extra_agent_phrases: Sequence[str] = (),
                 agent_speaks_first: bool = True) -> RoleDecision:
    speakers = list(dict.fromkeys(s.speaker for s in sorted(sentences, key=lambda s: s.start_s)))
    if not speakers:
        return RoleDecision({}, 0.0, "nobody spoke")
    agent_phrases = AGENT_PHRASES.get(language, AGENT_PHRASES["en"]) + tuple(extra_agent_phrases)
    customer_phrases = CUSTOMER_PHRASES.get(language, CUSTOMER_PHRASES["en"])
    start = min(s.start_s for s in sentences)
    points = {sp: 0.0 for sp in speakers}
    for s in sentences:
        weight = 2.0 if s.start_s - start <= OPENING_S else 1.0
        points[s.speaker] += weight * sum(find_phrase(s.text, p, pinyin=language == "zh") for p in agent_phrases)
        points[s.speaker] -= 0.5 * sum(find_phrase(s.text, p) for p in customer_phrases)
    if agent_speaks_first:
        points[speakers[0]] += 1.0
    ranked = sorted(speakers, key=lambda sp: -points[sp])
    agent = ranked[0]
    roles = {sp: ("agent" if sp == agent else "customer") for sp in speakers}
    if len(speakers) == 1:
        return RoleDecision(roles, 0.3, "only one speaker heard; taken as the agent")
    margin = points[agent] - points[ranked[1]]
    total = sum(abs(v) for v in points.values())
    confidence = round(max(0.0, min(1.0, margin / (total + 1.0))) * 0.5 + (0.5 if margin > 0 else 0.0), 3)
    summary = ", ".join(f"{sp} {points[sp]:+.1f}" for sp in ranked)
    return RoleDecision(roles, confidence, f"agent = {agent} (evidence {summary})")


def channel_roles(sentences: Sequence[Segment], agent_side: str, layout_given: bool, language: str,
                  extra_agent_phrases: Sequence[str] = ()) -> tuple[str, float, str]:
    """Which channel of a stereo call is the agent's: ``(side, confidence, reason)``.

    A layout the manifest or ``--stereo-layout`` gave is kept, at confidence 1.0 unless what
    the channels say contradicts it clearly (then it is flagged, not silently trusted). An
    assumed layout (agent on the left) is checked against the same evidence as a mono call's
    speakers and swapped when the other channel clearly sounds like the agent; its confidence
    is the evidence's.
    """
    other = "right" if agent_side == "left" else "left"
    decision = decide_roles(sentences, language, extra_agent_phrases)
    found = next((sp for sp, role in decision.roles.items() if role == "agent"), None)
    clear = found is not None and not decision.low_confidence and len(decision.roles) == 2
    if layout_given:
        if clear and found == other:
            return agent_side, round(1.0 - decision.confidence, 3), (
                f"the layout puts the agent on the {agent_side} channel, but the {other} channel says the agent's "
                f"lines ({decision.reason})")
        return agent_side, 1.0, f"one party per channel, agent on the {agent_side} as given"
    if clear and found == other:
        return other, decision.confidence, f"agent found on the {other} channel, not the usual {agent_side} ({decision.reason})"
    confidence = decision.confidence if found == agent_side else round(1.0 - decision.confidence, 3)
    return agent_side, confidence, f"agent assumed on the {agent_side} channel ({decision.reason})"
