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

What decides an execution's path is fixed before its first event and stored with it, never read
from the settings of whichever process runs it later: the execution is a deterministic replay of
its start and its signals, and a server restarted with other settings must re-create the same
history. Besides the definition, input and mock test case, that is the set of Task Resources
called for real when the test case does not mock them (`ExecutionStart.service_calls`: whether
an unmocked Task suspends for a `ServiceCall` or fails as unmocked). The runner that first runs
the execution resolves it from its settings (`Runner.service_calls_for`) and stores it
(`teststate.storage.executions.fix_service_calls`) before anything runs; every later run, in any
process, reads it back (`Runner.execution_start`). The set itself is stored, not the calls-on
flag it comes from: which Resources this library can call (`teststate.executions.calls.
callable_resources`, `teststate.executions.nested.resources`) grows between versions, and an
execution started by one version and resumed by the next must take the same path too. An
execution stored as calling a Resource that the process now cannot call (calls turned off since)
takes the same path and makes the call, which fails as `teststate.executions.calls.perform_one`
fails it (``States.Runtime``, "... cannot be called: service calls are off"): only the call's
answer differs. An execution started by a version that did not store the set, and already run,
uses the runner's current settings, as that version did. StartSyncExecution (`run_to_end`) is not
stored: it takes the settings once, at its start, for its whole run.

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
import contextlib
import logging
import os
import select
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from interpreter.execution.model import ExecutionStart, Finished, HistoryEvent, Signal, Suspended
from interpreter.limits import Limits
from teststate.executions import calls as service_calls
from teststate.executions import codec, mock_file, nested, starting
from teststate.storage import executions as store

if TYPE_CHECKING:
    from interpreter.execution.mock_config import MockTestCase
    from teststate.integrations import CallSettings
    from teststate.storage.db import Database

__all__ = [
    "RunResult",
    "Runner",
    "owner_is_dead",
    "request_stop_all",
    "resume_pending",
    "run_to_end",
    "runner_for",
    "stop_runners",
    "use_runner_process",
]

_log: Final = logging.getLogger("teststate.executions")

# A lease is renewed with every batch; a worker silent this long is presumed dead.
LEASE_SECONDS: Final = 10.0
# How often an idle runner looks for work that another worker made runnable.
POLL_SECONDS: Final = 0.05
# Events appended per batch, and the longest a batch waits.
BATCH_EVENTS: Final = 2000
BATCH_SECONDS: Final = 0.25
# Engine work between two yields of the interpreter; at a yield, the runner also pauses while
# this process answers a request (at most PAUSE_SECONDS), so requests are not slowed by the GIL.
YIELD_SECONDS: Final = 0.002
PAUSE_SECONDS: Final = 0.05
# How often an idle runner looks for leases held by processes that have died (a cheap query,
# but nothing that needs doing every poll).
DEAD_OWNER_SECONDS: Final = 1.0
# How long a stopping process waits for its runners to give their executions up.
STOP_SECONDS: Final = 5.0


class _InFlight:
    """How many API calls this process is answering (`teststate.app` counts them)."""

    count = 0


class _RunnerProcess:
    """Set in a gunicorn master before it forks (`use_runner_process`): this process's executions
    are driven by the runner process, woken through `wake_fd` (the write end of its pipe)."""

    wake_fd: int | None = None


def use_runner_process(wake_fd: int | None) -> None:
    """Let the runner process drive executions (`wake_fd`: the non-blocking write end of its wake
    pipe), or this process's own thread again (None). Called by the gunicorn master before it forks
    workers (they inherit it) and in the runner process itself (None)."""
    _RunnerProcess.wake_fd = wake_fd


def _wake_runner_process(wake_fd: int) -> None:
    """One byte into the runner process's wake pipe; a full pipe already says "look for work"."""
    with contextlib.suppress(BlockingIOError, InterruptedError):
        os.write(wake_fd, b"\0")


