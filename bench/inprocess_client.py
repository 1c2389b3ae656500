"""The in-process boto3 client against botocore's own floor: what a test suite pays per TestState call.

    python -m bench.inprocess_client [--scenarios SUBSTR] [--rounds N] [--json FILE|-]

Two boto3 clients, built alike (`teststate.toolkit.client.inprocess_client`: same session, config,
credentials and region), call TestState with a scenario's request (`bench.scenarios`):

- in process: the request goes into the service's WSGI app (the client under test);
- canned: a ``before-send`` handler returns, every call, the answer the app gave that request
  (same status, headers and body bytes), so botocore parses exactly what it parses in process.

The canned client is botocore's own cost for the call (parameter validation, serialising, signing,
parsing): the floor. The in-process figure minus the floor is what the app and the WSGI glue cost.
The machine may be busy (other processes, CPU frequency), so the two are timed in alternation:
each round times a batch of canned calls, then a batch of in-process calls, and the round's ratio
compares neighbours; the median of the rounds' ratios is reported with the median per-call times.

Target (issue 13): a Pass call in process within 1.3x of the canned floor, checked on the
minimal Pass (`MINIMAL_PASS`: the service's fixed cost) and on the bench's ``pass-jsonpath``. The
app is the in-process clients' shared one, with their settings (no access log unless
``TESTSTATE_LOG_LEVEL`` sets one; anything written to stderr goes to /dev/null while timed).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from bench.scenarios import Group, Scenario, all_scenarios

__all__ = [
    "MINIMAL_PASS",
    "RATIO_LIMIT",
    "TARGET_SCENARIOS",
    "ClientRow",
    "main",
    "measure",
    "render",
    "run",
    "targets",
    "to_json",
]

MINIMAL_PASS: Final = Scenario(
    name="pass-minimal",
    base="pass-minimal",
    group=Group.PASS,
    level="INFO",
    request={"definition": '{"Type":"Pass","End":true}', "input": '{"order":"A-1"}'},
    expected_status="SUCCEEDED",
)
"""The least a Pass call can ask: what the service costs beyond botocore, and no more."""
TARGET_SCENARIOS: Final = ("pass-minimal", "pass-jsonpath")
RATIO_LIMIT: Final = 1.3
DEFAULT_ROUNDS: Final = 30
BATCH_SECONDS: Final = 0.02


@dataclass(frozen=True, slots=True)
class ClientRow:
    """One scenario: per-call medians (us) of both clients, what the app and the WSGI glue add to
    botocore's own cost (the median of the rounds' differences), and the median of their ratios."""

    scenario: str
    inprocess_us: float
    canned_us: float
    app_us: float
    ratio: float
    rounds: int
    calls_per_batch: int
    error: str | None = None


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """The app's access lines go to /dev/null (written all the same: their cost counts)."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
        yield


