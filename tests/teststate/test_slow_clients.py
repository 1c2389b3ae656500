"""Stalled and slow clients never stop the service; connections are kept alive (real servers).

Each test starts ``teststate serve`` (the console script's code path, gevent workers) with a short
``TESTSTATE_CLIENT_TIMEOUT`` and talks to it over loopback: 64 connections stalled inside their
request head or trickling a body one byte a second do not delay valid calls, are closed once the
client timeout has passed, and cost no worker; a kept-alive connection (boto3's) serves many
calls; the request budget still answers ``States.Timeout`` beside stalled connections.

Timing bounds are generous on purpose (a loaded 2-core machine must not make them flaky): with
the old sync workers every valid call here waited for a stalled connection to give up (seconds),
so a bound in tens of milliseconds still tells the two apart.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import selectors
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from teststate.testing import RunningServer, start_server

HOST = "127.0.0.1"
CLIENT_TIMEOUT = 3  # TESTSTATE_CLIENT_TIMEOUT of the servers started here
BUDGET = 0.3  # TESTSTATE_REQUEST_BUDGET_SECONDS (below the core's own 1 s JSONata limit)
TARGET = {"X-Amz-Target": "AWSStepFunctions.TestState", "Content-Type": "application/x-amz-json-1.0"}
VALID = json.dumps(
    {
        "definition": json.dumps(
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "ResultSelector": {"p.$": "$.Payload"},
                "End": True,
            }
        ),
        "roleArn": "arn:aws:iam::123456789012:role/r",
        "mock": {"result": json.dumps({"Payload": {"a": 1}})},
        "input": '{"a": 1}',
    }
)
VALID_ANSWER = {"status": "SUCCEEDED", "output": '{"p":{"a":1}}'}
# Runs well past the budget (the core would stop it at 1 s with States.QueryEvaluationError).
OVER_BUDGET = json.dumps(
    {
        "definition": json.dumps(
            {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "End": True,
                "Output": "{% ($f := function($n){$n > 0 ? $f($n-1) : 0}; $f(100000000)) %}",
            }
        )
    }
)

pytestmark = pytest.mark.e2e if sys.platform == "linux" else pytest.mark.skip("needs /proc")


# --------------------------------------------------------------------------------------------
# A server of our own
# --------------------------------------------------------------------------------------------
@contextmanager
def _server(workers: int = 2, **env: str) -> Iterator[RunningServer]:
    environment = {
        "TESTSTATE_CLIENT_TIMEOUT": str(CLIENT_TIMEOUT),
        "TESTSTATE_REQUEST_BUDGET_SECONDS": str(BUDGET),
        "TESTSTATE_LOG_LEVEL": "warning",
        **env,
    }
    with start_server(host=HOST, workers=workers, env=environment) as running:
        yield running


@pytest.fixture(scope="module")
def served() -> Iterator[RunningServer]:
    with _server() as running:
        yield running


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------
def _request(body: str, port: int) -> bytes:
    data = body.encode()
    head = (
        f"POST / HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in TARGET.items())
        + f"Content-Length: {len(data)}\r\n\r\n"
    )
    return head.encode() + data


def _timed_calls(port: int, count: int) -> list[float]:
    """`count` valid calls on one kept-alive connection; their latencies in seconds, sorted."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    latencies = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            connection.request("POST", "/", VALID, TARGET)
            answer = connection.getresponse()
            payload = json.loads(answer.read())
            latencies.append(time.perf_counter() - started)
            assert (answer.status, payload) == (200, VALID_ANSWER)
    finally:
        connection.close()
    return sorted(latencies)


def _p99(latencies: list[float]) -> float:
    return latencies[int(len(latencies) * 0.99) - 1]


