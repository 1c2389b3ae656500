"""State machines, their versions and tags, in the service's SQLite database.

Every worker process shares the file (`teststate.storage.db`), so each change is one
``BEGIN IMMEDIATE`` transaction that reads what it decides on and writes the result: two workers
creating the same name, publishing a version of the same machine, or tagging it at once are
serialised by SQLite's write lock, and neither sees half of the other's change.

Values in, values out: the functions here take the request's values (and ``now``, the time the
caller read once) and return frozen records; the operations (`teststate.operations.state_machines`)
turn problems into AWS's errors. Times are stored as epoch seconds (REAL) and returned as aware
UTC datetimes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final

from teststate.storage.db import Database, Schema

__all__ = [
    "MAX_TAGS",
    "MAX_VERSIONS",
    "SCHEMA",
    "CreateOutcome",
    "MachineSpec",
    "PublishOutcome",
    "StateMachineRecord",
    "Tag",
    "UpdateResult",
    "VersionRecord",
    "create_state_machine",
    "delete_state_machine",
    "delete_version",
    "get_state_machine",
    "list_state_machines",
    "list_tags",
    "list_versions",
    "publish_version",
    "tag_resource",
    "untag_resource",
    "update_state_machine",
]

MAX_TAGS: Final = 50
"""Tags per resource (Step Functions quotas, "Maximum number of tags per resource": 50)."""
MAX_VERSIONS: Final = 1000
"""Published versions per state machine (Step Functions quotas, "Versions": 1000)."""

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


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class MachineSpec:
    """What a create or an update sets: the definition and configuration of one revision."""

    name: str
    type: str
    definition: str
    role_arn: str
    logging: Mapping[str, Any]
    tracing: Mapping[str, Any]
    encryption: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StateMachineRecord:
    """A state machine, or one of its versions (then `version_arn` is set and the definition and
    configuration are the version's).

    Attributes:
        arn: the (unqualified) state machine's ARN.
        version_arn: the version's ARN when this record is a version, else None.
        version: the version number, else None.
        name, type, definition, role_arn: as created or last updated (STANDARD | EXPRESS).
        creation_date: the machine's creation (a version's: its publication).
        update_date: the last update that changed something, None if never updated.
        status: ACTIVE (DELETING is never stored: deletion removes the machine at once).
        revision_id: the revision's id; None until the first update (recorded: DescribeStateMachine
            has no revisionId before an update, api/test_sfn_api/test_create_update_state_machine_base_definition).
        logging, tracing, encryption: the configurations, as DescribeStateMachine answers them.
        description: a version's description.
    """

    arn: str
    version_arn: str | None = None
    version: int | None = None
    name: str
    type: str
    definition: str
    role_arn: str
    creation_date: datetime
    update_date: datetime | None = None
    status: str = "ACTIVE"
    revision_id: str | None = None
    logging: Mapping[str, Any] = field(default_factory=dict)
    tracing: Mapping[str, Any] = field(default_factory=dict)
    encryption: Mapping[str, Any] | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One line of ListStateMachineVersions, and its version number."""

    arn: str
    creation_date: datetime
    version: int


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """What UpdateStateMachine answers: updateDate, revisionId, the published version's ARN."""

    update_date: datetime
    revision_id: str | None
    version_arn: str | None


class CreateOutcome(Enum):
    CREATED = "created"
    IDEMPOTENT = "idempotent"  # the same machine already exists: its ARN and date are answered
    CONFLICT = "conflict"  # the name is taken by a machine with other parameters


class PublishOutcome(Enum):
    PUBLISHED = "published"
    EXISTING = "existing"  # the current revision already has a version: that one is answered
    NO_MACHINE = "no_machine"
    REVISION_CONFLICT = "revision_conflict"  # revisionId is not the current revision's
    TOO_MANY = "too_many"


def _time(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))


_REVISION_COLUMNS: Final = (
    "name, type, definition, role_arn, logging, tracing, encryption, creation_date, revision_id"
)
"""What a machine and each of its versions hold alike: one revision's definition and configuration."""
_MACHINE_COLUMNS: Final = f"arn, {_REVISION_COLUMNS}, update_date, status"
_VERSION_COLUMNS: Final = f"machine_arn, {_REVISION_COLUMNS}, arn, version, description"


