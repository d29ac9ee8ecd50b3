"""One ``qc run``: open the store, check the model, run the batch, write the outputs.

Everything that can be wrong with the configuration is checked here before the first
recording is decoded. Progress is a bar on a terminal and plain log lines under cron.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import click

from . import models as models_mod
from .pipeline import BatchSummary, RunSettings, run_batch
from .report import ReportOptions, write_outputs
from .ruleset import RuleSet, pick_ruleset
from .store import Store, now


class Runner:
    def __init__(self, settings: RunSettings, rulesets: dict[str, RuleSet], db_path: Path, out_dir: Path,
                 models_dir: Optional[Path] = None, report_options: Optional[ReportOptions] = None,
                 diarization_pipeline: Optional[Path] = None):
        self.settings = settings
        self.report_options = report_options or ReportOptions()
        self.rulesets = rulesets
        self.out_dir = out_dir
        models_dir = models_dir or models_mod.default_models_dir()
        self.model_path = models_mod.resolve(settings.asr.model, models_dir)
        self._diarizer = None
        if settings.diarize:
            from .diarize import DiarizationOptions, Diarizer

            if diarization_pipeline:
                self._diarizer = Diarizer.from_pipeline_dir(diarization_pipeline, settings.asr.device)
            else:
                self._diarizer = Diarizer(DiarizationOptions(device=settings.asr.device), models_dir)
            self._diarizer.verify_models()  # a missing model stops the run here, before any audio
        self.store = Store(db_path)
        self._transcriber = None

    def ruleset_for(self, language: str) -> RuleSet:
        return pick_ruleset(self.rulesets, language)

    def transcriber(self):
        if self._transcriber is None:
            from .asr import WhisperTranscriber

            self._transcriber = WhisperTranscriber(self.settings.asr, self.model_path, cpu_threads=os.cpu_count() or 0)
        return self._transcriber

    def run(self, calls, inputs: list[str]) -> BatchSummary:
        run_id = self.store.start_run(inputs)
        progress = Progress(len(calls))
        summary = run_batch(calls, self.settings, self.store, self.ruleset_for, self.transcriber, progress,
                            diarizer=lambda: self._diarizer)
        progress.close()
        batch = {"processed": summary.processed, "skipped": summary.skipped, "failed": len(summary.failed),
                 "audio_min": round(summary.audio_s / 60, 1), "wall_min": round(summary.wall_s / 60, 1)}
        paths = write_outputs(self.store.latest_calls(), self.out_dir, batch, self.report_options)
        self.store.finish_run(run_id, summary.total, summary.processed, summary.skipped, len(summary.failed),
                              summary.exit_code)
        rtf = f", real-time factor {summary.wall_s / summary.audio_s:.2f}" if summary.audio_s else ""
        click.echo(f"qc: {summary.total} calls: {summary.processed} processed, {summary.skipped} already done"
                   f"{f' ({summary.rescored} re-scored with changed rules)' if summary.rescored else ''}, "
                   f"{len(summary.failed)} failed; {summary.audio_s:.0f} s of audio in {summary.wall_s:.0f} s{rtf}",
                   err=True)
        for call_id, reason in summary.failed:
            click.echo(f"qc: failed: {call_id}: {reason}", err=True)
        click.echo(f"qc: scorecards: {paths['index']}")
        return summary


class Progress:
    """The pipeline hook: a progress bar on a terminal, one log line per call otherwise."""

    def __init__(self, total: int):
        self.total = total
        self.tty = sys.stderr.isatty()
        self.bar = click.progressbar(length=total, label="calls", file=sys.stderr) if self.tty and total else None
        if self.bar:
            self.bar.__enter__()

    def __call__(self, step: str, call_id: str = "", completed: int = 0, total: int = 0, **info) -> None:
        if step == "traceback":
            import logging

            logging.getLogger("qc").debug("%s\n%s", call_id, info.get("text", ""))
            return
        if step == "processing":
            if not self.bar:
                self._line(f"[{completed + 1}/{total}] {call_id}: processing")
            return
        if self.bar:
            self.bar.update(1)
        else:
            detail = {"done": f"done, score {info.get('score')}", "skipped": "already done",
                      "failed": f"FAILED: {info.get('reason')}"}.get(step, step)
            self._line(f"[{completed}/{total}] {call_id}: {detail}")

    def _line(self, text: str) -> None:
        click.echo(f"{now()} {text}", err=True)

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)

