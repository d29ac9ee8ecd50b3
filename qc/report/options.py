"""What a report shows and how: the options every page and export reads."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

DEFAULT_FORMATS = ("json", "rttm", "csv", "parquet")  # the exports before --formats: unchanged by default


@dataclass(frozen=True)
class ReportOptions:
    """Interface language, audio, and the selection the report was made for."""

    ui_language: str = "auto"  # auto (the rule pack's language: that of most calls) | zh | en
    audio: str = "copy"  # copy: a browser-playable copy under audio/ | link: to the recording | none
    team: Optional[str] = None  # pages for this team only (norms still from all calls given)
    agent: Optional[str] = None  # pages for this agent only
    since: Optional[str] = None  # the period the rows were selected for, shown on the pages
    until: Optional[str] = None
    rules_dir: Optional[Path] = None  # where rule packs named in results live, for rule descriptions
    redact: bool = False  # mask personal data in ids and paths, silence it in audio copies (also when any
    # stored call was redacted)
    formats: tuple[str, ...] = DEFAULT_FORMATS  # export writers (qc.report.exports.WRITERS); parquet only with pyarrow