class Stalls:
    """Connections that stall: `heads` stop inside the request head (``POST / HTTP/1.1\\r\\n`` and
    nothing more), `trickles` send a complete head, then their body one byte a second (for
    `trickle_for` seconds, never the last byte), and `idle` connect and send nothing. `watch`
    records when the server closes each one."""

    def __init__(
        self, port: int, *, heads: int, trickles: int, idle: int = 0, trickle_for: float = 60.0
    ) -> None:
        self.port = port
        self.opened: dict[socket.socket, float] = {}
        self.heads = [self._connect(b"POST / HTTP/1.1\r\n") for _ in range(heads)]
        request = _request(VALID, port)
        head_end = request.index(b"\r\n\r\n") + 4
        self.trickles = [self._connect(request[:head_end]) for _ in range(trickles)]
        self.idle = [self._connect(b"") for _ in range(idle)]
        self._body = request[head_end:]
        self._trickle_until = time.monotonic() + trickle_for
        self._stop = threading.Event()
        self._trickler = threading.Thread(target=self._trickle, daemon=True)
        self._trickler.start()

    def _connect(self, data: bytes) -> socket.socket:
        sock = socket.create_connection((HOST, self.port), timeout=10)
        self.opened[sock] = time.monotonic()
        if data:
            sock.sendall(data)
        return sock

    def _trickle(self) -> None:
        sent = 0
        while not self._stop.wait(1.0) and sent < len(self._body) - 1:
            if time.monotonic() > self._trickle_until:
                return
            for sock in self.trickles:
                with contextlib.suppress(OSError):  # closed by the server: what is waited for
                    sock.sendall(self._body[sent : sent + 1])
            sent += 1

    @property
    def sockets(self) -> list[socket.socket]:
        return [*self.heads, *self.trickles, *self.idle]

    def still_open(self) -> int:
        """How many the server has not closed (nor answered) yet."""
        ready = 0
        with selectors.DefaultSelector() as selector:
            for sock in self.sockets:
                selector.register(sock, selectors.EVENT_READ)
            ready = len(selector.select(timeout=0))
        return len(self.sockets) - ready

    def watch(self, timeout: float) -> dict[socket.socket, tuple[float, bytes]]:
        """Wait (at most `timeout` seconds) for the server to close each connection; for each one
        closed: seconds from opening to the close, and what the server sent before it."""
        closed: dict[socket.socket, tuple[float, bytes]] = {}
        received: dict[socket.socket, bytes] = dict.fromkeys(self.sockets, b"")
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            for sock in self.sockets:
                selector.register(sock, selectors.EVENT_READ)
            while len(closed) < len(self.sockets) and time.monotonic() < deadline:
                for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
                    sock = key.fileobj
                    if not isinstance(sock, socket.socket):
                        continue
                    try:
                        data = sock.recv(65_536)
                    except ConnectionResetError:
                        data = b""
                    if data:
                        received[sock] += data
                        continue
                    closed[sock] = (time.monotonic() - self.opened[sock], received[sock])
                    selector.unregister(sock)
        return closed

    def close(self) -> None:
        self._stop.set()
        self._trickler.join(5)
        for sock in self.sockets:
            sock.close()


@contextmanager
def _stalls(port: int, **counts: int) -> Iterator[Stalls]:
    stalls = Stalls(port, **counts)
    try:
        yield stalls
    finally:
        stalls.close()


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------
def test_64_stalled_connections_do_not_delay_valid_calls(served: RunningServer) -> None:
    _timed_calls(served.port, 100)  # warm-up: caches, first connections
    idle = _timed_calls(served.port, 300)
    workers = set(served.worker_pids())
    with _stalls(served.port, heads=32, trickles=32) as stalls:
        time.sleep(0.3)  # every stalled connection has been accepted and is waiting
        stalled = _timed_calls(served.port, 300)
        assert stalls.still_open() == 64, "the stalled connections were still there while measured"
    # Within 2x of an idle server's p99, plus slack for a loaded machine. With sync workers
    # every call here waited seconds for a stalled connection to be dropped.
    assert _p99(stalled) <= 2 * _p99(idle) + 0.05, (_p99(idle), _p99(stalled))
    assert stalled[-1] < 1.0
    assert set(served.worker_pids()) == workers, "no worker was lost or replaced"


