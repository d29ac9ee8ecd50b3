"""SQLite storage: one row per analysed call, schema evolved by named migrations (``migrations.py``).

A row's key is a hash of the call's id, its recording's bytes and every setting that
changes the analysis, so a rerun skips calls that are already done, a changed setting
analyses them again, and a call that ``failed``, or that a run left ``processing`` when it died
(killed, crashed: each counts as a failure) is retried on the next run, until it has failed
``max_attempts`` times and is quarantined. A call left ``processing`` by a signal that stopped
the batch is not a failure (:meth:`Store.interrupted`).
Reports show the newest row of each call identity (``call_uid``). The analysis
(transcript, speech regions, words) is stored apart from the score so that rules can be
re-scored without decoding audio again.

A database that SQLite cannot read is reported once, up front, as an environment failure
that says what to do; it is never half-used.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import asdict
from pathlib import Path
from typing import Optional

from ..errors import EnvironmentFailure, environment_errors
from ..redact import mask_meta
from ..schema import now
from .migrations import migrate
from .reviews import attach_reviews, drop_orphans

INTERRUPTED = "interrupted"  # the error of a call a signal stopped: in progress, not failed

CORRUPT_ADVICE = ("move it aside (qc starts a new one and analyses the calls again) or restore it from a "
                  "backup")
BUSY_TIMEOUT_S = 30


def _write_ahead(db: sqlite3.Connection) -> None:
    """Turn the database to WAL. The change upgrades a read lock to a write lock, and SQLite answers
    "locked" at once to that upgrade while another connection writes (its busy timeout does not apply),
    so the change is retried here for as long as the timeout."""
    deadline, pause = time.monotonic() + BUSY_TIMEOUT_S, 0.01
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


class Store:
    def __init__(self, path: str | Path, threads: bool = False):
        """``threads``: the connection may be used from several threads, each use serialised by the caller
        (qc serve holds a lock)."""
        self.path = Path(path)
        with environment_errors(f"opening {self.path}"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_S,
                                      check_same_thread=not threads)
            self.db.row_factory = sqlite3.Row
            try:
                _write_ahead(self.db)
                problems = [r[0] for r in self.db.execute("PRAGMA quick_check")]
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                    raise
                raise EnvironmentFailure(f"{self.path} is not a readable qc database ({exc}): "
                                         f"{CORRUPT_ADVICE}") from None
            if problems != ["ok"]:
                raise EnvironmentFailure(f"{self.path} is corrupt ({'; '.join(problems[:2])}): {CORRUPT_ADVICE}")
            self.migrate()

    def close(self) -> None:
        self.db.close()

    def migrate(self) -> list[str]:
        return migrate(self.db)

    # -- calls ---------------------------------------------------------------------------

    def status_of(self, call_key: str) -> Optional[str]:
        row = self.db.execute("SELECT status FROM calls WHERE call_key = ?", (call_key,)).fetchone()
        return row[0] if row else None

    def mark_processing(self, call_key: str, meta, uid: str = "", content_key: Optional[str] = None,
                        content_sha256: Optional[str] = None) -> None:
        """A call's analysis begins: a crash from here on leaves it ``processing``, retried next run.
        Without ``uid`` (rows written by tools), the row is a call of its own."""
        uid = uid or hashlib.sha256(call_key.encode()).hexdigest()[:16]
        with environment_errors("saving call"):
            self.db.execute(
                """INSERT INTO calls (call_key, call_uid, content_key, content_sha256, call_id, path, agent_id,
                                      agent_name, team, started_at, status, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'processing', ?)
                   ON CONFLICT (call_key) DO UPDATE SET status = 'processing', error = NULL, superseded = 0,
                       call_uid = excluded.call_uid, content_key = excluded.content_key,
                       content_sha256 = excluded.content_sha256,
                       call_id = excluded.call_id, path = excluded.path, agent_id = excluded.agent_id,
                       agent_name = excluded.agent_name, team = excluded.team,
                       started_at = excluded.started_at, updated_at = excluded.updated_at""",
                (call_key, uid, content_key, content_sha256, meta.call_id, meta.path,
                 meta.agent_id, meta.agent_name, meta.team, meta.started_at, now()))
            self._save_extra(call_key, meta)
            if content_sha256:  # one file is one call: rows that filed these bytes at this path under
                # another id (a manifest that renamed the call) are stale
                self.db.execute("UPDATE calls SET superseded = 1 WHERE path = ? AND content_sha256 = ? AND "
                                "call_uid != ?", (meta.path, content_sha256, uid))

    def save_ok(self, call_key: str, analysis: dict, score: dict, rules_hash: str, processing_s: float,
                context: Optional[dict] = None) -> None:
        """``context``: why the customer called and the agent's load (``qc.rules.context``), if described."""
        with environment_errors("saving call"):
            self.db.execute(
                """UPDATE calls SET status = 'ok', error = NULL, attempts = 0, duration_s = ?, analysis = ?,
                       score_detail = ?, score = ?, passed = ?, rules_name = ?, rules_hash = ?, processing_s = ?,
                       context = ?, updated_at = ?
                   WHERE call_key = ?""",
                (analysis["audio"]["duration_s"], json.dumps(analysis, ensure_ascii=False),
                 json.dumps(score, ensure_ascii=False), score["score"], int(score["passed"]), score["rules_name"],
                 rules_hash, processing_s, _json(context), now(), call_key))

    def save_empty(self, call_key: str, analysis: dict, reason: str, processing_s: float) -> None:
        """Nothing was said in the recording: kept, shown with its reason, not scored, not retried."""
        with environment_errors("saving call"):
            self.db.execute(
                """UPDATE calls SET status = 'empty', error = ?, attempts = 0, duration_s = ?, analysis = ?,
                       score_detail = NULL, score = NULL, passed = NULL, context = NULL, processing_s = ?,
                       updated_at = ?
                   WHERE call_key = ?""",
                (reason, analysis["audio"]["duration_s"], json.dumps(analysis, ensure_ascii=False), processing_s,
                 now(), call_key))

    def save_score(self, call_key: str, score: dict, rules_hash: str) -> None:
        with environment_errors("saving score"):
            self.db.execute(
                "UPDATE calls SET score_detail = ?, score = ?, passed = ?, rules_name = ?, rules_hash = ?,"
                " updated_at = ? WHERE call_key = ?",
                (json.dumps(score, ensure_ascii=False), score["score"], int(score["passed"]), score["rules_name"],
                 rules_hash, now(), call_key))

    def save_context(self, call_key: str, context: Optional[dict]) -> None:
        with environment_errors("saving call"):
            self.db.execute("UPDATE calls SET context = ?, updated_at = ? WHERE call_key = ?",
                            (_json(context), now(), call_key))

    def save_failed(self, call_key: str, error: str, processing_s: float = 0.0,
                    max_attempts: Optional[int] = None) -> str:
        """Record a failure; after ``max_attempts`` failures the call is quarantined. Returns the status."""
        with environment_errors("saving call"):
            self.db.execute(
                """UPDATE calls SET attempts = attempts + 1, error = ?, processing_s = ?, updated_at = ?,
                       status = CASE WHEN ? IS NOT NULL AND attempts + 1 >= ? THEN 'quarantined' ELSE 'failed' END
                   WHERE call_key = ?""", (error, processing_s, now(), max_attempts, max_attempts, call_key))
        return self.status_of(call_key) or "failed"

    def interrupted(self) -> None:
        """A signal stopped the batch: the calls it left ``processing`` are marked so, and the next
        run analyses them again without counting a failure (see :func:`qc.run.plan.plan_batch`)."""
        with environment_errors("saving call"):
            self.db.execute("UPDATE calls SET error = ? WHERE status = 'processing'", (INTERRUPTED,))

    def update_meta(self, call_key: str, meta) -> None:
        """New metadata (a manifest added or corrected later) for an analysed call, without analysing it again."""
        with environment_errors("saving call"):
            row = self.db.execute("SELECT analysis FROM calls WHERE call_key = ?", (call_key,)).fetchone()
            analysis = json.loads(row[0]) if row and row[0] else None
            if analysis:
                kept = {k: analysis["meta"][k] for k in ("layout", "language") if analysis["meta"].get(k)}
                masked = "redacted" in analysis["transcript"]  # (the columns below keep the clear values)
                analysis["meta"] = {**asdict(mask_meta(meta) if masked else meta), **kept}
            self.db.execute(
                """UPDATE calls SET call_id = ?, path = ?, agent_id = ?, agent_name = ?, team = ?, started_at = ?,
                       analysis = ?, updated_at = ? WHERE call_key = ?""",
                (meta.call_id, meta.path, meta.agent_id, meta.agent_name, meta.team, meta.started_at,
                 json.dumps(analysis, ensure_ascii=False) if analysis else None, now(), call_key))
            self._save_extra(call_key, meta)

    def _save_extra(self, call_key: str, meta) -> None:
        """The manifest's extra columns of a call (``CallMeta.extra``), in clear as the other metadata columns."""
        self.db.execute("UPDATE calls SET extra = ? WHERE call_key = ?",
                        (json.dumps(dict(meta.extra), ensure_ascii=False), call_key))

    def release_quarantine(self) -> int:
        """Give every quarantined call another chance on the next run; return how many."""
        with environment_errors("saving call"):
            return self.db.execute("UPDATE calls SET status = 'failed', attempts = 0 WHERE status = 'quarantined'"
                                   ).rowcount

    def get(self, call_key: str) -> Optional[dict]:
        row = self.db.execute("SELECT * FROM calls WHERE call_key = ?", (call_key,)).fetchone()
        return _row(row) if row else None

    def analysed(self, content_key: str) -> Optional[dict]:
        """An analysis of the same recording with the same settings, under any call id."""
        row = self.db.execute("SELECT * FROM calls WHERE content_key = ? AND status IN ('ok', 'empty') "
                              "ORDER BY updated_at DESC LIMIT 1", (content_key,)).fetchone()
        return _row(row) if row else None

    def latest_calls(self, since: Optional[str] = None, until: Optional[str] = None) -> list[dict]:
        """The newest row of every call (what reports show), optionally by call start time:
        ``since <= started_at < until`` compared as ISO text, so a date selects whole days.
        Each row carries its human review under ``review`` (None when nobody reviewed it)."""
        where, params = ["superseded = 0"], []
        if since:
            where.append("started_at >= ?")
            params.append(since)
        if until:
            where.append("started_at < ?")
            params.append(until)
        rows = self.db.execute(
            f"""SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY call_uid
                                                          ORDER BY updated_at DESC, rowid DESC) AS newest
                               FROM calls WHERE {' AND '.join(where)})
                WHERE newest = 1 ORDER BY started_at, call_id, call_uid""", params)
        return attach_reviews(self.db, [_row(r) for r in rows])

    def scored_rows(self, call_keys) -> list[dict]:
        """The stored scores of these calls (no analysis: light), each with its transcript language."""
        keys, rows = list(call_keys), []
        for i in range(0, len(keys), 500):  # SQLite binds a bounded number of parameters
            chunk = keys[i:i + 500]
            rows += self.db.execute(
                f"""SELECT call_key, call_uid, call_id, agent_id, agent_name, team, started_at, score, score_detail,
                           json_extract(analysis, '$.transcript.language') AS language
                    FROM calls WHERE status = 'ok' AND call_key IN ({','.join('?' * len(chunk))})""", chunk).fetchall()
        return [_row(r) for r in rows]

    def agent_scores(self, agent_id: str, since: str, until: str) -> list[dict]:
        """call_uid and score of the newest row of each scored call of an agent started in [since, until)."""
        rows = self.db.execute(
            """SELECT call_uid, score FROM (SELECT call_uid, score, status, ROW_NUMBER() OVER (
                   PARTITION BY call_uid ORDER BY updated_at DESC, rowid DESC) AS newest
                   FROM calls WHERE superseded = 0 AND agent_id = ? AND started_at >= ? AND started_at < ?)
               WHERE newest = 1 AND status = 'ok'""", (agent_id, since, until))
        return [dict(r) for r in rows]

    def purge_before(self, before: str) -> int:
        """Delete every stored row of the calls started before ``before`` (calls with no start time
        are kept); return how many calls went. The file shrinks on the next VACUUM, done here."""
        with environment_errors("purging the database"):
            count = self.db.execute("SELECT COUNT(DISTINCT call_uid) FROM calls WHERE started_at != '' AND "
                                    "started_at < ?", (before,)).fetchone()[0]
            self.db.execute("DELETE FROM calls WHERE started_at != '' AND started_at < ?", (before,))
            drop_orphans(self.db)
            self.db.execute("VACUUM")
        return count

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


def _json(value: Optional[dict]) -> Optional[str]:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _row(row: sqlite3.Row) -> dict:
    data = dict(row)
    data.pop("newest", None)
    for key in ("analysis", "score_detail", "extra", "context"):
        if data.get(key):
            data[key] = json.loads(data[key])
    return data
