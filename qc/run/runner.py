"""One ``qc run``: check the configuration, build the sources and models, run the batch,
write the outputs, send the alerts.

Everything that can be wrong with the configuration (rule files, models) is checked here
before the first recording is decoded. Progress is a bar on a terminal and plain log lines
under cron.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import click

from .. import models as models_mod
from .. import timing
from ..analysis.blocks import note_memory, return_freed_memory
from ..analysis.diarize import Diarizer
from ..errors import Interrupted
from ..report import ReportOptions, write_outputs
from ..rules import describe
from ..rules.assign import Assignment
from ..rules.providers import CheckModels
from ..rules.ruleset import RuleSet, models_needed
from ..schema import CallMeta, now
from ..sources.audio import AudioSettings
from .alerts import AlertSettings, alert_run
from .execution import ExecutionSettings, make_executor
from .pipeline import BatchSummary, RunSettings, run_batch
from .store import Store
from .workers import SourceRecipe, SourceWork, build_sources, usable_cores


class Runner:
    def __init__(self, settings: RunSettings, audio: AudioSettings, rules: Assignment, db_path: Path,
                 out_dir: Path, models: CheckModels, models_dir: Optional[Path] = None,
                 report_options: Optional[ReportOptions] = None,
                 execution: ExecutionSettings = ExecutionSettings(), alerts: Optional[AlertSettings] = None,
                 recordings: bool = True):
        """``recordings``: whether the batch has recordings (a night of chats only needs no speech model)."""
        return_freed_memory()  # long calls: memory back to the system between blocks
        self.settings = settings
        self.alerts = alerts
        self.report_options = report_options or ReportOptions()
        self.rules = rules
        self.out_dir = out_dir
        self.models = models
        needed = models_needed(rules.rulesets) | (set(describe.MODELS) if settings.reasons else set())
        models.verify(needed)  # a missing or corrupt model stops here, exit 2
        models_dir = self.models_dir = models_dir or models_mod.default_models_dir()
        self.model_path = models_mod.resolve(audio.asr.model, models_dir) if recordings else None
        self.progress = Progress()
        if audio.diarize and recordings:  # a missing model or pipeline stops the run here, before any audio
            (Diarizer.from_pipeline_dir(audio.diarization_pipeline) if audio.diarization_pipeline
             else Diarizer(audio.diarization, models_dir)).verify_models()
        self.recipe = SourceRecipe(audio, str(self.model_path) if self.model_path else None, str(models_dir),
                                   usable_cores())
        self.sources = build_sources(self.recipe, hook=self.progress)
        self.execution = execution
        self.store = Store(db_path)

    def ruleset_for(self, meta: CallMeta) -> RuleSet:
        return self.rules.pick(meta)

    def run(self, calls, inputs: list[str], unreadable: list[tuple[str, str]] = ()) -> BatchSummary:
        """``unreadable``: input folders that could not be listed, reported with the failed calls."""
        run_id = self.store.start_run(inputs)
        self.progress.start(len(calls))
        timing.take()
        with stop_on_signals():
            summary = run_batch(calls, self.settings, self.store, self.sources, self.ruleset_for, self.models,
                                lambda todo: make_executor(self.execution, self.recipe, todo), self.progress,
                                work=SourceWork(self.recipe, self.sources))
        left = summary.unfinished
        summary.failed.extend(unreadable)
        self.progress.close()
        batch = {"processed": summary.processed, "skipped": summary.skipped, "failed": len(summary.failed),
                 "audio_min": round(summary.audio_s / 60, 1), "wall_min": round(summary.wall_s / 60, 1)}
        with timing.stage("pages"):
            paths = write_outputs(self.store.latest_calls(), self.out_dir, batch, self.report_options)
        note_memory("pages")
        timing.add(summary.stages)
        stages = timing.take()
        logging.getLogger("qc.stages").info("time by stage (all workers, %.1f s wall): %s", summary.wall_s,
                                            timing.table(stages, summary.wall_s))
        self.store.finish_run(run_id, summary.total, summary.processed, summary.skipped, len(summary.failed),
                              summary.exit_code)
        rtf = f", real-time factor {summary.wall_s / summary.audio_s:.2f}" if summary.audio_s else ""
        extra = "".join(f", {n} {what}" for n, what in (
            (summary.reused, "re-used the analysis of an identical recording"),
            (summary.empty, "with no speech"), (len(summary.quarantined), "quarantined (not retried)")) if n)
        chats = f" ({summary.chats} of them chats)" if summary.chats else ""
        click.echo(f"qc: {summary.total} calls: {summary.processed} processed{chats}, {summary.skipped} already done"
                   f"{f' ({summary.rescored} re-scored)' if summary.rescored else ''}{extra}, "
                   f"{len(summary.failed)} failed; {summary.audio_s:.0f} s of audio in {summary.wall_s:.0f} s{rtf}",
                   err=True)
        for call_id, reason in summary.failed:
            click.echo(f"qc: failed: {call_id}: {reason}", err=True)
        if summary.interrupted is not None:
            click.echo(f"qc: stopped by {summary.interrupted.signal_name}: the pages show what was done; {left} "
                       f"call(s) left for the next run", err=True)
        if self.alerts is not None:  # after the pages: a slow robot never delays them; never changes the exit code
            delivered, summary.alert_errors = alert_run(self.alerts, self.store, summary, self.settings.redact)
            for line in summary.alert_errors:
                click.echo(f"qc: alert not delivered: {line}", err=True)
            if delivered:
                click.echo(f"qc: alert sent: {', '.join(delivered)}", err=True)
        click.echo(f"qc: scorecards: {paths['index']}")
        return summary


@contextmanager
def stop_on_signals():
    """SIGTERM (cron, systemd, kill) and SIGINT stop the batch between two steps of a call; the
    call in progress is left for the next run, the pages are still written. Outside the main
    thread (no signals there) nothing changes."""
    def stop(signum, frame):
        raise Interrupted(signal.Signals(signum).name, 128 + signum)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Progress:
    """The pipeline hook: a progress bar on a terminal, one log line per call otherwise; the
    diarizer's notes and tracebacks go to the debug log (``qc -v``)."""

    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.bar = None

    def start(self, total: int) -> None:
        self.bar = click.progressbar(length=total, label="calls", file=sys.stderr) if self.tty and total else None
        if self.bar:
            self.bar.__enter__()

    def __call__(self, step: str, call_id: str = "", completed: int = 0, total: int = 0, **info) -> None:
        if step == "traceback" or step == "diarization-note":
            logging.getLogger("qc").debug("%s %s\n%s", step, call_id, info.get("text", ""))
            return
        if step.startswith("diarization:"):
            return  # pyannote's own steps: too fine for a per-call log
        if step == "processing":
            if not self.bar:
                self._line(f"[{completed + 1}/{total}] {call_id}: processing")
            return
        if self.bar:
            self.bar.update(1)
        else:
            score = info.get("score")
            detail = {"done": f"done, score {score}" if score is not None else "done, no speech to score",
                      "skipped": "already done",
                      "failed": f"FAILED: {info.get('reason')}"}.get(step, step)
            self._line(f"[{completed}/{total}] {call_id}: {detail}")

    def _line(self, text: str) -> None:
        click.echo(f"{now()} {text}", err=True)

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)
