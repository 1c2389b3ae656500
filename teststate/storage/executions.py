"""Executions in SQLite: the execution rows, their history events, signals, task tokens and leases.

Every gunicorn worker opens the same database file (`teststate.storage.db`), so whichever worker
answers sees every execution. An execution is *driven* (its engine run, its events appended) by
exactly one worker at a time: the one holding its lease (owner and expiry). The lease is renewed
with every batch of events appended; a worker killed mid-run stops renewing it, and once it has
expired another worker's runner claims the execution and re-runs it from its recorded events
(the engine is deterministic: `interpreter.execution`).

The tables and the record are `teststate.storage.execution_tables`; signals and task tokens
`teststate.storage.signals`; leases and progress `teststate.storage.leases`; the links of
``.sync`` children `teststate.storage.children`. This module creates and reads executions, their
history and mock documents, and re-exports the others' names, so that callers use one module
(imported as ``store``).

Values in, values out: functions take the `Database` and plain values and return frozen records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from teststate.storage.children import (
    ChildEnd,
    ChildLink,
    children_of,
    insert_link,
    link_child,
    parents_of,
)
from teststate.storage.db import Database
from teststate.storage.execution_tables import (
    COLUMNS,
    RUNNING,
    SCHEMA,
    TOKEN_ANSWERED,
    TOKEN_CLOSED,
    TOKEN_OPEN,
    TOKEN_TIMED_OUT,
    ExecutionRecord,
    encode_resources,
    ensure_tables,
    record_of,
)
from teststate.storage.leases import (
    Outcome,
    abandon,
    claim,
    fix_service_calls,
    has_unfinished,
    lease_holder,
    leased,
    record_progress,
    release,
    runnable,
)
from teststate.storage.signals import (
    TokenAnswer,
    answer_token,
    append_signal,
    insert_signal,
    read_signals,
    token_known,
    tokens_of,
)

__all__ = [
    "RUNNING",
    "SCHEMA",
    "TOKEN_ANSWERED",
    "TOKEN_CLOSED",
    "TOKEN_OPEN",
    "TOKEN_TIMED_OUT",
    "ChildEnd",
    "ChildLink",
    "ExecutionRecord",
    "Outcome",
    "TokenAnswer",
    "abandon",
    "answer_token",
    "append_signal",
    "children_of",
    "claim",
    "count_events",
    "create_execution",
    "fix_service_calls",
    "get_execution",
    "has_unfinished",
    "lease_holder",
    "leased",
    "link_child",
    "list_executions",
    "load_mock_document",
    "parents_of",
    "read_events",
    "read_signals",
    "record_progress",
    "release",
    "runnable",
    "store_mock_document",
    "token_known",
    "tokens_of",
]


# --------------------------------------------------------------------------------------------
# Executions
# --------------------------------------------------------------------------------------------
def create_execution(
    db: Database,
    record: ExecutionRecord,
    events: Sequence[str] = (),
    *,
    parent_signals: Sequence[tuple[str, Any]] = (),
    link: ChildLink | None = None,
) -> tuple[ExecutionRecord, bool]:
    """Store a new execution (and, for one that ended before it ran, its `events` as JSON
    texts), unless one with its ARN exists. An execution a Task starts (`parent_signals`:
    (ARN, signal) pairs, the call's result for the parent; `link` for a ``.sync`` Task) is stored
    in the same transaction as the parent's signals: a runner that dies before it started nothing,
    one that dies after it has the call's result stored, so the child is never started twice.

    Returns:
        the stored record and True, or the existing execution of that ARN and False (then
        nothing else is stored).
    """
    db.ensure(SCHEMA)
    with db.transaction() as connection:
        row = connection.execute(f"SELECT {COLUMNS} FROM executions WHERE arn = ?", (record.arn,)).fetchone()
        if row is not None:
            return record_of(row), False
        cursor = connection.execute(
            "INSERT INTO executions (arn, state_machine_arn, version_arn, state_machine_name, name, type, "
            "status, input, definition, role_arn, start_date, stop_date, output, error, cause, "
            "trace_header, test_case, mock_hash, clock, redrive_count, event_count, runnable, "
            "service_calls) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.arn,
                record.state_machine_arn,
                record.version_arn,
                record.state_machine_name,
                record.name,
                record.type,
                record.status,
                record.input,
                record.definition,
                record.role_arn,
                record.start_date.isoformat(),
                record.stop_date.isoformat() if record.stop_date else None,
                record.output,
                record.error,
                record.cause,
                record.trace_header,
                record.test_case,
                record.mock_hash,
                record.clock,
                record.redrive_count,
                len(events),
                1 if record.status == RUNNING else 0,
                encode_resources(record.service_calls),
            ),
        )
        connection.executemany(
            "INSERT INTO execution_events (execution_arn, id, body) VALUES (?, ?, ?)",
            [(record.arn, index, body) for index, body in enumerate(events, 1)],
        )
        seq = cursor.lastrowid or 0
        insert_link(connection, link)
        for target, body in parent_signals:
            insert_signal(connection, target, body)
    return _with(record, seq=seq, event_count=len(events)), True


def _with(record: ExecutionRecord, **changes: Any) -> ExecutionRecord:
    values = {name: getattr(record, name) for name in ExecutionRecord.__dataclass_fields__}
    values.update(changes)
    return ExecutionRecord(**values)


def get_execution(db: Database, arn: str) -> ExecutionRecord | None:
    """The execution of that ARN, or None."""
    row = ensure_tables(db).execute(f"SELECT {COLUMNS} FROM executions WHERE arn = ?", (arn,)).fetchone()
    return record_of(row) if row is not None else None


def list_executions(
    db: Database,
    state_machine_arn: str,
    *,
    version_arn: str | None = None,
    status: str | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> list[ExecutionRecord]:
    """The machine's executions, newest first, from before `before_seq` (a page's start),
    only those of `version_arn` / with `status` when given; at most `limit`."""
    clauses, values = ["state_machine_arn = ?"], [state_machine_arn]
    if version_arn is not None:
        clauses.append("version_arn = ?")
        values.append(version_arn)
    if status is not None:
        clauses.append("status = ?")
        values.append(status)
    if before_seq is not None:
        clauses.append("seq < ?")
        values.append(str(before_seq))
    rows = (
        ensure_tables(db)
        .execute(
            f"SELECT {COLUMNS} FROM executions WHERE {' AND '.join(clauses)} ORDER BY seq DESC LIMIT ?",
            (*values, limit),
        )
        .fetchall()
    )
    return [record_of(row) for row in rows]


# --------------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------------
def count_events(db: Database, arn: str) -> int:
    """How many events of the execution are stored."""
    row = ensure_tables(db).execute("SELECT event_count FROM executions WHERE arn = ?", (arn,)).fetchone()
    return int(row[0]) if row else 0


def read_events(
    db: Database, arn: str, *, first: int = 1, last: int | None = None, reverse: bool = False
) -> list[str]:
    """The events with ids `first`..`last` (inclusive; to the end when None), as JSON texts, in
    id order (descending when `reverse`)."""
    order = "DESC" if reverse else "ASC"
    high = last if last is not None else 2**62
    rows = (
        ensure_tables(db)
        .execute(
            f"SELECT body FROM execution_events WHERE execution_arn = ? AND id BETWEEN ? AND ? ORDER BY id {order}",
            (arn, first, high),
        )
        .fetchall()
    )
    return [row[0] for row in rows]


# --------------------------------------------------------------------------------------------
# Mock documents
# --------------------------------------------------------------------------------------------
def store_mock_document(db: Database, text: str) -> str:
    """Keep a mock configuration text (once per content) and return its hash."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    db.ensure(SCHEMA)
    connection = db.connection()
    if connection.execute("SELECT 1 FROM mock_documents WHERE hash = ?", (digest,)).fetchone() is None:
        with db.transaction() as writer:
            writer.execute("INSERT OR IGNORE INTO mock_documents (hash, text) VALUES (?, ?)", (digest, text))
    return digest


def load_mock_document(db: Database, digest: str) -> str | None:
    """The mock configuration text of that hash."""
    row = ensure_tables(db).execute("SELECT text FROM mock_documents WHERE hash = ?", (digest,)).fetchone()
    return str(row[0]) if row else None
