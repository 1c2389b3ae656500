"""A small HTTP/1.1 load generator: raw sockets, pre-encoded requests, one process per client.

Each client process owns one connection and sends the same pre-encoded request again and again,
reading each answer by its Content-Length. Connections are kept alive when the server allows it
(ours does); when an answer says ``Connection: close`` the client reconnects, and the connect is
measured as part of that request's latency, as any client would pay it.

A run: every client warms up for ``warmup`` seconds, all wait at a barrier, then each sends
requests until ``duration`` seconds have passed (or ``max_requests`` were sent) and hands its
latencies back. Requests/s is the total answered over the window from the first client's start to
the last client's end. Only the standard library is used, and nothing is decoded in the timed loop
but the status line and headers: the client must not be what limits the figures.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import socket
import time
from array import array
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from typing import Any, Final

__all__ = ["HttpAnswer", "LoadSummary", "exchange_once", "run_load"]

RECV_BYTES: Final = 65_536
SOCKET_TIMEOUT_SECONDS: Final = 60.0
RESULT_TIMEOUT_SECONDS: Final = 120.0


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """One answer: HTTP status and body."""

    status: int
    body: bytes


class _Client:
    """One keep-alive connection (reopened whenever the server closes it)."""

    __slots__ = ("host", "port", "sock")

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.sock: socket.socket | None = None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def exchange(self, request: bytes) -> HttpAnswer:
        """Send `request`, read the answer. A kept-alive connection the server dropped while idle is
        reopened once; any other failure raises `OSError`."""
        reused = self.sock is not None
        try:
            return self._exchange(request)
        except (ConnectionError, _ClosedEarly):
            self.close()
            if not reused:
                raise
        return self._exchange(request)

    def _exchange(self, request: bytes) -> HttpAnswer:
        if self.sock is None:
            sock = socket.create_connection((self.host, self.port), timeout=SOCKET_TIMEOUT_SECONDS)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock = sock
        sock = self.sock
        sock.sendall(request)
        data = b""
        while True:
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                break
            chunk = sock.recv(RECV_BYTES)
            if not chunk:
                raise _ClosedEarly("the server closed the connection before answering")
            data += chunk
        head = data[:end].decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        length, close = 0, head[0].startswith("HTTP/1.0")
        for line in head[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                close = value.strip().lower() == "close"
        body = data[end + 4 :]
        while len(body) < length:
            chunk = sock.recv(max(RECV_BYTES, length - len(body)))
            if not chunk:
                raise OSError("the server closed the connection in the middle of the body")
            body += chunk
        if close:
            self.close()
        return HttpAnswer(status, body[:length])


class _ClosedEarly(OSError):
    """The connection was closed before any byte of the answer came back."""


def exchange_once(host: str, port: int, request: bytes) -> HttpAnswer:
    """One request on a fresh connection (used to check an answer before timing it)."""
    client = _Client(host, port)
    try:
        return client.exchange(request)
    finally:
        client.close()


# --------------------------------------------------------------------------------------------
# Client processes
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _ClientReport:
    started: float
    ended: float
    latencies_ns: bytes  # array('q') bytes
    errors: int
    error_sample: str | None


def _client_main(
    host: str,
    port: int,
    request: bytes,
    warmup: float,
    duration: float,
    max_requests: int | None,
    barrier: Any,
    pipe: Pipe,
) -> None:
    """A client process: warm up, wait for the others, run, report through `pipe`."""
    client = _Client(host, port)
    errors, sample = 0, None

    def one() -> int | None:
        nonlocal errors, sample
        began = time.perf_counter_ns()
        try:
            answer = client.exchange(request)
        except OSError as err:
            client.close()
            errors += 1
            sample = sample or f"{type(err).__name__}: {err}"
            return None
        if answer.status != 200:
            errors += 1
            sample = sample or f"HTTP {answer.status}: {answer.body[:200].decode(errors='replace')}"
            return None
        return time.perf_counter_ns() - began

    try:
        warm_until = time.monotonic() + warmup
        while time.monotonic() < warm_until:
            one()
        errors, sample = 0, None  # the warm-up does not count
        barrier.wait(SOCKET_TIMEOUT_SECONDS)
        latencies = array("q")
        started = time.monotonic()
        deadline = started + duration
        sent = 0
        while time.monotonic() < deadline and (max_requests is None or sent < max_requests):
            latency = one()
            sent += 1
            if latency is not None:
                latencies.append(latency)
        ended = time.monotonic()
        pipe.send(_ClientReport(started, ended, latencies.tobytes(), errors, sample))
    except BaseException as err:
        pipe.send(_ClientReport(0.0, 0.0, b"", errors + 1, f"client crashed: {type(err).__name__}: {err}"))
    finally:
        client.close()
        pipe.close()


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What a run measured: answered requests, errors, throughput and latency percentiles (ms)."""

    clients: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    error_sample: str | None = None


def _percentile(ordered: list[int], fraction: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] / 1e6


def _context() -> Any:
    # fork starts a client in milliseconds and needs no re-import; spawn where fork does not exist.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def run_load(
    host: str,
    port: int,
    request: bytes,
    *,
    clients: int,
    duration: float,
    warmup: float,
    max_requests: int | None = None,
) -> LoadSummary:
    """Drive `clients` processes sending `request` for `duration` seconds after `warmup`."""
    context = _context()
    barrier = context.Barrier(clients + 1)
    pipes, processes = [], []
    for _ in range(clients):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_client_main,
            daemon=True,
            args=(host, port, request, warmup, duration, max_requests, barrier, sender),
        )
        process.start()
        sender.close()
        pipes.append(receiver)
        processes.append(process)
    reports: list[_ClientReport] = []
    try:
        with contextlib.suppress(Exception):
            barrier.wait(warmup + SOCKET_TIMEOUT_SECONDS)
        for receiver in pipes:
            if receiver.poll(duration + RESULT_TIMEOUT_SECONDS):
                try:
                    reports.append(receiver.recv())
                except EOFError:
                    reports.append(_ClientReport(0.0, 0.0, b"", 1, "client exited without a report"))
            else:
                reports.append(_ClientReport(0.0, 0.0, b"", 1, "client did not report in time"))
    finally:
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
        for receiver in pipes:
            receiver.close()
    latencies: list[int] = []
    for report in reports:
        latencies.extend(array("q", report.latencies_ns))
    latencies.sort()
    timed = [report for report in reports if report.ended > 0]
    seconds = (max(r.ended for r in timed) - min(r.started for r in timed)) if timed else 0.0
    errors = sum(report.errors for report in reports)
    sample = next((report.error_sample for report in reports if report.error_sample), None)
    return LoadSummary(
        clients=clients,
        requests=len(latencies),
        errors=errors,
        seconds=seconds,
        rps=len(latencies) / seconds if seconds > 0 else 0.0,
        p50_ms=_percentile(latencies, 0.50),
        p90_ms=_percentile(latencies, 0.90),
        p99_ms=_percentile(latencies, 0.99),
        max_ms=latencies[-1] / 1e6 if latencies else 0.0,
        error_sample=sample,
    )