@contextlib.contextmanager
def request_in_flight() -> Iterator[None]:
    """Count an API call being answered: the runner gives way to it (`yield_to_requests`)."""
    _InFlight.count += 1
    try:
        yield
    finally:
        _InFlight.count -= 1


def yield_to_requests() -> None:
    """Let other threads run, and wait (bounded) while this process answers API calls."""
    time.sleep(0)
    deadline = time.perf_counter() + PAUSE_SECONDS
    while _InFlight.count > 0 and time.perf_counter() < deadline:
        time.sleep(0.0002)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RunResult:
    """One synchronous run to the end (StartSyncExecution): the events and the end."""

    events: tuple[HistoryEvent, ...]
    finished: Finished


def _run_execution(
    start: ExecutionStart, signals: Iterable[Signal]
) -> Iterator[HistoryEvent | Suspended | Finished]:
    from interpreter.execution import run_execution  # the engine, imported when first used

    return iter(run_execution(start, tuple(signals)))


def run_to_end(
    start: ExecutionStart,
    calls: CallSettings | None = None,
    *,
    parent: nested.Parent | None = None,
    db: Database | None = None,
) -> RunResult:
    """Run an execution within the caller (StartSyncExecution), to its end.

    A real-clock timer is slept through (the caller waits, as StartSyncExecution's caller does);
    service calls are made inline (`calls`: the server's settings, taken once at the start, as
    `start.service_calls` was resolved from them), and a Task that starts an execution starts it
    in `db` (`parent`: this execution as its parent); a wait for a task token cannot end (EXPRESS
    machines refuse ``.waitForTaskToken``), so it ends the execution FAILED.
    """
    settings = calls if calls is not None else service_calls.settings_from_env()
    signals: list[Signal] = []
    while True:
        events: list[HistoryEvent] = []
        last = start.start_time
        for step in _run_execution(start, signals):
            if isinstance(step, HistoryEvent):
                events.append(step)
                last = step.timestamp
            elif isinstance(step, Finished):
                return RunResult(tuple(events), step)
            else:
                if step.calls:
                    for call in step.calls:
                        if nested.handles(call.resource) and db is not None and parent is not None:
                            signals.append(nested.perform(db, parent, call, store_result=False))
                        else:
                            signals.append(service_calls.perform_one(call, settings))
                    break
                if step.wake_at is None:
                    # Not reachable through the API (EXPRESS refuses .waitForTaskToken); ours.
                    return RunResult(
                        tuple(events),
                        Finished(
                            "FAILED",
                            last,
                            error="States.Runtime",
                            cause="A synchronous Express execution cannot wait for a task token",
                        ),
                    )
                delay = (step.wake_at - _now()).total_seconds() if not start.virtual_clock else 0.0
                if delay > 0:
                    time.sleep(delay)
                signals.append(codec.decode_signal(codec.encode_signal("timer", _now())))
                break


def _owner_name(pid: int) -> str:
    """A lease owner's name: ``host:pid:nonce`` (`owner_is_dead` reads the host and pid)."""
    return f"{os.uname().nodename}:{pid}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str, own: str) -> bool:
    """Is the process that holds a lease (``host:pid:nonce``, `Runner.owner`) known to be gone?

    Only a process on this host can be checked: its pid no longer runs, or is a zombie (killed,
    not reaped yet), or is this very process under an earlier runner (`own` is this runner's
    owner). A pid reused by another process reads as alive, so its lease is left to expire:
    never wrongly taken, at worst taken later.
    """
    host, _, rest = owner.partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != os.uname().nodename or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return owner != own
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    except OSError:
        stat = ""
    if stat:
        return stat.rpartition(")")[2].split()[0] in ("Z", "X")
    try:  # no /proc: ask the kernel
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


