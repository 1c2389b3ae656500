"""Executions in SQLite: the execution rows, their history events, signals, task tokens and leases.

Every gunicorn worker opens the same database file (`teststate.storage.db`), so whichever worker
answers sees every execution. An execution is *driven* (its engine run, its events appended) by
exactly one worker at a time: the one holding its lease (owner and expiry). The lease is renewed
with every batch of events appended; a worker killed mid-run stops renewing it, and once it has
expired another worker's runner claims the execution and re-runs it from its recorded events
(the engine is deterministic: `interpreter.execution`).

Tables:

- ``executions``: one row per execution (what started it, what it is waiting for, how it ended,
  its lease); ``seq`` (the rowid) orders ListExecutions, newest first. ``service_calls`` (added
  after the table's first release: `SCHEMA`'s added columns, `teststate.storage.db`) holds the
  Task Resources the execution calls for real (`ExecutionRecord.service_calls`).
- ``execution_events``: the history, one row per event (its API form as JSON, timestamp as ISO
  text); ids are 1, 2, ... per execution.
- ``execution_signals``: what arrived for an execution (task answers, stop requests, timers) in
  arrival order, as the engine consumes them.
- ``task_tokens``: every token an execution waited on, and whether it is still open.
- ``mock_documents``: the mock configuration texts executions started with, by content hash, so
  a re-run uses the file as it was when the execution started even after the file changed.
- ``execution_children``: the executions a Task started with ``states:startExecution.sync[:2]``
  and waits for (`ChildLink`): the child's end becomes a signal of the parent, and the parent's
  end stops the children still running (`teststate.executions.nested`).

Values in, values out: functions take the `Database` and plain values and return frozen records.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from teststate.storage.db import Column, Database, Schema

__all__ = [
    "RUNNING",
    "SCHEMA",
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
]

RUNNING: Final = "RUNNING"

SCHEMA: Final = Schema(
    "executions",
    (
        """CREATE TABLE IF NOT EXISTS executions (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            arn TEXT NOT NULL UNIQUE,
            state_machine_arn TEXT NOT NULL,
            version_arn TEXT,
            state_machine_name TEXT NOT NULL,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            status TEXT NOT NULL,
            input TEXT NOT NULL,
            definition TEXT NOT NULL,
            role_arn TEXT NOT NULL,
            start_date TEXT NOT NULL,
            stop_date TEXT,
            output TEXT,
            error TEXT,
            cause TEXT,
            trace_header TEXT,
            test_case TEXT,
            mock_hash TEXT,
            clock TEXT NOT NULL,
            redrive_count INTEGER NOT NULL DEFAULT 0,
            event_count INTEGER NOT NULL DEFAULT 0,
            runnable INTEGER NOT NULL DEFAULT 1,
            wake_at REAL,
            lease_owner TEXT,
            lease_expires REAL,
            service_calls TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS executions_machine ON executions (state_machine_arn, seq)",
        "CREATE INDEX IF NOT EXISTS executions_status ON executions (status)",
        """CREATE TABLE IF NOT EXISTS execution_events (
            execution_arn TEXT NOT NULL,
            id INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (execution_arn, id)
        ) WITHOUT ROWID""",
        """CREATE TABLE IF NOT EXISTS execution_signals (
            execution_arn TEXT NOT NULL,
            seq INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (execution_arn, seq)
        ) WITHOUT ROWID""",
        """CREATE TABLE IF NOT EXISTS task_tokens (
            token TEXT PRIMARY KEY,
            execution_arn TEXT NOT NULL,
            state TEXT NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE IF NOT EXISTS mock_documents (
            hash TEXT PRIMARY KEY,
            text TEXT NOT NULL
        ) WITHOUT ROWID""",
        """CREATE TABLE IF NOT EXISTS execution_children (
            parent_arn TEXT NOT NULL,
            call_key TEXT NOT NULL,
            child_arn TEXT NOT NULL,
            token TEXT NOT NULL,
            pattern TEXT NOT NULL,
            PRIMARY KEY (parent_arn, call_key)
        ) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS execution_children_child ON execution_children (child_arn)",
    ),
    # Since the executions table's first release (a data directory of an earlier version): NULL
    # in the rows written before, "not fixed" (`ExecutionRecord.service_calls`).
    (Column("executions", "service_calls", "TEXT"),),
)

# Token states: waited on; answered by SendTaskSuccess/Failure (the answer is a stored signal);
# closed by the execution moving on without an answer (timed out) or ending.
TOKEN_OPEN: Final = "open"
TOKEN_ANSWERED: Final = "answered"
TOKEN_TIMED_OUT: Final = "timed_out"
TOKEN_CLOSED: Final = "closed"

_COLUMNS: Final = (
    "seq, arn, state_machine_arn, version_arn, state_machine_name, name, type, status, input, "
    "definition, role_arn, start_date, stop_date, output, error, cause, trace_header, test_case, "
    "mock_hash, clock, redrive_count, event_count, wake_at, service_calls"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionRecord:
    """One execution as stored.

    Attributes:
        seq: its place in the order executions were started (ListExecutions: newest first).
        arn, name: the execution's ARN and name.
        state_machine_arn: the (unqualified) state machine's ARN.
        version_arn: the version it was started on (None: the latest revision).
        state_machine_name, type: the machine's name and type (STANDARD | EXPRESS).
        status: RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED.
        input, definition, role_arn: as the execution started with them.
        start_date, stop_date: on the execution's clock (stop None while running).
        output, error, cause: how it ended.
        trace_header: the X-Ray trace header it was started with.
        test_case, mock_hash: the mock configuration's test case and the document's hash.
        clock: ``virtual`` or ``real``.
        redrive_count: times redriven.
        event_count: history events stored.
        wake_at: epoch seconds of the timer it waits on, if any.
        service_calls: the Task Resources the execution calls for real when the test case does
            not mock them (`interpreter.execution.model.ExecutionStart.service_calls`), fixed by
            the runner before the execution's first event (`fix_service_calls`) and used by every
            run after, whatever the settings of the process that runs it then; None while not
            fixed: not run yet, or started by a version that did not store it (its runs use the
            runner's settings, as that version did).
    """

    seq: int = 0
    arn: str
    state_machine_arn: str
    version_arn: str | None = None
    state_machine_name: str
    name: str
    type: str = "STANDARD"
    status: str = RUNNING
    input: str
    definition: str
    role_arn: str
    start_date: datetime
    stop_date: datetime | None = None
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    trace_header: str | None = None
    test_case: str | None = None
    mock_hash: str | None = None
    clock: str = "virtual"
    redrive_count: int = 0
    event_count: int = 0
    wake_at: float | None = None
    service_calls: frozenset[str] | None = None


def _record(row: Sequence[Any]) -> ExecutionRecord:
    return ExecutionRecord(
        seq=row[0],
        arn=row[1],
        state_machine_arn=row[2],
        version_arn=row[3],
        state_machine_name=row[4],
        name=row[5],
        type=row[6],
        status=row[7],
        input=row[8],
        definition=row[9],
        role_arn=row[10],
        start_date=datetime.fromisoformat(row[11]),
        stop_date=datetime.fromisoformat(row[12]) if row[12] else None,
        output=row[13],
        error=row[14],
        cause=row[15],
        trace_header=row[16],
        test_case=row[17],
        mock_hash=row[18],
        clock=row[19],
        redrive_count=row[20],
        event_count=row[21],
        wake_at=row[22],
        service_calls=_decode_resources(row[23]),
    )


def _encode_resources(resources: frozenset[str] | None) -> str | None:
    """A set of resources as stored: a JSON array, sorted (None: not fixed)."""
    return None if resources is None else json.dumps(sorted(resources))


def _decode_resources(text: str | None) -> frozenset[str] | None:
    return None if text is None else frozenset(str(item) for item in json.loads(text))


def _connection(db: Database) -> sqlite3.Connection:
    db.ensure(SCHEMA)
    return db.connection()


# --------------------------------------------------------------------------------------------
# Executions
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChildLink:
    """An execution started by a parent's ``.sync`` Task, which waits for its end.

    Attributes:
        parent_arn: the execution whose Task started it.
        call_key: the Task's call (`interpreter.execution.model.ServiceCall.key`).
        child_arn: the execution started.
        token: the token the parent waits under (`ServiceCall.token`).
        pattern: the Task's pattern: ``sync`` or ``sync:2``.
    """

    parent_arn: str
    call_key: str
    child_arn: str
    token: str
    pattern: str


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
        row = connection.execute(f"SELECT {_COLUMNS} FROM executions WHERE arn = ?", (record.arn,)).fetchone()
        if row is not None:
            return _record(row), False
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
                _encode_resources(record.service_calls),
            ),
        )
        connection.executemany(
            "INSERT INTO execution_events (execution_arn, id, body) VALUES (?, ?, ?)",
            [(record.arn, index, body) for index, body in enumerate(events, 1)],
        )
        seq = cursor.lastrowid or 0
        _insert_link(connection, link)
        for target, body in parent_signals:
            _append_signal(connection, target, body)
    return _with(record, seq=seq, event_count=len(events)), True


def _insert_link(connection: sqlite3.Connection, link: ChildLink | None) -> None:
    if link is not None:
        connection.execute(
            "INSERT OR IGNORE INTO execution_children (parent_arn, call_key, child_arn, token, pattern) "
            "VALUES (?, ?, ?, ?, ?)",
            (link.parent_arn, link.call_key, link.child_arn, link.token, link.pattern),
        )


ChildEnd = Callable[[ChildLink, ExecutionRecord], Any]
"""The signal that tells a waiting parent its child ended (the link, the ended child)."""


def link_child(
    db: Database, parent_signal: tuple[str, Any], link: ChildLink | None, child_end: ChildEnd
) -> None:
    """A Task's call answered with an execution that already existed (StartExecution's same
    name and input while it runs): the parent's signal, and for a ``.sync`` Task the link, in
    one transaction; should the child have ended meanwhile, its end (`child_end`) too."""
    db.ensure(SCHEMA)
    with db.transaction() as connection:
        _insert_link(connection, link)
        _append_signal(connection, *parent_signal)
        if link is not None:
            row = connection.execute(
                f"SELECT {_COLUMNS} FROM executions WHERE arn = ?", (link.child_arn,)
            ).fetchone()
            if row is not None and row[7] != RUNNING:
                _append_signal(connection, link.parent_arn, child_end(link, _record(row)))


def parents_of(db: Database, child_arn: str) -> list[ChildLink]:
    """The ``.sync`` Tasks that wait for the end of `child_arn`."""
    rows = (
        _connection(db)
        .execute(
            "SELECT parent_arn, call_key, child_arn, token, pattern FROM execution_children "
            "WHERE child_arn = ? ORDER BY parent_arn, call_key",
            (child_arn,),
        )
        .fetchall()
    )
    return [ChildLink(*row) for row in rows]


def children_of(db: Database, parent_arn: str) -> list[ChildLink]:
    """The executions `parent_arn`'s ``.sync`` Tasks started that are still RUNNING."""
    rows = (
        _connection(db)
        .execute(
            "SELECT c.parent_arn, c.call_key, c.child_arn, c.token, c.pattern FROM execution_children c "
            "JOIN executions e ON e.arn = c.child_arn WHERE c.parent_arn = ? AND e.status = ? "
            "ORDER BY c.call_key",
            (parent_arn, RUNNING),
        )
        .fetchall()
    )
    return [ChildLink(*row) for row in rows]


def _with(record: ExecutionRecord, **changes: Any) -> ExecutionRecord:
    values = {name: getattr(record, name) for name in ExecutionRecord.__dataclass_fields__}
    values.update(changes)
    return ExecutionRecord(**values)


def get_execution(db: Database, arn: str) -> ExecutionRecord | None:
    """The execution of that ARN, or None."""
    row = _connection(db).execute(f"SELECT {_COLUMNS} FROM executions WHERE arn = ?", (arn,)).fetchone()
    return _record(row) if row is not None else None


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
        _connection(db)
        .execute(
            f"SELECT {_COLUMNS} FROM executions WHERE {' AND '.join(clauses)} ORDER BY seq DESC LIMIT ?",
            (*values, limit),
        )
        .fetchall()
    )
    return [_record(row) for row in rows]


