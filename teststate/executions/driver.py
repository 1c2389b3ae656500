"""The `Runner`: one process's driver of the executions stored in one database.

Its loop (a daemon thread of the process, or the runner process's main thread: `Runner.serve`)
claims runnable executions and drives each under a lease: one run of the engine from the start
with the stored signals, the new events appended in batches, the service calls the engine asks
for made and their results stored, the suspension or the end recorded. How the parts fit (the
process's runners, the runner process, stopping): `teststate.executions.runner`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from interpreter.execution.model import HistoryEvent, Suspended
from interpreter.limits import Limits
from teststate.executions import calls as service_calls
from teststate.executions import codec, mock_file, nested
from teststate.executions.plumbing import (
    _owner_name,
    _RunnerProcess,
    _runners,
    _runners_lock,
    _wake_runner_process,
    owner_is_dead,
    yield_to_requests,
)
from teststate.executions.run_inputs import RunInputs, _run_execution
from teststate.storage import executions as store

if TYPE_CHECKING:
    from interpreter.execution.mock_config import MockTestCase
    from teststate.integrations import CallSettings
    from teststate.storage.db import Database

__all__ = [
    "BATCH_EVENTS",
    "BATCH_SECONDS",
    "DEAD_OWNER_SECONDS",
    "LEASE_SECONDS",
    "POLL_SECONDS",
    "YIELD_SECONDS",
    "Runner",
]

_log: Final = logging.getLogger("teststate.executions")

# A lease is renewed with every batch; a worker silent this long is presumed dead.
LEASE_SECONDS: Final = 10.0
# How often an idle runner looks for work that another worker made runnable.
POLL_SECONDS: Final = 0.05
# Events appended per batch, and the longest a batch waits.
BATCH_EVENTS: Final = 2000
BATCH_SECONDS: Final = 0.25
# Engine work between two yields of the interpreter (`yield_to_requests`, which also pauses while
# this process answers a request).
YIELD_SECONDS: Final = 0.002
# How often an idle runner looks for leases held by processes that have died (a cheap query,
# but nothing that needs doing every poll).
DEAD_OWNER_SECONDS: Final = 1.0


class Runner(RunInputs):
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