def test_stalled_connections_are_closed_after_the_client_timeout(served: RunningServer) -> None:
    workers = set(served.worker_pids())
    # The trickles stop sending a second before the timeout, so that the server has read all
    # they sent when it answers (closing a socket with unread data resets the connection, which
    # may discard the answer before the client reads it).
    with _stalls(served.port, heads=32, trickles=32, idle=8, trickle_for=CLIENT_TIMEOUT - 1) as stalls:
        closed = stalls.watch(timeout=CLIENT_TIMEOUT + 10)
        assert len(closed) == 72, f"{72 - len(closed)} connections were never closed"
        for sock, (after, sent) in closed.items():
            # Closed once the timeout has passed (a little slack for the timer), not before.
            assert CLIENT_TIMEOUT - 0.2 <= after <= CLIENT_TIMEOUT + 4, after
            if sock in stalls.trickles:
                # A body cut short is answered as a client that went away, and the answer says
                # the connection ends there.
                head = sent.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
                assert head.startswith("http/1.1 400"), sent
                assert "connection: close" in head, sent
            else:
                assert sent == b"", sent  # nothing to answer: the head never came
    assert set(served.worker_pids()) == workers, "no worker was lost or replaced"
    assert _timed_calls(served.port, 5)


def _established_peers(port: int) -> set[int]:
    """The client ports of the established TCP connections to the local `port` (/proc/net/tcp)."""
    peers = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state = fields[1], fields[2], fields[3]
        if state == "01" and int(local.rpartition(":")[2], 16) == port:
            peers.add(int(remote.rpartition(":")[2], 16))
    return peers


def test_boto3_reuses_one_connection_for_many_calls(served: RunningServer) -> None:
    import boto3
    from botocore.config import Config

    sfn = boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=served.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 0}),
    )
    request = json.loads(VALID)
    seen: set[int] = set()
    for _ in range(10):
        answer = sfn.test_state(**request)
        assert (answer["status"], answer["output"]) == ("SUCCEEDED", '{"p":{"a":1}}')
        assert answer["ResponseMetadata"]["HTTPHeaders"].get("connection") != "close"
        seen |= _established_peers(served.port)
    assert len(seen) == 1, f"the server saw {len(seen)} connections for 10 calls"


def test_a_kept_alive_connection_serves_several_calls(served: RunningServer) -> None:
    connection = http.client.HTTPConnection(HOST, served.port, timeout=30)
    try:
        ports = set()
        for _ in range(5):
            connection.request("POST", "/", VALID, TARGET)
            answer = connection.getresponse()
            assert (answer.status, json.loads(answer.read())) == (200, VALID_ANSWER)
            assert answer.getheader("Connection") != "close"
            assert connection.sock is not None
            ports.add(connection.sock.getsockname()[1])
        assert len(ports) == 1
        # An idle kept-alive connection is closed by the server once the client timeout passes.
        time.sleep(CLIENT_TIMEOUT + 1)
        assert connection.sock is not None
        connection.sock.settimeout(5)
        assert connection.sock.recv(1) == b""
    finally:
        connection.close()


def test_the_budget_still_answers_states_timeout_beside_stalled_connections(served: RunningServer) -> None:
    workers = set(served.worker_pids())
    with _stalls(served.port, heads=8, trickles=8):
        connection = http.client.HTTPConnection(HOST, served.port, timeout=30)
        try:
            connection.request("POST", "/", OVER_BUDGET, TARGET)
            answer = connection.getresponse()
            assert answer.status == 200
            assert json.loads(answer.read()) == {
                "status": "FAILED",
                "error": "States.Timeout",
                "cause": f"The state did not finish within this server's time budget of {BUDGET:g} seconds"
                " per request (TESTSTATE_REQUEST_BUDGET_SECONDS)",
            }
            # The same connection and worker answer the next call normally.
            connection.request("POST", "/", VALID, TARGET)
            again = connection.getresponse()
            assert (again.status, json.loads(again.read())) == (200, VALID_ANSWER)
        finally:
            connection.close()
    assert set(served.worker_pids()) == workers