# --------------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------------
def count_events(db: Database, arn: str) -> int:
    """How many events of the execution are stored."""
    row = _connection(db).execute("SELECT event_count FROM executions WHERE arn = ?", (arn,)).fetchone()
    return int(row[0]) if row else 0


def read_events(
    db: Database, arn: str, *, first: int = 1, last: int | None = None, reverse: bool = False
) -> list[str]:
    """The events with ids `first`..`last` (inclusive; to the end when None), as JSON texts, in
    id order (descending when `reverse`)."""
    order = "DESC" if reverse else "ASC"
    high = last if last is not None else 2**62
    rows = (
        _connection(db)
        .execute(
            f"SELECT body FROM execution_events WHERE execution_arn = ? AND id BETWEEN ? AND ? ORDER BY id {order}",
            (arn, first, high),
        )
        .fetchall()
    )
    return [row[0] for row in rows]


# --------------------------------------------------------------------------------------------
# Signals and task tokens
# --------------------------------------------------------------------------------------------
def append_signal(db: Database, arn: str, body: Any) -> bool:
    """Append a signal (JSON value) to a running execution and make it runnable.

    Returns:
        False when the execution is not running (the signal is dropped).
    """
    db.ensure(SCHEMA)
    with db.transaction() as connection:
        return _append_signal(connection, arn, body)


