"""Why a customer called: a service type and a topic, read from their problem statement.

**The problem statement** is the customer's first substantive turn (a turn: one party's
consecutive sentences; substantive: at least 6 Chinese characters or 4 English words once
greetings and fillers such as 喂/您好/hello/yes are set aside). In an outbound call
(``CallMeta.direction``) the agent states why they call, so the agent's first substantive
turn is read too. Without roles (a mono call that was not diarized) the customer is whoever
did not speak first; when only one voice was heard, the sentences after the first (the
greeting) are read. (Reading the customer's first two turns was measured worse: the second
is often their name and account number; see bench/README.md.)

**The topic** is the taxonomy's (:mod:`qc.rules.taxonomy`) whose examples' centroid (their
mean e5 vector; the examples in the statement's language when the taxonomy has some) is
closest to a turn of the statement: ``other`` when even the closest is below the language's
``min_similarity``. Its confidence is the topic's share of a softmax over every topic's
cosine at temperature :data:`TEMPERATURE` (e5 cosines sit in a narrow band, 0.8 to 0.95).

**The service type** adds, to each type's closest example cosine, :data:`CUE_WEIGHT` per cue
word of the type found in the statement (at most two count); complaint cues count anywhere the
customer speaks, and so does each customer turn the sentiment model reads as negative (at most
two more): a complaint often builds after the first turn. The highest wins, ties in the order
complaint, fault, request, enquiry, advice; its confidence is its softmax share.

The models are passed in (``models.get("embedder")``, ``models.get("sentiment")``); examples
are embedded once per process (the embedder caches by text).
"""

from __future__ import annotations

import math
import re
from typing import Optional, Sequence

from ..schema import Segment, Transcript
from ..text import CJK_CHARS
from .context import Reason, encode_vector
from .sentiment import language_of
from .taxonomy import OTHER, Taxonomy

STATEMENT_TURNS = 1  # per party
MIN_CHINESE_CHARS = 6
MIN_ENGLISH_WORDS = 4
CUE_WEIGHT = 0.03  # about the gap between a related and an unrelated example's cosine
MAX_CUES = 2
TEMPERATURE = 0.01
NEGATIVE = -0.3  # a turn at or below this sentiment is negative (the emotion check's threshold)
PRECEDENCE = ("complaint", "fault", "request", "enquiry", "advice")  # who wins a tie
FILLERS = re.compile(r"喂|你好|您好|哎|嗯|啊|哦|呃|对的|对|是的|是我|好的|好|谢谢|"
                     r"\b(hello|hi|hey|yes|yeah|yep|ok|okay|good (morning|afternoon|evening)|thanks|thank you|"
                     r"speaking|sure|right|um|uh)\b", re.IGNORECASE)
CHINESE = re.compile(f"[{CJK_CHARS}]")
WORD = re.compile(r"[A-Za-z']+")


def classify_reason(transcript: Transcript, taxonomy: Taxonomy, models, direction: str = "") -> Optional[Reason]:
    """The call's reason, or None when nobody stated a problem qc could read."""
    statement = statement_turns(transcript, direction)
    if not statement:
        return None
    embedder = models.get("embedder")
    texts = [turn.text for turn in statement]
    joined = " ".join(texts)
    language = language_of(joined)
    vectors = embedder.embed(texts)
    topics = topic_scores(vectors, taxonomy, language, embedder)
    best = max(topics, key=topics.get)
    customer = [t.text for t in joined_turns(transcript.segments) if t.role == "customer"]
    negative = sum(models.get("sentiment").score(text) <= NEGATIVE for text in customer)
    services = service_scores(vectors, joined, " ".join(customer) or joined, negative, taxonomy, language, embedder)
    service = max(PRECEDENCE, key=lambda s: (services[s], -PRECEDENCE.index(s)))
    other = topics[best] < taxonomy.threshold(language)
    return Reason(
        service_type=service, service_confidence=round(softmax_share(services, service), 3),
        topic=OTHER if other else best, topic_names={} if other else dict(taxonomy.topic(best).names),
        confidence=round(softmax_share(topics, best), 3), similarity=round(topics[best], 4),
        example=closest(vectors, _examples(taxonomy.topic(best).examples, language), embedder)[1],
        statement=joined, start_s=statement[0].start_s,
        vector=encode_vector(embedder.embed([joined])[0]) if other else "")


