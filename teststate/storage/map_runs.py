"""Map Runs in the service's SQLite database: which execution a Map Run ARN belongs to, and the
configuration UpdateMapRun set (table ``map_run_updates``).

Everything else DescribeMapRun answers is learnt from the execution itself
(`interpreter.execution.map_runs`), so the only state of its own a Map Run has is what
UpdateMapRun changed: MaxConcurrency and the tolerated failures, each None until updated. The
table is new, created by its own `Schema` (``CREATE ... IF NOT EXISTS``), so a data directory of
an earlier version gains it on first use and loses nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

from teststate.storage.db import Database, Schema
from teststate.storage.execution_tables import ensure_tables as ensure_execution_tables

__all__ = ["MapRunUpdate", "execution_of", "read_update", "write_update"]

SCHEMA: Final = Schema(
    "map_runs",
    (
        """CREATE TABLE IF NOT EXISTS map_run_updates (
            map_run_arn TEXT PRIMARY KEY,
            max_concurrency INTEGER,
            tolerated_failure_percentage REAL,
            tolerated_failure_count INTEGER
        ) WITHOUT ROWID""",
    ),
)


@dataclass(frozen=True, slots=True)
class MapRunUpdate:
    """What UpdateMapRun set of a Map Run (None: never updated)."""

    max_concurrency: int | None = None
    tolerated_failure_percentage: float | None = None
    tolerated_failure_count: int | None = None


def execution_of(db: Database, map_run_arn: str, state_machine_name: str) -> str | None:
    """The execution whose history started the Map Run `map_run_arn` (its MapRunStarted names
    it), among the executions of machines named `state_machine_name` (the ARN's own part), or
    None."""
    needle = json.dumps(map_run_arn)  # as the stored event writes it, quotes included
    row = (
        ensure_execution_tables(db)
        .execute(
            """SELECT e.arn FROM executions e JOIN execution_events v ON v.execution_arn = e.arn
               WHERE e.state_machine_name = ? AND instr(v.body, '"MapRunStarted"') > 0
               AND instr(v.body, ?) > 0 LIMIT 1""",
            (state_machine_name, needle),
        )
        .fetchone()
    )
    return str(row[0]) if row is not None else None


def read_update(db: Database, map_run_arn: str) -> MapRunUpdate:
    """What UpdateMapRun set of the Map Run (all None when never updated)."""
    db.ensure(SCHEMA)
    row = (
        db.connection()
        .execute(
            """SELECT max_concurrency, tolerated_failure_percentage, tolerated_failure_count
               FROM map_run_updates WHERE map_run_arn = ?""",
            (map_run_arn,),
        )
        .fetchone()
    )
    if row is None:
        return MapRunUpdate()
    return MapRunUpdate(
        None if row[0] is None else int(row[0]),
        None if row[1] is None else float(row[1]),
        None if row[2] is None else int(row[2]),
    )


def write_update(db: Database, map_run_arn: str, update: MapRunUpdate) -> None:
    """Merge `update` into what is stored for the Map Run (a None member keeps the stored one)."""
    db.ensure(SCHEMA)
    with db.transaction() as connection:
        connection.execute(
            """INSERT INTO map_run_updates (map_run_arn, max_concurrency, tolerated_failure_percentage,
                   tolerated_failure_count) VALUES (?, ?, ?, ?)
               ON CONFLICT (map_run_arn) DO UPDATE SET
                   max_concurrency = coalesce(excluded.max_concurrency, max_concurrency),
                   tolerated_failure_percentage =
                       coalesce(excluded.tolerated_failure_percentage, tolerated_failure_percentage),
                   tolerated_failure_count = coalesce(excluded.tolerated_failure_count, tolerated_failure_count)""",
            (
                map_run_arn,
                update.max_concurrency,
                update.tolerated_failure_percentage,
                update.tolerated_failure_count,
            ),
        )