def _append_signal(connection: sqlite3.Connection, arn: str, body: Any) -> bool:
    row = connection.execute("SELECT status FROM executions WHERE arn = ?", (arn,)).fetchone()
    if row is None or row[0] != RUNNING:
        return False
    seq = connection.execute(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM execution_signals WHERE execution_arn = ?", (arn,)
    ).fetchone()[0]
    connection.execute(
        "INSERT INTO execution_signals (execution_arn, seq, body) VALUES (?, ?, ?)",
        (arn, seq, json.dumps(body, separators=(",", ":"))),
    )
    connection.execute("UPDATE executions SET runnable = 1 WHERE arn = ?", (arn,))
    return True


def read_signals(db: Database, arn: str) -> list[Any]:
    """The execution's signals (JSON values), in arrival order."""
    rows = (
        _connection(db)
        .execute("SELECT body FROM execution_signals WHERE execution_arn = ? ORDER BY seq", (arn,))
        .fetchall()
    )
    return [json.loads(row[0]) for row in rows]


@dataclass(frozen=True, slots=True)
class TokenAnswer:
    """What became of a SendTask* call: ``signalled`` (the answer is stored), ``unknown`` (no
    execution ever waited on that token), ``answered``/``closed`` (the task is over),
    ``timed_out`` (the task timed out before the answer came).

    Attributes:
        outcome: one of the above.
        execution_arn: the execution the token belongs to ("" when unknown).
    """

    outcome: str
    execution_arn: str = ""


