"""Soak test: many concurrent clients against the real gunicorn server for a bounded time.

    python soak/soak.py [--seconds 300] [--clients 16] [--workers 2] [--mix all]   (or: make soak)

Starts ``teststate serve`` (the console script's code path, as ``make serve`` does) on a free
loopback port with its own data directory, then runs N client threads, each sending one request
per new connection (plain ``http.client``, no keep-alive). ``--mix`` chooses what they send:
``teststate`` (a weighted mix of valid, invalid and pathological TestState requests),
``executions`` (starting, describing, stopping executions, reading their histories, answering
task tokens: `soak.executions`) or ``all`` (the default: both, about half each). It records
status codes, ``__type``s / outcomes, latencies and connection errors, samples the workers' RSS
from /proc at start, once warm and at the end, then audits the executions (every one ends as its
machine does, histories well formed), greps the server's log (tracebacks, "database is locked",
runner errors), prints a summary, and exits 1 on any 5xx, dropped connection, answer of an
unexpected kind, audit problem or log problem.

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
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

if __package__ in (None, ""):  # run as a script (python soak/soak.py): the repository's root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from soak import executions
from teststate.testing import RunningServer, ServerDidNotStart, rss_kib, start_server

TARGET: Final = "AWSStepFunctions.TestState"
CLIENT_TIMEOUT_SECONDS: Final = 120.0
START_TIMEOUT_SECONDS: Final = 30.0
STOP_TIMEOUT_SECONDS: Final = 60.0
MIXES: Final = ("all", "teststate", "executions")
# The audit: how long executions may take to end after the load, how many histories are read.
DRAIN_TIMEOUT_SECONDS: Final = 120.0
AUDIT_SAMPLE: Final = 400
# Lines of the server's log that fail the soak.
LOG_MARKERS: Final = (
    "Traceback",
    "InternalFailure",
    "WORKER TIMEOUT",
    "SIGKILL",
    "database is locked",
    "OperationalError",
    "the executions runner failed",
    "differs from the stored one",
    "lease lost",
    "cannot be resumed",
)


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

    def record(self, name: str, expected: str, outcome: str, latency_ms: float) -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            self.by_kind[name] += 1
            self.latencies_ms.append(latency_ms)
            if outcome.startswith("5"):
                self.server_errors += 1
            if not _matches(expected, outcome):
                self.unexpected[f"{name}: got {outcome}, expected {expected}"] += 1

    def drop(self, name: str, error: BaseException) -> None:
        with self.lock:
            self.dropped[f"{name}: {type(error).__name__}"] += 1


def _matches(expected: str, outcome: str) -> bool:
    """``200 SUCCEEDED`` matches ``200 SUCCEEDED``, ``200 *`` and ``200 RUNNING|SUCCEEDED``."""
    status, _, detail = expected.partition(" ")
    got_status, _, got_detail = outcome.partition(" ")
    return status == got_status and (detail == "*" or got_detail.split(" ")[0] in detail.split("|"))


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
        stats.drop(kind.name, error)
        return
    finally:
        connection.close()
    stats.record(
        kind.name, kind.expected, _outcome(answer.status, data), (time.perf_counter() - started) * 1000
    )


class _DroppedConnection(Exception):
    """An execution call's connection failed (counted as dropped, the action abandoned)."""


def _act(
    host: str, port: int, action: executions.Action, state: executions.ClientState, stats: Stats
) -> None:
    """Run one execution action, timing and recording each call it makes."""
    timings: list[float] = []

    def caller(operation: str, body: Any) -> tuple[int, Any]:
        began = time.perf_counter()
        try:
            return executions.call(host, port, operation, body, CLIENT_TIMEOUT_SECONDS)
        except (OSError, http.client.HTTPException) as error:
            stats.drop(f"{action.name} ({operation})", error)
            raise _DroppedConnection from error
        finally:
            timings.append((time.perf_counter() - began) * 1000)

    try:
        calls = action.run(caller, state)
    except _DroppedConnection:
        return
    for (outcome, expected), latency in zip(calls, timings, strict=False):
        stats.record(action.name, expected, outcome, latency)


@dataclass(frozen=True, slots=True)
class Mix:
    """What the clients send: TestState kinds and execution actions, with the machines' ARNs."""

    kinds: list[Kind]
    actions: tuple[executions.Action, ...]
    machines: dict[str, str]
    started: executions.Started


