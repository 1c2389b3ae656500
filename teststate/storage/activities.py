"""Activities and their scheduled tasks, in the service's SQLite database.

Tables (`SCHEMA`):

- ``activities``: one row per activity (CreateActivity); ListActivities answers them by name.
- ``activity_tasks``: the tasks executions scheduled for an activity (an activity Task's schedule
  call, `teststate.executions.activities`), oldest first, and the worker that took each
  (GetActivityTask). A task is offered while its token is open (``task_tokens``,
  `teststate.storage.execution_tables`) and its execution RUNNING: a task that timed out, was
  answered, or whose execution ended (stopped, failed) is never handed out (its row is deleted
  by the next poll of its activity).

A task is scheduled in ONE transaction with the schedule call's result (the execution's signal)
and its token opened, so a runner that dies in between scheduled nothing, a worker can answer
the token as soon as it has it, and a re-run never schedules it twice. A task is taken in one
transaction with the execution's `ActivityStarted` signal.

Values in, values out: functions take the `Database` and plain values and return frozen records.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from teststate.storage import tags as tag_store
from teststate.storage.db import Database, Schema
from teststate.storage.execution_tables import RUNNING, TOKEN_OPEN
from teststate.storage.execution_tables import SCHEMA as EXECUTION_SCHEMA
from teststate.storage.machine_tables import SCHEMA as MACHINE_SCHEMA
from teststate.storage.signals import insert_signal

__all__ = [
    "SCHEMA",
    "ActivityRecord",
    "ActivityTask",
    "activity_exists",
    "create_activity",
    "delete_activity",
    "ensure_tables",
    "get_activity",
    "has_waiting_task",
    "list_activities",
    "schedule_task",
    "take_task",
]

SCHEMA: Final = Schema(
    "activities",
    (
        """CREATE TABLE IF NOT EXISTS activities (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            arn TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            creation_date TEXT NOT NULL,
            encryption TEXT
        )""",
        """CREATE TABLE IF NOT EXISTS activity_tasks (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            token TEXT NOT NULL UNIQUE,
            activity_arn TEXT NOT NULL,
            execution_arn TEXT NOT NULL,
            input TEXT NOT NULL,
            scheduled_at TEXT NOT NULL,
            worker_name TEXT,
            taken_at TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS activity_tasks_waiting ON activity_tasks (activity_arn, taken_at, seq)",
    ),
)


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """One activity: its ARN, name, creation date and encryption configuration (None: AWS's
    default, an AWS owned key)."""

    seq: int
    arn: str
    name: str
    creation_date: datetime
    encryption: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ActivityTask:
    """A task a worker took: its token and input (the Task's effective parameters, JSON text)."""

    token: str
    input: str
    execution_arn: str


def _ensure(db: Database) -> None:
    db.ensure(MACHINE_SCHEMA)  # resource_tags
    db.ensure(EXECUTION_SCHEMA)  # executions, task_tokens, execution_signals
    db.ensure(SCHEMA)


_COLUMNS: Final = "seq, arn, name, creation_date, encryption"


def _record(row: tuple[Any, ...]) -> ActivityRecord:
    return ActivityRecord(
        row[0], row[1], row[2], datetime.fromisoformat(row[3]), json.loads(row[4]) if row[4] else None
    )


def create_activity(
    db: Database,
    arn: str,
    name: str,
    now: datetime,
    encryption: dict[str, Any] | None,
    tags: list[tag_store.Tag],
) -> tuple[ActivityRecord, bool]:
    """Create the activity with its tags, unless one of that ARN exists: (the stored activity,
    whether it was created now). An existing one is left as it is (its tags too)."""
    _ensure(db)
    with db.transaction() as connection:
        row = connection.execute(f"SELECT {_COLUMNS} FROM activities WHERE arn = ?", (arn,)).fetchone()
        if row is not None:
            return _record(row), False
        connection.execute(
            "INSERT INTO activities (arn, name, creation_date, encryption) VALUES (?, ?, ?, ?)",
            (arn, name, now.isoformat(), json.dumps(encryption) if encryption is not None else None),
        )
        tag_store.write_tags(connection, arn, tags)
        row = connection.execute(f"SELECT {_COLUMNS} FROM activities WHERE arn = ?", (arn,)).fetchone()
    return _record(row), True


def activity_exists(connection: sqlite3.Connection, arn: str) -> bool:
    """Is there an activity `arn` (asked within a transaction: `teststate.storage.tags.Exists`)?"""
    return connection.execute("SELECT 1 FROM activities WHERE arn = ?", (arn,)).fetchone() is not None


def ensure_tables(db: Database) -> None:
    """The activities' tables, and those they refer to, exist."""
    _ensure(db)


