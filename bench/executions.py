"""Execution scenarios (issue 12), measured against the same real server as the TestState figures.

Three measurements, each reported against boto3's TestState latency of the same run
(`bench.sdk.run_sdk`):

a. ``machine-20-sync``: the 20-state machine of `bench.scenarios.machine_definition` as an EXPRESS
   state machine, run through StartSyncExecution with a test case of the mock configuration file
   (``stateMachineArn#Bench``): p50/p90/p99 of N calls; target: p50 within 3x one TestState call.
   AWS refuses ``.waitForTaskToken`` in an EXPRESS state machine (corpus case
   api/test_sfn_api_express/test_illegal_callbacks__WAIT_FOR_TASK_TOKEN), so its Review Task is the
   request-response ``sqs:sendMessage`` here, mocked like every other Task; the Price mock returns a
   total over 1000 so that Review runs: 16 of the 20 states are entered. The Wait of an hour costs
   nothing: the server's default clock is virtual.
b. ``map-inline-<N>``: an inline Map over N items (10,000 in a full run) through StartExecution,
   DescribeExecution polled until it is no longer RUNNING, then GetExecutionHistory paged to the end
   (1,000 events a page, the API's maximum); start-to-SUCCEEDED and start-to-full-history times and
   the event count; target: full history under 2 s. The history is paged a second time over plain
   HTTP (``json.loads``, no boto3), to show how much of the paging is boto3's own parsing. The same execution also runs in this process
   through the engine alone (`interpreter.execution.run_execution`), so the report separates the
   engine's cost from the service's.
c. ``start-while-running``: StartExecution of a one-state machine while Map executions of (b) run
   (another is started whenever none is running; a call counts only when DescribeExecution said
   RUNNING just before it): p50/p99; target: p50 within 2x one TestState call.

The mock configuration (`mock_config`) must be in the server's environment before it starts
(``TESTSTATE_MOCK_CONFIG``): `bench.__main__` writes it with `write_mock_config` first. A part that
fails records its error (the answer's code and message) instead of figures; the run goes on.
"""

from __future__ import annotations

import http.client
import json
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from bench.report import Target
from bench.scenarios import ORDER, machine_definition, text

__all__ = [
    "ExecutionRun",
    "ExecutionSettings",
    "Latency",
    "MapRun",
    "StartWhileRunning",
    "mock_config",
    "run_executions",
    "write_mock_config",
]

REGION: Final = "us-east-1"
ROLE_ARN: Final = "arn:aws:iam::123456789012:role/bench"
SYNC_MACHINE: Final = "bench-machine-20"
MAP_MACHINE: Final = "bench-map-inline"
SMALL_MACHINE: Final = "bench-small"
TEST_CASE: Final = "Bench"
HISTORY_PAGE: Final = 1000  # GetExecutionHistory's maxResults bound (botocore model)
POLL_SECONDS: Final = 0.002
SYNC_LIMIT_X: Final = 3.0
MAP_LIMIT_S: Final = 2.0
MAP_TARGET_ITEMS: Final = 10_000
START_LIMIT_X: Final = 2.0
EXECUTION_TIMEOUT_S: Final = 120.0


# --------------------------------------------------------------------------------------------
# Definitions and the mock configuration
# --------------------------------------------------------------------------------------------
def express_machine_definition() -> dict[str, Any]:
    """`machine_definition` as an EXPRESS machine may be: Review is a request-response Task."""
    document = machine_definition()
    review = document["States"]["Review"]
    review["Resource"] = review["Resource"].removesuffix(".waitForTaskToken")
    # No task token outside a callback Task: $$.Task.Token would fail with States.Runtime.
    review["Parameters"]["MessageBody"] = {"id.$": "$.enriched.id", "order.$": "$.enriched"}
    return document