def _worker_of(served: RunningServer, connection: http.client.HTTPConnection) -> int | None:
    """The worker holding the server's end of `connection` (matched through /proc/net/tcp)."""
    assert connection.sock is not None
    client_port = connection.sock.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if (
            int(local.rpartition(":")[2], 16) == served.port
            and int(remote.rpartition(":")[2], 16) == client_port
        ):
            inode = fields[9]
    for pid in set(served.worker_pids()):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
    return None


def _call(connection: http.client.HTTPConnection, body: str) -> tuple[int, dict[str, Any]]:
    connection.request("POST", "/", body, TARGET)
    answer = connection.getresponse()
    return answer.status, json.loads(answer.read())


def test_a_client_is_not_kept_waiting_behind_another_clients_long_states(served: RunningServer) -> None:
    """A worker runs one evaluation at a time: a client whose kept-alive connection shares a
    worker with another client's long states waits once, is told to reconnect, and then gets a
    free worker. (A third connection, on the other worker, keeps the connections balanced, so it
    is the long states that move the client.)"""
    slow = http.client.HTTPConnection(HOST, served.port, timeout=30)
    fast = http.client.HTTPConnection(HOST, served.port, timeout=30)
    other = http.client.HTTPConnection(HOST, served.port, timeout=30)
    try:
        for _ in range(100):  # `fast` on the worker of `slow`, `other` on the other one
            for connection in (slow, fast, other):
                if connection.sock is None:  # new, or closed by the server after its answer
                    assert _call(connection, VALID)[0] == 200
            if slow.sock and fast.sock and other.sock:
                workers = [_worker_of(served, connection) for connection in (slow, fast, other)]
                if None not in workers and workers[0] == workers[1] != workers[2]:
                    break
                fast.close()
                other.close()
        else:
            pytest.fail("the connections never landed as needed")
        stop = threading.Event()
        slow_answers: list[str] = []

        def slow_client() -> None:
            while not stop.is_set():
                slow_answers.append(_call(slow, OVER_BUDGET)[1]["error"])

        thread = threading.Thread(target=slow_client, daemon=True)
        thread.start()
        latencies = []
        try:
            time.sleep(0.05)
            until = time.monotonic() + 3
            while time.monotonic() < until:
                started = time.perf_counter()
                assert _call(fast, VALID) == (200, VALID_ANSWER)
                latencies.append(time.perf_counter() - started)
                time.sleep(0.005)
        finally:
            stop.set()
            thread.join(30)
    finally:
        for connection in (slow, fast, other):
            connection.close()
    assert slow_answers and set(slow_answers) == {"States.Timeout"}, slow_answers
    # Each long state holds its worker for the budget (0.3 s); a call stuck behind one takes as long.
    waited = [latency for latency in latencies if latency >= BUDGET * 0.8]
    assert len(waited) <= 2, f"{len(waited)} of {len(latencies)} calls waited behind a long state"


def test_kept_alive_connections_are_spread_over_the_workers(served: RunningServer) -> None:
    """Clients that connect at once may all land on one worker (here: the other one is stopped
    while they connect); the busier worker then sheds connections (``Connection: close``) until
    each worker holds about as many."""
    first, second = sorted(set(served.worker_pids()))
    connections = [http.client.HTTPConnection(HOST, served.port, timeout=30) for _ in range(8)]
    try:
        os.kill(second, signal.SIGSTOP)
        try:
            for connection in connections:
                assert _call(connection, VALID) == (200, VALID_ANSWER)
            on_first = [_worker_of(served, connection) for connection in connections if connection.sock]
            assert set(on_first) <= {first}, "every connection landed on the running worker"
        finally:
            os.kill(second, signal.SIGCONT)
        for _ in range(30):
            for connection in connections:
                assert _call(connection, VALID) == (200, VALID_ANSWER)
        per_worker = {first: 0, second: 0}
        for connection in connections:
            if connection.sock is not None:  # kept alive after its last answer
                worker = _worker_of(served, connection)
                if worker is not None:
                    per_worker[worker] += 1
        assert abs(per_worker[first] - per_worker[second]) <= 2, per_worker
        assert per_worker[second] >= 2, per_worker
    finally:
        for connection in connections:
            connection.close()
