"""The whole data flow of a batch, top to bottom: plan -> execute -> record.

Plan: hash each call and its settings, and look it up in the store (``plan.py``).
Calls already done are at most re-scored, without touching their audio. Execute: an
executor (``executors.py``) runs each remaining call's source (``qc.sources``: decode,
voice activity, transcription, speakers, timeline) and yields outcomes as they finish.
Record: in this process only, each outcome is scored against its rule set and stored,
or recorded as failed with its reason. One call's failure never stops the batch; only
configuration problems (a model that cannot load) and the environment (disk full,
database unwritable) do. Progress goes through an injected ``hook(step, call_id,
completed=, total=)``, so no stage prints.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from ..errors import CallError, EnvironmentFailure, QcError
from ..rules.providers import CheckModels
from ..rules.ruleset import RuleSet
from ..rules.scoring import score_call
from ..schema import CallMeta, Hook, analysis_from_dict, analysis_to_dict, no_hook, score_to_dict
from .executors import Executor, InProcessExecutor, Outcome
from .plan import Task, plan_batch
from .store import Store


@dataclass(frozen=True)
class RunSettings:
    """What a batch does beyond analysing calls (that is the sources' settings)."""

    language: str = "zh"  # zh | en | auto; a call's manifest language wins
    force: bool = False  # analyse calls again even when done


@dataclass
class BatchSummary:
    total: int = 0
    processed: int = 0
    skipped: int = 0
    rescored: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    audio_s: float = 0.0
    wall_s: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def run_batch(calls: Sequence[CallMeta], settings: RunSettings, store: Store, sources: dict,
              ruleset_for: Callable[[str], RuleSet], models: CheckModels,
              executor: Optional[Executor] = None, hook: Hook = no_hook) -> BatchSummary:
    """Process every call; return what happened. ``sources`` maps a source kind to the object
    that analyses its calls; it loads its models only when a call needs them."""
    started = time.monotonic()
    plan = plan_batch(calls, sources, settings.language, store, settings.force)
    summary = BatchSummary(total=plan.total)
    progress = {"completed": 0}

    def step(name: str, call_id: str, **info) -> None:
        progress["completed"] += name in ("skipped", "done", "failed")
        hook(name, call_id, completed=progress["completed"], total=summary.total, **info)

    for task, row in plan.done:
        summary.rescored += _rescore_if_changed(store, task.key, row, ruleset_for, models)
        summary.skipped += 1
        step("skipped", task.meta.call_id)

    def begin(task: Task) -> None:
        store.mark_processing(task.key, task.meta)
        step("processing", task.meta.call_id)

    work = lambda task: sources[task.source].analyse(task.meta, task.language)  # noqa: E731
    for outcome in (executor or InProcessExecutor()).execute(plan.todo, work, begin):
        _record(outcome, store, ruleset_for, models, summary, step)
    summary.wall_s = time.monotonic() - started
    return summary


def _record(outcome: Outcome, store: Store, ruleset_for, models: CheckModels, summary: BatchSummary,
            step: Callable[..., None]) -> None:
    """Score and store one analysed call, or record why it failed."""
    task = outcome.task
    try:
        if outcome.error is not None:
            raise outcome.error
        ruleset = ruleset_for(outcome.analysis.transcript.language)
        score = score_call(outcome.analysis, ruleset, models)
        store.save_ok(task.key, analysis_to_dict(outcome.analysis), score_to_dict(score), ruleset.fingerprint(),
                      outcome.seconds)
    except EnvironmentFailure:
        raise
    except Exception as exc:  # one bad call never stops the batch
        if isinstance(exc, QcError) and not isinstance(exc, CallError):
            raise  # configuration problems (e.g. model unloadable) concern every call
        reason = str(exc) if isinstance(exc, CallError) else f"internal error: {exc!r}"
        if not isinstance(exc, CallError):
            step("traceback", task.meta.call_id, text=outcome.traceback or repr(exc))
        store.save_failed(task.key, reason, outcome.seconds)
        summary.failed.append((task.meta.call_id, reason))
        step("failed", task.meta.call_id, reason=reason)
        return
    summary.processed += 1
    summary.audio_s += outcome.analysis.audio.duration_s
    step("done", task.meta.call_id, score=score.score)


def _rescore_if_changed(store: Store, key: str, row: dict, ruleset_for, models: CheckModels) -> bool:
    analysis = analysis_from_dict(row["analysis"])
    ruleset = ruleset_for(analysis.transcript.language)
    if row["rules_hash"] == ruleset.fingerprint():
        return False
    store.save_score(key, score_to_dict(score_call(analysis, ruleset, models)), ruleset.fingerprint())
    return True


def rescore_stored(store: Store, ruleset_for: Callable[[str], RuleSet], models: CheckModels,
                   since: Optional[str] = None) -> int:
    """Score every stored call again with the current rules, without touching audio."""
    count = 0
    for row in store.latest_calls(since=since):
        if row["status"] != "ok":
            continue
        analysis = analysis_from_dict(row["analysis"])
        ruleset = ruleset_for(analysis.transcript.language)
        store.save_score(row["call_key"], score_to_dict(score_call(analysis, ruleset, models)),
                         ruleset.fingerprint())
        count += 1
    return count
