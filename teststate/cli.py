"""The ``teststate`` console script: ``teststate serve [--host] [--port] [--workers]``.

Every setting comes from the environment (``TESTSTATE_*``, see `teststate.settings` and the
README's "Configuration" table); the three options override ``TESTSTATE_HOST`` (127.0.0.1),
``TESTSTATE_PORT`` (8083) and ``TESTSTATE_WORKERS`` (2).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Mapping, Sequence

from teststate.server import serve
from teststate.settings import Settings, SettingsError


def _settings(env: Mapping[str, str]) -> Settings:
    try:
        return Settings.from_env(env)
    except SettingsError as err:
        raise SystemExit(f"teststate: {err}") from None


def build_parser(env: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with defaults taken from `env` (os.environ by default).

    Raises:
        SystemExit: a ``TESTSTATE_*`` variable holds an unusable value.
    """
    settings = _settings(os.environ if env is None else env)
    parser = argparse.ArgumentParser(prog="teststate", description="Offline AWS Step Functions TestState API")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the TestState API over HTTP (gunicorn)")
    run.add_argument(
        "--host", default=settings.host, help="address to bind (env TESTSTATE_HOST, default 127.0.0.1)"
    )
    run.add_argument(
        "--port", type=int, default=settings.port, help="port to bind (env TESTSTATE_PORT, default 8083)"
    )
    run.add_argument(
        "--workers",
        type=int,
        default=settings.workers,
        help="worker processes (env TESTSTATE_WORKERS, default 2)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    settings = _settings(os.environ)
    try:
        settings = dataclasses.replace(
            settings, host=args.host, port=args.port, workers=args.workers
        ).checked()
    except SettingsError as err:
        # Same checks as the environment's, worded for the option that was given.
        message = str(err).replace("TESTSTATE_WORKERS", "--workers").replace("TESTSTATE_PORT", "--port")
        raise SystemExit(f"teststate: {message.replace('TESTSTATE_HOST', '--host')}") from None
    serve(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