def answer_token(db: Database, token: str, body: Any, *, closes: bool) -> TokenAnswer:
    """Record `body` (a signal) for the task `token` names, if that task still waits; a success
    or failure (`closes`) ends the wait at once, so a second answer finds the task gone."""
    db.ensure(SCHEMA)
    with db.transaction() as connection:
        row = connection.execute(
            "SELECT execution_arn, state FROM task_tokens WHERE token = ?", (token,)
        ).fetchone()
        if row is None:
            return TokenAnswer("unknown")
        arn, state = row
        if state != TOKEN_OPEN:
            return TokenAnswer(state, arn)
        if not _append_signal(connection, arn, body):
            connection.execute("UPDATE task_tokens SET state = ? WHERE token = ?", (TOKEN_CLOSED, token))
            return TokenAnswer(TOKEN_CLOSED, arn)
        if closes:
            connection.execute("UPDATE task_tokens SET state = ? WHERE token = ?", (TOKEN_ANSWERED, token))
        return TokenAnswer("signalled", arn)


# --------------------------------------------------------------------------------------------
# Leases and progress
# --------------------------------------------------------------------------------------------
def runnable(db: Database, now: float, *, limit: int = 16) -> tuple[list[str], float | None]:
    """Executions some runner should drive now (new or signalled, timer due, or whose owner's
    lease expired), oldest first; and the earliest future timer (epoch seconds), if any."""
    connection = _connection(db)
    rows = connection.execute(
        "SELECT arn FROM executions WHERE status = ? AND "
        "(lease_owner IS NULL OR lease_expires < ?) AND "
        "(runnable = 1 OR (wake_at IS NOT NULL AND wake_at <= ?) OR lease_owner IS NOT NULL) "
        "ORDER BY seq LIMIT ?",
        (RUNNING, now, now, limit),
    ).fetchall()
    upcoming = connection.execute(
        "SELECT MIN(wake_at) FROM executions WHERE status = ? AND wake_at > ?", (RUNNING, now)
    ).fetchone()[0]
    return [row[0] for row in rows], upcoming


