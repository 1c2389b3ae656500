"""Durable executions in process: leases of dead processes, a runner that stops, resuming on start.

The real-server versions (a worker killed with SIGKILL, a server restarted on the same data
directory, a graceful stop mid-run) are in ``tests/test_e2e_executions.py``; these pin the
pieces: `owner_is_dead`, `claim` taking a dead owner's lease, `abandon`, `Runner.request_stop`
giving an execution up mid-run so another runner finishes it with the same history, and
`resume_pending`.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.executions_support import assert_same_history, finished, full_history, nested_inline_map
from teststate.app import create_app
from teststate.executions import runner as runner_module
from teststate.executions.runner import Runner, owner_is_dead
from teststate.storage import executions as store
from teststate.storage.db import Database
from teststate.toolkit.client import inprocess_client

ROLE = "arn:aws:iam::123456789012:role/test-role"
ARN = "arn:aws:states:us-east-1:123456789012:execution:m:e"
HOST = os.uname().nodename
# About a second of engine work and 10,000 events: long enough to be stopped mid-run.
BIG = nested_inline_map(50)


# --------------------------------------------------------------------------------------------
# Whose lease is dead
# --------------------------------------------------------------------------------------------
def test_a_process_that_exited_is_dead_and_a_running_one_is_not() -> None:
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    assert owner_is_dead(f"{HOST}:{exited.pid}:abcd", "")
    assert not owner_is_dead(f"{HOST}:{os.getppid()}:abcd", "")


def test_a_killed_process_not_yet_reaped_is_dead() -> None:
    if not Path("/proc").is_dir():
        pytest.skip("zombies are read from /proc")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert not owner_is_dead(f"{HOST}:{child.pid}:abcd", "")
        child.kill()
        deadline = time.monotonic() + 5
        while not owner_is_dead(f"{HOST}:{child.pid}:abcd", "") and time.monotonic() < deadline:
            time.sleep(0.01)  # a zombie until waited for
        assert owner_is_dead(f"{HOST}:{child.pid}:abcd", "")
    finally:
        child.kill()
        child.wait()


def test_this_process_under_an_earlier_runner_is_dead_and_other_hosts_are_never_judged() -> None:
    mine = f"{HOST}:{os.getpid()}:now"
    assert not owner_is_dead(mine, mine)
    assert owner_is_dead(f"{HOST}:{os.getpid()}:before", mine)
    assert not owner_is_dead("elsewhere:1:abcd", mine)
    assert not owner_is_dead("garbage", mine)


# --------------------------------------------------------------------------------------------
# Leases in storage
# --------------------------------------------------------------------------------------------
def _record(arn: str = ARN) -> store.ExecutionRecord:
    return store.ExecutionRecord(
        arn=arn,
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
        state_machine_name="m",
        name=arn.rsplit(":", 1)[1],
        input="{}",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        role_arn=ROLE,
        start_date=datetime(2024, 1, 1, tzinfo=UTC),
    )


def _row(db: Database, arn: str = ARN) -> tuple[Any, ...]:
    row = (
        db.connection()
        .execute(
            "SELECT lease_owner, lease_expires, runnable, event_count, status FROM executions WHERE arn = ?",
            (arn,),
        )
        .fetchone()
    )
    assert row is not None
    return tuple(row)


def test_a_live_lease_is_taken_only_from_the_owner_named_dead(tmp_path: Path) -> None:
    db = Database(tmp_path)
    store.create_execution(db, _record())
    now = time.time()
    assert store.claim(db, ARN, "a", now, 60.0, {})
    assert not store.claim(db, ARN, "b", now, 60.0, {})
    assert not store.claim(db, ARN, "b", now, 60.0, {}, dead_owner="c")
    assert store.leased(db, now) == [(ARN, "a")]
    assert store.claim(db, ARN, "b", now, 60.0, {}, dead_owner="a")
    assert _row(db)[0] == "b"
    assert not store.record_progress(db, ARN, "a", 1, ['{"x":1}'], now + 60)  # the dead one's late write
    assert _row(db)[3] == 0


def test_abandon_keeps_the_events_and_frees_the_lease_for_anyone(tmp_path: Path) -> None:
    db = Database(tmp_path)
    store.create_execution(db, _record())
    now = time.time()
    assert store.claim(db, ARN, "a", now, 60.0, {})
    assert not store.abandon(db, ARN, "b", 1, ['{"id":1}'])  # not the owner: nothing stored
    assert _row(db)[3] == 0
    assert store.abandon(db, ARN, "a", 1, ['{"id":1}', '{"id":2}'])
    assert _row(db) == (None, None, 1, 2, "RUNNING")
    assert store.read_events(db, ARN) == ['{"id":1}', '{"id":2}']
    assert store.runnable(db, time.time())[0] == [ARN]


def test_has_unfinished_reads_without_creating_anything(tmp_path: Path) -> None:
    db = Database(tmp_path)
    assert not store.has_unfinished(db)
    assert db.connection().execute("SELECT name FROM sqlite_master").fetchall() == []
    store.create_execution(db, _record())
    assert store.has_unfinished(db)


# --------------------------------------------------------------------------------------------
# A runner that stops mid-run, and one that resumes on start
# --------------------------------------------------------------------------------------------
@pytest.fixture
def app(tmp_path: Path) -> Iterator[Any]:
    yield create_app({"TESTSTATE_DATA_DIR": str(tmp_path / "data"), "TESTSTATE_LOG_LEVEL": "warning"})
    database = tmp_path / "data"
    runner = runner_module._runners.get(str(database / "teststate.sqlite3"))
    if runner is not None:
        runner.request_stop()
        runner.wait_stopped(5)


def test_a_stopping_runner_gives_its_execution_up_and_another_finishes_it_identically(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "teststate.executions")
    sfn = inprocess_client(app=app)
    db, limits = app.service.database, app.service.limits
    machine = sfn.create_state_machine(name="big", definition=json.dumps(BIG), roleArn=ROLE)[
        "stateMachineArn"
    ]
    arn = sfn.start_execution(stateMachineArn=machine, name="interrupted")["executionArn"]
    first = runner_module.runner_for(db, limits)
    deadline = time.monotonic() + 20
    while _row(db, arn)[3] == 0:  # some events stored: it is mid-run
        assert time.monotonic() < deadline
        time.sleep(0.002)
    first.request_stop()
    assert first.wait_stopped(5)
    owner, expires, runnable, stored, status = _row(db, arn)
    assert (owner, expires, runnable, status) == (None, None, 1, "RUNNING"), "the lease was not given up"
    assert stored > 0
    first.ensure_started()  # stopped for good in this process: not restarted by a late call
    assert first.stopped

    second = Runner(db, limits)  # another process's runner
    second.ensure_started()
    try:
        described = finished(sfn, arn, poll=0.02)
    finally:
        second.request_stop()
        second.wait_stopped(5)
    assert described["status"] == "SUCCEEDED"
    events = full_history(sfn, arn)
    assert [event["id"] for event in events] == list(range(1, len(events) + 1))
    assert len(events) > stored
    assert "differs" not in caplog.text and "lease lost" not in caplog.text

    # The same execution never interrupted has the same history (timestamps aside).
    third = Runner(db, limits)
    third.ensure_started()
    try:
        reference = sfn.start_execution(stateMachineArn=machine, name="reference")["executionArn"]
        third.notify()
        assert finished(sfn, reference, poll=0.02)["status"] == "SUCCEEDED"
    finally:
        third.request_stop()
        third.wait_stopped(5)
    assert_same_history(events, full_history(sfn, reference))


def test_resume_pending_starts_a_runner_only_when_something_is_running(tmp_path: Path) -> None:
    db = Database(tmp_path)
    limits = create_app({"TESTSTATE_DATA_DIR": str(tmp_path)}).service.limits
    assert not runner_module.resume_pending(db, limits)
    assert str(db.path) not in runner_module._runners
    store.create_execution(db, _record())
    assert runner_module.resume_pending(db, limits)
    runner = runner_module._runners[str(db.path)]
    try:
        deadline = time.monotonic() + 10
        while _row(db)[4] == "RUNNING":
            assert time.monotonic() < deadline, "the pending execution was not resumed"
            time.sleep(0.01)
        assert _row(db)[4] == "SUCCEEDED"
    finally:
        runner.request_stop()
        runner.wait_stopped(5)


# --------------------------------------------------------------------------------------------
# Under the server: a runner process drives, workers only store and wake it
# --------------------------------------------------------------------------------------------
@pytest.fixture
def wake_pipe() -> Iterator[tuple[int, int]]:
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    yield read, write
    runner_module.use_runner_process(None)
    os.close(read)
    os.close(write)


def test_under_a_runner_process_a_worker_runs_no_loop_and_only_wakes_it(
    tmp_path: Path, wake_pipe: tuple[int, int]
) -> None:
    read, write = wake_pipe
    db = Database(tmp_path)
    limits = create_app({"TESTSTATE_DATA_DIR": str(tmp_path)}).service.limits
    store.create_execution(db, _record())
    runner_module.use_runner_process(write)
    assert not runner_module.resume_pending(db, limits)  # the runner process resumes them
    runner = runner_module.runner_for(db, limits)
    assert runner.stopped and runner.owner.split(":")[1] == str(os.getpid())
    with pytest.raises(BlockingIOError):
        os.read(read, 16)
    runner.notify()
    runner.notify()
    assert os.read(read, 16) == b"\0\0"
    time.sleep(0.1)
    assert _row(db)[4] == "RUNNING"  # nobody in this process drove it
    runner.drive_now(ARN, 5.0)  # StopExecution's path: driven within the caller
    assert _row(db)[4] == "SUCCEEDED"


def test_the_runner_process_loop_drives_when_woken_and_stops_when_asked(
    tmp_path: Path, wake_pipe: tuple[int, int]
) -> None:
    import threading

    read, write = wake_pipe
    db = Database(tmp_path)
    limits = create_app({"TESTSTATE_DATA_DIR": str(tmp_path)}).service.limits
    runner = Runner(db, limits, yields=False)
    loop = threading.Thread(target=runner.serve, args=(read, write), daemon=True)
    loop.start()
    try:
        time.sleep(0.1)  # idle: waiting on the pipe
        store.create_execution(db, _record())
        started = time.monotonic()
        runner_module.use_runner_process(write)
        Runner(db, limits).notify()  # what a worker does after storing it
        while _row(db)[4] == "RUNNING":
            assert time.monotonic() - started < 5, "the woken loop did not drive the execution"
            time.sleep(0.001)
        assert _row(db)[4] == "SUCCEEDED"
    finally:
        stopping = time.monotonic()
        runner.request_stop()
        loop.join(5)
    assert not loop.is_alive()
    assert time.monotonic() - stopping < runner_module.POLL_SECONDS + 0.5


def test_events_stored_by_earlier_versions_are_read_and_compare_equal() -> None:
    from interpreter.execution.model import HistoryEvent
    from teststate.executions import codec

    moment = datetime(2024, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
    event = HistoryEvent(
        3, 2, "PassStateEntered", moment, "stateEnteredEventDetails", {"name": "P", "input": "{}"}
    )
    text = codec.encode_event(event)
    legacy = json.dumps(
        {**event.to_api(), "timestamp": moment.isoformat()}, separators=(",", ":"), sort_keys=True
    )
    assert json.loads(text)["timestamp"] == 1704110400.123
    assert codec.event_for_api(legacy) == codec.event_for_api(text) == json.loads(text)
    assert codec.events_for_api([legacy, text]) == [json.loads(text)] * 2
    assert codec.same_event(text, legacy) and codec.same_event(text, text)
    assert not codec.same_event(text, legacy.replace('"P"', '"Q"'))
    assert codec.events_for_api([text], include_data=False)[0]["stateEnteredEventDetails"] == {"name": "P"}
    # A lone surrogate: stored as an ASCII escape (valid UTF-8), read back as it was.
    odd = HistoryEvent(1, 0, "PassStateEntered", moment, "stateEnteredEventDetails", {"name": "\ud800é"})
    stored = codec.encode_event(odd)
    assert stored.isascii() and codec.encode_event(odd) == stored
    assert codec.events_for_api([stored, text])[0]["stateEnteredEventDetails"]["name"] == "\ud800é"
