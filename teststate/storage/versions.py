"""Published versions of state machines, in the service's SQLite database (table
``state_machine_versions``, `teststate.storage.machine_tables`).

A version copies its machine's current revision (definition and configuration) under the next
number of the machine, which is never reused. Publishing is one ``BEGIN IMMEDIATE`` transaction
that reads the machine's revision and writes the version, as for machines
(`teststate.storage.machines`), whose create and update publish through `insert_version` in
their own transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

from teststate.storage.db import Database
from teststate.storage.machine_tables import REVISION_COLUMNS, ensure_tables, from_epoch

__all__ = [
    "MAX_VERSIONS",
    "PublishOutcome",
    "VersionRecord",
    "delete_version",
    "insert_version",
    "list_versions",
    "publish_version",
    "version_of_revision",
]

MAX_VERSIONS: Final = 1000
"""Published versions per state machine (Step Functions quotas, "Versions": 1000)."""


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One line of ListStateMachineVersions, and its version number."""

    arn: str
    creation_date: datetime
    version: int


class PublishOutcome(Enum):
    PUBLISHED = "published"
    EXISTING = "existing"  # the current revision already has a version: that one is answered
    NO_MACHINE = "no_machine"
    REVISION_CONFLICT = "revision_conflict"  # revisionId is not the current revision's
    TOO_MANY = "too_many"


def version_of_revision(
    connection: sqlite3.Connection, machine_arn: str, revision_id: str | None
) -> tuple[str, float] | None:
    """The ARN and creation time of the newest version published from that revision, if any."""
    row = connection.execute(
        "SELECT arn, creation_date FROM state_machine_versions WHERE machine_arn = ? AND revision_id IS ? "
        "ORDER BY version DESC LIMIT 1",
        (machine_arn, revision_id),
    ).fetchone()
    return None if row is None else (row[0], row[1])


def list_versions(
    db: Database, machine_arn: str, *, below: int | None = None, limit: int = 1000
) -> tuple[list[VersionRecord], bool]:
    """The versions of a machine, newest first (API reference, ListStateMachineVersions: "in
    descending order of the version creation time"), below version `below`; at most `limit`, and
    whether more follow."""
    connection = ensure_tables(db)
    rows = connection.execute(
        "SELECT arn, creation_date, version FROM state_machine_versions WHERE machine_arn = ? AND version < ? "
        "ORDER BY version DESC LIMIT ?",
        (machine_arn, below if below is not None else 2**62, limit + 1),
    ).fetchall()
    versions = [VersionRecord(arn, from_epoch(created), number) for arn, created, number in rows[:limit]]
    return versions, len(rows) > limit


def insert_version(
    connection: sqlite3.Connection, machine_arn: str, description: str | None, now: float
) -> tuple[str, float] | None:
    """Publish the machine's current revision as its next version, in the caller's transaction;
    None when it already has `MAX_VERSIONS` versions."""
    count = connection.execute(
        "SELECT count(*) FROM state_machine_versions WHERE machine_arn = ?", (machine_arn,)
    ).fetchone()[0]
    if count >= MAX_VERSIONS:
        return None
    number = connection.execute(
        "SELECT next_version FROM state_machines WHERE arn = ?", (machine_arn,)
    ).fetchone()[0]
    arn = f"{machine_arn}:{number}"
    # The version copies the machine's revision columns, with its own creation date.
    copied = REVISION_COLUMNS.replace("creation_date", "?")
    connection.execute(
        f"INSERT INTO state_machine_versions (arn, machine_arn, version, {REVISION_COLUMNS}, description) "
        f"SELECT ?, arn, ?, {copied}, ? FROM state_machines WHERE arn = ?",
        (arn, number, now, description, machine_arn),
    )
    connection.execute("UPDATE state_machines SET next_version = ? WHERE arn = ?", (number + 1, machine_arn))
    return arn, now


def publish_version(
    db: Database, arn: str, *, revision_id: str | None, description: str | None, now: float
) -> tuple[PublishOutcome, str | None, datetime | None]:
    """PublishStateMachineVersion: (outcome, version ARN, its creation date).

    Idempotent (API reference, PublishStateMachineVersion): when the current revision already
    has a version, that version is answered.
    """
    connection = ensure_tables(db)
    with db.transaction():
        row = connection.execute("SELECT revision_id FROM state_machines WHERE arn = ?", (arn,)).fetchone()
        if row is None:
            return PublishOutcome.NO_MACHINE, None, None
        current = row[0]
        if revision_id is not None and revision_id != current:
            return PublishOutcome.REVISION_CONFLICT, None, None
        existing = version_of_revision(connection, arn, current)
        if existing is not None:
            return PublishOutcome.EXISTING, existing[0], from_epoch(existing[1])
        published = insert_version(connection, arn, description, now)
    if published is None:
        return PublishOutcome.TOO_MANY, None, None
    return PublishOutcome.PUBLISHED, published[0], from_epoch(published[1])


def delete_version(db: Database, version_arn: str) -> None:
    """Remove one version (nothing if it does not exist); its number is never reused."""
    connection = ensure_tables(db)
    with db.transaction():
        connection.execute("DELETE FROM state_machine_versions WHERE arn = ?", (version_arn,))
        connection.execute("DELETE FROM resource_tags WHERE resource_arn = ?", (version_arn,))