def get_activity(db: Database, arn: str) -> ActivityRecord | None:
    _ensure(db)
    row = db.connection().execute(f"SELECT {_COLUMNS} FROM activities WHERE arn = ?", (arn,)).fetchone()
    return _record(row) if row is not None else None


def list_activities(db: Database, *, prefix: str, after: str | None, limit: int) -> list[ActivityRecord]:
    """The activities whose ARN starts with `prefix` (a region's), by name, after the name
    `after` (a page of at most `limit`)."""
    _ensure(db)
    rows = (
        db.connection()
        .execute(
            f"SELECT {_COLUMNS} FROM activities WHERE substr(arn, 1, ?) = ? AND name > ?"
            " ORDER BY name LIMIT ?",
            (len(prefix), prefix, after if after is not None else "", limit),
        )
        .fetchall()
    )
    return [_record(row) for row in rows]


def delete_activity(db: Database, arn: str) -> bool:
    """Delete the activity, its tags and its tasks not taken yet (the executions waiting for them
    time out, if they have a timeout, as on AWS); False when there was none."""
    _ensure(db)
    with db.transaction() as connection:
        deleted = connection.execute("DELETE FROM activities WHERE arn = ?", (arn,)).rowcount
        connection.execute("DELETE FROM resource_tags WHERE resource_arn = ?", (arn,))
        connection.execute("DELETE FROM activity_tasks WHERE activity_arn = ? AND taken_at IS NULL", (arn,))
    return deleted > 0


def schedule_task(
    db: Database,
    activity_arn: str,
    token: str,
    execution_arn: str,
    input_text: str,
    at: datetime,
    answer: Callable[[bool], Any],
    *,
    store_answer: bool = True,
) -> bool:
    """Schedule the task `token` of `execution_arn` for the activity, if the activity exists, with
    its token opened and the execution's signal ``answer(exists)``, in one transaction.

    Returns:
        whether the activity exists (the task is then scheduled, or was by an earlier run).
    """
    _ensure(db)
    with db.transaction() as connection:
        exists = (
            connection.execute("SELECT 1 FROM activities WHERE arn = ?", (activity_arn,)).fetchone()
            is not None
        )
        if exists:
            connection.execute(
                "INSERT OR IGNORE INTO activity_tasks (token, activity_arn, execution_arn, input, scheduled_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (token, activity_arn, execution_arn, input_text, at.isoformat()),
            )
            connection.execute(
                "INSERT OR IGNORE INTO task_tokens (token, execution_arn, state) VALUES (?, ?, ?)",
                (token, execution_arn, TOKEN_OPEN),
            )
        if store_answer:
            insert_signal(connection, execution_arn, answer(exists))
    return exists


def take_task(
    db: Database, activity_arn: str, worker_name: str | None, started: Callable[[str], Any]
) -> ActivityTask | None:
    """The oldest task of the activity no worker has taken, whose token is open and whose
    execution runs: marked taken by `worker_name`, with the execution's signal ``started(token)``,
    in one transaction. Tasks that can no longer be handed out are deleted on the way."""
    _ensure(db)
    with db.transaction() as connection:
        connection.execute(
            "DELETE FROM activity_tasks WHERE activity_arn = ? AND NOT EXISTS (SELECT 1 FROM task_tokens t"
            " JOIN executions e ON e.arn = t.execution_arn WHERE t.token = activity_tasks.token"
            " AND t.state = ? AND e.status = ?)",
            (activity_arn, TOKEN_OPEN, RUNNING),
        )
        row = connection.execute(
            "SELECT seq, token, input, execution_arn FROM activity_tasks"
            " WHERE activity_arn = ? AND taken_at IS NULL ORDER BY seq LIMIT 1",
            (activity_arn,),
        ).fetchone()
        if row is None:
            return None
        seq, token, input_text, execution_arn = row
        if not insert_signal(connection, execution_arn, started(token)):
            connection.execute("DELETE FROM activity_tasks WHERE seq = ?", (seq,))
            return None
        connection.execute(
            "UPDATE activity_tasks SET worker_name = ?, taken_at = datetime('now') WHERE seq = ?",
            (worker_name, seq),
        )
    return ActivityTask(token, input_text, execution_arn)


def has_waiting_task(db: Database, activity_arn: str) -> bool:
    """Is a task of the activity waiting for a worker? (A cheap read between polls.)"""
    _ensure(db)
    row = (
        db.connection()
        .execute(
            "SELECT 1 FROM activity_tasks WHERE activity_arn = ? AND taken_at IS NULL LIMIT 1",
            (activity_arn,),
        )
        .fetchone()
    )
    return row is not None
