"""SQLite storage: one row per processed call, schema evolved by named migrations.

A call's key is a hash of its audio bytes plus every setting that changes the transcript,
so a rerun skips calls that are already done, a changed setting processes them again, and
a call left in ``processing`` by a crash (or ``failed``) is retried on the next run.
The analysis (transcript, speech regions, words) is stored apart from the score so that
rules can be re-scored without decoding audio again.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Optional

from ..errors import EnvironmentFailure, environment_errors
from ..schema import now

MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("0001_calls_and_runs", """
        CREATE TABLE calls (
            call_key     TEXT PRIMARY KEY,
            call_id      TEXT NOT NULL,
            path         TEXT NOT NULL,
            agent_id     TEXT NOT NULL,
            agent_name   TEXT NOT NULL,
            team         TEXT NOT NULL,
            started_at   TEXT NOT NULL,
            status       TEXT NOT NULL CHECK (status IN ('processing', 'ok', 'failed')),
            error        TEXT,
            duration_s   REAL,
            analysis     TEXT,
            score_detail TEXT,
            score        REAL,
            passed       INTEGER,
            rules_name   TEXT,
            rules_hash   TEXT,
            processing_s REAL,
            updated_at   TEXT NOT NULL
        );
        CREATE INDEX calls_by_call_id ON calls (call_id, updated_at);
        CREATE INDEX calls_by_agent ON calls (agent_id);
        CREATE TABLE runs (
            id          INTEGER PRIMARY KEY,
            started_at  TEXT NOT NULL,
            finished_at TEXT,
            inputs      TEXT NOT NULL,
            total       INTEGER,
            processed   INTEGER,
            skipped     INTEGER,
            failed      INTEGER,
            exit_code   INTEGER
        );
    """),
)


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        with environment_errors(f"opening {self.path}"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.migrate()

    def close(self) -> None:
        self.db.close()

    def migrate(self) -> list[str]:
        self.db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {row[0] for row in self.db.execute("SELECT name FROM migrations")}
        applied = []
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            self.db.execute("BEGIN")
            try:
                for statement in filter(str.strip, sql.split(";")):
                    self.db.execute(statement)
                self.db.execute("INSERT INTO migrations VALUES (?, ?)", (name, now()))
                self.db.execute("COMMIT")
            except Exception:
                self.db.execute("ROLLBACK")
                raise
            applied.append(name)
        return applied

    # -- calls ---------------------------------------------------------------------------

    def status_of(self, call_key: str) -> Optional[str]:
        row = self.db.execute("SELECT status FROM calls WHERE call_key = ?", (call_key,)).fetchone()
        return row[0] if row else None

    def mark_processing(self, call_key: str, meta) -> None:
        with environment_errors("saving call"):
            self.db.execute(
                """INSERT INTO calls (call_key, call_id, path, agent_id, agent_name, team, started_at, status,
                                      updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 'processing', ?)
                   ON CONFLICT (call_key) DO UPDATE SET status = 'processing', error = NULL,
                       call_id = excluded.call_id, path = excluded.path, agent_id = excluded.agent_id,
                       agent_name = excluded.agent_name, team = excluded.team,
                       started_at = excluded.started_at, updated_at = excluded.updated_at""",
                (call_key, meta.call_id, meta.path, meta.agent_id, meta.agent_name, meta.team, meta.started_at,
                 now()))

    def save_ok(self, call_key: str, analysis: dict, score: dict, rules_hash: str, processing_s: float) -> None:
        with environment_errors("saving call"):
            self.db.execute(
                """UPDATE calls SET status = 'ok', error = NULL, duration_s = ?, analysis = ?, score_detail = ?,
                       score = ?, passed = ?, rules_name = ?, rules_hash = ?, processing_s = ?, updated_at = ?
                   WHERE call_key = ?""",
                (analysis["audio"]["duration_s"], json.dumps(analysis, ensure_ascii=False),
                 json.dumps(score, ensure_ascii=False), score["score"], int(score["passed"]), score["rules_name"],
                 rules_hash, processing_s, now(), call_key))

    def save_score(self, call_key: str, score: dict, rules_hash: str) -> None:
        with environment_errors("saving score"):
            self.db.execute(
                "UPDATE calls SET score_detail = ?, score = ?, passed = ?, rules_name = ?, rules_hash = ?,"
                " updated_at = ? WHERE call_key = ?",
                (json.dumps(score, ensure_ascii=False), score["score"], int(score["passed"]), score["rules_name"],
                 rules_hash, now(), call_key))

    def save_failed(self, call_key: str, error: str, processing_s: float = 0.0) -> None:
        with environment_errors("saving call"):
            self.db.execute("UPDATE calls SET status = 'failed', error = ?, processing_s = ?, updated_at = ?"
                            " WHERE call_key = ?", (error, processing_s, now(), call_key))

    def get(self, call_key: str) -> Optional[dict]:
        row = self.db.execute("SELECT * FROM calls WHERE call_key = ?", (call_key,)).fetchone()
        return _row(row) if row else None

    def latest_calls(self, since: Optional[str] = None, until: Optional[str] = None) -> list[dict]:
        """The newest row of every call id (what reports show), optionally by call start time:
        ``since <= started_at < until`` compared as ISO text, so a date selects whole days."""
        where, params = [], []
        if since:
            where.append("started_at >= ?")
            params.append(since)
        if until:
            where.append("started_at < ?")
            params.append(until)
        rows = self.db.execute(
            f"""SELECT * FROM calls c WHERE updated_at = (SELECT MAX(updated_at) FROM calls d
                                                         WHERE d.call_id = c.call_id)
                {''.join(' AND ' + w for w in where)}
                GROUP BY call_id ORDER BY started_at, call_id""", params)
        return [_row(r) for r in rows]

    # -- runs ----------------------------------------------------------------------------

    def start_run(self, inputs: list[str]) -> int:
        with environment_errors("saving run"):
            cur = self.db.execute("INSERT INTO runs (started_at, inputs) VALUES (?, ?)",
                                  (now(), json.dumps(inputs, ensure_ascii=False)))
        return cur.lastrowid

    def finish_run(self, run_id: int, total: int, processed: int, skipped: int, failed: int, exit_code: int) -> None:
        with environment_errors("saving run"):
            self.db.execute("UPDATE runs SET finished_at = ?, total = ?, processed = ?, skipped = ?, failed = ?,"
                            " exit_code = ? WHERE id = ?", (now(), total, processed, skipped, failed, exit_code,
                                                            run_id))


def _row(row: sqlite3.Row) -> dict:
    data = dict(row)
    for key in ("analysis", "score_detail"):
        if data.get(key):
            data[key] = json.loads(data[key])
    return data