def _record(row: Sequence[Any], **extra: Any) -> StateMachineRecord:
    """A record from the machine's ARN and `_REVISION_COLUMNS` (the first ten values of `row`)."""
    (arn, name, type_, definition, role, logging, tracing, encryption, created, revision) = row[:10]
    return StateMachineRecord(
        arn=arn,
        name=name,
        type=type_,
        definition=definition,
        role_arn=role,
        logging=json.loads(logging),
        tracing=json.loads(tracing),
        encryption=json.loads(encryption) if encryption else None,
        creation_date=_time(created),
        revision_id=revision,
        **extra,
    )


def _machine(row: Sequence[Any]) -> StateMachineRecord:
    """A machine from `_MACHINE_COLUMNS`."""
    updated, status = row[10:]
    return _record(row, update_date=None if updated is None else _time(updated), status=status)


def _version(row: Sequence[Any]) -> StateMachineRecord:
    """A version from `_VERSION_COLUMNS`."""
    version_arn, number, description = row[10:]
    return _record(row, version_arn=version_arn, version=number, description=description)


def _ensure(db: Database) -> sqlite3.Connection:
    db.ensure(SCHEMA)
    return db.connection()


def _exists(connection: sqlite3.Connection, arn: str) -> bool:
    return connection.execute("SELECT 1 FROM state_machines WHERE arn = ?", (arn,)).fetchone() is not None


def _version_of_revision(
    connection: sqlite3.Connection, machine_arn: str, revision_id: str | None
) -> tuple[str, float] | None:
    """The ARN and creation time of the newest version published from that revision, if any."""
    row = connection.execute(
        "SELECT arn, creation_date FROM state_machine_versions WHERE machine_arn = ? AND revision_id IS ? "
        "ORDER BY version DESC LIMIT 1",
        (machine_arn, revision_id),
    ).fetchone()
    return None if row is None else (row[0], row[1])


# --------------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------------
def get_state_machine(db: Database, arn: str) -> StateMachineRecord | None:
    """The state machine `arn` names, or the version a version ARN (``...:stateMachine:name:3``)
    names; None if there is none (an alias ARN names none: this server has no aliases yet)."""
    connection = _ensure(db)
    row = connection.execute(
        f"SELECT {_MACHINE_COLUMNS} FROM state_machines WHERE arn = ?", (arn,)
    ).fetchone()
    if row is not None:
        return _machine(row)
    row = connection.execute(
        f"SELECT {_VERSION_COLUMNS} FROM state_machine_versions WHERE arn = ?", (arn,)
    ).fetchone()
    return None if row is None else _version(row)


def list_state_machines(
    db: Database, *, prefix: str, after: str | None, limit: int
) -> tuple[list[StateMachineRecord], bool]:
    """The machines whose ARN starts with `prefix` (one account and region), by name (AWS's order,
    recorded: api/test_sfn_api/test_list_sms_pagination), after the name `after`; at most `limit`,
    and whether more follow."""
    connection = _ensure(db)
    rows = connection.execute(
        f"SELECT {_MACHINE_COLUMNS} FROM state_machines WHERE substr(arn, 1, ?) = ? AND name > ? "
        "ORDER BY name LIMIT ?",
        (len(prefix), prefix, after if after is not None else "", limit + 1),
    ).fetchall()
    return [_machine(row) for row in rows[:limit]], len(rows) > limit


def list_versions(
    db: Database, machine_arn: str, *, below: int | None = None, limit: int = 1000
) -> tuple[list[VersionRecord], bool]:
    """The versions of a machine, newest first (API reference, ListStateMachineVersions: "in
    descending order of the version creation time"), below version `below`; at most `limit`, and
    whether more follow."""
    connection = _ensure(db)
    rows = connection.execute(
        "SELECT arn, creation_date, version FROM state_machine_versions WHERE machine_arn = ? AND version < ? "
        "ORDER BY version DESC LIMIT ?",
        (machine_arn, below if below is not None else 2**62, limit + 1),
    ).fetchall()
    versions = [VersionRecord(arn, _time(created), number) for arn, created, number in rows[:limit]]
    return versions, len(rows) > limit


def list_tags(db: Database, resource_arn: str) -> list[Tag]:
    """A resource's tags, in the order they were first set."""
    connection = _ensure(db)
    rows = connection.execute(
        "SELECT key, value FROM resource_tags WHERE resource_arn = ? ORDER BY position", (resource_arn,)
    ).fetchall()
    return [Tag(key, value) for key, value in rows]