class Runner:
    """The process's driver of executions stored in one database.

    Attributes:
        db: the database.
        limits: the core's bounds, for every execution.
        calls: whether and where unmocked Tasks call real services (`teststate.executions.calls`);
            the process's environment when not given (the runner process's).
    """

    def __init__(
        self,
        db: Database,
        limits: Limits,
        *,
        yields: bool = True,
        calls: CallSettings | None = None,
        mock_config: str | None = None,
    ) -> None:
        self.db = db
        self.limits = limits
        self.calls = calls if calls is not None else service_calls.settings_from_env()
        # The mock configuration file a child's ``#<TestCase>`` is looked up in when its parent
        # has none stored (the process's environment when not given: the runner process's).
        self.mock_config = (
            mock_config
            if mock_config is not None
            else (
                os.environ.get(mock_file.VARIABLE) or os.environ.get(mock_file.LEGACY_VARIABLE) or ""
            ).strip()
        )
        # In a process that also answers requests, the engine's work gives way to them.
        self._yields = yields
        self._wake = threading.Event()
        self._wake_read: int | None = None  # the runner process's wake pipe (`serve`)
        self._wake_write = -1
        self._lock = threading.Lock()
        self._driving: set[str] = set()
        self._done = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopping = threading.Event()
        self._dead_checked = 0.0
        self.owner = ""
        self._mocks: dict[tuple[str, str, str], MockTestCase] = {}

    # ---------------------------------------------------------------------------------------
    # The background loop
    # ---------------------------------------------------------------------------------------
    def ensure_started(self) -> None:
        """Start this process's loop if it is not running (first use, or after a fork); under a
        runner process (`use_runner_process`), only take this process's owner name (a worker
        drives an execution itself only for StopExecution)."""
        pid = os.getpid()
        if self._wake_read is not None and self._pid == pid:
            return  # this process's `serve` runs the loop on its main thread
        if _RunnerProcess.wake_fd is not None:
            if self._pid != pid:
                with self._lock:
                    self._driving = set()
                    self._stopping = threading.Event()
                    self._pid = pid
                    self.owner = _owner_name(pid)
            return
        if self._pid == pid and (
            self._stopping.is_set() or (self._thread is not None and self._thread.is_alive())
        ):
            return  # running, or stopped for good in this process
        with self._lock:
            if self._pid != pid:
                # A forked child: the parent's thread, lock holders and claims are not ours.
                self._driving = set()
                self._wake = threading.Event()
                self._stopping = threading.Event()
            if self._pid == pid and (
                self._stopping.is_set() or (self._thread is not None and self._thread.is_alive())
            ):
                return
            self._pid = pid
            self.owner = _owner_name(pid)
            self._thread = threading.Thread(target=self._loop, name="teststate-executions", daemon=True)
            self._thread.start()

    def notify(self) -> None:
        """Look for work now (an execution was started or signalled in this process): wake this
        process's loop, or the runner process."""
        wake_fd = _RunnerProcess.wake_fd
        if wake_fd is not None:
            _wake_runner_process(wake_fd)
        else:
            self._wake.set()

    def serve(self, wake_read: int, wake_write: int) -> None:
        """Run the loop on the calling thread until `request_stop` (the runner process's main:
        `teststate.executions.process`), woken by bytes on the pipe `wake_read` (non-blocking);
        `request_stop` writes to `wake_write` so that a wait ends at once."""
        with self._lock:
            self._pid = os.getpid()
            self.owner = _owner_name(self._pid)
            self._wake_read, self._wake_write = wake_read, wake_write
        key = str(self.db.path)
        with _runners_lock:
            # Operations a Task calls in this process (aws-sdk:sfn, nested executions) find this
            # runner (`runner_for`) rather than starting a second loop under the same owner name.
            _runners[key] = self
        try:
            self._loop()
        finally:
            with _runners_lock:
                if _runners.get(key) is self:
                    del _runners[key]

    def request_stop(self) -> None:
        """Stop for good in this process: the loop ends, and an execution being driven is given
        up after its current event (`_run`). Returns at once (`wait_stopped` waits)."""
        if self._pid == os.getpid():
            self._stopping.set()
            self._wake.set()
            if self._wake_read is not None:  # the runner process's loop waits on its pipe
                _wake_runner_process(self._wake_write)

    def wait_stopped(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the loop to end; True when it has (or never ran here)."""
        thread = self._thread
        if self._pid != os.getpid() or thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    @property
    def stopped(self) -> bool:
        """Has the loop ended (or never started) in this process?"""
        thread = self._thread
        return self._pid != os.getpid() or thread is None or not thread.is_alive()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                upcoming = self._round()
            except Exception:  # a bug: logged, and the loop goes on
                _log.exception("the executions runner failed")
                upcoming = None
            timeout = POLL_SECONDS
            if upcoming is not None:
                timeout = max(0.0, min(timeout, upcoming - time.time()))
            self._wait(timeout)

    def _wait(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for a wake-up (`notify`)."""
        if self._wake_read is None:
            self._wake.wait(timeout)
            self._wake.clear()
            return
        if not self._stopping.is_set():
            select.select([self._wake_read], [], [], timeout)
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while os.read(self._wake_read, 4096):
                pass

    def _round(self) -> float | None:
        """Drive every runnable execution once; the next timer's time, if any."""
        now = time.time()
        arns, upcoming = store.runnable(self.db, now)
        for arn in arns:
            if self._stopping.is_set():
                return None
            self.drive(arn)
        if now - self._dead_checked >= DEAD_OWNER_SECONDS:
            self._dead_checked = now
            for arn, owner in store.leased(self.db, now):
                if self._stopping.is_set():
                    return None
                if owner_is_dead(owner, self.owner):
                    _log.warning("execution %s: its runner's process is gone, resuming it", arn)
                    self.drive(arn, dead_owner=owner)
        return upcoming

    # ---------------------------------------------------------------------------------------
    # Driving one execution
    # ---------------------------------------------------------------------------------------
    def drive(self, arn: str, *, dead_owner: str | None = None) -> bool:
        """Claim the execution and run it once (if it has work and nobody else drives it; a lease
        held by `dead_owner`, a process known to be gone, is taken over).

        Returns:
            True when this call ran it.
        """
        with self._lock:
            if arn in self._driving or self._stopping.is_set() or not self.owner:
                return False
            self._driving.add(arn)
        try:
            now = time.time()
            timer = codec.encode_signal("timer", datetime.fromtimestamp(now, UTC))
            if not store.claim(self.db, arn, self.owner, now, LEASE_SECONDS, timer, dead_owner=dead_owner):
                return False
            self._run(arn)
            return True
        finally:
            with self._done:
                self._driving.discard(arn)
                self._done.notify_all()

    def drive_now(self, arn: str, timeout: float) -> None:
        """Drive the execution within the caller (StopExecution), waiting up to `timeout` seconds
        for whoever drives it now to finish first."""
        self.ensure_started()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._done:
                while arn in self._driving and time.monotonic() < deadline:
                    self._done.wait(deadline - time.monotonic())
            self.drive(arn)
            record = store.get_execution(self.db, arn)
            if record is None or record.status != store.RUNNING:
                return
            owner, _ = store.lease_holder(self.db, arn)
            if owner is None and arn not in self._driving:
                return  # suspended, with nothing left to do
            if owner is not None and arn not in self._driving and owner_is_dead(owner, self.owner):
                self.drive(arn, dead_owner=owner)  # its runner's process is gone: take it now
                continue
            time.sleep(0.01)

    def _run(self, arn: str) -> None:
        """Run the execution until it waits or ends; again after each round of service calls."""
        while self._run_once(arn):
            pass

    def _run_once(self, arn: str) -> bool:
        """One run from the start with the stored signals; True when it made service calls whose
        results are now stored, so it must run again (the lease still held)."""
        record = store.get_execution(self.db, arn)
        if record is None:
            return False
        if record.service_calls is None and record.event_count == 0:
            # Its first run: what it calls is fixed now, before its first event, for every run.
            fixed = store.fix_service_calls(
                self.db, arn, self.owner, self.service_calls_for(record.definition)
            )
            record = replace(record, service_calls=fixed)
        signals = [codec.decode_signal(body) for body in store.read_signals(self.db, arn)]
        stored = store.read_events(self.db, arn)
        try:
            start = self.execution_start(record)
        except mock_file.MockFileError as err:  # the stored document no longer resolves: a bug
            _log.error("execution %s cannot be resumed: %s", arn, err)
            return False
        pending: list[str] = []
        next_id = len(stored) + 1
        flushed_at = yielded_at = time.perf_counter()
        last_time = record.start_date
        timed_out = False
        mismatch_logged = False
        outcome: store.Outcome | None = None
        for step in _run_execution(start, signals):
            if self._stopping.is_set():  # this process stops: keep what ran, let another resume
                if not store.abandon(self.db, arn, self.owner, next_id, pending):
                    _log.warning("execution %s: lease lost, another runner drives it", arn)
                return False
            if isinstance(step, HistoryEvent):
                last_time = step.timestamp
                text = codec.encode_event(step)
                if step.id <= len(stored):
                    if not mismatch_logged and not codec.same_event(text, stored[step.id - 1]):
                        mismatch_logged = True
                        _log.error("execution %s: re-run event %d differs from the stored one", arn, step.id)
                    continue
                pending.append(text)
                timed_out = timed_out or step.type.endswith("TimedOut")
                clock = time.perf_counter()
                if len(pending) >= BATCH_EVENTS or clock - flushed_at >= BATCH_SECONDS:
                    if not store.record_progress(
                        self.db, arn, self.owner, next_id, pending, time.time() + LEASE_SECONDS
                    ):
                        _log.warning("execution %s: lease lost, another runner drives it", arn)
                        return False
                    next_id += len(pending)
                    pending = []
                    flushed_at = clock
                if self._yields and clock - yielded_at >= YIELD_SECONDS:
                    yield_to_requests()
                    yielded_at = time.perf_counter()
            elif isinstance(step, Suspended) and step.calls:
                return self._perform_calls(arn, step, next_id, pending)
            elif isinstance(step, Suspended):
                outcome = store.Outcome(
                    tokens=step.tokens,
                    wake_at=self._real_wake(step.wake_at, last_time, virtual=start.virtual_clock),
                    timed_out=timed_out,
                )
                break
            else:
                outcome = store.Outcome(
                    status=step.status,
                    stop_date=step.stop_time,
                    output=step.output_text,
                    error=step.error,
                    cause=step.cause,
                    timed_out=timed_out,
                )
                break
        if outcome is None:  # the engine broke its contract: record nothing more, log it
            _log.error("execution %s: the engine ended without Finished or Suspended", arn)
            return False
        # An end is delivered to the parents whose .sync Tasks wait for it, and stops the
        # children this execution's .sync Tasks still wait for (`nested`), with the end itself.
        if not store.release(
            self.db,
            arn,
            self.owner,
            next_id,
            pending,
            outcome,
            child_end=nested.child_end,
            stop_children=nested.stop_signal(arn) if outcome.status != store.RUNNING else None,
        ):
            _log.warning("execution %s: lease lost, another runner drives it", arn)
        elif outcome.status != store.RUNNING:
            self.notify()  # a parent or a child may have become runnable
        return False

    def _perform_calls(self, arn: str, step: Suspended, next_id: int, pending: list[str]) -> bool:
        """The engine asks for service calls (`Suspended.calls`): store the events so far with the
        lease renewed for the calls' time, make them, store their results as signals; True when
        the execution is to run again now."""
        lease_until = time.time() + LEASE_SECONDS + service_calls.lease_seconds(step.calls)
        if not store.record_progress(self.db, arn, self.owner, next_id, pending, lease_until):
            _log.warning("execution %s: lease lost, another runner drives it", arn)
            return False
        next_id += len(pending)
        for call in step.calls:
            if nested.handles(call.resource):
                # Creates the child and stores the result, in one transaction (`nested.perform`).
                nested.perform(self.db, self.parent(arn), call)
            else:
                result = service_calls.perform_one(call, self.calls)
                store.append_signal(self.db, arn, service_calls.encode_result(result))
        if self._stopping.is_set():  # this process stops: another resumes it with the results
            if not store.abandon(self.db, arn, self.owner, next_id, []):
                _log.warning("execution %s: lease lost, another runner drives it", arn)
            return False
        return True

    @staticmethod
    def _real_wake(wake_at: datetime | None, clock: datetime, *, virtual: bool) -> float | None:
        """A suspension's timer in wall-clock epoch seconds. Under the virtual clock the engine's
        deadline is measured from its clock at the suspension (the last event's time), and the
        service measures that span in real time from now (interfaces: only token waits set it)."""
        if wake_at is None:
            return None
        if not virtual:
            return wake_at.timestamp()
        return time.time() + max(0.0, (wake_at - clock).total_seconds())

    def service_calls_for(self, definition: str) -> frozenset[str]:
        """The Task Resources of `definition` an unmocked Task calls for real with this runner's
        settings: the supported ones when calls are on, and those that start executions of this
        server (`nested.resources`), made with calls on or off."""
        return service_calls.callable_resources(definition, self.calls) | nested.resources(definition)

    def execution_start(self, record: store.ExecutionRecord) -> ExecutionStart:
        """The engine's start value of a stored execution: its Resources called for real are the
        ones fixed with it (`store.ExecutionRecord.service_calls`), or this runner's when none
        are (not stored: StartSyncExecution; started by a version that did not store them).

        Raises:
            mock_file.MockFileError: its mock document no longer resolves (a bug).
        """
        mocks = None
        if record.test_case is not None and record.mock_hash is not None:
            key = (record.mock_hash, record.state_machine_name, record.test_case)
            mocks = self._mocks.get(key)
            if mocks is None:
                text = store.load_mock_document(self.db, record.mock_hash)
                if text is None:
                    raise mock_file.MockFileError(f"mock document {record.mock_hash} is missing")
                mocks = mock_file.resolve_test_case(
                    text, record.mock_hash, record.state_machine_name, record.test_case, source="(stored)"
                )
                self._mocks[key] = mocks
        return ExecutionStart(
            definition=record.definition,
            input_text=record.input,
            execution_arn=record.arn,
            execution_name=record.name,
            state_machine_arn=record.version_arn or record.state_machine_arn,
            state_machine_name=record.state_machine_name,
            state_machine_version_arn=record.version_arn,
            role_arn=record.role_arn,
            start_time=record.start_date,
            express=record.type == "EXPRESS",
            redrive_count=record.redrive_count,
            mocks=mocks,
            virtual_clock=record.clock != "real",
            limits=self.limits,
            service_calls=(
                record.service_calls
                if record.service_calls is not None
                else self.service_calls_for(record.definition)
            ),
        )

    def parent(self, arn: str, record: store.ExecutionRecord | None = None) -> nested.Parent:
        """The execution `arn` as the parent of the executions its Tasks start: a child's
        ``#<TestCase>`` is looked up in the mock document the parent started with, if any, else in
        the mock configuration file."""
        record = record if record is not None else store.get_execution(self.db, arn)
        document = None
        if record is not None and record.mock_hash is not None:
            text = store.load_mock_document(self.db, record.mock_hash)
            if text is not None:
                document = (text, record.mock_hash)
        return nested.Parent(
            arn,
            record.clock if record is not None else "virtual",
            starting.MockSource(path=self.mock_config, document=document),
        )


_runners: dict[str, Runner] = {}
_runners_lock: Final = threading.Lock()
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
