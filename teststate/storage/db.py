"""The service's SQLite database: one file under the data directory, shared by every worker.

Every gunicorn worker opens the same file, so whichever worker answers sees what another
created. WAL lets readers go on while one writer commits; ``busy_timeout`` makes a writer wait for
another instead of failing with "database is locked". A connection belongs to one thread (and, in a
gevent worker, one greenlet: the threading module is patched), so `Database.connection` keeps
one per thread and process (a forked worker never uses its parent's connection).

Each storage module declares its tables as a `Schema` (``CREATE ... IF NOT EXISTS`` statements)
and calls `Database.ensure` with it before its first query; the statements run once per
connection's database file and are idempotent, so workers may race to create them.

A data directory outlives the server version that created it (a newer server restarted on it must
lose nothing), so a column added to a table after its first release is also a `Column` of the
schema: `Database.ensure` adds it (``ALTER TABLE ... ADD COLUMN``) where ``PRAGMA table_info``
shows the table without it, in the same write transaction as the ``CREATE`` statements
(``BEGIN IMMEDIATE``: workers starting at once take turns, and the second one finds the column
there). A new table has it already (its ``CREATE`` names it); an added column is nullable or has
a default, so the rows written before it read as "not known" (each module says what that means).
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = ["DATABASE_FILE", "Column", "Database", "Schema"]

DATABASE_FILE: Final = "teststate.sqlite3"
# How long a writer waits for another writer's transaction before SQLite gives up.
BUSY_TIMEOUT_MS: Final = 30_000


# A table's or column's name, interpolated into DDL (SQLite has no parameters for names).
_NAME: Final = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Column:
    """A column added to a table after the table was first released (`Database.ensure` adds it
    to a database created before): the table, the column, and its declaration (a type, with a
    default if rows written before it need one; never NOT NULL without a default, which SQLite
    refuses to add)."""

    table: str
    name: str
    declaration: str

    def __post_init__(self) -> None:
        if not (_NAME.fullmatch(self.table) and _NAME.fullmatch(self.name)):
            raise RuntimeError(f"Column {self.table}.{self.name}: not a plain SQL name")


@dataclass(frozen=True, slots=True)
class Schema:
    """The tables (and indexes) one storage module owns, by a name unique among modules, and the
    columns added to them since their first release (`Column`)."""

    name: str
    statements: tuple[str, ...]
    added_columns: tuple[Column, ...] = ()


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
            connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, factory=_Connection
            )
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _use_wal(connection)
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
        """Create `schema`'s tables if this file does not have them yet, and add the columns a
        file created by an earlier version lacks (once per process, in one write transaction)."""
        if schema.name in self._ensured:
            return
        with self._lock:
            if schema.name in self._ensured:
                return
            with self.transaction() as connection:
                for statement in schema.statements:
                    connection.execute(statement)
                for column in schema.added_columns:
                    _add_column(connection, column)
            self._ensured.add(schema.name)

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and getattr(self._local, "pid", None) == os.getpid():
            connection.close()
            self._local.connection = None


def _use_wal(connection: sqlite3.Connection) -> None:
    """Put the file in WAL mode (a no-op once it is). Switching a file that is not yet takes an
    exclusive lock SQLite does not wait for (``busy_timeout`` does not apply): connections of
    several workers switching it at once get "database is locked", which only means another one
    is switching it. Tried again until `BUSY_TIMEOUT_MS`."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _add_column(connection: sqlite3.Connection, column: Column) -> None:
    """Add `column` to its table unless the table has it (a file created by an earlier version)."""
    present = {str(row[1]) for row in connection.execute(f"PRAGMA table_info({column.table})")}
    if column.name not in present:
        connection.execute(f"ALTER TABLE {column.table} ADD COLUMN {column.name} {column.declaration}")


_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def storable(value: object) -> object:
    """`value` as SQLite can hold it: text holding a lone surrogate (SQLite's text is UTF-8, which
    cannot carry one) as its ``surrogatepass`` bytes, a BLOB that `_restored` reads back as the
    same text.

    A lone surrogate reaches the service as a JSON escape (``"\\ud800"``) in a request member or a
    definition, and from there an input, an output, a cause: each is kept exactly. An identifier
    holding one (an ARN, a token) is a BLOB, which equals no stored text, so a lookup answers "does
    not exist", as AWS does for an unknown one. No column of this schema is a BLOB otherwise.
    """
    if isinstance(value, str) and _SURROGATE.search(value):
        return value.encode("utf-8", "surrogatepass")
    return value


def _storable_row(parameters: Any) -> Any:
    if isinstance(parameters, Mapping):
        return {key: storable(value) for key, value in parameters.items()}
    return tuple(storable(value) for value in parameters)


def _restored(_cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row as stored, with the text `storable` kept as bytes read back as text."""
    if bytes not in map(type, row):
        return row
    return tuple(value.decode("utf-8", "surrogatepass") if type(value) is bytes else value for value in row)


class _Connection(sqlite3.Connection):
    """A connection whose statements store text SQLite cannot hold as `storable` writes it, and
    whose rows read it back (`_restored`).

    `execute` binds before it runs, so a statement refused for its text (UnicodeEncodeError) has
    done nothing and runs again with storable parameters; `executemany` may have run some rows
    when a later one is refused, so its rows are made storable first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_factory = _restored

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except UnicodeEncodeError:
            return super().execute(sql, _storable_row(parameters))

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> sqlite3.Cursor:
        return super().executemany(sql, [_storable_row(row) for row in seq_of_parameters])
