"""The whole data flow of a batch, top to bottom: plan -> execute -> record.

Plan: hash each call and its settings, and look it up in the store (``plan.py``).
Calls already done are at most re-scored, without touching their audio. Execute: an
executor (``executors.py``) runs each remaining call's source (``qc.sources``: decode,
voice activity, transcription, speakers, timeline) and yields outcomes as they finish.
Record: in this process only, each outcome is scored against its rule set (``ruleset_for``
the call's metadata: see :mod:`qc.rules.assign`), described (why the customer called, the load
the agent carried: :mod:`qc.rules.describe`, when the run has a reasons taxonomy; it never
changes the score) and stored, or recorded as failed with its
reason (stored in the language of the call's rule set, like its rule reasons; the command
line hears it in English). One call's failure never stops the batch; only
configuration problems (a model that cannot load) and the environment (disk full,
database unwritable) do. Progress goes through an injected ``hook(step, call_id,
completed=, total=)``, so no stage prints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Callable, Optional, Sequence

from ..analysis.blocks import note_memory
from ..errors import CallError, EnvironmentFailure, Interrupted, QcError
from ..messages import render, say
from ..metrics import is_chat
from ..redact import redact_call
from ..rules.context import context_to_dict
from ..rules.describe import context_version, describe_call, redact_context
from ..rules.providers import CheckModels
from ..rules.ruleset import RuleSet
from ..rules.scoring import score_call
from ..rules.taxonomy import Taxonomy
from ..schema import CallAnalysis, CallMeta, Hook, analysis_from_dict, analysis_to_dict, no_hook, score_to_dict
from ..timing import stage
from .executors import Executor, InProcessExecutor, Outcome
from .plan import Task, meta_changed, plan_batch, stored_meta
from .store import Store


@dataclass(frozen=True)
class RunSettings:
    """What a batch does beyond analysing calls (that is the sources' settings)."""

    language: str = "zh"  # zh | en | auto | a list (zh,en: detected per call among them); a manifest language wins
    force: bool = False  # analyse calls again even when done
    max_attempts: Optional[int] = 3  # failures before a call is quarantined (None: retried for ever)
    redact: bool = False  # mask personal numbers and e-mails in everything stored (see qc.redact)
    reasons: Optional[Taxonomy] = None  # classify why customers call by this taxonomy (None: not at all)


@dataclass
class BatchSummary:
    total: int = 0
    processed: int = 0
    skipped: int = 0
    rescored: int = 0
    reused: int = 0  # analysed under another call id: the analysis was copied, not redone
    empty: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # left alone this run
    interrupted: Optional[Interrupted] = None  # a signal stopped the batch; the rest waits for the next run
    scored: list[str] = field(default_factory=list)  # keys of the calls scored (or re-scored) in this run
    alert_errors: list[str] = field(default_factory=list)  # alerts not delivered (qc run --alert), one line each
    audio_s: float = 0.0  # of the recordings processed: chats have none
    chats: int = 0  # chat conversations processed
    wall_s: float = 0.0
    stages: dict = field(default_factory=dict)  # seconds per stage spent in worker processes (qc.timing)

    @property
    def unfinished(self) -> int:
        """Calls of the batch this run did not get to (interrupted)."""
        return self.total - self.processed - self.skipped - self.empty - len(self.quarantined) - len(self.failed)

    @property
    def exit_code(self) -> int:
        if self.interrupted is not None:
            return self.interrupted.exit_code
        return 1 if self.failed else 0


def run_batch(calls: Sequence[CallMeta], settings: RunSettings, store: Store, sources: dict,
              ruleset_for: Callable[[CallMeta], RuleSet], models: CheckModels,
              executor: Optional[Executor | Callable[[int], Executor]] = None, hook: Hook = no_hook,
              work: Optional[Callable[[Task], CallAnalysis]] = None) -> BatchSummary:
    """Process every call; return what happened. ``sources`` maps a source kind to the object
    that analyses its calls; it loads its models only when a call needs them. ``executor`` is an
    executor or a function of the number of calls to analyse that chooses one; ``work`` what it
    runs per call (by default the sources' ``analyse``; a worker pool needs one that pickles)."""
    started = time.monotonic()
    plan = plan_batch(calls, sources, settings.language, store, settings.force)
    summary = BatchSummary(total=plan.total)
    progress = {"completed": 0}

    def step(name: str, call_id: str, **info) -> None:
        progress["completed"] += name in ("skipped", "done", "failed")
        hook(name, call_id, completed=progress["completed"], total=summary.total, **info)

    for task, row in plan.done:
        if _refresh(store, task, row, ruleset_for, models, settings):
            summary.rescored += 1
            summary.scored.append(task.key)
        summary.skipped += 1
        step("skipped", task.meta.call_id)
    for task, row in plan.quarantined:
        summary.quarantined.append((task.meta.call_id, row["error"] or ""))
        step("skipped", task.meta.call_id)
    todo = list(plan.todo)
    for task in plan.abandoned:  # a run died while analysing it: a failure, or it could kill every night
        reason = render(say("failure.abandoned"), ruleset_for(replace(task.meta, language=task.language)).language)
        if store.save_failed(task.key, reason, 0.0, settings.max_attempts) == "quarantined":
            todo.remove(task)
            summary.quarantined.append((task.meta.call_id, reason))
            step("skipped", task.meta.call_id)

    def begin(task: Task) -> None:
        store.mark_processing(task.key, task.meta, task.uid, task.content_key, task.content)
        step("processing", task.meta.call_id)

    try:
        for task, twin in plan.reuse:  # the same recording under another id: its analysis, this call's metadata
            begin(task)
            analysis = analysis_from_dict(twin["analysis"])
            meta = replace(task.meta, layout=analysis.meta.layout, language=analysis.meta.language)
            _record(Outcome(task, replace(analysis, meta=meta)), store, ruleset_for, models, settings, summary, step)
            summary.reused += 1
        work = work or (lambda task: sources[task.source].analyse(task.meta, task.language))
        if executor is not None and not hasattr(executor, "execute"):
            executor = executor(len(todo))
        for outcome in (executor or InProcessExecutor()).execute(todo, work, begin):
            for name, seconds in outcome.stages.items():
                summary.stages[name] = summary.stages.get(name, 0.0) + seconds
            _record(outcome, store, ruleset_for, models, settings, summary, step)
    except Interrupted as stop:  # the calls in progress stay 'processing': the next run does them again
        store.interrupted()  # and does not count them as failed
        summary.interrupted = stop
    summary.wall_s = time.monotonic() - started
    return summary


def _record(outcome: Outcome, store: Store, ruleset_for, models: CheckModels, settings: RunSettings,
            summary: BatchSummary, step: Callable[..., None]) -> None:
    """Score and store one analysed call, or record why it failed."""
    task = outcome.task
    try:
        if outcome.error is not None:
            raise outcome.error
        analysis = outcome.analysis
        ruleset = _pick(ruleset_for, analysis.meta, analysis)
        if not analysis.transcript.segments:
            nothing = say("failure.no_messages" if is_chat(analysis) else "failure.no_speech")
            store.save_empty(task.key, analysis_to_dict(analysis), render(nothing, ruleset.language), outcome.seconds)
            summary.empty += 1
            step("done", task.meta.call_id, score=None)
            return
        note_memory("analysis")
        with stage("scoring"):
            score = score_call(analysis, ruleset, models)  # on the clear text: masking comes after the verdicts
            context = _describe(analysis, settings.reasons, models, settings.redact)
            if settings.redact:
                analysis, score = redact_call(analysis, score)
        note_memory("scoring")
        with stage("store"):
            store.save_ok(task.key, analysis_to_dict(analysis), score_to_dict(score), ruleset.fingerprint(),
                          outcome.seconds, context)
        note_memory("stored")
        summary.scored.append(task.key)
    except EnvironmentFailure:
        raise
    except Exception as exc:  # one bad call never stops the batch
        if isinstance(exc, QcError) and not isinstance(exc, CallError):
            raise  # configuration problems (e.g. model unloadable) concern every call
        message = exc.args[0] if isinstance(exc, CallError) and exc.args else say("failure.internal", detail=repr(exc))
        if not isinstance(exc, CallError):
            step("traceback", task.meta.call_id, text=outcome.traceback or repr(exc))
        language = (_pick(ruleset_for, outcome.analysis.meta, outcome.analysis) if outcome.analysis
                    else ruleset_for(replace(task.meta, language=task.language))).language
        reason = str(message)
        if store.save_failed(task.key, render(message, language), outcome.seconds,
                             settings.max_attempts) == "quarantined":
            reason = f"{reason} (failed {settings.max_attempts} times: quarantined, not retried; --retry-quarantined)"
        summary.failed.append((task.meta.call_id, reason))
        step("failed", task.meta.call_id, reason=reason)
        return
    summary.processed += 1
    if is_chat(analysis):
        summary.chats += 1
    else:
        summary.audio_s += analysis.audio.duration_s
    step("done", task.meta.call_id, score=score.score)


def _refresh(store: Store, task: Task, row: dict, ruleset_for, models: CheckModels, settings: RunSettings) -> bool:
    """A done call: new metadata from the inputs is stored, and it is re-scored when that or the
    rules changed, described again when that or the taxonomy changed; stored in clear before
    redaction was asked for, it is masked now. Returns whether it was re-scored."""
    changed = meta_changed(task.meta, row)
    if changed:
        store.update_meta(task.key, task.meta)
        row = store.get(task.key)
    if row["status"] != "ok":
        return False
    analysis = analysis_from_dict(row["analysis"])
    ruleset = _pick(ruleset_for, task.meta, analysis)
    if settings.redact and analysis.transcript.redacted is None:
        masked, score = redact_call(analysis, score_call(analysis, ruleset, models))
        store.save_ok(task.key, analysis_to_dict(masked), score_to_dict(score), ruleset.fingerprint(),
                      row.get("processing_s") or 0.0, _describe(analysis, settings.reasons, models, True))
        return True
    _describe_again(store, row, analysis, settings.reasons, models, settings.redact, changed)
    if not changed and row["rules_hash"] == ruleset.fingerprint():
        return False
    store.save_score(task.key, score_to_dict(score_call(analysis, ruleset, models)), ruleset.fingerprint())
    return True


def rescore_stored(store: Store, ruleset_for: Callable[[CallMeta], RuleSet], models: CheckModels,
                   since: Optional[str] = None, reasons: Optional[Taxonomy] = None) -> int:
    """Score every stored call again with the current rules, without touching audio; describe it
    again when the taxonomy (or the method) changed since."""
    count = 0
    for row in store.latest_calls(since=since):
        if row["status"] != "ok":
            continue
        analysis = analysis_from_dict(row["analysis"])
        ruleset = _pick(ruleset_for, stored_meta(row), analysis)
        store.save_score(row["call_key"], score_to_dict(score_call(analysis, ruleset, models)),
                         ruleset.fingerprint())
        _describe_again(store, row, analysis, reasons, models, analysis.transcript.redacted is not None)
        count += 1
    return count


def _describe(analysis: CallAnalysis, reasons: Optional[Taxonomy], models: CheckModels,
              redact: bool) -> Optional[dict]:
    """Why the customer called and the agent's load, as stored (None without a taxonomy)."""
    if reasons is None:
        return None
    with stage("rule-models"):  # e5 embeddings of the customer's statement
        context = describe_call(analysis, reasons, models)
    return context_to_dict(redact_context(context) if redact else context)


def _describe_again(store: Store, row: dict, analysis: CallAnalysis, reasons: Optional[Taxonomy],
                    models: CheckModels, redact: bool, changed: bool = False) -> None:
    """A stored call's context, made again when its metadata, the taxonomy or the method changed."""
    if reasons is not None and (changed or (row.get("context") or {}).get("version")
                                != context_version(reasons, models)):
        store.save_context(row["call_key"], _describe(analysis, reasons, models, redact))


def _pick(ruleset_for: Callable[[CallMeta], RuleSet], meta: CallMeta, analysis: CallAnalysis) -> RuleSet:
    """A call's rule set, chosen by its metadata in clear (a redacted analysis masks some) and the
    language it was transcribed in."""
    return ruleset_for(replace(meta, language=analysis.transcript.language))
