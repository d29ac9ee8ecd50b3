"""The database schema, as ordered, named migrations recorded in a ``migrations`` table.

A migration is SQL or a function of the connection. Each runs once, inside one immediate
transaction that first checks it has not been applied meanwhile, so two processes opening
a new database at once never both create the tables.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable, Union

from ..media import file_sha256
from ..schema import call_uid, now

_CALL_COLUMNS = ("call_id, path, agent_id, agent_name, team, started_at, status, error, duration_s, analysis, "
                 "score_detail, score, passed, rules_name, rules_hash, processing_s, updated_at")


def _identities(db: sqlite3.Connection) -> None:
    """Rows from before call identities: their uid from the call id and the recording's bytes when
    the recording is still there (a rerun then replaces them), else one of their own."""
    for key, call_id, path in db.execute("SELECT call_key, call_id, path FROM calls").fetchall():
        try:
            resolved = Path(path).resolve()
            content = file_sha256(resolved).hexdigest()
            uid, path = call_uid(call_id, content), str(resolved)
        except OSError:
            uid, content = f"legacy-{key[:10]}", None
        db.execute("UPDATE calls SET call_uid = ?, path = ?, content_sha256 = ? WHERE call_key = ?",
                   (uid, path, content, key))


MIGRATIONS: tuple[tuple[str, Union[str, Callable[[sqlite3.Connection], None]]], ...] = (
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
    # A call is its id plus its recording (call_uid), not its id alone; content_key finds an
    # analysis of the same bytes and settings under another id; attempts count failures for
    # quarantine; a superseded row (the same file, same bytes, now filed under another id) is kept
    # but not shown.
    ("0002_call_identity", f"""
        CREATE TABLE calls_v2 (
            call_key     TEXT PRIMARY KEY,
            call_uid     TEXT NOT NULL DEFAULT '',
            content_key  TEXT,
            content_sha256 TEXT,
            call_id      TEXT NOT NULL,
            path         TEXT NOT NULL,
            agent_id     TEXT NOT NULL,
            agent_name   TEXT NOT NULL,
            team         TEXT NOT NULL,
            started_at   TEXT NOT NULL,
            status       TEXT NOT NULL CHECK (status IN ('processing', 'ok', 'failed', 'empty', 'quarantined')),
            error        TEXT,
            attempts     INTEGER NOT NULL DEFAULT 0,
            superseded   INTEGER NOT NULL DEFAULT 0,
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
        INSERT INTO calls_v2 (call_key, {_CALL_COLUMNS}, attempts)
            SELECT call_key, {_CALL_COLUMNS}, CASE WHEN status = 'failed' THEN 1 ELSE 0 END FROM calls;
        DROP TABLE calls;
        ALTER TABLE calls_v2 RENAME TO calls;
        CREATE INDEX calls_by_uid ON calls (call_uid, updated_at);
        CREATE INDEX calls_by_content ON calls (content_key);
        CREATE INDEX calls_by_path ON calls (path);
        CREATE INDEX calls_by_agent ON calls (agent_id);
    """),
    ("0003_identities_of_earlier_rows", _identities),
    # Manifest columns qc has no field for (queue, customer tier...), as JSON: kept in clear like the
    # other metadata columns, for the rule set assignment and the metadata check (teams branch).
    ("0004_call_extra_metadata", "ALTER TABLE calls ADD COLUMN extra TEXT NOT NULL DEFAULT '{}'"),
    # Human review of scored calls (qc serve, qc review import), keyed by call_uid so re-analysis
    # and re-scoring keep it: a sign-off per call, a decision per finding and per rule (the
    # finding key and machine status decided on, to flag what changed since), manual score
    # items, appeals, and an audit row for every action.
    ("0005_reviews", """
        CREATE TABLE reviews (
            call_uid    TEXT PRIMARY KEY,
            status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'signed')),
            signed_by   TEXT,
            signed_at   TEXT,
            updated_at  TEXT NOT NULL
        );
        CREATE TABLE review_decisions (
            call_uid       TEXT NOT NULL,
            rule_id        TEXT NOT NULL,
            kind           TEXT NOT NULL CHECK (kind IN ('finding', 'rule')),
            decision       TEXT NOT NULL CHECK (decision IN ('confirmed', 'false_positive', 'pass', 'fail', 'na')),
            finding_key    TEXT NOT NULL DEFAULT '',
            machine_status TEXT NOT NULL,
            comment        TEXT NOT NULL DEFAULT '',
            decided_by     TEXT NOT NULL,
            decided_at     TEXT NOT NULL,
            PRIMARY KEY (call_uid, rule_id, kind)
        );
        CREATE TABLE review_items (
            id          INTEGER PRIMARY KEY,
            call_uid    TEXT NOT NULL,
            points      REAL NOT NULL,
            label       TEXT NOT NULL,
            added_by    TEXT NOT NULL,
            added_at    TEXT NOT NULL,
            removed_by  TEXT,
            removed_at  TEXT
        );
        CREATE INDEX review_items_by_call ON review_items (call_uid);
        CREATE TABLE appeals (
            id               INTEGER PRIMARY KEY,
            call_uid         TEXT NOT NULL,
            rule_id          TEXT NOT NULL,
            finding_key      TEXT NOT NULL,
            comment          TEXT NOT NULL,
            filed_by         TEXT NOT NULL,
            filed_at         TEXT NOT NULL,
            status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
            decided_by       TEXT,
            decided_at       TEXT,
            decision_comment TEXT NOT NULL DEFAULT '',
            ruling           TEXT,
            closed_by        TEXT,
            closed_at        TEXT
        );
        CREATE INDEX appeals_by_call ON appeals (call_uid);
        CREATE TABLE review_audit (
            id       INTEGER PRIMARY KEY,
            call_uid TEXT NOT NULL,
            at       TEXT NOT NULL,
            actor    TEXT NOT NULL,
            role     TEXT NOT NULL,
            action   TEXT NOT NULL,
            target   TEXT NOT NULL DEFAULT '',
            before   TEXT NOT NULL,
            after    TEXT NOT NULL,
            comment  TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX review_audit_by_call ON review_audit (call_uid, id)
    """),
)


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations not yet recorded; return their names."""
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    applied = []
    for name, step in MIGRATIONS:
        db.execute("BEGIN IMMEDIATE")  # one writer at a time: a second process waits, then sees it applied
        try:
            if db.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone():
                db.execute("COMMIT")
                continue
            if callable(step):
                step(db)
            else:
                for statement in filter(str.strip, step.split(";")):
                    db.execute(statement)
            db.execute("INSERT INTO migrations VALUES (?, ?)", (name, now()))
            db.execute("COMMIT")
        except Exception:
            db.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
