"""The tables of state machines, their versions and their tags, and what the modules that use them share.

One `Schema` holds the three tables, so whichever of `teststate.storage.machines`,
`teststate.storage.versions` and `teststate.storage.tags` is called first creates them all: a
machine's create writes its tags and first version in one transaction, and a tag or version
change checks its machine in the same one. Times are stored as epoch seconds (REAL) and returned
as aware UTC datetimes (`from_epoch`).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Final

from teststate.storage.db import Database, Schema

__all__ = ["REVISION_COLUMNS", "SCHEMA", "ensure_tables", "from_epoch", "machine_exists"]

_REVISION_DDL: Final = """
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            definition TEXT NOT NULL,
            role_arn TEXT NOT NULL,
            logging TEXT NOT NULL,
            tracing TEXT NOT NULL,
            encryption TEXT,
            creation_date REAL NOT NULL,
            revision_id TEXT"""
"""The columns of one revision, which a machine and each of its versions have alike."""

SCHEMA: Final = Schema(
    "machines",
    (
        f"""CREATE TABLE IF NOT EXISTS state_machines (
            arn TEXT PRIMARY KEY,{_REVISION_DDL},
            update_date REAL,
            status TEXT NOT NULL,
            created_publish INTEGER NOT NULL,
            created_version_description TEXT,
            next_version INTEGER NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS state_machines_by_name ON state_machines (name, arn)",
        f"""CREATE TABLE IF NOT EXISTS state_machine_versions (
            arn TEXT PRIMARY KEY,
            machine_arn TEXT NOT NULL,
            version INTEGER NOT NULL,{_REVISION_DDL},
            description TEXT
        )""",
        "CREATE INDEX IF NOT EXISTS versions_by_machine ON state_machine_versions (machine_arn, version)",
        """CREATE TABLE IF NOT EXISTS resource_tags (
            resource_arn TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            position INTEGER NOT NULL,
            PRIMARY KEY (resource_arn, key)
        )""",
    ),
)

REVISION_COLUMNS: Final = (
    "name, type, definition, role_arn, logging, tracing, encryption, creation_date, revision_id"
)
"""What a machine and each of its versions hold alike: one revision's definition and configuration."""


def from_epoch(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def ensure_tables(db: Database) -> sqlite3.Connection:
    db.ensure(SCHEMA)
    return db.connection()


def machine_exists(connection: sqlite3.Connection, arn: str) -> bool:
    return connection.execute("SELECT 1 FROM state_machines WHERE arn = ?", (arn,)).fetchone() is not None
