"""gunicorn, configured in code: sync workers, one bind address, a timeout above TestState's own.

`TestStateServer` is a `gunicorn.app.base.BaseApplication`, so no configuration file or command
line of gunicorn's is involved; `teststate.cli` builds it from its own options.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, Final

from flask import Flask
from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi as gunicorn_wsgi

# TestState runs a state for at most 5 minutes (States.Timeout, spec 10); a worker must not be
# killed before that. The core never sleeps, so this is only a ceiling.
WORKER_TIMEOUT_SECONDS: Final = 330


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
    Nagle's algorithm is on, the second small segment waits for the peer's delayed ACK: about
    40 ms per call (spec 2). gunicorn sets TCP_NODELAY on its sockets, but clients and proxies
    in between need not, so the answer is sent as one segment whatever the socket options.
    """

    _pending_headers: bytes = b""

    def send_headers(self) -> None:
        if self.headers_sent:
            return
        socket, buffer = self.sock, _HeaderBuffer()
        self.sock = buffer  # gunicorn builds the header block; we keep it for the first write
        try:
            super().send_headers()
        finally:
            self.sock = socket
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


def _install_single_write_response() -> None:
    """Make gunicorn's worker build `SingleWriteResponse` objects.

    The sync worker calls ``gunicorn.http.wsgi.create`` without a response class, which then
    uses the module's ``Response``; this process is ours (a gunicorn worker serving only this
    app), so rebinding that name is the one-line way in.
    """
    gunicorn_wsgi.Response = SingleWriteResponse


def endpoint_url(host: str, port: int) -> str:
    """The URL clients use (IPv6 literals in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def banner(url: str) -> str:
    """What to tell the user once the server listens: the endpoint and the client settings."""
    return "\n".join([
        f"TestState server listening on {url}",
        "",
        "botocore prefixes 'sync-' to the host for TestState; turn that off for a local endpoint:",
        "  AWS CLI: AWS_DISABLE_HOST_PREFIX_INJECTION=true (or disable_host_prefix_injection = true in the profile)",
        "  boto3:   boto3.client('stepfunctions', endpoint_url=URL, config=botocore.config.Config(inject_host_prefix=False))",
        "Any credentials are accepted, but clients need some, e.g. AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test.",
        "",
        "Example:",
        "  AWS_DISABLE_HOST_PREFIX_INJECTION=true AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\",
        f"  aws stepfunctions test-state --endpoint-url {url} --region us-east-1 \\",
        "    --definition '{\"Type\":\"Pass\",\"End\":true}' --input '{\"a\":1}'",
    ])


def gunicorn_options(*, host: str, port: int, workers: int) -> dict[str, Any]:
    """gunicorn settings for serving TestState."""
    url = endpoint_url(host, port)

    def when_ready(_server: Any) -> None:
        print(banner(url), flush=True)

    return {
        "bind": f"{host}:{port}" if ":" not in host else f"[{host}]:{port}",
        "workers": workers,
        "worker_class": "sync",  # separate processes: the core's lru_caches need no locks
        "timeout": WORKER_TIMEOUT_SECONDS,
        "graceful_timeout": 10,
        "preload_app": True,  # import once in the master: a broken install fails at start
        "errorlog": "-",
        "loglevel": "warning",
        "when_ready": when_ready,
    }


class TestStateServer(BaseApplication):  # type: ignore[misc]
    """gunicorn serving `teststate.wsgi.app` with the given settings."""

    __test__ = False

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key not in self.cfg.settings:
                raise ValueError(f"unknown gunicorn setting {key!r}")
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from teststate.wsgi import app

        _install_single_write_response()
        return app


def serve(*, host: str, port: int, workers: int) -> None:
    """Run the server in the foreground until SIGTERM/SIGINT."""
    TestStateServer(gunicorn_options(host=host, port=port, workers=workers)).run()
    sys.stdout.flush()
