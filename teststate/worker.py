"""The server's gunicorn worker: gevent, with every connection bounded in time and shared fairly.

`TestStateWorker` is gunicorn's gevent worker, one process per core, one greenlet per connection.
A connection that sends nothing, stalls inside its request head or trickles its body costs a
greenlet and a socket, never a worker, and is closed once it has taken ``client_timeout`` seconds
over one request (`_ClientSocket`); connections are kept alive between requests for as long. A
state's evaluation is CPU-bound and never yields, so it runs to its end on the main thread, where
the request budget's ``SIGALRM`` lands (`teststate.budget`); while it runs, the worker's other
connections wait, so after a long one (`LONG_REQUEST_SECONDS`) they are told to reconnect, and the
kernel hands their next connection to a free worker. Workers publish their connection counts
(`ConnectionTable`) so that kept-alive connections spread evenly over them.

Executions: under `teststate.server` a worker drives none in the background. The master's runner
process does (`teststate.executions.process`); the worker only stores executions and signals and
wakes it, and drives one itself only within a StopExecution call. Under a master that starts no
runner process, a worker starting on a database with executions still RUNNING starts its own
runner thread at once (`teststate.executions.runner.resume_pending`), so that after a restart
with the same data directory, or when it replaces a worker that died, those executions go on
without waiting for an API call. When the worker stops (SIGTERM), its runner stops first, while
in-flight requests finish: the execution it drives is given up after the current event, its
events so far stored and its lease released, so another process resumes it at once.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import mmap
import os
import socket
import struct
import time
from collections.abc import Callable
from typing import Any, Final

import gevent  # type: ignore[import-untyped]  # gevent ships no type information
import gevent.socket  # type: ignore[import-untyped]  # gevent ships no type information
from gunicorn import util as gunicorn_util
from gunicorn.http import wsgi as gunicorn_wsgi
from gunicorn.workers.ggevent import GeventWorker

from teststate.executions import runner as executions_runner
from teststate.executions.runner import request_in_flight

__all__ = ["ConnectionTable", "SingleWriteResponse", "TestStateWorker", "install_single_write_response"]
# How often a connection waiting for its next request checks whether the worker is stopping, and
# how long it is then still kept for a request the client may already be sending (it is answered
# with "Connection: close"): a stopping worker closes its idle kept-alive connections within about
# a second instead of waiting for their client_timeout, while in-flight requests still get
# graceful_timeout.
STOP_CHECK_SECONDS: Final = 0.5
STOP_LINGER_SECONDS: Final = 1.0
# A request that holds a worker's event loop this long (a long evaluation) moves the worker's other
# connections elsewhere (`_ClientSocket`); typical requests take a millisecond or less.
LONG_REQUEST_SECONDS: Final = 0.1
# Workers publish their connection counts this often (`ConnectionTable`); a worker not heard from
# for FRESH_SECONDS (busy with a long evaluation, or stuck) is no place to send connections.
HEARTBEAT_SECONDS: Final = 0.1
FRESH_SECONDS: Final = 0.5
# How often a stopping worker checks whether its executions runner has given its work up.
RUNNER_STOP_POLL_SECONDS: Final = 0.01

_log: Final = logging.getLogger("teststate.executions")


class _HeaderBuffer:
    """Stands in for the socket while gunicorn renders the status line and headers."""

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data = b""

    def sendall(self, data: bytes) -> None:
        self.data += data


class SingleWriteResponse(gunicorn_wsgi.Response):  # type: ignore[misc]
    """A gunicorn response that puts its headers and first body bytes on the wire in ONE write.

    gunicorn writes the headers and the body with two ``sendall`` calls. On a connection where
    Nagle's algorithm is on, the second small segment waits for the peer's delayed ACK (40 ms on
    Linux) on every call. gunicorn sets TCP_NODELAY on its sockets, but clients and proxies in
    between need not, so the answer is sent as one segment whatever the socket options.
    """

    sock: Any  # gunicorn's: the connection (`_ClientSocket` under `TestStateWorker`)
    _pending_headers: bytes = b""

    def send_headers(self) -> None:
        if self.headers_sent:
            return
        if isinstance(self.sock, _ClientSocket) and self.sock.answer_ends_connection():
            self.force_close()  # gunicorn then says "Connection: close" and closes after the answer
        connection, buffer = self.sock, _HeaderBuffer()
        self.sock = buffer  # gunicorn builds the header block; we keep it for the first write
        try:
            super().send_headers()
        finally:
            self.sock = connection
        self._pending_headers = buffer.data

    def _emit_body(self, data: bytes) -> None:
        if self._pending_headers and not self.chunked:
            data, self._pending_headers = self._pending_headers + data, b""
        else:
            self._flush_headers()
        super()._emit_body(data)

    def _flush_headers(self) -> None:
        if self._pending_headers:
            gunicorn_util.write(self.sock, self._pending_headers)
            self._pending_headers = b""

    def close(self) -> None:
        if not self.headers_sent:  # the app wrote no body at all
            self.send_headers()
        self._flush_headers()
        super().close()


def install_single_write_response() -> None:
    """Make gunicorn's worker build `SingleWriteResponse` objects.

    gunicorn's workers call ``gunicorn.http.wsgi.create`` without a response class, which then
    uses the module's ``Response``; this process is ours (a gunicorn worker serving only this
    app), so rebinding that name is the one-line way in.
    """
    gunicorn_wsgi.Response = SingleWriteResponse


# --------------------------------------------------------------------------------------------
# Slow clients and long requests
# --------------------------------------------------------------------------------------------
class ConnectionTable:
    """How many kept-alive connections each worker holds, in memory the master shares with them.

    A kept-alive connection stays with the worker that accepted it, and clients that connect at
    the same moment (a test suite's parallel workers) can all land on one worker while another
    idles. So each worker publishes how many connections it has served and still holds, and a
    worker holding more than one over the least of the others answers with ``Connection: close``
    until it no longer does (`_Connections.too_many`): the client reconnects, and the kernel hands
    the new connection to whichever worker accepts first, most often the idle one.

    The master claims a slot for each worker before forking it (gunicorn's ``pre_fork`` hook) and
    frees it once the worker has exited (``child_exit``, ``worker_exit``); each worker writes only
    its own slot, whenever its count changes and every `HEARTBEAT_SECONDS`. Only workers heard from
    within `FRESH_SECONDS` count: one busy with a long evaluation (or stuck) accepts nothing, so
    nobody sheds connections toward it. A stopping worker publishes `_STOPPING`, for the same reason.
    """

    # pid (0: free, -1: claimed, not started yet), connections held, time.monotonic() of writing
    # (CLOCK_MONOTONIC: the same clock in every process)
    _SLOT: Final = struct.Struct("qqd")
    _STOPPING: Final = 1 << 40

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._memory = mmap.mmap(-1, self._SLOT.size * slots)  # anonymous and shared across fork

    def claim(self) -> int | None:
        """A free slot for a worker about to be forked (in the master), or None if none is left."""
        for slot in range(self.slots):
            if self._SLOT.unpack_from(self._memory, slot * self._SLOT.size)[0] == 0:
                self._SLOT.pack_into(self._memory, slot * self._SLOT.size, -1, 0, 0.0)
                return slot
        return None

    def release(self, slot: int) -> None:
        self._SLOT.pack_into(self._memory, slot * self._SLOT.size, 0, 0, 0.0)

    def publish(self, slot: int, connections: int, *, stopping: bool = False) -> None:
        """This worker's count (in the worker)."""
        count = self._STOPPING if stopping else connections
        self._SLOT.pack_into(self._memory, slot * self._SLOT.size, os.getpid(), count, time.monotonic())

    def least_other(self, slot: int) -> int | None:
        """The fewest connections any other worker heard from lately holds (None: there is none)."""
        least, now = None, time.monotonic()
        for other in range(self.slots):
            pid, count, written = self._SLOT.unpack_from(self._memory, other * self._SLOT.size)
            if (
                other != slot
                and pid > 0
                and now - written <= FRESH_SECONDS
                and (least is None or count < least)
            ):
                least = count
        return least


class _Connections:
    """What the connections of one worker share: the client timeout, whether the worker is
    stopping, how many requests have held its event loop for `LONG_REQUEST_SECONDS` or more, and
    how many connections it holds that have been answered (its `ConnectionTable` slot)."""

    __slots__ = ("held", "long_requests", "slot", "stopping", "table", "timeout")

    def __init__(
        self, timeout: float, stopping: Callable[[], bool], table: ConnectionTable | None, slot: int | None
    ) -> None:
        self.timeout = timeout
        self.stopping = stopping
        self.long_requests = 0
        self.held = 0
        self.table = table
        self.slot = slot
        self.publish()

    def publish(self) -> None:
        if self.table is not None and self.slot is not None:
            self.table.publish(self.slot, self.held, stopping=self.stopping())

    def too_many(self) -> bool:
        """Does this worker hold more than one connection over the least loaded other worker?"""
        if self.table is None or self.slot is None:
            return False
        least = self.table.least_other(self.slot)
        return least is not None and self.held > least + 1


class _ClientSocket:
    """A client connection as gunicorn's HTTP parser and response writer use it, with a deadline.

    From the moment the connection opens, or the previous answer has been sent, the client has
    ``timeout`` seconds to send one whole request, head and body. A read that would end past that
    deadline ends at it and reads as the end of the stream: an idle or half-sent head is then
    closed by gunicorn as a client that went away, and a body cut short is answered as one (the
    app's 400 for a client that disconnected) with ``Connection: close``. A client also gets
    ``timeout`` seconds to take each write of its answer.

    While no byte of the next request has arrived, the deadline is brought forward to
    `STOP_LINGER_SECONDS` from when the worker is seen stopping (checked every
    `STOP_CHECK_SECONDS`): an idle kept-alive connection must not hold up a graceful stop or a
    recycled worker, but a request already on its way is still served.

    A request that holds the worker's event loop for `LONG_REQUEST_SECONDS` or more (its time in
    the worker, less what it spent waiting for the client) has made every other connection of the
    worker wait: those connections are answered next with ``Connection: close``, so their clients
    reconnect, to whichever worker is free, instead of queueing behind it again. Its own connection
    stays. A worker that holds more connections than the others (`ConnectionTable`) sheds them the
    same way.

    Everything else (``fileno``, ``setblocking``, ``shutdown``, ...) is the gevent socket's own.
    """

    __slots__ = (
        "_began",
        "_counted",
        "_deadline",
        "_expired",
        "_long_requests",
        "_shared",
        "_sock",
        "_started",
        "_waited",
        "_waited_before",
    )

    def __init__(self, sock: Any, shared: _Connections) -> None:
        self._sock = sock
        self._shared = shared
        self._expired = False
        self._deadline = 0.0
        self._started = False
        self._waited = 0.0  # seconds spent blocked on the client, in all
        self._began = 0.0
        self._waited_before = 0.0
        self._long_requests = shared.long_requests  # the long requests this connection has seen
        self._counted = False  # in `shared.held`: it has been answered and is kept alive
        self.wait_for_request()

    def wait_for_request(self) -> None:
        """Start the clock for the next request (unless the connection has already expired)."""
        self._deadline = time.monotonic() + self._shared.timeout
        self._started = False

    def request_began(self) -> None:
        """A request's head has been read: it is handed to the app now."""
        self._began = time.monotonic()
        self._waited_before = self._waited

    def answer_ends_connection(self) -> bool:
        """Must the answer being sent end the connection (``Connection: close``)?"""
        if self._expired:
            return True
        shared = self._shared
        held = time.monotonic() - self._began - (self._waited - self._waited_before)
        if held >= LONG_REQUEST_SECONDS:
            shared.long_requests += 1
            self._long_requests = shared.long_requests
        if self._long_requests != shared.long_requests or shared.too_many():
            return True
        if not self._counted:
            self._counted = True
            shared.held += 1
            shared.publish()
        return False

    def close(self) -> None:
        if self._counted:
            self._counted = False
            self._shared.held -= 1
            self._shared.publish()
        self._sock.close()

    def recv(self, size: int) -> bytes:
        while not self._expired:
            now = time.monotonic()
            if not self._started and self._shared.stopping():
                self._deadline = min(self._deadline, now + STOP_LINGER_SECONDS)
            remaining = self._deadline - now
            if remaining <= 0:
                break
            self._sock.settimeout(remaining if self._started else min(remaining, STOP_CHECK_SECONDS))
            try:
                data: bytes = self._sock.recv(size)
            except TimeoutError:
                continue
            finally:
                self._waited += time.monotonic() - now
            self._started = True
            return data
        self._expired = True
        return b""

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._shared.timeout)
        now = time.monotonic()
        try:
            self._sock.sendall(data)
        except TimeoutError:
            self._expired = True
            # gunicorn drops a connection whose client went away (EPIPE) quietly; one that does
            # not read its answer is dropped the same way.
            raise BrokenPipeError(errno.EPIPE, "the client did not read its answer in time") from None
        finally:
            self._waited += time.monotonic() - now

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class TestStateWorker(GeventWorker):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn's gevent worker, with every client bounded by ``client_timeout`` (gunicorn's
    ``keepalive`` setting), kept-alive connections spread over the workers (`ConnectionTable`) and
    moved off a worker that a long request held (`_ClientSocket`), and without gevent's
    monkey-patching.

    gunicorn's own gevent worker bounds only the wait for a request head, by ``keepalive``, and
    not the body; here `_ClientSocket` bounds head and body together. It also calls
    ``gevent.monkey.patch_all()``, after `TestStateServer.load` imported the app in the master
    (gevent warns that ssl was imported first); nothing in the request path does blocking I/O of
    its own, the connections are gevent sockets already, and an unpatched ``threading`` keeps every
    greenlet on the main thread as `teststate.budget` sees it. So only the listening sockets are
    made gevent sockets, as gunicorn's ``patch`` does after patching.
    """

    __test__ = False
    sockets: list[Any]  # gunicorn's: the listening sockets

    # Set by the master's pre_fork hook (`gunicorn_options`) before the worker is forked.
    connection_table: ConnectionTable | None = None
    connection_slot: int | None = None

    def init_process(self) -> None:
        self.connections = _Connections(
            self.cfg.keepalive, self._stopping, self.connection_table, self.connection_slot
        )
        super().init_process()

    def patch(self) -> None:
        self.sockets = [
            gevent.socket.socket(listener.FAMILY, socket.SOCK_STREAM, fileno=listener.sock.detach())
            for listener in self.sockets
        ]

    def timeout_ctx(self) -> contextlib.nullcontext[None]:
        # gunicorn's keepalive timeout around each request head: `_ClientSocket` bounds it instead.
        return contextlib.nullcontext()

    def handle(self, listener: Any, client: Any, addr: Any) -> None:
        super().handle(listener, _ClientSocket(client, self.connections), addr)

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> None:
        if isinstance(sock, _ClientSocket):
            sock.request_began()
        # The executions runner (a thread of this process) gives way from the moment gunicorn
        # has the request head until the answer is written, not only while the app runs.
        with request_in_flight():
            super().handle_request(listener_name, req, sock, addr)
        if isinstance(sock, _ClientSocket):
            sock.wait_for_request()

    def run(self) -> None:
        self._resume_executions()
        gevent.spawn(self._heartbeat)
        try:
            super().run()
        finally:
            # Normally already done by `_heartbeat`; a last, bounded wait if it was not.
            executions_runner.stop_runners(executions_runner.STOP_SECONDS)

    def _resume_executions(self) -> None:
        """Start the executions runner now if the app's database has executions still RUNNING."""
        service = getattr(self.wsgi, "service", None)
        database = getattr(service, "database", None)
        if service is None or database is None:
            return  # an app without storage
        try:
            executions_runner.resume_pending(database, service.limits)
        except Exception:  # a database that cannot be read now: the first execution call retries
            _log.exception("could not look for executions to resume")

    def _heartbeat(self) -> None:
        """Publish this worker's count every `HEARTBEAT_SECONDS` (`ConnectionTable`), and once more
        when it stops; then stop the executions runner."""
        while True:
            self.connections.publish()
            if not self.alive:
                break
            gevent.sleep(HEARTBEAT_SECONDS)
        self._stop_executions()

    @staticmethod
    def _stop_executions() -> None:
        """Stop this worker's executions runner, letting the event loop serve in-flight requests
        while it gives its execution up (a real thread: joining it would block the loop)."""
        runners = executions_runner.request_stop_all()
        deadline = time.monotonic() + executions_runner.STOP_SECONDS
        while not all(runner.stopped for runner in runners) and time.monotonic() < deadline:
            gevent.sleep(RUNNER_STOP_POLL_SECONDS)

    def _stopping(self) -> bool:
        return not self.alive
