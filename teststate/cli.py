"""The ``teststate`` console script: ``teststate serve [--host] [--port] [--workers]``.

Defaults come from ``TESTSTATE_HOST`` (127.0.0.1), ``TESTSTATE_PORT`` (8083) and
``TESTSTATE_WORKERS`` (2).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from teststate.server import serve


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise SystemExit(f"teststate: {name} must be an integer, got {text!r}") from None


def build_parser(env: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with defaults taken from `env` (os.environ by default)."""
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="teststate", description="Offline AWS Step Functions TestState API")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the TestState API over HTTP (gunicorn)")
    run.add_argument("--host", default=env.get("TESTSTATE_HOST") or "127.0.0.1",
                     help="address to bind (env TESTSTATE_HOST, default 127.0.0.1)")
    run.add_argument("--port", type=int, default=_env_int(env, "TESTSTATE_PORT", 8083),
                     help="port to bind (env TESTSTATE_PORT, default 8083)")
    run.add_argument("--workers", type=int, default=_env_int(env, "TESTSTATE_WORKERS", 2),
                     help="worker processes (env TESTSTATE_WORKERS, default 2)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    if args.workers < 1:
        raise SystemExit("teststate: --workers must be at least 1")
    if not 0 <= args.port <= 65535:
        raise SystemExit("teststate: --port must be between 0 and 65535")
    serve(host=args.host, port=args.port, workers=args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
