"""The floor: a trivial WSGI app answering a fixed TestState-shaped body, served by the SAME gunicorn
configuration as the real server.

    python -m bench.floor --port P [--host 127.0.0.1] [--workers N]

`FloorServer` is `teststate.server.TestStateServer` with another app: same options
(`teststate.server.gunicorn_options` from the same `Settings`: our gevent workers, timeouts, recycling,
preload), and the same single-write response class, which the parent's ``load`` installs. Whatever
the real server costs beyond this floor is the price of Flask and of answering TestState.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from teststate.server import TestStateServer, gunicorn_options
from teststate.settings import Settings

__all__ = ["FLOOR_BODY", "FloorServer", "floor_app", "main"]

FLOOR_BODY: Final = b'{"output":"{}","status":"SUCCEEDED"}'
CONTENT_TYPE: Final = "application/x-amz-json-1.0"  # as teststate.protocol sends it


def floor_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Read the request body (as the real app must) and answer the fixed body with our headers."""
    stream = environ.get("wsgi.input")
    length = environ.get("CONTENT_LENGTH")
    if stream is not None and length:
        stream.read(int(length))
    start_response(
        "200 OK",
        [
            ("Content-Type", CONTENT_TYPE),
            ("Content-Length", str(len(FLOOR_BODY))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
    )
    return [FLOOR_BODY]


class FloorServer(TestStateServer):
    """gunicorn serving `floor_app` with the real server's options and response class."""

    __test__ = False

    def load(self) -> Any:
        super().load()  # installs the single-write response, exactly as for the real app
        return floor_app


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the floor in the foreground until SIGTERM/SIGINT."""
    settings = Settings.from_env(os.environ)
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=settings.workers)
    args = parser.parse_args(argv)
    FloorServer(
        gunicorn_options(host=args.host, port=args.port, workers=args.workers, settings=settings)
    ).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