# --------------------------------------------------------------------------------------------
# Writes
# --------------------------------------------------------------------------------------------
def _insert_version(
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
    copied = _REVISION_COLUMNS.replace("creation_date", "?")
    connection.execute(
        f"INSERT INTO state_machine_versions (arn, machine_arn, version, {_REVISION_COLUMNS}, description) "
        f"SELECT ?, arn, ?, {copied}, ? FROM state_machines WHERE arn = ?",
        (arn, number, now, description, machine_arn),
    )
    connection.execute("UPDATE state_machines SET next_version = ? WHERE arn = ?", (number + 1, machine_arn))
    return arn, now


def _write_tags(connection: sqlite3.Connection, resource_arn: str, tags: Sequence[Tag]) -> bool:
    """Set `tags` (a later duplicate key wins); False, and nothing written, when the resource
    would then have more than `MAX_TAGS`."""
    existing = {
        key
        for (key,) in connection.execute(
            "SELECT key FROM resource_tags WHERE resource_arn = ?", (resource_arn,)
        )
    }
    wanted = {tag.key: tag.value for tag in tags}
    if len(existing | set(wanted)) > MAX_TAGS:
        return False
    position = connection.execute(
        "SELECT coalesce(max(position), 0) FROM resource_tags WHERE resource_arn = ?", (resource_arn,)
    ).fetchone()[0]
    for key, value in wanted.items():
        if key in existing:
            connection.execute(
                "UPDATE resource_tags SET value = ? WHERE resource_arn = ? AND key = ?",
                (value, resource_arn, key),
            )
        else:
            position += 1
            connection.execute(
                "INSERT INTO resource_tags VALUES (?, ?, ?, ?)", (resource_arn, key, value, position)
            )
    return True


def create_state_machine(
    db: Database,
    arn: str,
    spec: MachineSpec,
    *,
    tags: Sequence[Tag],
    publish: bool,
    version_description: str | None,
    now: float,
) -> tuple[CreateOutcome, datetime, str | None]:
    """Create the machine `arn` unless it exists.

    Idempotent as AWS documents it (API reference, CreateStateMachine): a machine of that name
    with the same definition, type, logging, tracing and encryption configuration, publish and
    versionDescription is the same request again (its roleArn and tags are ignored, not updated);
    any other difference is a conflict.

    Returns:
        (outcome, the machine's creation date, the published version's ARN or None). Too many
        tags is checked by the caller before (`MAX_TAGS`), so a create never fails half-way.
    """
    connection = _ensure(db)
    with db.transaction():
        row = connection.execute(
            "SELECT type, definition, logging, tracing, encryption, created_publish, created_version_description, "
            "creation_date FROM state_machines WHERE arn = ?",
            (arn,),
        ).fetchone()
        if row is not None:
            same = row[:7] == (
                spec.type,
                spec.definition,
                _json(spec.logging),
                _json(spec.tracing),
                _json(spec.encryption),
                int(publish),
                version_description,
            )
            created = _time(row[7])
            if not same:
                return CreateOutcome.CONFLICT, created, None
            version = connection.execute(
                "SELECT arn FROM state_machine_versions WHERE machine_arn = ? ORDER BY version DESC LIMIT 1",
                (arn,),
            ).fetchone()
            return CreateOutcome.IDEMPOTENT, created, version[0] if publish and version else None
        connection.execute(
            "INSERT INTO state_machines (arn, name, type, definition, role_arn, logging, tracing, encryption,"
            " creation_date, status, created_publish, created_version_description, next_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'ACTIVE', ?, ?, 1)",
            (
                arn,
                spec.name,
                spec.type,
                spec.definition,
                spec.role_arn,
                _json(spec.logging),
                _json(spec.tracing),
                _json(spec.encryption),
                now,
                int(publish),
                version_description,
            ),
        )
        _write_tags(connection, arn, tags)
        published = _insert_version(connection, arn, version_description, now) if publish else None
    return CreateOutcome.CREATED, _time(now), published[0] if published else None


def update_state_machine(
    db: Database,
    arn: str,
    changes: Mapping[str, Any],
    *,
    publish: bool,
    version_description: str | None,
    new_revision_id: str,
    now: float,
) -> UpdateResult | None:
    """Apply `changes` (columns ``definition``, ``role_arn``, ``logging``, ``tracing``,
    ``encryption`` with their new values) to the machine; None if it does not exist.

    A change that leaves every value as it was keeps the revision (recorded: the same definition
    and role again keep ``revisionId``, api/test_sfn_api/test_create_update_state_machine_same_parameters);
    any real change starts revision `new_revision_id`.
    """
    allowed = {"definition", "role_arn", "logging", "tracing", "encryption"}
    if not set(changes) <= allowed:
        raise RuntimeError(f"not updatable: {sorted(set(changes) - allowed)}")  # a caller's bug
    connection = _ensure(db)
    stored = {
        key: _json(value) if key in {"logging", "tracing", "encryption"} else value
        for key, value in changes.items()
    }
    with db.transaction():
        row = connection.execute(
            "SELECT definition, role_arn, logging, tracing, encryption, revision_id, update_date "
            "FROM state_machines WHERE arn = ?",
            (arn,),
        ).fetchone()
        if row is None:
            return None
        current = dict(
            zip(("definition", "role_arn", "logging", "tracing", "encryption"), row[:5], strict=True)
        )
        revision, updated = row[5], row[6]
        if any(current[key] != value for key, value in stored.items()):
            revision, updated = new_revision_id, now
            assignments = ", ".join(f"{key} = ?" for key in stored)
            connection.execute(
                f"UPDATE state_machines SET {assignments}, revision_id = ?, update_date = ? WHERE arn = ?",
                (*stored.values(), revision, now, arn),
            )
        version_arn = None
        if publish:
            existing = _version_of_revision(connection, arn, revision)
            if existing is not None:
                version_arn = existing[0]
            else:
                published = _insert_version(connection, arn, version_description, now)
                version_arn = published[0] if published else None
    return UpdateResult(_time(updated if updated is not None else now), revision, version_arn)


def publish_version(
    db: Database, arn: str, *, revision_id: str | None, description: str | None, now: float
) -> tuple[PublishOutcome, str | None, datetime | None]:
    """PublishStateMachineVersion: (outcome, version ARN, its creation date).

    Idempotent (API reference, PublishStateMachineVersion): when the current revision already
    has a version, that version is answered.
    """
    connection = _ensure(db)
    with db.transaction():
        row = connection.execute("SELECT revision_id FROM state_machines WHERE arn = ?", (arn,)).fetchone()
        if row is None:
            return PublishOutcome.NO_MACHINE, None, None
        current = row[0]
        if revision_id is not None and revision_id != current:
            return PublishOutcome.REVISION_CONFLICT, None, None
        existing = _version_of_revision(connection, arn, current)
        if existing is not None:
            return PublishOutcome.EXISTING, existing[0], _time(existing[1])
        published = _insert_version(connection, arn, description, now)
    if published is None:
        return PublishOutcome.TOO_MANY, None, None
    return PublishOutcome.PUBLISHED, published[0], _time(published[1])


def delete_state_machine(db: Database, arn: str) -> None:
    """Remove the machine, its versions and their tags (nothing if it does not exist)."""
    connection = _ensure(db)
    with db.transaction():
        versions = [
            version
            for (version,) in connection.execute(
                "SELECT arn FROM state_machine_versions WHERE machine_arn = ?", (arn,)
            )
        ]
        connection.execute("DELETE FROM state_machine_versions WHERE machine_arn = ?", (arn,))
        connection.execute("DELETE FROM state_machines WHERE arn = ?", (arn,))
        for resource in (arn, *versions):
            connection.execute("DELETE FROM resource_tags WHERE resource_arn = ?", (resource,))


def delete_version(db: Database, version_arn: str) -> None:
    """Remove one version (nothing if it does not exist); its number is never reused."""
    connection = _ensure(db)
    with db.transaction():
        connection.execute("DELETE FROM state_machine_versions WHERE arn = ?", (version_arn,))
        connection.execute("DELETE FROM resource_tags WHERE resource_arn = ?", (version_arn,))


def tag_resource(db: Database, resource_arn: str, tags: Sequence[Tag]) -> bool | None:
    """Add or overwrite tags of a state machine: True when done, False when the machine would
    then have more than `MAX_TAGS` tags (nothing written), None when there is no such machine."""
    connection = _ensure(db)
    with db.transaction():
        if not _exists(connection, resource_arn):
            return None
        return _write_tags(connection, resource_arn, tags)


def untag_resource(db: Database, resource_arn: str, keys: Sequence[str]) -> bool:
    """Remove tags by key (keys it does not have are ignored); False when there is no such
    machine."""
    connection = _ensure(db)
    with db.transaction():
        if not _exists(connection, resource_arn):
            return False
        connection.executemany(
            "DELETE FROM resource_tags WHERE resource_arn = ? AND key = ?",
            [(resource_arn, key) for key in keys],
        )
    return True