def has_unfinished(db: Database) -> bool:
    """Does the database hold an execution still RUNNING? (A worker starting up resumes them.)
    Reads only: a database without the executions table yet has none."""
    try:
        row = (
            db.connection()
            .execute("SELECT 1 FROM executions WHERE status = ? LIMIT 1", (RUNNING,))
            .fetchone()
        )
    except sqlite3.OperationalError as err:
        if "no such table" in str(err):
            return False
        raise
    return row is not None


def leased(db: Database, now: float, *, limit: int = 64) -> list[tuple[str, str]]:
    """RUNNING executions whose lease has not expired yet, with their owners (a runner checks
    whether an owner's process is gone: `claim` then takes the lease from it at once)."""
    rows = (
        _connection(db)
        .execute(
            "SELECT arn, lease_owner FROM executions WHERE status = ? AND lease_owner IS NOT NULL "
            "AND lease_expires >= ? ORDER BY seq LIMIT ?",
            (RUNNING, now, limit),
        )
        .fetchall()
    )
    return [(str(row[0]), str(row[1])) for row in rows]


def claim(
    db: Database,
    arn: str,
    owner: str,
    now: float,
    lease_seconds: float,
    timer_signal: Any,
    *,
    dead_owner: str | None = None,
) -> bool:
    """Take the execution's lease if it is free, expired or held by `dead_owner` (a process the
    caller knows has died), and the execution has work; a due timer becomes a signal
    (`timer_signal`) here, exactly once.

    Returns:
        True when `owner` now drives the execution.
    """
    db.ensure(SCHEMA)
    with db.transaction() as connection:
        row = connection.execute(
            "SELECT status, runnable, wake_at, lease_owner, lease_expires FROM executions WHERE arn = ?",
            (arn,),
        ).fetchone()
        if row is None or row[0] != RUNNING:
            return False
        _, is_runnable, wake_at, lease_owner, lease_expires = row
        held = lease_owner is not None and lease_owner not in (owner, dead_owner)
        if held and lease_expires >= now:
            return False
        due = wake_at is not None and wake_at <= now
        if not (is_runnable or due or lease_owner is not None):
            return False
        if due:
            _append_signal(connection, arn, timer_signal)
        connection.execute(
            "UPDATE executions SET runnable = 0, wake_at = CASE WHEN ? THEN NULL ELSE wake_at END, "
            "lease_owner = ?, lease_expires = ? WHERE arn = ?",
            (due, owner, now + lease_seconds, arn),
        )
        return True


