"""The runner: drives executions in the background and stores what the engine yields.

StartExecution stores the execution and answers at once, as AWS does (the execution runs after
the answer). Each process (each gunicorn worker, or a test's in-process app) has one `Runner`
per database: a daemon thread, started with the process's first execution operation (and again
after a fork: a thread does not survive one), that claims runnable executions from the shared
database (`teststate.storage.executions.runnable`: new, signalled, timer due, or whose owner's
lease expired) and drives each: it runs `interpreter.execution.run_execution` from the start
with every stored signal, skips the events already stored (checking each is identical: the
engine is deterministic, so a difference is a bug and is logged), appends the new ones in
batches (renewing its lease with each), and records the suspension (task tokens, timer) or the
end. A worker killed mid-run leaves its lease behind; another worker's runner resumes the execution
from its recorded events, once the lease has expired or, sooner, once it sees that the owner's
process is gone (`owner_is_dead`: same host, pid no longer running). Every execution operation
starts the process's runner, and so does a gunicorn worker starting on a database with
executions still RUNNING (`resume_pending`, from `teststate.worker`): after a restart with the
same data directory, running executions go on without waiting for a call.

The `Runner` itself is `teststate.executions.driver`; what a run takes (the start value, the Task
Resources called for real, fixed before the first event) `teststate.executions.run_inputs`; what
the runner shares with its process (the runner process's wake pipe, the requests in flight, lease
owners, the runners by database) `teststate.executions.plumbing`; StartSyncExecution's run, which
is not stored, `teststate.executions.sync_run`. This module holds the process's runners (one per
database file: `runner_for`, `resume_pending`, `stop_runners`) and re-exports those modules' names.

Stopping (`stop_runners`: a worker's graceful stop, or the interpreter exiting): the runner
finishes the event it is on, appends the events run so far and gives the lease up with the
execution still runnable (`teststate.storage.executions.abandon`, one transaction), so another
process resumes it at once; every append is a transaction, so no batch is ever half-written.

Where the loop runs. Under the server (`teststate.server`), the gunicorn master starts one
*runner process* (`teststate.executions.process`) that runs this loop on its main thread, and
workers run no loop at all: `use_runner_process` (called in the master before it forks them)
makes their `Runner` only store and wake (`Runner.notify` writes a byte to the runner process's
wake pipe); the engine's CPU-bound work then never shares a worker's GIL, and the kernel
prefers the workers (the runner process runs niced). A worker still drives an execution itself
for StopExecution (`Runner.drive_now`: the stop is driven within the request). Anywhere else (a
test's in-process app, the pytest plugin's client, another WSGI server) each process runs the
loop in a daemon thread, as described above; there the engine's work yields the interpreter
(``time.sleep(0)``) every few milliseconds of it and pauses while the process answers a
request, so requests are still answered while a 10,000-item Map runs.
"""

from __future__ import annotations

import atexit
import os
import time
from typing import TYPE_CHECKING, Final

from interpreter.limits import Limits
from teststate.executions.driver import (
    BATCH_EVENTS,
    BATCH_SECONDS,
    DEAD_OWNER_SECONDS,
    LEASE_SECONDS,
    POLL_SECONDS,
    YIELD_SECONDS,
    Runner,
)
from teststate.executions.plumbing import (
    PAUSE_SECONDS,
    _RunnerProcess,
    _runners,
    _runners_lock,
    owner_is_dead,
    request_in_flight,
    use_runner_process,
    yield_to_requests,
)
from teststate.executions.sync_run import RunResult, run_to_end
from teststate.storage import executions as store

if TYPE_CHECKING:
    from teststate.integrations import CallSettings
    from teststate.storage.db import Database

__all__ = [
    "BATCH_EVENTS",
    "BATCH_SECONDS",
    "DEAD_OWNER_SECONDS",
    "LEASE_SECONDS",
    "PAUSE_SECONDS",
    "POLL_SECONDS",
    "STOP_SECONDS",
    "YIELD_SECONDS",
    "RunResult",
    "Runner",
    "owner_is_dead",
    "request_in_flight",
    "request_stop_all",
    "resume_pending",
    "run_to_end",
    "runner_for",
    "stop_runners",
    "use_runner_process",
    "yield_to_requests",
]

# How long a stopping process waits for its runners to give their executions up.
STOP_SECONDS: Final = 5.0

_atexit_pids: set[int] = set()


def runner_for(
    db: Database, limits: Limits, calls: CallSettings | None = None, mock_config: str | None = None
) -> Runner:
    """The runner of `db` in this process (one per database file), started; `calls`: the app's
    service call settings, `mock_config` its mock configuration file (the environment's when
    not given)."""
    key = str(db.path)
    runner = _runners.get(key)
    if runner is None:
        with _runners_lock:
            runner = _runners.get(key)
            if runner is None:
                runner = _runners[key] = Runner(db, limits, calls=calls, mock_config=mock_config)
    if os.getpid() not in _atexit_pids:
        # Interpreter exit (a test's in-process app, a worker's sys.exit): give leases up.
        _atexit_pids.add(os.getpid())
        atexit.register(stop_runners, 1.0)
    runner.ensure_started()
    return runner


def resume_pending(db: Database, limits: Limits) -> bool:
    """Start this process's runner of `db` if the database holds executions still RUNNING (a
    worker starting after a restart, or replacing one that died); otherwise it starts with the
    first execution operation, as before.

    Returns:
        True when the runner was started.
    """
    if _RunnerProcess.wake_fd is not None or not store.has_unfinished(db):
        return False  # under a runner process, that process resumes them
    runner_for(db, limits)
    return True


def request_stop_all() -> list[Runner]:
    """Ask every runner of this process to stop (`Runner.request_stop`); returns them, to wait on
    (`Runner.stopped`) without blocking, as a gevent worker must."""
    runners = list(_runners.values())
    for runner in runners:
        runner.request_stop()
    return runners


def stop_runners(timeout: float = STOP_SECONDS) -> bool:
    """Stop every runner of this process (`Runner.request_stop`) and wait up to `timeout`
    seconds in all for them to give their executions up.

    Returns:
        True when all of them have stopped.
    """
    runners = request_stop_all()
    deadline = time.monotonic() + timeout
    return all(runner.wait_stopped(max(0.0, deadline - time.monotonic())) for runner in runners)