def statement_turns(transcript: Transcript, direction: str = "") -> list[Segment]:
    """The problem statement: the customer's first substantive turns (and the agent's, outbound)."""
    turns = joined_turns(transcript.segments)
    if transcript.roles_known:
        parties = ("customer", "agent") if direction == "outbound" else ("customer",)
        chosen = [t for t in turns if t.role in parties]
    else:
        first = turns[0].speaker if turns else ""
        chosen = [t for t in turns if t.speaker != first]
    if not chosen:  # one voice heard: the opening sentence is the agent's greeting, the problem comes next
        chosen = sorted(transcript.segments, key=lambda s: s.start_s)[1:]
    picked: list[Segment] = []  # the first substantive turns of each party
    for party in dict.fromkeys(t.role for t in chosen):
        picked += [t for t in chosen if t.role == party and substantive(t.text)][:STATEMENT_TURNS]
    return sorted(picked, key=lambda t: t.start_s)


def joined_turns(segments: Sequence[Segment]) -> list[Segment]:
    """Consecutive sentences of one speaker as one segment (a turn)."""
    turns: list[Segment] = []
    for seg in sorted(segments, key=lambda s: (s.start_s, s.end_s)):
        if turns and turns[-1].speaker == seg.speaker:
            last = turns[-1]
            gap = "" if CHINESE.search(seg.text[:1] or "") else " "
            turns[-1] = Segment(last.speaker, last.role, last.start_s, max(last.end_s, seg.end_s),
                                f"{last.text}{gap}{seg.text}".strip())
        else:
            turns.append(Segment(seg.speaker, seg.role, seg.start_s, seg.end_s, seg.text.strip()))
    return turns


def substantive(text: str) -> bool:
    rest = FILLERS.sub(" ", text)
    return len(CHINESE.findall(rest)) >= MIN_CHINESE_CHARS or len(WORD.findall(rest)) >= MIN_ENGLISH_WORDS


def _examples(by_language: dict, language: str) -> tuple[str, ...]:
    if language in by_language:
        return by_language[language]
    return tuple(e for examples in by_language.values() for e in examples)


def closest(vectors, examples: Sequence[str], embedder) -> tuple[float, str]:
    """The highest cosine between any statement turn and any example, and that example."""
    cosines = vectors @ embedder.embed(list(examples)).T
    row, column = divmod(int(cosines.argmax()), cosines.shape[1])
    return float(cosines[row, column]), examples[column]


def centroid(examples: Sequence[str], embedder):
    mean = embedder.embed(list(examples)).mean(axis=0)
    return mean / max(float((mean ** 2).sum()) ** 0.5, 1e-9)


def topic_scores(vectors, taxonomy: Taxonomy, language: str, embedder) -> dict[str, float]:
    """Each topic's cosine: its examples' centroid against the closest statement turn."""
    return {t.id: float((vectors @ centroid(_examples(t.examples, language), embedder)).max())
            for t in taxonomy.topics}


def cue_hits(text: str, cues: Sequence[str], language: str) -> int:
    lowered = text.lower()
    if language == "zh":
        return sum(lowered.count(cue) for cue in cues)
    return sum(len(re.findall(rf"\b{re.escape(cue)}\b", lowered)) for cue in cues)


def service_scores(vectors, statement: str, customer_text: str, negative_turns: int, taxonomy: Taxonomy,
                   language: str, embedder, cue_weight: float = CUE_WEIGHT) -> dict[str, float]:
    """Each service type's closest example cosine plus its cues (see the module's docstring)."""
    scores = {}
    for service in taxonomy.service_types:
        complaint = service.id == "complaint"
        hits = min(cue_hits(customer_text if complaint else statement, _examples(service.cues, language), language),
                   MAX_CUES) + (min(negative_turns, MAX_CUES) if complaint else 0)
        scores[service.id] = closest(vectors, _examples(service.examples, language), embedder)[0] + cue_weight * hits
    return scores


def softmax_share(scores: dict[str, float], chosen: str) -> float:
    top = max(scores.values())
    weights = {k: math.exp((v - top) / TEMPERATURE) for k, v in scores.items()}
    return weights[chosen] / sum(weights.values())
