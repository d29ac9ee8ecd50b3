"""The served pages: the static report's views, made from the database and kept until it changes.

Every request asks :meth:`Site.data`; it rebuilds the views only when the database changed
since: ``qc run`` / ``qc score`` in another process (SQLite's ``data_version`` tells; the
calls are read again) or a review action here (this connection's change count tells; only
the reviews are read again, the parsed calls are kept). One lock serialises every use of
the one connection, so the threaded server never uses it from two threads at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..report.insights import rule_pages, rule_stem
from ..report.options import ReportOptions
from ..report.pages import common_context, environment
from ..report.scorecards import agent_views, call_stem, overview
from ..report.site import Parsed, call_views, parse_calls
from ..run.reviews import attach_reviews
from ..run.store import Store


@dataclass
class SiteData:
    """Everything the pages show, by the names in their addresses."""

    language: str
    env: object
    common: dict
    views: list[dict]
    calls: dict[str, dict]  # call stem -> call view
    docs: dict[str, dict]  # call stem -> published JSON
    agents: dict[str, dict]  # agent page stem -> agent view
    rules: dict[str, dict]  # rule page stem -> rule page
    overview: dict
    audio: dict[str, Path]  # call stem -> the file to play


class Site:
    def __init__(self, store: Store, options: ReportOptions, audio_dir: Optional[Path] = None):
        self.store, self.options, self.audio_dir = store, options, audio_dir
        self.lock = threading.RLock()
        self._others, self._ours = None, None  # SQLite's data_version, this connection's total changes
        self._rows: Optional[list[dict]] = None
        self._parsed: dict = {}  # parse_calls' cache
        self._data: Optional[SiteData] = None

    def data(self) -> SiteData:
        with self.lock:
            others, ours = self.store.db.execute("PRAGMA data_version").fetchone()[0], self.store.db.total_changes
            if others != self._others or self._rows is None:  # another process wrote (or the first request)
                self._rows, self._parsed = self.store.latest_calls(), {}
            elif ours != self._ours:  # this server writes only reviews: the calls stay parsed
                attach_reviews(self.store.db, self._rows)
            if (others, ours) != (self._others, self._ours) or self._data is None:
                self._data = self._build(self._rows)
                self._others, self._ours = others, ours
            return self._data

    def _build(self, rows: list[dict]) -> SiteData:
        redact = any("redacted" in ((row.get("analysis") or {}).get("transcript") or {}) for row in rows)
        parsed, language, packs = parse_calls(rows, self.options, redact, self._parsed)
        audio = {call_stem(p.doc): path for p in parsed if (path := self._audio_file(p, redact))}
        views = call_views(parsed, lambda shown: _player(shown, audio))
        agents = agent_views(views, packs["descriptions"], language)
        rules = rule_pages(views, language)
        return SiteData(
            language=language, env=_environment(language), common=common_context(self.options, packs), views=views,
            calls={call_stem(v): v for v in views}, docs={call_stem(p.doc): p.doc for p in parsed},
            agents={Path(a["page"]).stem: a for a in agents}, rules={rule_stem(r["rule_id"]): r for r in rules},
            overview=overview(views, agents, language), audio=audio)

    def _audio_file(self, parsed: Parsed, redact: bool) -> Optional[Path]:
        """The report's browser copy when there is one, else the recording itself (never for a
        redacted database: only the copies have the personal numbers silenced)."""
        stem = call_stem(parsed.doc)
        copy = self.audio_dir / "audio" / f"{stem}.mp3" if self.audio_dir else None
        if copy and copy.is_file():
            return copy
        original = Path(parsed.row["path"])
        return original if not redact and original.is_file() else None


def _environment(language: str):
    """The report's templates, plus the pages only a server has (the login form)."""
    import jinja2

    env = environment(language)
    env.loader = jinja2.ChoiceLoader([jinja2.PackageLoader("qc.serve", "templates"), env.loader])
    return env


def _player(shown: dict, audio: dict[str, Path]) -> dict:
    stem = call_stem(shown)
    if stem not in audio:
        return {"mode": "missing", "src": None, "original": shown["audio"]["path"]}
    return {"mode": "copy" if audio[stem].suffix == ".mp3" else "link", "src": f"/audio/{stem}",
            "original": shown["audio"]["path"]}
