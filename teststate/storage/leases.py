"""Leases and progress: which runner drives an execution, and what its run stores.

An execution is *driven* (its engine run, its events appended) by exactly one runner at a time:
the one holding its lease (owner and expiry), taken with `claim`. The lease is renewed with every
batch of events appended (`record_progress`); the run ends by giving it up with the suspension
or the end recorded (`release`), or, when its runner stops, with the execution still runnable
(`abandon`). Every one of these is one transaction, written only while the owner still holds the
lease.

Values in, values out: functions take the `Database` and plain values and return frozen records.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from teststate.storage.children import ChildEnd, ChildLink
from teststate.storage.db import Database
from teststate.storage.execution_tables import (
    COLUMNS,
    RUNNING,
    SCHEMA,
    TOKEN_CLOSED,
    TOKEN_OPEN,
    TOKEN_TIMED_OUT,
    decode_resources,
    encode_resources,
    ensure_tables,
    record_of,
)
from teststate.storage.signals import insert_signal

__all__ = [
    "Outcome",
    "abandon",
    "claim",
    "fix_service_calls",
    "has_unfinished",
    "lease_holder",
    "leased",
    "record_progress",
    "release",
    "runnable",
]


def runnable(db: Database, now: float, *, limit: int = 16) -> tuple[list[str], float | None]:
    """Executions some runner should drive now (new or signalled, timer due, or whose owner's
    lease expired), oldest first; and the earliest future timer (epoch seconds), if any."""
    connection = ensure_tables(db)
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
        ensure_tables(db)
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
            insert_signal(connection, arn, timer_signal)
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
            (encode_resources(resources), arn, owner),
        )
        row = connection.execute("SELECT service_calls FROM executions WHERE arn = ?", (arn,)).fetchone()
    return decode_resources(row[0]) if row is not None else None


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
            row = connection.execute(f"SELECT {COLUMNS} FROM executions WHERE arn = ?", (arn,)).fetchone()
            for link in links:
                insert_signal(connection, link.parent_arn, child_end(link, record_of(row)))
    if stop is not None and outcome.status != "SUCCEEDED":
        children = connection.execute(
            "SELECT c.child_arn FROM execution_children c JOIN executions e ON e.arn = c.child_arn "
            "WHERE c.parent_arn = ? AND e.status = ? ORDER BY c.call_key",
            (arn, RUNNING),
        ).fetchall()
        for (child,) in children:
            insert_signal(connection, child, stop)


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
        ensure_tables(db)
        .execute("SELECT lease_owner, lease_expires FROM executions WHERE arn = ?", (arn,))
        .fetchone()
    )
    return (row[0], row[1]) if row else (None, None)