def map_definition() -> dict[str, Any]:
    """An inline Map over ``$.items`` whose iterations run one Pass state."""
    return {
        "Comment": "bench: inline Map",
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Work",
                    "States": {"Work": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }


def small_definition() -> dict[str, Any]:
    """One Pass state: StartExecution's own cost, not the execution's."""
    return {"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}}


def map_input(items: int) -> str:
    """The Map execution's input: ``{"items": [0, 1, ..., items - 1]}`` (about 50 KB at 10,000)."""
    return text({"items": list(range(items))})


def mock_config() -> dict[str, Any]:
    """The mock configuration file (AWS Step Functions Local format) the server is started with:
    test case ``Bench`` of the 20-state machine mocks each of its Tasks (one invocation each)."""
    responses = {
        "PriceOk": {"StatusCode": 200, "Payload": {"total": 1250.0}},
        "ReviewOk": {"MessageId": "m-review", "MD5OfMessageBody": "0" * 32, "approved": True},
        "ReserveOk": {},
        "ChargeOk": {"StatusCode": 200, "Payload": {"charged": True, "approved": True}},
        "ShipOk": {"Entries": [{"EventId": "e-1"}], "FailedEntryCount": 0},
        "NotifyOk": {"MessageId": "m-notify"},
        "RefundOk": {"StatusCode": 200, "Payload": {"refunded": True}},
    }
    case = {
        state: f"{state}Ok" for state in ("Price", "Review", "Reserve", "Charge", "Ship", "Notify", "Refund")
    }
    return {
        "StateMachines": {SYNC_MACHINE: {"TestCases": {TEST_CASE: case}}},
        "MockedResponses": {name: {"0": {"Return": value}} for name, value in responses.items()},
    }


def write_mock_config(directory: Path) -> Path:
    """Write `mock_config` to a file in `directory`; its path goes in ``TESTSTATE_MOCK_CONFIG``."""
    path = directory / "bench-mock-config.json"
    path.write_text(json.dumps(mock_config(), indent=2) + "\n")
    return path


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ExecutionSettings:
    """Counts of one run (`quick`: the smoke test's; `full`: ``make bench``'s)."""

    sync_calls: int
    sync_warmup: int
    map_items: int
    engine_runs: int
    start_calls: int
    background: int
    start_window_s: float

    @classmethod
    def quick(cls) -> ExecutionSettings:
        return cls(
            sync_calls=20,
            sync_warmup=3,
            map_items=500,
            engine_runs=1,
            start_calls=20,
            background=1,
            start_window_s=5.0,
        )

    @classmethod
    def full(cls) -> ExecutionSettings:
        return cls(
            sync_calls=300,
            sync_warmup=20,
            map_items=MAP_TARGET_ITEMS,
            engine_runs=3,
            start_calls=200,
            background=2,
            start_window_s=60.0,
        )


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


@dataclass(frozen=True, slots=True)
class Latency:
    """Latencies of one kind of call, milliseconds."""

    calls: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float

    @classmethod
    def of(cls, samples_ms: list[float]) -> Latency:
        ordered = sorted(samples_ms)
        return cls(
            calls=len(ordered),
            p50_ms=_percentile(ordered, 0.50),
            p90_ms=_percentile(ordered, 0.90),
            p99_ms=_percentile(ordered, 0.99),
            mean_ms=statistics.fmean(ordered),
            max_ms=ordered[-1],
        )


@dataclass(frozen=True, slots=True)
class MapRun:
    """The inline Map execution through the service, and the same execution in the engine alone."""

    items: int
    status: str
    to_done_s: float
    to_history_s: float
    history_s: float
    pages: int
    events: int
    raw_history_s: float
    engine_s: float | None
    engine_events: int | None
    engine_error: str | None = None


@dataclass(frozen=True, slots=True)
class StartWhileRunning:
    """StartExecution latency while a Map execution ran (`background` Map executions were
    started), and with nothing running (`idle`, the same number of calls first)."""

    latency: Latency
    idle: Latency
    background: int
    attempts: int


@dataclass(frozen=True, slots=True)
class ExecutionRun:
    """The three measurements (None where that part failed: its error is in `errors`)."""

    settings: ExecutionSettings
    sync: Latency | None = None
    map_run: MapRun | None = None
    start: StartWhileRunning | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def targets(self, teststate_p50_ms: float | None) -> list[Target]:
        """Issue 12's targets, with this run's values (None: not measured)."""

        def ratio(value: float | None) -> float | None:
            if value is None or not teststate_p50_ms:
                return None
            return value / teststate_p50_ms

        full_map = self.map_run is not None and self.map_run.items == MAP_TARGET_ITEMS
        succeeded = self.map_run is not None and self.map_run.status == "SUCCEEDED"
        return [
            Target(
                "StartSyncExecution p50",
                "machine-20-sync",
                SYNC_LIMIT_X,
                "x TestState",
                ratio(self.sync.p50_ms if self.sync else None),
                issue=12,
            ),
            Target(
                "start to full history",
                f"map-inline-{MAP_TARGET_ITEMS}",
                MAP_LIMIT_S,
                "s",
                self.map_run.to_history_s if self.map_run is not None and full_map and succeeded else None,
                issue=12,
            ),
            Target(
                "StartExecution p50 busy",
                "start-while-running",
                START_LIMIT_X,
                "x TestState",
                ratio(self.start.latency.p50_ms if self.start else None),
                issue=12,
            ),
        ]

    def render(self, teststate_p50_ms: float | None) -> str:
        """The section of the bench's report (targets are rendered with the others)."""

        def x(value: float) -> str:
            return f"{value / teststate_p50_ms:.2f}x" if teststate_p50_ms else "-"

        base = f"{teststate_p50_ms:.3f} ms" if teststate_p50_ms else "not measured"
        lines = [f"Executions (issue 12; ratios to boto3's TestState p50 of this run, {base})"]
        if self.sync is not None:
            s = self.sync
            lines.append(
                f"  machine-20-sync      StartSyncExecution x{s.calls}: p50 {s.p50_ms:.2f} ms ({x(s.p50_ms)}), "
                f"p90 {s.p90_ms:.2f} ms ({x(s.p90_ms)}), p99 {s.p99_ms:.2f} ms ({x(s.p99_ms)})"
            )
        if self.map_run is not None:
            m = self.map_run
            engine = (
                f"{m.engine_s * 1000:.0f} ms, {m.engine_events} events"
                if m.engine_s is not None
                else f"ERROR {m.engine_error}"
            )
            lines.append(
                f"  map-inline-{m.items:<9} {m.status}: start->done {m.to_done_s * 1000:.0f} ms, "
                f"start->full history {m.to_history_s * 1000:.0f} ms ({m.events} events, {m.pages} pages, "
                f"paging {m.history_s * 1000:.0f} ms, {m.raw_history_s * 1000:.0f} ms of it without boto3); "
                f"engine alone {engine}"
            )
        if self.start is not None:
            s, idle = self.start.latency, self.start.idle
            lines.append(
                f"  start-while-running  StartExecution x{s.calls} while a Map execution ran "
                f"({self.start.background} started): p50 {s.p50_ms:.2f} ms ({x(s.p50_ms)}), "
                f"p99 {s.p99_ms:.2f} ms ({x(s.p99_ms)}); with nothing running: p50 {idle.p50_ms:.2f} ms "
                f"({x(idle.p50_ms)}), p99 {idle.p99_ms:.2f} ms ({x(idle.p99_ms)})"
            )
        lines += [f"  {part:<20} ERROR {error}" for part, error in self.errors.items()]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "settings": asdict(self.settings),
            "sync": asdict(self.sync) if self.sync else None,
            "map": asdict(self.map_run) if self.map_run else None,
            "start_while_running": asdict(self.start) if self.start else None,
            "errors": dict(self.errors),
        }


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------
class BenchFailure(RuntimeError):
    """A part of the run could not be measured (an answer not as expected)."""


def _client(host: str, port: int) -> Any:
    """boto3 as `bench.sdk` makes it: no host prefix, no retries, dummy credentials."""
    import boto3
    from botocore.config import Config

    shown = f"[{host}]" if ":" in host else host
    return boto3.client(
        "stepfunctions",
        region_name=REGION,
        endpoint_url=f"http://{shown}:{port}",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(
            inject_host_prefix=False, retries={"max_attempts": 0}, read_timeout=EXECUTION_TIMEOUT_S
        ),
    )


def _described(error: Exception) -> str:
    """An exception as the report shows it (an API error: its code and message)."""
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        detail = response.get("Error", {})
        return f"{detail.get('Code')}: {detail.get('Message')}"
    return f"{type(error).__name__}: {error}"


@contextmanager
def _part(errors: dict[str, str], name: str) -> Iterator[None]:
    """Record any failure of one part under `name` and go on with the next part."""
    try:
        yield
    except Exception as error:  # a benchmark reports what went wrong instead of stopping
        errors[name] = _described(error)


def _create(client: Any, name: str, definition: Mapping[str, Any], kind: str) -> str:
    answer = client.create_state_machine(name=name, definition=text(definition), roleArn=ROLE_ARN, type=kind)
    return str(answer["stateMachineArn"])


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _sync(client: Any, arn: str, settings: ExecutionSettings) -> Latency:
    request = {"stateMachineArn": f"{arn}#{TEST_CASE}", "input": text(ORDER)}
    first = client.start_sync_execution(**request)
    if first["status"] != "SUCCEEDED":
        raise BenchFailure(f"status {first['status']}: {first.get('error')} {first.get('cause')}")
    for _ in range(settings.sync_warmup):
        client.start_sync_execution(**request)
    samples = []
    for _ in range(settings.sync_calls):
        started = time.perf_counter()
        status = client.start_sync_execution(**request)["status"]
        samples.append(_ms_since(started))
        if status != "SUCCEEDED":
            raise BenchFailure(f"a timed call answered status {status}")
    return Latency.of(samples)


def _wait_done(client: Any, execution_arn: str) -> str:
    """Poll DescribeExecution until the execution is no longer RUNNING; its status."""
    deadline = time.monotonic() + EXECUTION_TIMEOUT_S
    while True:
        status = str(client.describe_execution(executionArn=execution_arn)["status"])
        if status != "RUNNING":
            return status
        if time.monotonic() > deadline:
            raise BenchFailure(f"{execution_arn} still RUNNING after {EXECUTION_TIMEOUT_S:.0f} s")
        time.sleep(POLL_SECONDS)


def _full_history(client: Any, execution_arn: str) -> tuple[int, int]:
    """Page GetExecutionHistory to the end: (events, pages)."""
    events, pages, token = 0, 0, None
    while True:
        request: dict[str, Any] = {"executionArn": execution_arn, "maxResults": HISTORY_PAGE}
        if token:
            request["nextToken"] = token
        page = client.get_execution_history(**request)
        pages += 1
        events += len(page["events"])
        token = page.get("nextToken")
        if not token:
            return events, pages


def _raw_history(host: str, port: int, execution_arn: str) -> float:
    """Seconds to page the history again over plain HTTP with ``json.loads`` (boto3's own parsing
    of 40,000 events, timestamps included, is a large part of its figure)."""
    connection = http.client.HTTPConnection(host, port, timeout=EXECUTION_TIMEOUT_S)
    started, token = time.perf_counter(), None
    try:
        while True:
            body: dict[str, Any] = {"executionArn": execution_arn, "maxResults": HISTORY_PAGE}
            if token:
                body["nextToken"] = token
            connection.request(
                "POST",
                "/",
                body=text(body),
                headers={
                    "X-Amz-Target": "AWSStepFunctions.GetExecutionHistory",
                    "Content-Type": "application/x-amz-json-1.0",
                },
            )
            answer = connection.getresponse()
            page = json.loads(answer.read())
            if answer.status != 200:
                raise BenchFailure(f"GetExecutionHistory answered HTTP {answer.status}: {page}")
            token = page.get("nextToken")
            if not token:
                return time.perf_counter() - started
    finally:
        connection.close()


def _engine_alone(definition: str, input_text: str, runs: int) -> tuple[float, int]:
    """The Map execution in this process through the engine: (median seconds, events)."""
    from interpreter.execution import ExecutionStart, Finished, HistoryEvent, run_execution

    machine_arn = f"arn:aws:states:{REGION}:123456789012:stateMachine:{MAP_MACHINE}"
    times, count = [], 0
    for index in range(runs):
        start = ExecutionStart(
            definition=definition,
            input_text=input_text,
            execution_arn=f"arn:aws:states:{REGION}:123456789012:execution:{MAP_MACHINE}:engine-{index}",
            execution_name=f"engine-{index}",
            state_machine_arn=machine_arn,
            state_machine_name=MAP_MACHINE,
            role_arn=ROLE_ARN,
            start_time=datetime.now(UTC),
        )
        started = time.perf_counter()
        steps = list(run_execution(start))
        times.append(time.perf_counter() - started)
        count = sum(isinstance(step, HistoryEvent) for step in steps)
        end = steps[-1] if steps else None
        if not isinstance(end, Finished) or end.status != "SUCCEEDED":
            raise BenchFailure(f"the engine ended with {end!r}")
    return statistics.median(times), count


def _map_run(client: Any, address: tuple[str, int], arn: str, settings: ExecutionSettings) -> MapRun:
    definition, input_text = text(map_definition()), map_input(settings.map_items)
    started = time.perf_counter()
    execution = client.start_execution(stateMachineArn=arn, name="map-measured", input=input_text)
    status = _wait_done(client, execution["executionArn"])
    done = time.perf_counter()
    events, pages = _full_history(client, execution["executionArn"])
    finished = time.perf_counter()
    raw_history_s = _raw_history(*address, execution["executionArn"])
    engine_s: float | None = None
    engine_events: int | None = None
    engine_error = None
    try:
        engine_s, engine_events = _engine_alone(definition, input_text, settings.engine_runs)
    except Exception as error:  # the service's figures stand without the engine's
        engine_error = _described(error)
    return MapRun(
        items=settings.map_items,
        status=status,
        to_done_s=done - started,
        to_history_s=finished - started,
        history_s=finished - done,
        raw_history_s=raw_history_s,
        pages=pages,
        events=events,
        engine_s=engine_s,
        engine_events=engine_events,
        engine_error=engine_error,
    )


def _start_while_running(
    client: Any, small_arn: str, map_arn: str, settings: ExecutionSettings
) -> StartWhileRunning:
    input_text = map_input(settings.map_items)
    running: list[str] = []
    started_count = 0
    samples: list[float] = []
    attempts = 0
    idle: list[float] = []
    for index in range(settings.start_calls):
        begin = time.perf_counter()
        client.start_execution(stateMachineArn=small_arn, name=f"idle-{index}", input="{}")
        idle.append(_ms_since(begin))
    deadline = time.monotonic() + settings.start_window_s

    def start_background() -> None:
        nonlocal started_count
        started_count += 1
        answer = client.start_execution(
            stateMachineArn=map_arn, name=f"map-bg-{started_count}", input=input_text
        )
        running.append(str(answer["executionArn"]))

    while len(samples) < settings.start_calls and time.monotonic() < deadline:
        running[:] = [
            arn for arn in running if client.describe_execution(executionArn=arn)["status"] == "RUNNING"
        ]
        if not running:
            for _ in range(settings.background):
                start_background()
            continue  # measure only once DescribeExecution has said RUNNING
        attempts += 1
        begin = time.perf_counter()
        client.start_execution(stateMachineArn=small_arn, name=f"small-{attempts}", input="{}")
        samples.append(_ms_since(begin))
    if not samples:
        raise BenchFailure("no StartExecution call could be timed while a Map execution ran")
    for arn in running:  # leave the server idle for whatever is measured next
        _wait_done(client, arn)
    return StartWhileRunning(
        latency=Latency.of(samples), idle=Latency.of(idle), background=started_count, attempts=attempts
    )


def run_executions(host: str, port: int, settings: ExecutionSettings) -> ExecutionRun:
    """Create the state machines on the server at ``host:port`` (started with `write_mock_config`'s
    file in ``TESTSTATE_MOCK_CONFIG``) and measure (a), (b) and (c); see the module docstring."""
    client = _client(host, port)
    errors: dict[str, str] = {}
    sync: Latency | None = None
    map_run: MapRun | None = None
    start: StartWhileRunning | None = None
    arns: dict[str, str] = {}

    def measure(part: str, needs: tuple[str, ...], body: Callable[[], None]) -> None:
        if all(name in arns for name in needs):
            with _part(errors, part):
                body()

    with _part(errors, "machine-20-sync"):
        arns[SYNC_MACHINE] = _create(client, SYNC_MACHINE, express_machine_definition(), "EXPRESS")
    with _part(errors, "map-inline"):
        arns[MAP_MACHINE] = _create(client, MAP_MACHINE, map_definition(), "STANDARD")
    with _part(errors, "start-while-running"):
        arns[SMALL_MACHINE] = _create(client, SMALL_MACHINE, small_definition(), "STANDARD")

    def do_sync() -> None:
        nonlocal sync
        sync = _sync(client, arns[SYNC_MACHINE], settings)

    def do_map() -> None:
        nonlocal map_run
        map_run = _map_run(client, (host, port), arns[MAP_MACHINE], settings)

    def do_start() -> None:
        nonlocal start
        start = _start_while_running(client, arns[SMALL_MACHINE], arns[MAP_MACHINE], settings)

    measure("machine-20-sync", (SYNC_MACHINE,), do_sync)
    measure("map-inline", (MAP_MACHINE,), do_map)
    measure("start-while-running", (SMALL_MACHINE, MAP_MACHINE), do_start)
    client.close()
    return ExecutionRun(settings=settings, sync=sync, map_run=map_run, start=start, errors=errors)
