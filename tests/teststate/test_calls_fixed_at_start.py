"""What an execution calls for real is fixed before its first event, and old data directories migrate.

`teststate.storage.executions.ExecutionRecord.service_calls` (a column added after the
executions table's first release): the runner fixes it at the execution's first run and every
later run uses it (`teststate.executions.runner.Runner.execution_start`); a database file created
by the previous version (the executions schema of commit e2f9807, copied below) gets the column
from `teststate.storage.db.Database.ensure` (``PRAGMA table_info`` then ``ALTER TABLE``), once,
even with several processes opening it at once, and its rows keep working: one never run is fixed
at its first run, one that ran already uses the runner's settings, as that version did. The
end-to-end versions, a server restarted with the other setting, are in
``tests/test_e2e_calls_fixed_at_start.py``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.executions_support import finished, full_history, scheduled_token, token_wait_machine
from teststate.app import create_app
from teststate.executions import runner as runner_module
from teststate.executions.runner import Runner
from teststate.integrations import CallSettings
from teststate.storage import executions as store
from teststate.storage.db import DATABASE_FILE, Database

ROLE = "arn:aws:iam::123456789012:role/test-role"
MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:old"
OLD_ARN = "arn:aws:states:us-east-1:123456789012:execution:old:before-upgrade"
SEND = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
DEFINITION = json.dumps(token_wait_machine({"Type": "Pass", "End": True}))
CALLS_ON = CallSettings(enabled=True, endpoint_url="http://127.0.0.1:9", region="us-east-1")
CALLS_OFF = CallSettings(enabled=False, endpoint_url=None, region=None)

# The executions schema as the previous version created it (git show
# e2f9807:teststate/storage/executions.py): no service_calls, no execution_children.
OLD_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS executions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        state_machine_arn TEXT NOT NULL,
        version_arn TEXT,
        state_machine_name TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        input TEXT NOT NULL,
        definition TEXT NOT NULL,
        role_arn TEXT NOT NULL,
        start_date TEXT NOT NULL,
        stop_date TEXT,
        output TEXT,
        error TEXT,
        cause TEXT,
        trace_header TEXT,
        test_case TEXT,
        mock_hash TEXT,
        clock TEXT NOT NULL,
        redrive_count INTEGER NOT NULL DEFAULT 0,
        event_count INTEGER NOT NULL DEFAULT 0,
        runnable INTEGER NOT NULL DEFAULT 1,
        wake_at REAL,
        lease_owner TEXT,
        lease_expires REAL
    )""",
    "CREATE INDEX IF NOT EXISTS executions_machine ON executions (state_machine_arn, seq)",
    "CREATE INDEX IF NOT EXISTS executions_status ON executions (status)",
    """CREATE TABLE IF NOT EXISTS execution_events (
        execution_arn TEXT NOT NULL,
        id INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (execution_arn, id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS execution_signals (
        execution_arn TEXT NOT NULL,
        seq INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (execution_arn, seq)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS task_tokens (
        token TEXT PRIMARY KEY,
        execution_arn TEXT NOT NULL,
        state TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS mock_documents (
        hash TEXT PRIMARY KEY,
        text TEXT NOT NULL
    ) WITHOUT ROWID""",
)


