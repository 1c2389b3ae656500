"""gunicorn, configured in code: sync workers, one bind address, timeouts and recycling from settings.

`TestStateServer` is a `gunicorn.app.base.BaseApplication`, so no configuration file or command
line of gunicorn's is involved; `teststate.cli` builds it from `teststate.settings.Settings`.

Lifecycle (all gunicorn's own mechanisms, configured here):
- a worker silent for ``worker_timeout`` seconds (stuck in one request) is killed and replaced;
- SIGTERM (or SIGINT) to the master stops accepting, lets in-flight requests finish for up to
  ``graceful_timeout`` seconds, then exits 0;
- each worker is replaced after ``max_requests`` (+ up to ``max_requests_jitter``) requests, which
  bounds what any slow growth (caches, allocator fragmentation) can cost.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask
from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi as gunicorn_wsgi

from teststate.settings import Settings


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
    return "\n".join(
        [
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
            '    --definition \'{"Type":"Pass","End":true}\' --input \'{"a":1}\'',
        ]
    )


def gunicorn_options(
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """gunicorn settings for serving TestState: `settings` (defaults if None), with `host`,
    `port` and `workers` overriding theirs when given."""
    settings = settings if settings is not None else Settings()
    host = settings.host if host is None else host
    port = settings.port if port is None else port
    workers = settings.workers if workers is None else workers
    url = endpoint_url(host, port)

    def when_ready(_server: Any) -> None:
        print(banner(url), flush=True)

    return {
        "bind": f"{host}:{port}" if ":" not in host else f"[{host}]:{port}",
        "workers": workers,
        "worker_class": "sync",  # separate processes: the core's lru_caches need no locks
        "timeout": settings.worker_timeout,
        "graceful_timeout": settings.graceful_timeout,
        "max_requests": settings.max_requests,
        "max_requests_jitter": settings.max_requests_jitter,
        "preload_app": True,  # import once in the master: a broken install fails at start
        "errorlog": "-",
        # gunicorn's own lines (start, stop, worker restarts) never carry payloads.
        "loglevel": settings.log_level,
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
        from teststate.validation.mock_result import preload_service_models
        from teststate.wsgi import app

        _install_single_write_response()
        # With preload_app this runs once, in the master: the workers inherit the loaded models.
        preload_service_models()
        return app


def serve(settings: Settings) -> None:
    """Run the server in the foreground until SIGTERM/SIGINT; then in-flight requests finish
    (up to ``graceful_timeout``) and gunicorn exits 0."""
    TestStateServer(gunicorn_options(settings=settings)).run()
    sys.stdout.flush()
