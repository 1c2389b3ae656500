"""The memory run: many distinct definitions against the real server, worker RSS sampled as it goes.

    python -m bench --memory 20000 [--workers N]

Every request carries a definition never sent before (a Pass state, a JSONata Pass, a Choice and
a Task with a mock, in turn, each with a unique field), so every one misses the definition cache
and every per-expression cache: what a long CI run of distinct definitions does to a worker. The
server runs with ``TESTSTATE_MAX_REQUESTS=0`` (no recycling, which would hide growth). Worker RSS
is read from /proc before the first request and every `every` requests; the run is flat when the
last samples are no higher than the ones taken once the caches (512 definitions, a few thousand
expressions) have filled.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from bench.loadgen import _Client
from bench.scenarios import http_request
from teststate.testing import rss_kib

__all__ = ["MemoryRun", "distinct_request", "run_memory"]

HOST: Final = "127.0.0.1"


def distinct_request(index: int) -> dict[str, Any]:
    """A TestState request whose definition (and its expressions) no earlier index used."""
    kind = index % 4
    if kind == 0:
        state: dict[str, Any] = {
            "Type": "Pass",
            "Parameters": {f"k{index}.$": "$.a", "sum.$": f"States.MathAdd($.a, {index})"},
            "End": True,
        }
    elif kind == 1:
        state = {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": f"{{% $states.input.a + {index} %}}",
            "End": True,
        }
    elif kind == 2:
        state = {
            "Type": "Choice",
            "Choices": [{"Variable": "$.a", "NumericGreaterThan": index, "Next": "X"}],
            "Default": "Y",
        }
    else:
        state = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "End": True,
            "ResultSelector": {f"r{index}.$": "$.Payload"},
        }
    request: dict[str, Any] = {"definition": json.dumps(state), "input": json.dumps({"a": index})}
    if kind == 3:
        request["mock"] = {"result": json.dumps({"StatusCode": 200, "Payload": {"n": index}})}
    return request


@dataclass(frozen=True, slots=True)
class MemoryRun:
    """Worker RSS (KiB, by pid) after each number of requests, and what went wrong."""

    requests: int
    seconds: float
    errors: int
    samples: list[tuple[int, dict[str, int | None]]]

    def report(self) -> str:
        """The samples as a table, and the growth over the second half of the run."""
        lines = [
            f"memory: {self.requests} distinct definitions in {self.seconds:.1f} s, {self.errors} errors",
            "  requests  worker RSS KiB",
        ]
        for count, rss in self.samples:
            lines.append(
                f"  {count:8d}  " + ", ".join(f"pid {pid} {value}" for pid, value in sorted(rss.items()))
            )
        half = next((rss for count, rss in self.samples if count >= self.requests // 2), None)
        last = self.samples[-1][1] if self.samples else None
        if half and last:
            growth = sum((last.get(pid) or 0) - (value or 0) for pid, value in half.items())
            lines.append(f"  growth over the second half, all workers: {growth:+d} KiB")
        return "\n".join(lines)


def run_memory(port: int, workers: Callable[[], list[int]], *, requests: int, every: int) -> MemoryRun:
    """Send `requests` distinct definitions to the server on `port`, one at a time, sampling the
    RSS of `workers()` every `every` requests."""
    client = _Client(HOST, port)
    samples = [(0, {str(pid): rss_kib(pid) for pid in workers()})]
    errors = 0
    started = time.monotonic()
    try:
        for index in range(1, requests + 1):
            body = json.dumps(distinct_request(index), separators=(",", ":")).encode()
            try:
                answer = client.exchange(http_request(body, HOST, port))
                errors += answer.status != 200
            except OSError:
                client.close()
                errors += 1
            if index % every == 0 or index == requests:
                samples.append((index, {str(pid): rss_kib(pid) for pid in workers()}))
    finally:
        client.close()
    return MemoryRun(requests, time.monotonic() - started, errors, samples)
