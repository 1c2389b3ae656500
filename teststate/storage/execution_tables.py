"""The tables of executions, and what the modules that use them share: the record and its row.

One `Schema` holds every table of executions, so whichever of `teststate.storage.executions`,
`teststate.storage.signals`, `teststate.storage.children` and `teststate.storage.leases` is called
first creates them all: an execution's create stores its parent's signals and its link in one
transaction, and a release appends events, closes tokens and signals parents in one.

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
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from teststate.storage.db import Column, Database, Schema

__all__ = [
    "COLUMNS",
    "RUNNING",
    "SCHEMA",
    "TOKEN_ANSWERED",
    "TOKEN_CLOSED",
    "TOKEN_OPEN",
    "TOKEN_TIMED_OUT",
    "ExecutionRecord",
    "decode_resources",
    "encode_resources",
    "ensure_tables",
    "record_of",
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

COLUMNS: Final = (
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


def record_of(row: Sequence[Any]) -> ExecutionRecord:
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
        service_calls=decode_resources(row[23]),
    )


def encode_resources(resources: frozenset[str] | None) -> str | None:
    """A set of resources as stored: a JSON array, sorted (None: not fixed)."""
    return None if resources is None else json.dumps(sorted(resources))


def decode_resources(text: str | None) -> frozenset[str] | None:
    return None if text is None else frozenset(str(item) for item in json.loads(text))


def ensure_tables(db: Database) -> sqlite3.Connection:
    db.ensure(SCHEMA)
    return db.connection()
