"""The runner's process-level plumbing: what it shares with the rest of its process.

Whether a runner process drives this process's executions, and waking it (`use_runner_process`);
the API calls in flight the runner gives way to (`request_in_flight`, `yield_to_requests`); lease
owner names, and whether an owner's process is gone (`owner_is_dead`); and this process's
runners by database file (`teststate.executions.runner.runner_for` fills it, a runner process's
`Runner.serve` enters itself in it).

How they fit into the runner's design: `teststate.executions.runner`.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from teststate.executions.driver import Runner

__all__ = [
    "PAUSE_SECONDS",
    "owner_is_dead",
    "request_in_flight",
    "request_waiting",
    "use_runner_process",
    "yield_to_requests",
]

# At a yield of the interpreter (`yield_to_requests`), the runner pauses while this process
# answers a request (at most PAUSE_SECONDS), so requests are not slowed by the GIL.
PAUSE_SECONDS: Final = 0.05


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


@contextlib.contextmanager
def request_waiting() -> Iterator[None]:
    """An API call in flight that only waits (GetActivityTask's long poll): not counted while it
    waits, so the runner does not give way to it for up to a minute."""
    _InFlight.count -= 1
    try:
        yield
    finally:
        _InFlight.count += 1


def yield_to_requests() -> None:
    """Let other threads run, and wait (bounded) while this process answers API calls."""
    time.sleep(0)
    deadline = time.perf_counter() + PAUSE_SECONDS
    while _InFlight.count > 0 and time.perf_counter() < deadline:
        time.sleep(0.0002)


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


_runners: dict[str, Runner] = {}
_runners_lock: Final = threading.Lock()