def _clients(scenario: Scenario) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The in-process call and the canned call of `scenario`; the answer is checked once."""
    from botocore.awsrequest import AWSResponse

    from teststate.toolkit.client import (
        HANDLER_ID,
        ResponseBody,
        WsgiTransport,
        inprocess_client,
        shared_app,
    )

    params: Mapping[str, Any] = scenario.request
    inprocess = inprocess_client()
    first = inprocess.test_state(**params)
    if first.get("status") != scenario.expected_status:
        raise RuntimeError(f"status {first.get('status')}, expected {scenario.expected_status}")

    # The answer the app gives this request, as it came from the app (status, headers, bytes).
    transport = WsgiTransport(shared_app())
    answered: list[AWSResponse] = []

    def record(request: Any, **_: Any) -> AWSResponse:
        answered.append(transport(request))
        return answered[-1]

    canned = inprocess_client()
    canned.meta.events.unregister("before-send", unique_id=HANDLER_ID)
    canned.meta.events.register("before-send", record, unique_id=HANDLER_ID)
    canned.test_state(**params)
    status, headers, body = answered[0].status_code, list(answered[0].headers.items()), answered[0].content

    def fixed(request: Any, **_: Any) -> AWSResponse:
        # A new response each call, built as the transport builds it: botocore reads it once.
        return AWSResponse(request.url, status, headers, ResponseBody(body))

    canned.meta.events.unregister("before-send", unique_id=HANDLER_ID)
    canned.meta.events.register("before-send", fixed, unique_id=HANDLER_ID)
    return (lambda: inprocess.test_state(**params)), (lambda: canned.test_state(**params))


def _batch_size(call: Callable[[], Any]) -> int:
    number = 1
    while True:
        started = time.perf_counter()
        for _ in range(number):
            call()
        if time.perf_counter() - started >= BATCH_SECONDS or number >= 100_000:
            return number
        number *= 2


def _per_call_us(call: Callable[[], Any], number: int) -> float:
    started = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - started) / number * 1e6


def measure(scenario: Scenario, *, rounds: int) -> ClientRow:
    """Time both clients on `scenario` in alternation, `rounds` rounds."""
    with _quiet_stderr():
        try:
            inprocess, canned = _clients(scenario)
        except Exception as error:
            return ClientRow(
                scenario.name, 0.0, 0.0, 0.0, 0.0, 0, 0, error=f"{type(error).__name__}: {error}"
            )
        number = _batch_size(canned)
        _per_call_us(inprocess, number)  # warm-up
        inprocess_times: list[float] = []
        canned_times: list[float] = []
        ratios: list[float] = []
        for _ in range(rounds):
            floor = _per_call_us(canned, number)
            ours = _per_call_us(inprocess, number)
            canned_times.append(floor)
            inprocess_times.append(ours)
            ratios.append(ours / floor)
    return ClientRow(
        scenario=scenario.name,
        inprocess_us=statistics.median(inprocess_times),
        canned_us=statistics.median(canned_times),
        app_us=statistics.median(
            ours - floor for ours, floor in zip(inprocess_times, canned_times, strict=True)
        ),
        ratio=statistics.median(ratios),
        rounds=rounds,
        calls_per_batch=number,
    )


def run(scenarios: Sequence[Scenario] | None = None, *, rounds: int = DEFAULT_ROUNDS) -> list[ClientRow]:
    """The figures of the in-process client: the minimal Pass, then one row per Pass scenario of
    `scenarios` (all of the bench's by default)."""
    chosen = [s for s in (scenarios if scenarios is not None else all_scenarios()) if s.group is Group.PASS]
    return [measure(scenario, rounds=rounds) for scenario in (MINIMAL_PASS, *chosen)]


def targets(rows: Sequence[ClientRow]) -> dict[str, bool | None]:
    """For each target scenario: is it within `RATIO_LIMIT` of the floor (None: not measured)?"""
    measured = {row.scenario: row.ratio <= RATIO_LIMIT for row in rows if row.error is None}
    return {name: measured.get(name) for name in TARGET_SCENARIOS}


def render(rows: Sequence[ClientRow]) -> str:
    """The section of the bench's report."""
    lines = [
        "boto3 in process (teststate.toolkit.client) vs botocore with a canned answer (per call, us)",
        f"  {'scenario':<26} {'in proc':>9} {'canned':>9} {'app':>9} {'x canned':>9}",
    ]
    for row in rows:
        if row.error is not None:
            lines.append(f"  {row.scenario:<26} ERROR {row.error}")
            continue
        lines.append(
            f"  {row.scenario:<26} {row.inprocess_us:9.1f} {row.canned_us:9.1f} {row.app_us:9.1f} "
            f"{row.ratio:8.2f}x"
        )
    words = {True: "met", False: "MISSED", None: "not measured"}
    verdicts = ", ".join(f"{name} {words[met]}" for name, met in targets(rows).items())
    lines.append(f"  target (issue 13): a Pass call within {RATIO_LIMIT}x of canned: {verdicts}")
    return "\n".join(lines)


def to_json(rows: Sequence[ClientRow]) -> dict[str, Any]:
    """The figures as plain JSON values."""
    return {
        "rows": [asdict(row) for row in rows],
        "targets": {"limit_x_canned": RATIO_LIMIT, "met": targets(rows)},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print the section (and write ``--json``)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.inprocess_client", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scenarios", default=None, metavar="SUBSTR")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--json", default=None, metavar="FILE")
    args = parser.parse_args(argv)
    rows = run(all_scenarios(args.scenarios), rounds=args.rounds)
    print(render(rows), file=sys.stderr if args.json == "-" else sys.stdout)
    if args.json is not None:
        text = json.dumps(to_json(rows), indent=2) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            with open(args.json, "w") as out:
                out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
