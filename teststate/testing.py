"""Helpers for whoever starts a server of their own: the test fixtures, the soak run, the benchmarks.

Loopback ports, health checks, the processes of a gunicorn master and their memory, and a
graceful stop. Nothing in the request path imports this module.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path


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


def worker_pids(master: int) -> list[int]:
    """The pids whose parent is `master` (a gunicorn master's workers), read from /proc (Linux)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            if int(stat.rpartition(")")[2].split()[1]) == master:
                pids.append(int(entry.name))
    return sorted(pids)


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