def _client(host: str, port: int, mix: Mix, deadline: float, seed: int, stats: Stats) -> None:
    chooser = random.Random(seed)
    choices: list[Kind | executions.Action] = [*mix.kinds, *mix.actions]
    weights = [choice.weight for choice in choices]
    state = executions.ClientState(mix.machines, mix.started, random.Random(seed + 1000))
    while time.monotonic() < deadline:
        choice = chooser.choices(choices, weights)[0]
        if isinstance(choice, Kind):
            _one(host, port, choice, stats)
        else:
            _act(host, port, choice, state, stats)


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
    audit: executions.Audit | None,
    data_bytes: dict[str, int],
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
    if audit is not None:
        out(
            f"executions: {audit.started} started, ended "
            + ", ".join(f"{status} {count}" for status, count in sorted(audit.by_status.items()))
            + f"; {audit.running_after_load} still running when the load stopped (token waits "
            f"stopped then), all ended within "
            f"{audit.drain_seconds:.1f} s; {audit.histories_checked} histories ({audit.events_checked} events) "
            f"checked, {len(audit.problems)} problems"
        )
        for problem in audit.problems[:20]:
            out(f"  audit: {problem}")
    if data_bytes:
        out(
            "data directory: "
            + ", ".join(f"{name} {size / 1024:.0f} KiB" for name, size in sorted(data_bytes.items()))
        )
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
    audit_ok = audit is None or not audit.problems
    return stats.server_errors == 0 and dropped == 0 and unexpected == 0 and audit_ok and not log_problems


def _data_sizes(directory: Path) -> dict[str, int]:
    return {entry.name: entry.stat().st_size for entry in directory.iterdir() if entry.is_file()}


def main(argv: list[str] | None = None) -> int:
    """Run the soak; 0 when no 5xx, no dropped connection, no unexpected answer, no audit or log problem."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS") or 300))
    parser.add_argument("--clients", type=int, default=int(os.environ.get("SOAK_CLIENTS") or 16))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("TESTSTATE_WORKERS") or 2))
    parser.add_argument("--mix", choices=MIXES, default=os.environ.get("SOAK_MIX") or "all")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="teststate-soak-") as data_dir:
        return _soak(args, Path(data_dir))


def _soak(args: argparse.Namespace, data_dir: Path) -> int:
    env = {
        "TESTSTATE_LOG_LEVEL": os.environ.get("TESTSTATE_LOG_LEVEL") or "warning",
        "TESTSTATE_MAX_REQUESTS": os.environ.get("TESTSTATE_MAX_REQUESTS") or "0",
        "TESTSTATE_DATA_DIR": str(data_dir),
    }
    try:
        server = start_server(workers=args.workers, env=env, start_timeout=START_TIMEOUT_SECONDS)
    except ServerDidNotStart as err:
        print(f"soak: {err}", file=sys.stderr)
        return 2
    audit = None
    with server:
        with_executions = args.mix in ("all", "executions")
        machines = (
            executions.setup(server.host, server.port, CLIENT_TIMEOUT_SECONDS) if with_executions else {}
        )
        mix = Mix(
            kinds=request_mix() if args.mix in ("all", "teststate") else [],
            actions=executions.ACTIONS if with_executions else (),
            machines=machines,
            started=executions.Started(),
        )
        memory = [("start", _memory(server))]
        stats = Stats()
        started = time.monotonic()
        end = started + args.seconds
        threads = [
            threading.Thread(
                target=_client, args=(server.host, server.port, mix, end, seed, stats), daemon=True
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
        if with_executions:

            def caller(operation: str, body: Any) -> tuple[int, Any]:
                return executions.call(server.host, server.port, operation, body, CLIENT_TIMEOUT_SECONDS)

            audit = executions.audit(
                caller, machines, mix.started, drain_timeout=DRAIN_TIMEOUT_SECONDS, sample=AUDIT_SAMPLE
            )
        status = server.stop(timeout=STOP_TIMEOUT_SECONDS)
    text = server.output()
    problems = [line for line in text.splitlines() if any(marker in line for marker in LOG_MARKERS)]
    if status != 0:
        problems.append(f"the server exited {status} on SIGTERM")
    ok = _report(stats, elapsed, args.clients, memory, audit, _data_sizes(data_dir), problems, print)
    print("soak: PASS" if ok else "soak: FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
