"""Soak test: many concurrent clients against the real gunicorn server for a bounded time.

    python soak/soak.py [--seconds 300] [--clients 16] [--workers 2]     (or: make soak)

Starts ``teststate serve`` (the console script's code path, as ``make serve`` does) on a free
loopback port, then runs N client threads, each sending one request per new connection (plain
``http.client``, no keep-alive) drawn from a weighted mix of valid, invalid and pathological
requests. It records status codes, ``__type``s / state outcomes, latencies and connection
errors, samples the workers' RSS from /proc at start and end, prints a summary, and exits 1 on
any 5xx, dropped connection or answer of an unexpected kind.

Worker recycling is off during the soak (``TESTSTATE_MAX_REQUESTS=0`` unless set) so the end
RSS belongs to the same processes as the start RSS: flat memory must be earned, not recycled.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from teststate.testing import RunningServer, ServerDidNotStart, rss_kib, start_server

TARGET: Final = "AWSStepFunctions.TestState"
CLIENT_TIMEOUT_SECONDS: Final = 120.0
START_TIMEOUT_SECONDS: Final = 30.0
STOP_TIMEOUT_SECONDS: Final = 60.0


# --------------------------------------------------------------------------------------------
# The request mix: (name, weight, body bytes, headers, expected outcome)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of request and the outcome it must get (``200 SUCCEEDED``, ``400 InvalidDefinition``...)."""

    name: str
    weight: int
    body: bytes
    expected: str
    target: str = TARGET


def _definition(state: dict[str, Any]) -> str:
    return json.dumps(state)


def _request(**members: Any) -> bytes:
    return json.dumps(members).encode()


def request_mix() -> list[Kind]:
    """Valid, invalid and pathological requests, built once."""
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "End": True,
        "Parameters": {"FunctionName": "f", "Payload.$": "$"},
    }
    catching = {**task, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]}
    del catching["End"]
    catching["Next"] = "Handler"
    choice = {
        "Type": "Choice",
        "Default": "No",
        "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Yes"},
            {"Variable": "$.s", "StringMatches": "a*b*c", "Next": "Match"},
        ],
    }
    deep = 5_000
    return [
        # valid
        Kind(
            "pass-jsonpath",
            100,
            _request(
                definition=_definition(
                    {
                        "Type": "Pass",
                        "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"},
                        "ResultPath": "$.r",
                        "Next": "X",
                    }
                ),
                input='{"a": 40, "b": 2}',
                inspectionLevel="DEBUG",
            ),
            "200 SUCCEEDED",
        ),
        Kind(
            "pass-jsonata",
            100,
            _request(
                definition=_definition(
                    {
                        "Type": "Pass",
                        "QueryLanguage": "JSONata",
                        "End": True,
                        "Output": "{% $sum($states.input.items) & '-' & $uppercase($x) %}",
                        "Assign": {"y": "{% $x %}"},
                    }
                ),
                input='{"items": [1, 2, 3]}',
                variables='{"x": "abc"}',
                inspectionLevel="TRACE",
            ),
            "200 SUCCEEDED",
        ),
        Kind(
            "choice",
            50,
            _request(definition=_definition(choice), input='{"n": 11, "s": "abc"}'),
            "200 SUCCEEDED",
        ),
        Kind(
            "task-mock",
            50,
            _request(
                definition=_definition(task),
                input='{"k": 1}',
                mock={"result": '{"StatusCode": 200, "Payload": {"ok": true}}'},
            ),
            "200 SUCCEEDED",
        ),
        Kind(
            "task-mock-error-caught",
            25,
            _request(
                definition=_definition(
                    {"StartAt": "T", "States": {"T": catching, "Handler": {"Type": "Succeed"}}}
                ),
                stateName="T",
                mock={"errorOutput": {"error": "Boom", "cause": "mocked"}},
            ),
            "200 CAUGHT_ERROR",
        ),
        Kind(
            "wait",
            10,
            _request(definition=_definition({"Type": "Wait", "Seconds": 3600, "End": True})),
            "200 SUCCEEDED",
        ),
        # invalid
        Kind("bad-json", 10, b'{"definition": ', "400 SerializationException"),
        Kind(
            "bad-definition",
            10,
            _request(definition='{"Type": "Nope", "End": true}'),
            "400 InvalidDefinition",
        ),
        Kind(
            "unknown-target",
            3,
            _request(definition="{}"),
            "400 UnknownOperationException",
            target="AWSStepFunctions.Nope",
        ),
        Kind(
            "model-violation", 3, _request(definition="{}", inspectionLevel="LOUD"), "400 ValidationException"
        ),
        Kind(
            "oversized-body",
            2,
            b'{"definition": "' + b"x" * (1_536 * 1024) + b'"}',
            "413 RequestEntityTooLargeException",
        ),
        # pathological
        Kind(
            "deep-body",
            2,
            b'{"definition": "x", "d": ' + b"[" * deep + b"]" * deep + b"}",
            "400 SerializationException",
        ),
        Kind(
            "deep-input",
            1,
            _request(definition='{"Type": "Pass", "End": true}', input="[" * 1_000 + "]" * 1_000),
            "200 SUCCEEDED",
        ),
        Kind(
            "too-deep-input",
            1,
            _request(definition='{"Type": "Pass", "End": true}', input="[" * 2_000 + "]" * 2_000),
            "400 InvalidExecutionInput",
        ),
        Kind(
            "huge-range",
            2,
            _request(
                definition=_definition(
                    {
                        "Type": "Pass",
                        "QueryLanguage": "JSONata",
                        "End": True,
                        "Output": "{% $sum([1..100000000]) %}",
                    }
                )
            ),
            "200 FAILED",
        ),
        Kind(
            "long-strings",
            2,
            _request(
                definition=_definition(
                    {
                        "Type": "Pass",
                        "End": True,
                        "Parameters": {"s.$": "States.Format('{}{}{}', $.s, $.s, $.s)"},
                    }
                ),
                input=json.dumps({"s": "x" * 100_000}),
            ),
            "200 FAILED",
        ),
        Kind(
            "catastrophic-regex",
            1,
            _request(
                definition=_definition(
                    {
                        "Type": "Pass",
                        "QueryLanguage": "JSONata",
                        "End": True,
                        "Output": "{% $match('" + "a" * 28 + "!', /(a+)+$/) %}",
                    }
                )
            ),
            "200 *",
        ),
        Kind(
            "jsonata-loop",
            1,
            _request(
                definition=_definition(
                    {
                        "Type": "Pass",
                        "QueryLanguage": "JSONata",
                        "End": True,
                        "Output": "{% ($f := function($n){$n > 0 ? $f($n-1) : 0}; $f(100000000)) %}",
                    }
                )
            ),
            "200 FAILED",
        ),
    ]


