"""What qc says about a call besides its score: why the customer called and how hard the call was.

A :class:`CallContext` is made beside the score when a call is recorded (and again when it is
re-scored or the taxonomy changes), stored in the ``context`` column and published in the
call JSON. It never changes the score. Frozen dataclasses with units in field names, and their
JSON shapes, like :mod:`qc.schema` (which holds the types of the analysis itself).
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Reason:
    """Why the customer called: a service type and a topic of the taxonomy (or ``other``)."""

    service_type: str  # enquiry | advice | request | fault | complaint (查询 咨询 办理 故障 投诉)
    service_confidence: float  # 0..1: the type's share of the evidence for all five
    topic: str  # a taxonomy topic id, or "other"
    topic_names: dict = field(hash=False)  # language -> the topic's name ({} for other)
    confidence: float = 0.0  # 0..1: how clearly the topic beats the others (see reasons.py)
    similarity: float = 0.0  # cosine of the statement to the topic (the centroid of its examples)
    example: str = ""  # the topic's example closest to the statement
    statement: str = ""  # the problem statement read (the customer's first substantive turns)
    start_s: float = 0.0  # where it starts in the call
    vector: str = ""  # other only: the statement's embedding (base64 float16), to cluster emerging topics


@dataclass(frozen=True)
class Moment:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class CustomerLoad:
    """What the agent had to absorb: a load to support the agent with, never a fault of theirs."""

    angry_sentences: int  # customer sentences read as angry (words and voice, as the emotion check reads them)
    abusive_words: tuple[str, ...]  # abusive words the customer used at the agent
    moments: tuple[Moment, ...] = ()  # where (the first few)

    @property
    def difficult(self) -> bool:
        return bool(self.angry_sentences or self.abusive_words)


@dataclass(frozen=True)
class CallContext:
    reason: Optional[Reason]  # None: the customer stated no problem qc could read
    customer: Optional[CustomerLoad]  # None: who the customer is is unknown (mono, no roles)
    version: str  # what made it (taxonomy, model, method): it is made again when this changes


def context_to_dict(context: CallContext) -> dict:
    reason = asdict(context.reason) if context.reason else None
    customer = None
    if context.customer is not None:
        customer = {**asdict(context.customer), "difficult": context.customer.difficult,
                    "abusive_words": list(context.customer.abusive_words)}
    return {"reason": reason, "customer": customer, "version": context.version}


def context_from_dict(data: dict) -> CallContext:
    reason = Reason(**data["reason"]) if data.get("reason") else None
    customer = None
    if data.get("customer"):
        c = data["customer"]
        customer = CustomerLoad(c["angry_sentences"], tuple(c["abusive_words"]),
                                tuple(Moment(**m) for m in c.get("moments", ())))
    return CallContext(reason, customer, data.get("version", ""))


def published(context: Optional[dict]) -> tuple[Optional[dict], Optional[dict]]:
    """The call JSON's ``reason`` and ``customer_load`` blocks of a stored context (no vector)."""
    if not context:
        return None, None
    reason = {k: v for k, v in context["reason"].items() if k != "vector"} if context.get("reason") else None
    return reason, context.get("customer")


def encode_vector(vector) -> str:
    import numpy as np

    return base64.b64encode(np.asarray(vector, dtype=np.float16).tobytes()).decode("ascii")


def decode_vector(text: str):
    import numpy as np

    return np.frombuffer(base64.b64decode(text), dtype=np.float16).astype(np.float32)
