"""Helpers for whoever starts a server of their own: the test fixtures, the soak run, the benchmarks.

`start_server` starts a real server (``teststate serve``: gunicorn, the console script's code path)
as a child process and waits until it answers ``GET /health``; the `RunningServer` it returns has
the URL and stops the server, also as a context manager::

    with start_server(workers=1, env={"TESTSTATE_LOG_LEVEL": "debug"}) as server:
        boto3.client("stepfunctions", endpoint_url=server.url, ...)

Also: loopback ports, health checks, the processes of a gunicorn master and their memory, and a
graceful stop. Nothing in the request path imports this module.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Final

__all__ = [
    "SERVE_COMMAND",
    "RunningServer",
    "ServerDidNotStart",
    "free_loopback_port",
    "is_healthy",
    "rss_kib",
    "runner_pids",
    "start_server",
    "stop_process",
    "worker_pids",
]

SERVE_COMMAND: Final = ("-m", "teststate.cli", "serve")
"""The Python command line that serves TestState (the console script's code path)."""

# What the executions runner process calls itself (`teststate.executions.process.PROCESS_NAME`;
# not imported, so that this module stays light).
RUNNER_PROCESS_NAME: Final = "teststate-run"

# The child runs where this `teststate` package lives, so it serves the caller's code (a checkout
# or an installed copy), whatever the caller's working directory.
_CODE_ROOT: Final = Path(__file__).resolve().parent.parent


class ServerDidNotStart(RuntimeError):
    """A server did not answer ``GET /health`` in time, or exited; the message holds its log."""


class RunningServer:
    """A server started by `start_server`; `stop` (or leaving the ``with`` block) stops it.

    Attributes:
        url: where clients reach it (``http://<host>:<port>``).
        host: the address it listens on.
        port: the TCP port it listens on.
        process: the gunicorn master.
    """

    __slots__ = ("_final", "_log", "_owns_log", "host", "port", "process", "url")

    def __init__(
        self, process: subprocess.Popen[bytes], host: str, port: int, log: IO[bytes], *, owns_log: bool
    ) -> None:
        self.process = process
        self.host = host
        self.port = port
        self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        self._log = log
        self._owns_log = owns_log
        self._final: str | None = None

    def worker_pids(self) -> list[int]:
        """The pids of its workers (Linux)."""
        return worker_pids(self.process.pid)

    def runner_pids(self) -> list[int]:
        """The pid of its executions runner process, in a list (Linux; empty while replaced)."""
        return runner_pids(self.process.pid)

    def output(self) -> str:
        """What it has written to stdout and stderr so far (everything, once stopped); empty when
        its log went to a destination of the caller's that cannot be read back."""
        if self._final is not None:
            return self._final
        try:
            self._log.flush()
            self._log.seek(0)
            return self._log.read().decode(errors="replace")
        except (OSError, ValueError):
            return ""

    def stop(self, timeout: float = 30.0) -> int:
        """Stop it gracefully: SIGTERM, which lets requests in flight finish, then SIGKILL if it
        has not exited after `timeout` seconds (by default gunicorn's own graceful timeout).

        Returns:
            Its exit status (0 after a graceful stop); stopping it again only returns it again.
        """
        stop_process(self.process, timeout)
        if self._final is None:
            self._final = self.output()
            if self._owns_log:
                self._log.close()
        return int(self.process.returncode)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_server(
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    workers: int = 2,
    env: Mapping[str, str] | None = None,
    log: IO[bytes] | None = None,
    start_timeout: float = 30.0,
    command: Sequence[str] = SERVE_COMMAND,
) -> RunningServer:
    """Start a real server as a child process and wait until it serves.

    Arguments:
        host: the address to listen on.
        port: the TCP port; a free loopback port when None.
        workers: gunicorn worker processes; the call returns once all of them run (Linux) and the
            server answers ``GET /health``.
        env: environment variables for the server (``TESTSTATE_*``), over the caller's own.
        log: where its stdout and stderr go (a file with a descriptor); a temporary file when
            None, read back by `RunningServer.output`.
        start_timeout: seconds to wait for it.
        command: the Python command line serving the app, before ``--host``, ``--port`` and
            ``--workers`` (the benchmarks' floor takes the same three options).

    Returns:
        The running server; stop it with `RunningServer.stop` or a ``with`` block.

    Raises:
        ServerDidNotStart: it exited, or did not serve within `start_timeout` (it is stopped; the
            message holds its log).
    """
    port = free_loopback_port() if port is None else port
    # Outlives this call: the RunningServer closes it when it stops.
    destination = log if log is not None else tempfile.TemporaryFile()  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, *command, "--host", host, "--port", str(port), "--workers", str(workers)],
        cwd=_CODE_ROOT,
        stdout=destination,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    server = RunningServer(process, host, port, destination, owns_log=log is None)
    count_workers = Path("/proc").is_dir()
    deadline = time.monotonic() + start_timeout
    while not is_healthy(server.url) or (count_workers and len(server.worker_pids()) < workers):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise ServerDidNotStart(f"{' '.join(command)} did not start on {server.url}:\n{server.output()}")
        time.sleep(0.05)
    return server


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def is_healthy(url: str) -> bool:
    """Does a server at `url` answer ``GET /health`` with 200 (within a second)?"""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _children(master: int) -> list[tuple[int, str]]:
    """The processes whose parent is `master`, with their names (``comm``), read from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            name, _, rest = stat.partition(" (")[2].rpartition(")")
            if int(rest.split()[1]) == master:
                children.append((int(entry.name), name))
    return sorted(children)


def worker_pids(master: int) -> list[int]:
    """The pids of a gunicorn master's workers (its children but the executions runner
    process), read from /proc (Linux)."""
    return [pid for pid, name in _children(master) if name != RUNNER_PROCESS_NAME]


def runner_pids(master: int) -> list[int]:
    """The pid of a server's executions runner process (`teststate.executions.process`), in a
    list (empty while it is being replaced), read from /proc (Linux)."""
    return [pid for pid, name in _children(master) if name == RUNNER_PROCESS_NAME]


def rss_kib(pid: int) -> int | None:
    """Resident set size of `pid` in KiB (VmRSS, Linux), or None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Stop a server started as a child process: SIGTERM (gunicorn's graceful stop), then SIGKILL
    if it has not exited within `timeout` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