# --------------------------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------------------------
@dataclass
class Stats:
    """What the clients saw (shared, under a lock)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    server_errors: int = 0

    def record(self, kind: Kind, outcome: str, latency_ms: float) -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            self.by_kind[kind.name] += 1
            self.latencies_ms.append(latency_ms)
            if outcome.startswith("5"):
                self.server_errors += 1
            if not _matches(kind.expected, outcome):
                self.unexpected[f"{kind.name}: got {outcome}, expected {kind.expected}"] += 1

    def drop(self, kind: Kind, error: BaseException) -> None:
        with self.lock:
            self.dropped[f"{kind.name}: {type(error).__name__}"] += 1


def _matches(expected: str, outcome: str) -> bool:
    status, _, detail = expected.partition(" ")
    got_status, _, got_detail = outcome.partition(" ")
    return status == got_status and (detail == "*" or got_detail.split(" ")[0] == detail)


def _outcome(status: int, data: bytes) -> str:
    try:
        payload = json.loads(data)
    except ValueError:
        return f"{status} <not JSON>"
    if status == 200:
        return f"200 {payload.get('status')} {payload.get('error', '')}".rstrip()
    return f"{status} {str(payload.get('__type', '?')).rpartition('#')[2]}"


def _one(host: str, port: int, kind: Kind, stats: Stats) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=CLIENT_TIMEOUT_SECONDS)
    started = time.perf_counter()
    try:
        connection.request(
            "POST",
            "/",
            body=kind.body,
            headers={
                "X-Amz-Target": kind.target,
                "Content-Type": "application/x-amz-json-1.0",
                "Connection": "close",
            },
        )
        answer = connection.getresponse()
        data = answer.read()
    except (OSError, http.client.HTTPException) as error:
        stats.drop(kind, error)
        return
    finally:
        connection.close()
    stats.record(kind, _outcome(answer.status, data), (time.perf_counter() - started) * 1000)


def _client(host: str, port: int, kinds: list[Kind], deadline: float, seed: int, stats: Stats) -> None:
    chooser = random.Random(seed)
    weights = [kind.weight for kind in kinds]
    while time.monotonic() < deadline:
        _one(host, port, chooser.choices(kinds, weights)[0], stats)


# --------------------------------------------------------------------------------------------
# The server and its workers
# --------------------------------------------------------------------------------------------


def _memory(server: RunningServer) -> dict[int, int | None]:
    return {pid: rss_kib(pid) for pid in server.worker_pids()}


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _report(
    stats: Stats,
    seconds: float,
    clients: int,
    memory: list[tuple[str, dict[int, int | None]]],
    log_problems: list[str],
    out: Callable[[str], None],
) -> bool:
    served = sum(stats.outcomes.values())
    dropped = sum(stats.dropped.values())
    unexpected = sum(stats.unexpected.values())
    out(f"soak: {seconds:.0f} s, {clients} clients")
    out(
        f"requests served: {served} ({served / seconds:.1f}/s), dropped connections: {dropped}, "
        f"5xx: {stats.server_errors}, unexpected answers: {unexpected}"
    )
    lat = stats.latencies_ms
    out(
        "latency ms: "
        + ", ".join(f"p{int(q * 100)} {_percentile(lat, q):.1f}" for q in (0.5, 0.9, 0.99))
        + f", max {max(lat, default=0.0):.1f}"
    )
    out("answers by kind:")
    for outcome, count in sorted(stats.outcomes.items(), key=lambda item: -item[1]):
        out(f"  {count:8d}  {outcome}")
    out("requests by kind: " + ", ".join(f"{name} {count}" for name, count in sorted(stats.by_kind.items())))
    for title, problems in (("dropped", stats.dropped), ("unexpected", stats.unexpected)):
        for problem, count in problems.items():
            out(f"  {title}: {count} x {problem}")
    out("worker RSS (KiB):")
    for label, sample in memory:
        out(f"  {label:>6}: " + ", ".join(f"pid {pid} {rss}" for pid, rss in sample.items()))
    warm, end = dict(memory).get("warm", {}), dict(memory).get("end", {})
    for pid in sorted(set(warm) & set(end)):
        before, after = warm[pid], end[pid]
        if before and after:
            out(f"  pid {pid}: {after - before:+d} KiB from warm to end ({(after - before) / before:+.1%})")
    for problem in log_problems:
        out(f"  server log: {problem}")
    return stats.server_errors == 0 and dropped == 0 and unexpected == 0 and not log_problems


def main(argv: list[str] | None = None) -> int:
    """Run the soak; 0 when no 5xx, no dropped connection and no unexpected answer."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS") or 300))
    parser.add_argument("--clients", type=int, default=int(os.environ.get("SOAK_CLIENTS") or 16))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("TESTSTATE_WORKERS") or 2))
    args = parser.parse_args(argv)

    env = {
        "TESTSTATE_LOG_LEVEL": os.environ.get("TESTSTATE_LOG_LEVEL") or "warning",
        "TESTSTATE_MAX_REQUESTS": os.environ.get("TESTSTATE_MAX_REQUESTS") or "0",
    }
    try:
        server = start_server(workers=args.workers, env=env, start_timeout=START_TIMEOUT_SECONDS)
    except ServerDidNotStart as err:
        print(f"soak: {err}", file=sys.stderr)
        return 2
    with server:
        memory = [("start", _memory(server))]
        stats = Stats()
        kinds = request_mix()
        started = time.monotonic()
        end = started + args.seconds
        threads = [
            threading.Thread(
                target=_client, args=(server.host, server.port, kinds, end, seed, stats), daemon=True
            )
            for seed in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        # After a tenth of the run the caches are warm: growth from there on is what counts.
        time.sleep(args.seconds / 10)
        memory.append(("warm", _memory(server)))
        for thread in threads:
            thread.join(args.seconds + CLIENT_TIMEOUT_SECONDS + 30)
        elapsed = time.monotonic() - started
        memory.append(("end", _memory(server)))
        status = server.stop(timeout=STOP_TIMEOUT_SECONDS)
    text = server.output()
    problems = [
        line
        for line in text.splitlines()
        if any(marker in line for marker in ("Traceback", "InternalFailure", "WORKER TIMEOUT", "SIGKILL"))
    ]
    if status != 0:
        problems.append(f"the server exited {status} on SIGTERM")
    ok = _report(stats, elapsed, args.clients, memory, problems, print)
    print("soak: PASS" if ok else "soak: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
