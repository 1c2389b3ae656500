"""State machines in the service's SQLite database; their versions are `teststate.storage.versions`,
their tags `teststate.storage.tags`, the tables of all three `teststate.storage.machine_tables`.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Final

from teststate.storage.db import Database
from teststate.storage.machine_tables import REVISION_COLUMNS, ensure_tables, from_epoch
from teststate.storage.tags import MAX_TAGS, Tag, write_tags
from teststate.storage.versions import insert_version, list_versions, version_of_revision

# `MAX_TAGS` (`teststate.storage.tags`) and `list_versions` (`teststate.storage.versions`) are
# re-exported for tests/teststate/test_state_machines.py, which reads them as `machines.<name>`.
__all__ = [
    "MAX_TAGS",
    "CreateOutcome",
    "MachineSpec",
    "StateMachineRecord",
    "UpdateResult",
    "create_state_machine",
    "delete_state_machine",
    "get_state_machine",
    "list_state_machines",
    "list_versions",
    "update_state_machine",
]


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
class UpdateResult:
    """What UpdateStateMachine answers: updateDate, revisionId, the published version's ARN."""

    update_date: datetime
    revision_id: str | None
    version_arn: str | None


class CreateOutcome(Enum):
    CREATED = "created"
    IDEMPOTENT = "idempotent"  # the same machine already exists: its ARN and date are answered
    CONFLICT = "conflict"  # the name is taken by a machine with other parameters


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))


_MACHINE_COLUMNS: Final = f"arn, {REVISION_COLUMNS}, update_date, status"
_VERSION_COLUMNS: Final = f"machine_arn, {REVISION_COLUMNS}, arn, version, description"


def _record(row: Sequence[Any], **extra: Any) -> StateMachineRecord:
    """A record from the machine's ARN and `REVISION_COLUMNS` (the first ten values of `row`)."""
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
        creation_date=from_epoch(created),
        revision_id=revision,
        **extra,
    )


def _machine(row: Sequence[Any]) -> StateMachineRecord:
    """A machine from `_MACHINE_COLUMNS`."""
    updated, status = row[10:]
    return _record(row, update_date=None if updated is None else from_epoch(updated), status=status)


def _version(row: Sequence[Any]) -> StateMachineRecord:
    """A version from `_VERSION_COLUMNS`."""
    version_arn, number, description = row[10:]
    return _record(row, version_arn=version_arn, version=number, description=description)


# --------------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------------
def get_state_machine(db: Database, arn: str) -> StateMachineRecord | None:
    """The state machine `arn` names, or the version a version ARN (``...:stateMachine:name:3``)
    names; None if there is none (an alias ARN names none: this server has no aliases yet)."""
    connection = ensure_tables(db)
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
    connection = ensure_tables(db)
    rows = connection.execute(
        f"SELECT {_MACHINE_COLUMNS} FROM state_machines WHERE substr(arn, 1, ?) = ? AND name > ? "
        "ORDER BY name LIMIT ?",
        (len(prefix), prefix, after if after is not None else "", limit + 1),
    ).fetchall()
    return [_machine(row) for row in rows[:limit]], len(rows) > limit


# --------------------------------------------------------------------------------------------
# Writes
# --------------------------------------------------------------------------------------------
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
    connection = ensure_tables(db)
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
            created = from_epoch(row[7])
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
        write_tags(connection, arn, tags)
        published = insert_version(connection, arn, version_description, now) if publish else None
    return CreateOutcome.CREATED, from_epoch(now), published[0] if published else None


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
    connection = ensure_tables(db)
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
            existing = version_of_revision(connection, arn, revision)
            if existing is not None:
                version_arn = existing[0]
            else:
                published = insert_version(connection, arn, version_description, now)
                version_arn = published[0] if published else None
    return UpdateResult(from_epoch(updated if updated is not None else now), revision, version_arn)


def delete_state_machine(db: Database, arn: str) -> None:
    """Remove the machine, its versions and their tags (nothing if it does not exist)."""
    connection = ensure_tables(db)
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