def _old_database(directory: Path) -> Path:
    """A data directory as the previous version left it: its schema, one execution started (by
    StartExecution) and not run yet."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DATABASE_FILE
    with closing(sqlite3.connect(path)) as connection:
        for statement in OLD_SCHEMA:
            connection.execute(statement)
        connection.execute(
            "INSERT INTO executions (arn, state_machine_arn, state_machine_name, name, type, status, "
            "input, definition, role_arn, start_date, clock) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                OLD_ARN,
                MACHINE_ARN,
                "old",
                "before-upgrade",
                "STANDARD",
                "RUNNING",
                '{"kept": true}',
                DEFINITION,
                ROLE,
                datetime(2024, 1, 1, tzinfo=UTC).isoformat(),
                "virtual",
            ),
        )
        connection.commit()
    return path


def _columns(path: Path, table: str) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        return [str(row[1]) for row in connection.execute(f"PRAGMA table_info({table})")]


def _stored_calls(path: Path, arn: str = OLD_ARN) -> Any:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT service_calls FROM executions WHERE arn = ?", (arn,)).fetchone()[0]


def _limits(tmp_path: Path) -> Any:
    return create_app({"TESTSTATE_DATA_DIR": str(tmp_path / "limits")}).service.limits


# --------------------------------------------------------------------------------------------
# The migration
# --------------------------------------------------------------------------------------------
def test_opening_an_old_file_from_many_processes_at_once_adds_the_column_once(tmp_path: Path) -> None:
    path = _old_database(tmp_path / "data")
    assert "service_calls" not in _columns(path, "executions")
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def open_it() -> None:
        db = Database(tmp_path / "data")  # each its own connection and ensure: as workers are
        barrier.wait()
        try:
            db.ensure(store.SCHEMA)
        except BaseException as err:  # reported below
            failures.append(err)
        finally:
            db.close()

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert _columns(path, "executions").count("service_calls") == 1
    assert "child_arn" in _columns(path, "execution_children")  # a new table is created as well
    record = store.get_execution(Database(tmp_path / "data"), OLD_ARN)
    assert record is not None
    assert (record.status, record.input, record.definition, record.name) == (
        "RUNNING",
        '{"kept": true}',
        DEFINITION,
        "before-upgrade",
    )
    assert record.service_calls is None  # not fixed: the previous version did not store it


@pytest.fixture
def old_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Path]]:
    """The in-process app (service calls off) on a data directory of the previous version."""
    monkeypatch.delenv("TESTSTATE_SERVICE_CALLS", raising=False)
    path = _old_database(tmp_path / "data")
    app = create_app({"TESTSTATE_DATA_DIR": str(tmp_path / "data"), "TESTSTATE_LOG_LEVEL": "warning"})
    yield app, path
    runner = runner_module._runners.get(str(path))
    if runner is not None:
        runner.request_stop()
        runner.wait_stopped(5)


def test_an_old_execution_goes_on_after_the_upgrade(
    old_app: tuple[Any, Path], caplog: pytest.LogCaptureFixture
) -> None:
    from teststate.toolkit.client import inprocess_client

    caplog.set_level(logging.WARNING, "teststate.executions")
    app, path = old_app
    sfn = inprocess_client(app=app)
    # Not run by the previous version: fixed at its first run (calls off: nothing called).
    assert sfn.describe_execution(executionArn=OLD_ARN)["status"] == "RUNNING"
    deadline = time.monotonic() + 10
    while scheduled_token(full_history(sfn, OLD_ARN)) is None:
        assert time.monotonic() < deadline, "the old execution was not run"
        time.sleep(0.01)
    assert _stored_calls(path) == "[]"
    # As if the previous version had run it that far: not fixed, so the runner's settings decide
    # (today's behaviour), and nothing is fixed later (it has events).
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("UPDATE executions SET service_calls = NULL WHERE arn = ?", (OLD_ARN,))
        connection.commit()
    token = scheduled_token(full_history(sfn, OLD_ARN))
    assert token is not None
    sfn.send_task_success(taskToken=token, output='{"answered": true}')
    described = finished(sfn, OLD_ARN)
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"answered": True}
    assert _stored_calls(path) is None
    # A new execution on the migrated file is fixed like any other.
    machine = sfn.create_state_machine(name="new", definition=DEFINITION, roleArn=ROLE)["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, name="after-upgrade")["executionArn"]
    while scheduled_token(full_history(sfn, arn)) is None:
        assert time.monotonic() < deadline + 10, "the new execution was not run"
        time.sleep(0.01)
    assert _stored_calls(path, arn) == "[]"
    assert "differs" not in caplog.text


# --------------------------------------------------------------------------------------------
# The stored set decides, not the runner's settings
# --------------------------------------------------------------------------------------------
def _record(**changes: Any) -> store.ExecutionRecord:
    fields: dict[str, Any] = {
        "arn": OLD_ARN,
        "state_machine_arn": MACHINE_ARN,
        "state_machine_name": "old",
        "name": "before-upgrade",
        "input": "{}",
        "definition": DEFINITION,
        "role_arn": ROLE,
        "start_date": datetime(2024, 1, 1, tzinfo=UTC),
    }
    return store.ExecutionRecord(**{**fields, **changes})


def test_the_stored_set_wins_over_the_runners_settings(tmp_path: Path) -> None:
    db = Database(tmp_path)
    on, off = Runner(db, _limits(tmp_path), calls=CALLS_ON), Runner(db, _limits(tmp_path), calls=CALLS_OFF)
    assert on.service_calls_for(DEFINITION) == frozenset({SEND})
    assert off.service_calls_for(DEFINITION) == frozenset()
    fixed_off, fixed_on = _record(service_calls=frozenset()), _record(service_calls=frozenset({SEND}))
    assert on.execution_start(fixed_off).service_calls == frozenset()
    assert off.execution_start(fixed_on).service_calls == frozenset({SEND})
    # Not fixed (StartSyncExecution; an execution of the previous version): the runner's settings.
    assert on.execution_start(_record()).service_calls == frozenset({SEND})
    assert off.execution_start(_record()).service_calls == frozenset()


def test_the_set_is_fixed_once_by_the_lease_holder_before_any_event(tmp_path: Path) -> None:
    db = Database(tmp_path)
    store.create_execution(db, _record())
    assert store.fix_service_calls(db, OLD_ARN, "a", frozenset({SEND})) is None  # nobody holds it
    assert store.claim(db, OLD_ARN, "a", time.time(), 60.0, {})
    assert store.fix_service_calls(db, OLD_ARN, "b", frozenset({SEND})) is None  # not the holder
    assert store.fix_service_calls(db, OLD_ARN, "a", frozenset({SEND})) == frozenset({SEND})
    assert store.fix_service_calls(db, OLD_ARN, "a", frozenset()) == frozenset({SEND})  # once
    other = OLD_ARN + "-ran"
    store.create_execution(db, _record(arn=other, name="ran"), ['{"id":1}'])  # has run already
    assert store.claim(db, other, "a", time.time(), 60.0, {})
    assert store.fix_service_calls(db, other, "a", frozenset()) is None
    created, _ = store.create_execution(db, _record(arn=OLD_ARN + "-given", service_calls=frozenset()))
    assert store.get_execution(db, created.arn) == created
