"""The executions a parent's ``.sync`` Task started and waits for (the ``execution_children`` table).

A link is stored with the child's create (`teststate.storage.executions.create_execution`) or,
when the call found the child already there, with the parent's signal (`link_child`); the
child's end becomes a signal of the parent, and the parent's end stops the children still
running (`teststate.storage.leases.release`, `teststate.executions.nested`).

Values in, values out: functions take the `Database` and plain values and return frozen records.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from teststate.storage.db import Database
from teststate.storage.execution_tables import (
    COLUMNS,
    RUNNING,
    SCHEMA,
    ExecutionRecord,
    ensure_tables,
    record_of,
)
from teststate.storage.signals import insert_signal

__all__ = ["ChildEnd", "ChildLink", "children_of", "insert_link", "link_child", "parents_of"]


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


def insert_link(connection: sqlite3.Connection, link: ChildLink | None) -> None:
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
        insert_link(connection, link)
        insert_signal(connection, *parent_signal)
        if link is not None:
            row = connection.execute(
                f"SELECT {COLUMNS} FROM executions WHERE arn = ?", (link.child_arn,)
            ).fetchone()
            if row is not None and row[7] != RUNNING:
                insert_signal(connection, link.parent_arn, child_end(link, record_of(row)))


def parents_of(db: Database, child_arn: str) -> list[ChildLink]:
    """The ``.sync`` Tasks that wait for the end of `child_arn`."""
    rows = (
        ensure_tables(db)
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
        ensure_tables(db)
        .execute(
            "SELECT c.parent_arn, c.call_key, c.child_arn, c.token, c.pattern FROM execution_children c "
            "JOIN executions e ON e.arn = c.child_arn WHERE c.parent_arn = ? AND e.status = ? "
            "ORDER BY c.call_key",
            (parent_arn, RUNNING),
        )
        .fetchall()
    )
    return [ChildLink(*row) for row in rows]
