"""boto3's latency per TestState call over HTTP: what a Python test suite pays for each call.

    python -m bench.sdk --port P [--host 127.0.0.1] [--scenario task-mock] [--calls 500] [--warmup 50]

`run_sdk` makes one boto3 client (no host prefix, no retries, dummy credentials) and calls
TestState on a running server with one scenario's request (`bench.scenarios`), `warmup` calls
first, then `calls` timed ones, one after another. The time of a call is everything boto3 does:
serialising and signing the request, the HTTP exchange (and a TCP connect when the server closed
the previous connection), parsing the answer. It also counts the TCP connections the process
opened during the timed calls (Python's ``socket.connect`` audit event): 0 when the server keeps
connections alive, one per call when it closes them (urllib3 then reconnects the same connection
object, which its own "Starting new HTTP connection" log line does not show).

`bench.__main__` reports it beside the load generator's figures; the server is whoever listens on
the port (this module starts nothing).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Final

from bench.scenarios import all_scenarios

__all__ = ["DEFAULT_SCENARIO", "SdkRun", "run_sdk"]

DEFAULT_SCENARIO: Final = "task-mock"


@dataclass(frozen=True, slots=True)
class SdkRun:
    """boto3 against one server: latency per call (ms) and connections opened while timed."""

    scenario: str
    calls: int
    connections: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float

    def report(self) -> str:
        """One line for the benchmark's table."""
        return (
            f"boto3 TestState ({self.scenario}), {self.calls} calls in a row: p50 {self.p50_ms:.3f} ms, "
            f"p90 {self.p90_ms:.3f} ms, p99 {self.p99_ms:.3f} ms, mean {self.mean_ms:.3f} ms; "
            f"{self.connections} TCP connections opened"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _ConnectCounter:
    """Counts ``socket.connect`` audit events while `counting`. An audit hook cannot be removed:
    the one counter is hooked once and stays, idle, afterwards."""

    def __init__(self) -> None:
        self.counting = False
        self.connects = 0
        self.hooked = False

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if self.counting and event == "socket.connect":
            self.connects += 1


_COUNTER: Final = _ConnectCounter()


@contextmanager
def _counting_connections() -> Iterator[_ConnectCounter]:
    """The TCP connections this process opens meanwhile (`_ConnectCounter.connects`)."""
    if not _COUNTER.hooked:
        sys.addaudithook(_COUNTER)
        _COUNTER.hooked = True
    _COUNTER.connects, _COUNTER.counting = 0, True
    try:
        yield _COUNTER
    finally:
        _COUNTER.counting = False


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def run_sdk(
    host: str, port: int, *, scenario: str = DEFAULT_SCENARIO, calls: int = 500, warmup: int = 50
) -> SdkRun:
    """Time `calls` boto3 TestState calls (after `warmup` untimed ones) against ``http://host:port``.

    Raises:
        ValueError: no scenario is named `scenario`.
        RuntimeError: an answer did not carry the scenario's expected status.
    """
    import boto3
    from botocore.config import Config

    chosen = [candidate for candidate in all_scenarios(scenario) if candidate.name == scenario]
    if not chosen:
        raise ValueError(f"no scenario is named {scenario!r}")
    request, expected = dict(chosen[0].request), chosen[0].expected_status
    shown = f"[{host}]" if ":" in host else host
    client = boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=f"http://{shown}:{port}",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 0}),
    )

    def call() -> None:
        status = client.test_state(**request)["status"]
        if status != expected:
            raise RuntimeError(f"{scenario}: status {status}, expected {expected}")

    for _ in range(warmup):
        call()
    latencies = []
    with _counting_connections() as opened:
        for _ in range(calls):
            started = time.perf_counter()
            call()
            latencies.append((time.perf_counter() - started) * 1000)
    client.close()
    latencies.sort()
    return SdkRun(
        scenario=scenario,
        calls=calls,
        connections=opened.connects,
        p50_ms=_percentile(latencies, 0.50),
        p90_ms=_percentile(latencies, 0.90),
        p99_ms=_percentile(latencies, 0.99),
        mean_ms=statistics.fmean(latencies),
        max_ms=latencies[-1],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure against a server that is already running; print the line (and JSON with --json)."""
    parser = argparse.ArgumentParser(prog="python -m bench.sdk", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    run = run_sdk(args.host, args.port, scenario=args.scenario, calls=args.calls, warmup=args.warmup)
    print(run.report())
    if args.json:
        print(json.dumps(run.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
