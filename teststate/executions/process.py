"""The runner process: under the server, executions are driven outside the request workers.

The engine's work is CPU-bound. Run in a thread of a gunicorn worker (`teststate.executions.runner`'s
default), it shares that worker's GIL with the requests the worker answers: measured on 2 cores,
StartExecution answered in 4.6 ms (p50) while a 10,000-item Map ran, against 1.8 ms idle. So the
gunicorn master (`teststate.server.TestStateArbiter`) starts ONE more child, this process, which
runs the runner's loop (`Runner.serve`) on its main thread, at a lower CPU priority
(`RUNNER_NICE`: when the cores are short, the kernel runs the workers first), while the workers
only store executions and signals and wake it (`teststate.executions.runner.use_runner_process`:
a byte written to a pipe, a few microseconds; the loop also looks for work every
`runner.POLL_SECONDS`, so a lost byte costs at most that).

Lifecycle (`RunnerProcess`, driven by the master):

- started with the workers, and started again whenever it exits or is killed (at most once per
  `RESPAWN_SECONDS`, so a process that cannot start does not spin); a replacement resumes the
  execution its predecessor was driving at once, as any runner does when a lease's owner process
  is gone (`runner.owner_is_dead`);
- SIGTERM, SIGINT or SIGQUIT (the master's graceful or quick stop): it gives the execution it
  drives up after the current event, its events stored and lease released, and exits 0; the master
  waits for it up to `STOP_SECONDS` and then kills it;
- its parent dying (the master killed) delivers SIGTERM to it (Linux ``PR_SET_PDEATHSIG``; elsewhere
  the loop sees its parent change within `PARENT_CHECK_SECONDS`), so no runner outlives its server.

It names itself `PROCESS_NAME` (``/proc/<pid>/comm``), which `teststate.testing` uses to tell it
from the workers.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Final

from teststate.executions import runner as executions_runner

if TYPE_CHECKING:
    from interpreter.limits import Limits
    from teststate.storage.db import Database

__all__ = ["PROCESS_NAME", "RUNNER_NICE", "RunnerProcess", "close_all"]

_log: Final = logging.getLogger("teststate.executions")

# What the process calls itself (Linux keeps 15 characters of it).
PROCESS_NAME: Final = "teststate-run"
# Added to the process's nice value: under contention the kernel gives the workers about three
# times its share of a core (CFS weights 1024 against 335), without starving it.
RUNNER_NICE: Final = 5
# The shortest time between two starts of the process (a process that dies sooner is started
# again on the master's next turn, about a second later: no spinning).
RESPAWN_SECONDS: Final = 0.1
# How long a stopping master waits for the process to give its execution up before killing it.
STOP_SECONDS: Final = executions_runner.STOP_SECONDS
# Where PR_SET_PDEATHSIG is missing: how often the process checks that its parent still lives.
PARENT_CHECK_SECONDS: Final = 0.2
_PR_SET_PDEATHSIG: Final = 1
_STOP_SIGNALS: Final = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)
# gunicorn's other signals, which the child inherited handlers for: never meant for this process.
_MASTER_SIGNALS: Final = (
    signal.SIGHUP,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGWINCH,
    signal.SIGTTIN,
    signal.SIGTTOU,
)


class RunnerProcess:
    """The master's handle on the runner process of one database: its wake pipe and its pid.

    Attributes:
        db: the database whose executions it drives.
        limits: the core's bounds, for every execution.
        pid: the running process (0: none).
    """

    def __init__(self, db: Database, limits: Limits) -> None:
        self.db = db
        self.limits = limits
        self.pid = 0
        self._started = 0.0
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)

    def install(self) -> None:
        """In the master, before any worker is forked: workers then only wake this process."""
        executions_runner.use_runner_process(self._wake_write)

    def ensure(self, close_in_child: Callable[[], None]) -> None:
        """Start the process if it is not running (and was not started in the last
        `RESPAWN_SECONDS`); `close_in_child` closes, in the child, what it must not keep open
        (the master's listening sockets)."""
        self.reap()
        if self.pid or (self._started and time.monotonic() - self._started < RESPAWN_SECONDS):
            return
        self._started = time.monotonic()
        pid = os.fork()
        if pid:
            self.pid = pid
            _log.info("executions runner process started (pid: %s)", pid)
            return
        code = 0
        try:
            close_in_child()
            _main(self.db, self.limits, self._wake_read, self._wake_write)
        except BaseException:  # the child must never return into the master's code
            _log.exception("the executions runner failed: its process stops")
            code = 1
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)

    def reap(self) -> None:
        """Forget the process if it has exited (the master's SIGCHLD; gunicorn's own reaping may
        have claimed it first, which reads as exited too)."""
        if not self.pid:
            return
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if not pid:
            return
        if os.WIFSIGNALED(status):
            _log.warning("executions runner process (pid: %s) killed by signal %s", pid, os.WTERMSIG(status))
        elif os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0:
            _log.error(
                "the executions runner failed: its process (pid: %s) exited with %s",
                pid,
                os.WEXITSTATUS(status),
            )
        self.pid = 0

    def owns(self, pid: int) -> bool:
        """Is `pid` the runner process?"""
        return bool(self.pid) and pid == self.pid

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        """Ask the process to stop (it gives its execution up first); returns at once."""
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop the process: SIGTERM, then SIGKILL if it has not exited within `timeout`."""
        self.request_stop()
        deadline = time.monotonic() + timeout
        while self.pid and time.monotonic() < deadline:
            self.reap()
            if self.pid:
                time.sleep(0.01)
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0
        self._started = 0.0


def _main(db: Database, limits: Limits, wake_read: int, wake_write: int) -> None:
    """The runner process: drive executions until asked to stop."""
    executions_runner.use_runner_process(None)  # this process drives; it wakes nobody
    runner = executions_runner.Runner(db, limits, yields=False)
    parent = os.getppid()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        runner.request_stop()

    for signum in _MASTER_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for signum in _STOP_SIGNALS:
        signal.signal(signum, stop)
    _name_process()
    if not _die_with_parent():
        _watch_parent(parent, runner)
    if os.getppid() != parent:  # the master died before the watch was set
        return
    with contextlib.suppress(OSError):
        os.nice(RUNNER_NICE)
    runner.serve(wake_read, wake_write)


def _name_process() -> None:
    """Call this process `PROCESS_NAME` where the kernel shows it (Linux)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/comm").write_text(PROCESS_NAME)


def _die_with_parent() -> bool:
    """Have the kernel send SIGTERM when the master dies (Linux); False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int, runner: executions_runner.Runner) -> None:
    """Stop `runner` once this process's parent is gone (where `_die_with_parent` cannot)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        runner.request_stop()

    threading.Thread(target=watch, name="teststate-runner-parent", daemon=True).start()


def close_all(sockets: Iterable[object]) -> None:
    """Close the master's listening sockets in the child (each has ``close``)."""
    for sock in sockets:
        close = getattr(sock, "close", None)
        if close is not None:
            with contextlib.suppress(OSError):
                close()
