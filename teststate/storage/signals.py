"""Signals and task tokens: what arrives for an execution, in arrival order, and the tokens it waits on.

A signal (a task's answer, a stop request, a timer, a service call's result, a child's end) is a
JSON value appended to a RUNNING execution, which makes it runnable; the engine consumes the
signals in order on every run. A task token is opened when the execution suspends on it
(`teststate.storage.leases.release`) and answered here (SendTask*), at most once.

Values in, values out: functions take the `Database` and plain values and return frozen records.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from teststate.storage.db import Database
from teststate.storage.execution_tables import (
    RUNNING,
    SCHEMA,
    TOKEN_ANSWERED,
    TOKEN_CLOSED,
    TOKEN_OPEN,
    ensure_tables,
)

__all__ = [
    "TokenAnswer",
    "answer_token",
    "append_signal",
    "insert_signal",
    "read_signals",
    "token_known",
    "tokens_of",
]


def append_signal(db: Database, arn: str, body: Any) -> bool:
    """Append a signal (JSON value) to a running execution and make it runnable.

    Returns:
        False when the execution is not running (the signal is dropped).
    """
    db.ensure(SCHEMA)
    with db.transaction() as connection:
        return insert_signal(connection, arn, body)


def insert_signal(connection: sqlite3.Connection, arn: str, body: Any) -> bool:
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
        ensure_tables(db)
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
        if not insert_signal(connection, arn, body):
            connection.execute("UPDATE task_tokens SET state = ? WHERE token = ?", (TOKEN_CLOSED, token))
            return TokenAnswer(TOKEN_CLOSED, arn)
        if closes:
            connection.execute("UPDATE task_tokens SET state = ? WHERE token = ?", (TOKEN_ANSWERED, token))
        return TokenAnswer("signalled", arn)


def token_known(db: Database, token: str) -> bool:
    """Has this server ever handed out the task `token` (whatever its state now)?"""
    row = ensure_tables(db).execute("SELECT 1 FROM task_tokens WHERE token = ?", (token,)).fetchone()
    return row is not None


def tokens_of(db: Database, arn: str) -> Iterable[tuple[str, str]]:
    """The execution's task tokens and their states (tests and diagnostics)."""
    return list(
        ensure_tables(db)
        .execute("SELECT token, state FROM task_tokens WHERE execution_arn = ?", (arn,))
        .fetchall()
    )
