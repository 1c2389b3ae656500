"""gunicorn, configured in code: one bind address, our gevent workers, timeouts and recycling from settings.

`TestStateServer` is a `gunicorn.app.base.BaseApplication`, so no configuration file or command
line of gunicorn's is involved; `teststate.cli` builds it from `teststate.settings.Settings`. The
workers are `teststate.worker.TestStateWorker` (one process per core, one greenlet per connection;
see that module for how stalled and slow clients are bounded and connections kept alive).

Lifecycle (gunicorn's own mechanisms, configured here):
- a worker silent for ``worker_timeout`` seconds (stuck in one request, in code no signal
  interrupts) is killed and replaced;
- SIGTERM (or SIGINT) to the master stops accepting, lets in-flight requests finish for up to
  ``graceful_timeout`` seconds (idle kept-alive connections are closed within a second), then
  exits 0;
- each worker is replaced after ``max_requests`` (+ up to ``max_requests_jitter``) requests, which
  bounds what any slow growth (caches, allocator fragmentation) can cost;
- executions are driven by one more child of the master, the runner process
  (`teststate.executions.process`; `TestStateArbiter` starts it with the workers, starts it again
  if it dies, and stops it gracefully with them): the workers only store executions and wake it,
  so the engine's work never holds a worker's GIL. Executions outlive the runner process, the
  workers and the server: a runner process starting (first start, a replacement, a restarted
  server on the same data directory) resumes the executions still RUNNING, and a stopping one
  (SIGTERM) gives its execution up, lease released, before it exits.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from teststate.executions.process import RunnerProcess, close_all
from teststate.settings import Settings
from teststate.worker import ConnectionTable, install_single_write_response

__all__ = ["TestStateArbiter", "TestStateServer", "banner", "endpoint_url", "gunicorn_options", "serve"]


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

    # Room for every worker, and for as many again while replacements start before old ones exit.
    table = ConnectionTable(2 * workers + 2)

    def pre_fork(_server: Any, worker: Any) -> None:
        worker.connection_table, worker.connection_slot = table, table.claim()

    def exited(_server: Any, worker: Any) -> None:
        slot = getattr(worker, "connection_slot", None)
        if slot is not None:
            table.release(slot)

    return {
        "bind": f"{host}:{port}" if ":" not in host else f"[{host}]:{port}",
        "workers": workers,
        # One process per core, one greenlet per connection (README "Workers"); each process has
        # its own caches, and greenlets never run two evaluations at once: no locks needed.
        "worker_class": "teststate.worker.TestStateWorker",
        "timeout": settings.worker_timeout,
        # `TestStateWorker` bounds each request (head and body) and each idle kept-alive
        # connection by this; gunicorn closes every connection after one request when it is 0.
        "keepalive": settings.client_timeout,
        "graceful_timeout": settings.graceful_timeout,
        "max_requests": settings.max_requests,
        "max_requests_jitter": settings.max_requests_jitter,
        "preload_app": True,  # import once in the master: a broken install fails at start
        "errorlog": "-",
        # gunicorn's own lines (start, stop, worker restarts) never carry payloads.
        "loglevel": settings.log_level,
        "when_ready": when_ready,
        "pre_fork": pre_fork,
        "child_exit": exited,
        "worker_exit": exited,
    }


class TestStateArbiter(Arbiter):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn's master, which also keeps the executions runner process (`RunnerProcess`) of the
    app's database running: started with the workers, started again when it exits (reaped on
    SIGCHLD, checked on every turn of the master's loop), stopped with them."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)  # loads the app (preload_app)
        service = getattr(app.wsgi(), "service", None)
        database = getattr(service, "database", None)
        self.executions: RunnerProcess | None = None
        if service is not None and database is not None:
            self.executions = RunnerProcess(database, service.limits)
            self.executions.install()  # before any worker is forked

    def manage_workers(self) -> None:
        super().manage_workers()
        if self.executions is not None and self.LISTENERS:  # not while stopping
            self.executions.ensure(lambda: close_all(self.LISTENERS))

    def handle_chld(self) -> None:
        if self.executions is not None:
            self.executions.reap()  # first: gunicorn's waitpid(-1) would claim it as unknown
        super().handle_chld()

    handle_cld = handle_chld

    def stop(self, graceful: bool = True) -> None:
        runner = self.executions
        if runner is not None:  # in parallel with the workers' own graceful stop
            runner.request_stop()
        super().stop(graceful)
        if runner is not None:
            runner.stop()


class TestStateServer(BaseApplication):  # type: ignore[misc]
    """gunicorn serving `teststate.wsgi.app` with the given settings, under `TestStateArbiter`."""

    __test__ = False

    def run(self) -> None:
        try:
            TestStateArbiter(self).run()
        except RuntimeError as err:  # as gunicorn's own BaseApplication.run
            print(f"\nError: {err}\n", file=sys.stderr)
            sys.stderr.flush()
            sys.exit(1)

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

        install_single_write_response()
        # With preload_app this runs once, in the master: the workers inherit the loaded models.
        preload_service_models()
        return app


def serve(settings: Settings) -> None:
    """Run the server in the foreground until SIGTERM/SIGINT; then in-flight requests finish
    (up to ``graceful_timeout``) and gunicorn exits 0."""
    TestStateServer(gunicorn_options(settings=settings)).run()
    sys.stdout.flush()
