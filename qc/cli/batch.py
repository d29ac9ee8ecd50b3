"""The batch commands: ``qc run`` (analyse and score recordings), ``qc score`` (re-score stored
calls with edited rules) and ``qc report`` (pages for a period from the database)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..run.lock import exclusive
from ..run.prompts import AUTO, DEFAULT_PROMPT, OFF
from .execution import execution_options
from .common import (assign_option, check_models, day_end, domain_errors, embedding_model_option, formats_option,
                     iso_option, load_reasons, load_rules, models_dir_option, reasons_option, rules_option,
                     site_option, wait_option)


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with call_id,file,agent_id,agent_name,team,started_at,channels_layout; optionally language, "
                   "direction and any other column (kept as call metadata). For a chat log, file is the log and "
                   "call_id one of its conversations.")
@rules_option
@assign_option
@click.option("--language", default="zh", show_default=True, callback=lambda ctx, param, value: _language(value),
              help="Spoken language (zh, en), auto (Whisper's guess), or a list such as zh,en: each call's language "
                   "is detected among the listed ones only. A manifest language column wins.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Where JSON, CSV and HTML outputs go.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite database [default: <out>/qc.sqlite].")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True,
              help="auto: CUDA float16 when a GPU is visible, else CPU int8.")
@click.option("--model", default="whisper-base", show_default=True,
              help="Whisper model: an installed name, a local CTranslate2 directory, or a hub id (e.g. large-v3).")
@click.option("--compute-type", default="auto", show_default=True, help="CTranslate2 precision (auto, int8, float16...).")
@click.option("--beam-size", type=click.IntRange(1, 20), default=5, show_default=True)
@click.option("--initial-prompt", default=DEFAULT_PROMPT, show_default=True,
              help="What Whisper is told to expect in each call: auto (the call's agent name and number from the "
                   "manifest, the --company names and the required phrases of the call language's rule pack, never "
                   "a forbidden one), off, or this exact text.")
@click.option("--hotwords", default=OFF, show_default=True,
              help="Words Whisper should favour in every 30-second window: auto (as for --initial-prompt; "
                   "measured worse, see bench/README.md), off, or this exact text.")
@click.option("--company", "company", multiple=True,
              help="The site's company or brand name: a value of {company} in the rules, besides the site file's, "
                   "and expected by --initial-prompt auto. Repeatable.")
@click.option("--filename-pattern", default=None,
              help="Regex with named groups (call_id, agent_id, agent_name, team, started_at) for files the "
                   "manifest does not list.")
@click.option("--stereo-layout", type=click.Choice(["stereo-agent-left", "stereo-agent-right"]), default=None,
              help="Agent channel of stereo files the manifest does not describe [default: left, checked against "
                   "what each channel says and swapped when the right one is clearly the agent's].")
@click.option("--force", is_flag=True, help="Process calls again even when already done.")
@click.option("--diarization/--no-diarization", default=True, show_default=True,
              help="Find the speakers of mono calls (pyannote); without it their roles stay unknown.")
@click.option("--num-speakers", type=click.IntRange(1, 10), default=2, show_default=True,
              help="Speakers in a mono call (give --min/--max-speakers instead to let the diarizer decide).")
@click.option("--diarization-pipeline", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="A standard pyannote pipeline directory (config.yaml and weights) instead of the packaged models.")
@click.option("--min-speakers", type=click.IntRange(1, 10), default=None)
@click.option("--max-speakers", type=click.IntRange(1, 10), default=None)
@click.option("--ui-language", type=click.Choice(["auto", "zh", "en"]), default="auto", show_default=True,
              help="Scorecard interface language; auto: the rule pack's, i.e. that of most calls.")
@click.option("--audio", type=click.Choice(["copy", "link", "none"]), default="copy", show_default=True,
              help="copy: a browser-playable MP3 beside the pages (made once); link: to the original recording.")
@click.option("--max-attempts", type=click.IntRange(1, 100), default=3, show_default=True,
              help="A call that failed this many times is quarantined: reported, no longer retried or failing "
                   "the night.")
@click.option("--retry-quarantined", is_flag=True, help="Give quarantined calls another chance in this run.")
@click.option("--redact", is_flag=True,
              help="Mask phone, ID card and bank card numbers and e-mails (all but the last 4 digits) in the "
                   "database and every output, and silence them in the audio copies. Verdicts are made first.")
@click.option("--direction", type=click.Choice(["inbound", "outbound"]), default=None,
              help="Who dialled, for calls the manifest gives no direction: inbound (the agent answers and speaks "
                   "first) or outbound (the customer picks up). Used to decide which speaker of a mono call is the "
                   "agent [default: unknown, judged like inbound but with less confidence].")
@click.option("--agent-phrase", "agent_phrases", multiple=True,
              help="A phrase only agents say (company name, script line): evidence for the agent role. Repeatable.")
@site_option
@reasons_option
# what a run writes besides the pages, and who hears about it
@formats_option
@click.option("--alert", "alert_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="YAML file of alert channels (DingTalk, WeCom, Feishu, Slack, webhook, SMTP): after the run, a "
                   "digest of fatal failures, failed calls and score drops goes there (docs/alerts.md). A failed "
                   "delivery is logged and never changes the exit code.")
@execution_options
@wait_option
@models_dir_option
@embedding_model_option
@domain_errors
def run(inputs, manifest, rules_file, assign_file, language, out_dir, db_path, device, model, compute_type, beam_size,
        initial_prompt, hotwords, company, filename_pattern, stereo_layout, force, diarization, num_speakers,
        diarization_pipeline, min_speakers,
        max_speakers, ui_language, audio, max_attempts, retry_quarantined, redact, direction, agent_phrases, site_file,
        reasons_file, formats, alert_file, workers, batch_size, executor, ray_address,
        wait_s, models_dir, embedding_model):
    """Process recordings and chat logs (files or directories, recursively) and write scorecards."""
    from ..analysis.asr import AsrOptions
    from ..analysis.diarize_options import DiarizationOptions
    from ..report import ReportOptions
    from ..rules.ruleset import RULES_DIR
    from ..run.alerts import load_alerts
    from ..run.execution import ExecutionSettings
    from ..run.pipeline import RunSettings
    from ..run.prompts import site_prompts
    from ..run.runner import Runner
    from ..sources import files, kind_of
    from ..sources.audio import AudioSettings, AudioSource

    if not inputs and not manifest:
        raise click.UsageError("give recordings (files or directories) or --manifest")
    if redact and audio == "link":
        raise click.UsageError("--redact with --audio link would publish the original recordings unmasked; use "
                               "--audio copy (personal numbers silenced) or --audio none")
    rules = load_rules(rules_file, assign_file, site_file, {"company": tuple(company)} if company else None)
    alerts = load_alerts(alert_file) if alert_file else None  # a mistake stops here, before any audio
    reasons = load_reasons(reasons_file)
    unreadable: list[tuple[str, str]] = []
    calls = files.collect_calls(inputs, manifest, filename_pattern or files.DEFAULT_FILENAME_PATTERN,
                                exclude=[out_dir], problems=unreadable)
    if calls:
        rules.check_fields(key for call in calls for key in call.extra)
    audio_settings = AudioSettings(
        asr=AsrOptions(model=model, device=device, compute_type=compute_type, beam_size=beam_size,
                       batch_size=batch_size,
                       initial_prompt=site_prompts(initial_prompt, rules.rulesets, company),
                       hotwords=site_prompts(hotwords, rules.rulesets, company),
                       agent_hint=initial_prompt == AUTO),
        stereo_layout=stereo_layout, diarize=diarization, diarization=DiarizationOptions(device=device),
        diarization_pipeline=str(diarization_pipeline) if diarization_pipeline else None,
        num_speakers=None if (min_speakers or max_speakers) else num_speakers, min_speakers=min_speakers,
        max_speakers=max_speakers, agent_phrases=tuple(agent_phrases), direction=direction or "")
    report_options = ReportOptions(ui_language=ui_language, audio=audio, rules_dir=RULES_DIR, redact=redact,
                                   formats=formats)
    db_path = db_path or out_dir / "qc.sqlite"
    with exclusive(db_path, wait_s):
        runner = Runner(RunSettings(language=language, force=force, max_attempts=max_attempts, redact=redact,
                                    reasons=reasons), audio_settings,
                        rules, db_path, out_dir, check_models(models_dir, embedding_model), models_dir,
                        report_options, ExecutionSettings(executor, workers, ray_address), alerts=alerts,
                        recordings=any(kind_of(call.path) == AudioSource.kind for call in calls))
        if retry_quarantined:
            runner.store.release_quarantine()
        summary = runner.run(calls, inputs=[str(p) for p in inputs] or [str(manifest)], unreadable=unreadable)
    sys.exit(summary.exit_code)


def _language(value: str) -> str:
    from ..analysis.language import parse_language
    from ..sources.files import LANGUAGES

    try:
        return parse_language(value, [lang for lang in LANGUAGES if lang != "auto"])
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@rules_option
@assign_option
@click.option("--since", default=None, help="Only calls started on or after this date/time (ISO, e.g. 2026-11-01).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("reports/qc.sqlite"),
              show_default=True, help="SQLite database written by qc run.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to refresh JSON, CSV and HTML outputs [default: the database's folder].")
@site_option
@reasons_option
@wait_option
@models_dir_option
@embedding_model_option
@domain_errors
def score(rules_file, assign_file, since, db_path, out_dir, site_file, reasons_file, wait_s, models_dir,
          embedding_model):
    """Re-score stored calls with changed rules, without touching audio, and refresh the outputs.

    Each call gets the rule set qc run would give it (--rules, --assign or rules/assign.yaml,
    else its language's pack), so the next night's run keeps these scores; its reason is
    classified again when the --reasons taxonomy changed."""
    import time

    from ..report import write_outputs
    from ..rules import describe
    from ..rules.ruleset import models_needed
    from ..run.pipeline import rescore_stored
    from ..run.reviews import flagged_calls
    from ..run.store import Store

    if not db_path.is_file():
        raise click.UsageError(f"no database at {db_path}; run 'qc run' first or pass --db")
    rules = load_rules(rules_file, assign_file, site_file)
    reasons = load_reasons(reasons_file)
    models = check_models(models_dir, embedding_model)
    models.verify(models_needed(rules.rulesets) | (set(describe.MODELS) if reasons else set()))
    started = time.monotonic()
    with exclusive(db_path, wait_s):
        store = Store(db_path)
        stored = store.latest_calls(since=since)
        if stored:
            rules.check_fields(key for row in stored for key in row.get("extra") or {})
        count = rescore_stored(store, rules.pick, models, since, reasons)
        rows = store.latest_calls()
        paths = write_outputs(rows, out_dir or db_path.parent)
    click.echo(f"qc: re-scored {count} calls in {time.monotonic() - started:.1f} s; scorecards: {paths['index']}")
    flagged = flagged_calls(rows)
    if flagged:  # human decisions are kept; those on findings that changed wait for a reviewer
        click.echo(f"qc: {len(flagged)} reviewed calls have decisions on findings that changed, flagged on their "
                   f"pages: {', '.join(flagged[:10])}{' ...' if len(flagged) > 10 else ''}", err=True)


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Where the pages, JSON, CSV and Parquet exports go.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite database written by qc run [default: <out>/qc.sqlite].")
@click.option("--since", default=None, help="Only calls started on or after this date/time (ISO, e.g. 2026-11-01).")
@click.option("--until", default=None,
              help="Only calls started before this date/time; a plain date includes that whole day.")
@click.option("--team", default=None, help="Pages for this team only (team norms still use every team's calls).")
@click.option("--agent", default=None, help="Pages for this agent id only.")
@click.option("--ui-language", type=click.Choice(["auto", "zh", "en"]), default="auto", show_default=True,
              help="Interface language; auto: the rule pack's, i.e. that of most calls.")
@click.option("--audio", type=click.Choice(["copy", "link", "none"]), default="copy", show_default=True,
              help="copy: a browser-playable MP3 beside the pages (made once); link: to the original recording.")
@formats_option
@wait_option
@domain_errors
def report(out_dir, db_path, since, until, team, agent, ui_language, audio, formats, wait_s):
    """Regenerate the scorecards for a period from the database, without analysing audio again."""
    import time

    from ..report import ReportOptions, write_outputs
    from ..rules.ruleset import RULES_DIR
    from ..run.store import Store

    db_path = db_path or out_dir / "qc.sqlite"
    if not db_path.is_file():
        raise click.UsageError(f"no database at {db_path}; run 'qc run' first or pass --db")
    started = time.monotonic()
    since, until_end = iso_option("--since", since), day_end(until)
    options = ReportOptions(ui_language=ui_language, audio=audio, team=team, agent=agent, since=since, until=until,
                            rules_dir=RULES_DIR, formats=formats)
    with exclusive(db_path, wait_s):
        rows = Store(db_path).latest_calls(since=since, until=until_end)
        paths = write_outputs(rows, out_dir, options=options)
    shown = [r for r in rows if (team is None or r["team"] == team) and (agent is None or r["agent_id"] == agent)]
    if not shown:
        click.echo("qc: no calls match this period and selection", err=True)
    click.echo(f"qc: report of {len(shown)} calls in {time.monotonic() - started:.1f} s; scorecards: {paths['index']}")


@click.command()
@click.option("--before", required=True, help="Calls started before this date/time (ISO, e.g. 2026-06-01).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="The report folder whose files go.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite database written by qc run [default: <out>/qc.sqlite].")
@click.option("--audio-only", is_flag=True,
              help="Only the browser copies of the recordings go (the largest part); calls, pages and scores stay, "
                   "and their pages link to the original recordings.")
@wait_option
@domain_errors
def purge(before, out_dir, db_path, audio_only, wait_s):
    """Retention: remove old calls (rows, pages, exports, audio copies), or only their audio copies."""
    from ..report import ReportOptions, call_document, keep_no_audio_before, purge_files, write_outputs
    from ..rules.ruleset import RULES_DIR
    from ..run.store import Store

    db_path = db_path or out_dir / "qc.sqlite"
    if not db_path.is_file():
        raise click.UsageError(f"no database at {db_path}; pass --db")
    before = iso_option("--before", before)
    with exclusive(db_path, wait_s):
        store = Store(db_path)
        old = [call_document(row) for row in store.latest_calls(until=before) if row["started_at"]]
        files = purge_files(out_dir, old, audio_only)
        if audio_only:
            keep_no_audio_before(out_dir, before)
            click.echo(f"qc: removed {files} audio copies of calls started before {before}", err=True)
        else:
            calls = store.purge_before(before)
            click.echo(f"qc: removed {calls} calls started before {before} and {files} of their files", err=True)
        paths = write_outputs(store.latest_calls(), out_dir, options=ReportOptions(rules_dir=RULES_DIR))
    click.echo(f"qc: scorecards: {paths['index']}")
