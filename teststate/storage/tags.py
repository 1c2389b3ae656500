"""Tags of state machines and activities, in the service's SQLite database (table ``resource_tags``,
`teststate.storage.machine_tables`).

A resource keeps its tags in the order they were first set. Each change is one ``BEGIN
IMMEDIATE`` transaction that checks the machine and writes the tags, as for machines
(`teststate.storage.machines`); a machine's create writes its tags in its own transaction
(`write_tags`), its deletion removes them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from teststate.storage.db import Database
from teststate.storage.machine_tables import ensure_tables, machine_exists

__all__ = ["MAX_TAGS", "Exists", "Tag", "list_tags", "tag_resource", "untag_resource", "write_tags"]

Exists = Callable[[sqlite3.Connection, str], bool]
"""Whether the tagged resource exists, asked within the change's transaction (`machine_exists`,
`teststate.storage.activities.activity_exists`)."""

MAX_TAGS: Final = 50
"""Tags per resource (Step Functions quotas, "Maximum number of tags per resource": 50)."""


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str


def list_tags(db: Database, resource_arn: str) -> list[Tag]:
    """A resource's tags, in the order they were first set."""
    connection = ensure_tables(db)
    rows = connection.execute(
        "SELECT key, value FROM resource_tags WHERE resource_arn = ? ORDER BY position", (resource_arn,)
    ).fetchall()
    return [Tag(key, value) for key, value in rows]


def write_tags(connection: sqlite3.Connection, resource_arn: str, tags: Sequence[Tag]) -> bool:
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


def tag_resource(
    db: Database, resource_arn: str, tags: Sequence[Tag], exists: Exists = machine_exists
) -> bool | None:
    """Add or overwrite tags of a resource: True when done, False when it would then have more
    than `MAX_TAGS` tags (nothing written), None when there is no such resource."""
    connection = ensure_tables(db)
    with db.transaction():
        if not exists(connection, resource_arn):
            return None
        return write_tags(connection, resource_arn, tags)


def untag_resource(
    db: Database, resource_arn: str, keys: Sequence[str], exists: Exists = machine_exists
) -> bool:
    """Remove tags by key (keys it does not have are ignored); False when there is no such
    resource."""
    connection = ensure_tables(db)
    with db.transaction():
        if not exists(connection, resource_arn):
            return False
        connection.executemany(
            "DELETE FROM resource_tags WHERE resource_arn = ? AND key = ?",
            [(resource_arn, key) for key in keys],
        )
    return True
