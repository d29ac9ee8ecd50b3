"""A call's context beside its score: why the customer called, and the load the agent carried.

:func:`describe_call` is what the record step runs after scoring (``qc.run.pipeline``), on the
clear text; with redaction the statement and quotes are masked afterwards
(:func:`redact_context`). :func:`context_version` names what the result depends on (the
taxonomy, the embedding model, :data:`METHOD`), so stored calls are described again, without
their audio, when any of it changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import lru_cache

from ..redact import mask
from ..schema import CallAnalysis
from .context import CallContext, Moment
from .customer_load import customer_load
from .reasons import classify_reason
from .taxonomy import Taxonomy

MODELS = ("embedder", "sentiment")  # what describing a call loads (verified before a run starts)
METHOD = "reasons-1"  # change it when the classification or the load is computed differently


def context_version(taxonomy: Taxonomy, models) -> str:
    return _version(taxonomy, models.settings.embedding_model)


@lru_cache(maxsize=8)  # asked once per stored call on every run
def _version(taxonomy: Taxonomy, embedding_model: str) -> str:
    key = f"{METHOD}\0{taxonomy.fingerprint()}\0{embedding_model}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def describe_call(analysis: CallAnalysis, taxonomy: Taxonomy, models) -> CallContext:
    return CallContext(classify_reason(analysis.transcript, taxonomy, models, analysis.meta.direction),
                       customer_load(analysis, models.get("sentiment")), context_version(taxonomy, models))


def redact_context(context: CallContext) -> CallContext:
    """The context with personal numbers and e-mails masked in what it quotes."""
    reason = replace(context.reason, statement=mask(context.reason.statement)[0]) if context.reason else None
    customer = context.customer
    if customer is not None:
        customer = replace(customer, moments=tuple(Moment(m.start_s, m.end_s, mask(m.text)[0])
                                                   for m in customer.moments))
    return replace(context, reason=reason, customer=customer)