def fix_service_calls(db: Database, arn: str, owner: str, resources: frozenset[str]) -> frozenset[str] | None:
    """Fix the Task Resources the execution calls for real (`ExecutionRecord.service_calls`) to
    `resources`, if they are not fixed yet, the execution has no event yet (no run has taken a
    path) and `owner` holds its lease (one writer).

    Returns:
        the value stored now: `resources`, the one fixed before, or None (an execution started
        by an earlier version that has run already: nothing can be fixed for it).
    """
    db.ensure(SCHEMA)
    with db.transaction() as connection:
        connection.execute(
            "UPDATE executions SET service_calls = ? WHERE arn = ? AND service_calls IS NULL "
            "AND event_count = 0 AND lease_owner = ?",
            (_encode_resources(resources), arn, owner),
        )
        row = connection.execute("SELECT service_calls FROM executions WHERE arn = ?", (arn,)).fetchone()
    return _decode_resources(row[0]) if row is not None else None


def record_progress(
    db: Database,
    arn: str,
    owner: str,
    first_id: int,
    events: Sequence[str],
    lease_until: float,
) -> bool:
    """Append `events` (JSON texts, ids from `first_id`) and renew the lease, if `owner` still
    holds it.

    Returns:
        False when the lease was lost (another runner took the execution over): nothing stored.
    """
    with _as_owner(db, arn, owner, first_id, events) as connection:
        if connection is None:
            return False
        connection.execute("UPDATE executions SET lease_expires = ? WHERE arn = ?", (lease_until, arn))
        return True


@contextmanager
def _as_owner(
    db: Database, arn: str, owner: str, first_id: int, events: Sequence[str]
) -> Iterator[sqlite3.Connection | None]:
    """A write transaction in which `events` (JSON texts, ids from `first_id`) were appended,
    if `owner` still holds the execution's lease; None (and nothing written) if it lost it."""
    db.ensure(SCHEMA)
    with db.transaction() as connection:
        if not _owns(connection, arn, owner):
            yield None
            return
        _insert_events(connection, arn, first_id, events)
        yield connection


def _owns(connection: sqlite3.Connection, arn: str, owner: str) -> bool:
    row = connection.execute("SELECT lease_owner, status FROM executions WHERE arn = ?", (arn,)).fetchone()
    return row is not None and row[0] == owner and row[1] == RUNNING


