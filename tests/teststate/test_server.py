"""The gunicorn response writer: headers and body leave in one write.

Real gunicorn objects on a real socket: the request is parsed by gunicorn from bytes sent over a
``SOCK_SEQPACKET`` socket pair, whose records keep the boundaries of each write, so the peer
counts exactly how many writes the response made.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi as gunicorn_wsgi
from gunicorn.http.parser import RequestParser

from teststate.worker import SingleWriteResponse

REQUEST = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}"
BODY = b'{"ok":true}'


@pytest.fixture
def sockets() -> Iterator[tuple[socket.socket, socket.socket]]:
    """(client, server) ends of a record-preserving socket pair."""
    client, server = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    client.settimeout(2)
    try:
        yield client, server
    finally:
        client.close()
        server.close()


def _response(
    cls: type[gunicorn_wsgi.Response],
    sockets: tuple[socket.socket, socket.socket],
    headers: list[tuple[str, str]],
) -> gunicorn_wsgi.Response:
    client, server = sockets
    cfg = Config()
    client.sendall(REQUEST)
    request = next(iter(RequestParser(cfg, server, ("127.0.0.1", 40000))))
    response = cls(request, server, cfg)
    response.start_response("200 OK", headers)
    return response


def _writes(sockets: tuple[socket.socket, socket.socket]) -> list[bytes]:
    """Every record the server end wrote, in order."""
    client, server = sockets
    server.shutdown(socket.SHUT_WR)
    records = []
    while record := client.recv(1 << 20):
        records.append(record)
    return records


JSON_HEADERS = [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(BODY)))]


def test_headers_and_body_go_out_in_one_write(sockets: tuple[socket.socket, socket.socket]) -> None:
    response = _response(SingleWriteResponse, sockets, JSON_HEADERS)
    response.write(BODY)
    response.close()
    writes = _writes(sockets)
    assert len(writes) == 1
    head, body = writes[0].split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: 11" in head
    assert body == BODY


def test_gunicorns_own_response_would_write_twice(sockets: tuple[socket.socket, socket.socket]) -> None:
    """The control: the measurement above does see two writes when they happen."""
    response = _response(gunicorn_wsgi.Response, sockets, JSON_HEADERS)
    response.write(BODY)
    response.close()
    writes = _writes(sockets)
    assert len(writes) == 2
    assert writes[0].endswith(b"\r\n\r\n") and writes[1] == BODY


def test_an_answer_without_body_still_sends_its_headers(sockets: tuple[socket.socket, socket.socket]) -> None:
    response = _response(SingleWriteResponse, sockets, [("Content-Length", "0")])
    response.close()
    writes = _writes(sockets)
    assert (
        len(writes) == 1 and writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and writes[0].endswith(b"\r\n\r\n")
    )


@pytest.mark.parametrize("chunks", [[b"ab"], [b"ab", b"cd"]])
def test_chunked_answers_keep_their_framing_in_order(
    sockets: tuple[socket.socket, socket.socket], chunks: list[bytes]
) -> None:
    response = _response(SingleWriteResponse, sockets, [("Content-Type", "text/plain")])
    assert response.chunked
    for chunk in chunks:
        response.write(chunk)
    response.close()
    wire = b"".join(_writes(sockets))
    head, body = wire.split(b"\r\n\r\n", 1)
    assert b"Transfer-Encoding: chunked" in head
    assert body == b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
