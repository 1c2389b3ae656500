"""The service's SQLite database: one file under the data directory, shared by every worker.

Every gunicorn worker opens the same file, so whichever worker answers sees what another
created. WAL lets readers go on while one writer commits; ``busy_timeout`` makes a writer wait for
another instead of failing with "database is locked". A connection belongs to one thread (and, in a
gevent worker, one greenlet: the threading module is patched), so `Database.connection` keeps
one per thread and process (a forked worker never uses its parent's connection).

Each storage module declares its tables as a `Schema` (``CREATE ... IF NOT EXISTS`` statements)
and calls `Database.ensure` with it before its first query; the statements run once per
connection's database file and are idempotent, so workers may race to create them.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["DATABASE_FILE", "Database", "Schema"]

DATABASE_FILE: Final = "teststate.sqlite3"
# How long a writer waits for another writer's transaction before SQLite gives up.
BUSY_TIMEOUT_MS: Final = 30_000


@dataclass(frozen=True, slots=True)
class Schema:
    """The tables (and indexes) one storage module owns, by a name unique among modules."""

    name: str
    statements: tuple[str, ...]


class Database:
    """The service's database file, with one connection per thread.

    Attributes:
        path: the SQLite file.
    """

    def __init__(self, data_dir: Path | str) -> None:
        directory = Path(data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / DATABASE_FILE
        self._local = threading.local()
        self._ensured: set[str] = set()
        self._lock = threading.Lock()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit: transactions are explicit, `transaction`)."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``: the write lock is taken at once, so two
        writers never deadlock upgrading a read lock), committed on exit, rolled back on error."""
        connection = self.connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def ensure(self, schema: Schema) -> None:
        """Create `schema`'s tables if this file does not have them yet (once per process)."""
        if schema.name in self._ensured:
            return
        with self._lock:
            if schema.name in self._ensured:
                return
            with self.transaction() as connection:
                for statement in schema.statements:
                    connection.execute(statement)
            self._ensured.add(schema.name)

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and getattr(self._local, "pid", None) == os.getpid():
            connection.close()
            self._local.connection = None