def _insert_events(connection: sqlite3.Connection, arn: str, first_id: int, events: Sequence[str]) -> None:
    if not events:
        return
    connection.executemany(
        "INSERT INTO execution_events (execution_arn, id, body) VALUES (?, ?, ?)",
        [(arn, first_id + index, body) for index, body in enumerate(events)],
    )
    connection.execute(
        "UPDATE executions SET event_count = ? WHERE arn = ?", (first_id + len(events) - 1, arn)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """How a run left the execution: suspended (`tokens`, `wake_at`) or ended (`status` ...).

    Attributes:
        status: RUNNING while suspended, else the final status.
        tokens: the task tokens it waits on (suspended).
        wake_at: epoch seconds of its timer (suspended), if any.
        stop_date, output, error, cause: how it ended.
        timed_out: tokens still open that the run closed because their task timed out.
    """

    status: str = RUNNING
    tokens: tuple[str, ...] = ()
    wake_at: float | None = None
    stop_date: datetime | None = None
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    timed_out: bool = False


def release(
    db: Database,
    arn: str,
    owner: str,
    first_id: int,
    events: Sequence[str],
    outcome: Outcome,
    *,
    child_end: ChildEnd | None = None,
    stop_children: Any = None,
) -> bool:
    """Append the last `events`, record the `outcome` and give the lease up (if `owner` still
    holds it). Tokens the execution no longer waits on are closed (``timed_out`` when the run
    says a task timed out); new ones are opened. When the execution ends, in the same
    transaction (stored exactly when the end is): the parents whose ``.sync`` Tasks wait for it
    get `child_end`'s signal, and, when it did not succeed, its children still running get the
    signal `stop_children` (when given).

    Returns:
        False when the lease was lost: nothing stored.
    """
    with _as_owner(db, arn, owner, first_id, events) as connection:
        if connection is None:
            return False
        open_tokens = {
            row[0]
            for row in connection.execute(
                "SELECT token FROM task_tokens WHERE execution_arn = ? AND state = ?", (arn, TOKEN_OPEN)
            )
        }
        waiting = set(outcome.tokens) if outcome.status == RUNNING else set()
        gone = open_tokens - waiting
        connection.executemany(
            "UPDATE task_tokens SET state = ? WHERE token = ?",
            [(TOKEN_TIMED_OUT if outcome.timed_out else TOKEN_CLOSED, token) for token in sorted(gone)],
        )
        connection.executemany(
            "INSERT OR IGNORE INTO task_tokens (token, execution_arn, state) VALUES (?, ?, ?)",
            [(token, arn, TOKEN_OPEN) for token in sorted(waiting - open_tokens)],
        )
        if outcome.status == RUNNING:
            connection.execute(
                "UPDATE executions SET wake_at = ?, lease_owner = NULL, lease_expires = NULL WHERE arn = ?",
                (outcome.wake_at, arn),
            )
        else:
            connection.execute(
                "UPDATE executions SET status = ?, stop_date = ?, output = ?, error = ?, cause = ?, "
                "wake_at = NULL, runnable = 0, lease_owner = NULL, lease_expires = NULL WHERE arn = ?",
                (
                    outcome.status,
                    outcome.stop_date.isoformat() if outcome.stop_date else None,
                    outcome.output,
                    outcome.error,
                    outcome.cause,
                    arn,
                ),
            )
            _end_links(connection, arn, outcome, child_end, stop_children)
        return True


def _end_links(
    connection: sqlite3.Connection, arn: str, outcome: Outcome, child_end: ChildEnd | None, stop: Any
) -> None:
    """An execution ended: signal the parents waiting for it and stop its running children."""
    if child_end is not None:
        links = [
            ChildLink(*row)
            for row in connection.execute(
                "SELECT parent_arn, call_key, child_arn, token, pattern FROM execution_children "
                "WHERE child_arn = ? ORDER BY parent_arn, call_key",
                (arn,),
            )
        ]
        if links:
            row = connection.execute(f"SELECT {_COLUMNS} FROM executions WHERE arn = ?", (arn,)).fetchone()
            for link in links:
                _append_signal(connection, link.parent_arn, child_end(link, _record(row)))
    if stop is not None and outcome.status != "SUCCEEDED":
        children = connection.execute(
            "SELECT c.child_arn FROM execution_children c JOIN executions e ON e.arn = c.child_arn "
            "WHERE c.parent_arn = ? AND e.status = ? ORDER BY c.call_key",
            (arn, RUNNING),
        ).fetchall()
        for (child,) in children:
            _append_signal(connection, child, stop)


def abandon(db: Database, arn: str, owner: str, first_id: int, events: Sequence[str]) -> bool:
    """Append the `events` run so far and give the lease up with the execution still runnable
    (its runner is stopping): another runner resumes it at once, from the events stored.

    Returns:
        False when the lease was lost: nothing stored.
    """
    with _as_owner(db, arn, owner, first_id, events) as connection:
        if connection is None:
            return False
        connection.execute(
            "UPDATE executions SET runnable = 1, lease_owner = NULL, lease_expires = NULL WHERE arn = ?",
            (arn,),
        )
        return True


def lease_holder(db: Database, arn: str) -> tuple[str | None, float | None]:
    """The execution's lease owner and expiry (None, None when free)."""
    row = (
        _connection(db)
        .execute("SELECT lease_owner, lease_expires FROM executions WHERE arn = ?", (arn,))
        .fetchone()
    )
    return (row[0], row[1]) if row else (None, None)


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
    row = _connection(db).execute("SELECT text FROM mock_documents WHERE hash = ?", (digest,)).fetchone()
    return str(row[0]) if row else None


def token_known(db: Database, token: str) -> bool:
    """Has this server ever handed out the task `token` (whatever its state now)?"""
    row = _connection(db).execute("SELECT 1 FROM task_tokens WHERE token = ?", (token,)).fetchone()
    return row is not None


def tokens_of(db: Database, arn: str) -> Iterable[tuple[str, str]]:
    """The execution's task tokens and their states (tests and diagnostics)."""
    return list(
        _connection(db)
        .execute("SELECT token, state FROM task_tokens WHERE execution_arn = ?", (arn,))
        .fetchall()
    )
