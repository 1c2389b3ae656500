"""The soak's executions: state machines to run, the calls clients make, and the final audit.

Each client keeps the executions it started (the last `KEEP`) and, beside its TestState calls,
starts executions of a few small state machines (`MACHINES`: a Pass chain with a Choice, an
inline Map, a Fail, a virtual-clock Wait, a task-token wait), describes them, reads their
histories (a page, forwards or backwards), lists a machine's executions, answers task tokens,
stops executions (the token waits, which run until answered or stopped), runs an EXPRESS machine
with StartSyncExecution, and asks about executions that do not exist. Every answer must be the
one AWS gives (`Action.expected`).

After the load, `audit` waits for every started execution to end (the token waits are stopped),
then checks histories: ids 1..n, previousEventId pointing back, one start, exactly one terminal
event, last; so no event was lost or repeated while the runners drove thousands of executions
under load.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

ROLE: Final = "arn:aws:iam::123456789012:role/soak"
PREFIX: Final = "AWSStepFunctions."
# Executions a client remembers (to describe, read, stop); older ones are audited, not called.
KEEP: Final = 32
TERMINAL: Final = frozenset(
    {"ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"}
)

MACHINES: Final[Mapping[str, dict[str, Any]]] = {
    "soak-chain": {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "B"},
            "B": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {"Type": "Pass", "Result": "big", "End": True},
            "Small": {"Type": "Pass", "Result": "small", "End": True},
        },
    },
    "soak-map": {
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Items": "{% [1..20] %}",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Double",
                    "States": {"Double": {"Type": "Pass", "Output": "{% $states.input * 2 %}", "End": True}},
                },
                "Output": "{% $sum($states.result) %}",
                "End": True,
            }
        },
    },
    "soak-fail": {
        "StartAt": "F",
        "States": {"F": {"Type": "Fail", "Error": "Soak.Failure", "Cause": "on purpose"}},
    },
    "soak-wait": {
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 3600, "Next": "D"}, "D": {"Type": "Succeed"}},
    },
    "soak-token": {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "https://sqs/q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "End": True,
            }
        },
    },
}
EXPRESS_MACHINE: Final = "soak-express"
# How each machine ends (the token waits: answered or stopped).
ENDS: Final[Mapping[str, frozenset[str]]] = {
    "soak-chain": frozenset({"SUCCEEDED"}),
    "soak-map": frozenset({"SUCCEEDED"}),
    "soak-fail": frozenset({"FAILED"}),
    "soak-wait": frozenset({"SUCCEEDED"}),
    "soak-token": frozenset({"SUCCEEDED", "ABORTED"}),
}


# --------------------------------------------------------------------------------------------
# Calls
# --------------------------------------------------------------------------------------------
def call(host: str, port: int, operation: str, body: Mapping[str, Any], timeout: float) -> tuple[int, Any]:
    """One API call on a new connection (as the TestState mix sends them): status and JSON answer.

    Raises:
        OSError, http.client.HTTPException: the connection failed.
    """
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(
            "POST",
            "/",
            body=json.dumps(body).encode(),
            headers={
                "X-Amz-Target": PREFIX + operation,
                "Content-Type": "application/x-amz-json-1.0",
                "Connection": "close",
            },
        )
        answer = connection.getresponse()
        data = answer.read()
    finally:
        connection.close()
    try:
        return answer.status, json.loads(data)
    except ValueError:
        return answer.status, None


def outcome(status: int, payload: Any, detail: str = "OK") -> str:
    """``200 <detail>`` or ``<status> <__type>``, as the report counts answers."""
    if status == 200:
        return f"200 {detail}"
    kind = payload.get("__type", "?") if isinstance(payload, dict) else "<not JSON>"
    return f"{status} {str(kind).rpartition('#')[2]}"


def setup(host: str, port: int, timeout: float) -> dict[str, str]:
    """Create the soak's state machines; their ARNs by name.

    Raises:
        RuntimeError: the server refused one.
    """
    arns = {}
    for name, definition in {**MACHINES, EXPRESS_MACHINE: MACHINES["soak-chain"]}.items():
        body = {"name": name, "definition": json.dumps(definition), "roleArn": ROLE}
        if name == EXPRESS_MACHINE:
            body["type"] = "EXPRESS"
        status, payload = call(host, port, "CreateStateMachine", body, timeout)
        if status != 200:
            raise RuntimeError(f"CreateStateMachine {name}: {status} {payload}")
        arns[name] = str(payload["stateMachineArn"])
    return arns


# --------------------------------------------------------------------------------------------
# A client's executions and actions
# --------------------------------------------------------------------------------------------
@dataclass
class Started:
    """Every execution the clients started (shared, under a lock), for the audit."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    arns: dict[str, str] = field(default_factory=dict)  # execution ARN -> machine name
    answered: set[str] = field(default_factory=set)  # token waits answered or stopped

    def add(self, arn: str, machine: str) -> None:
        with self.lock:
            self.arns[arn] = machine


@dataclass
class ClientState:
    """One client's view: the machines, its recent executions, its random source."""

    machines: dict[str, str]
    started: Started
    chooser: random.Random
    recent: list[tuple[str, str]] = field(default_factory=list)  # (arn, machine)
    tokens: list[str] = field(default_factory=list)  # its token waits not yet answered or stopped
    serial: int = 0

    def remember(self, arn: str, machine: str) -> None:
        self.recent.append((arn, machine))
        del self.recent[:-KEEP]
        if machine == "soak-token":
            self.tokens.append(arn)
            del self.tokens[:-KEEP]
        self.started.add(arn, machine)


# An action: call the server and return (outcome, expected) pairs, one per call it made.
Calls = list[tuple[str, str]]
Caller = Callable[[str, Mapping[str, Any]], tuple[int, Any]]


@dataclass(frozen=True, slots=True)
class Action:
    """One kind of execution call, its weight in the mix, and what it does."""

    name: str
    weight: int
    run: Callable[[Caller, ClientState], Calls]


def _start(caller: Caller, state: ClientState) -> Calls:
    machine = state.chooser.choice(sorted(MACHINES))
    state.serial += 1
    name = f"c{id(state) % 100000}-{state.serial}-{state.chooser.randrange(10**9)}"
    status, payload = caller(
        "StartExecution",
        {
            "stateMachineArn": state.machines[machine],
            "name": name,
            "input": json.dumps({"n": state.serial % 10}),
        },
    )
    if status == 200:
        state.remember(str(payload["executionArn"]), machine)
    return [(outcome(status, payload), "200 OK")]


def _describe(caller: Caller, state: ClientState) -> Calls:
    if not state.recent:
        return _start(caller, state)
    arn, machine = state.chooser.choice(state.recent)
    status, payload = caller("DescribeExecution", {"executionArn": arn})
    detail = str(payload.get("status")) if status == 200 else ""
    allowed = {"RUNNING", *ENDS[machine]}
    expected = f"200 {detail}" if detail in allowed else "200 " + "|".join(sorted(allowed))
    return [(outcome(status, payload, detail), expected)]


def _history(caller: Caller, state: ClientState) -> Calls:
    if not state.recent:
        return _start(caller, state)
    arn, _ = state.chooser.choice(state.recent)
    reverse = state.chooser.random() < 0.3
    status, payload = caller(
        "GetExecutionHistory", {"executionArn": arn, "maxResults": 50, "reverseOrder": reverse}
    )
    detail = "OK"
    if status == 200:
        ids = [event["id"] for event in payload["events"]]
        if ids != sorted(ids, reverse=reverse) or len(set(ids)) != len(ids):
            detail = "MALFORMED"
    return [(outcome(status, payload, detail), "200 OK")]


def _list(caller: Caller, state: ClientState) -> Calls:
    machine = state.chooser.choice(sorted(MACHINES))
    body: dict[str, Any] = {"stateMachineArn": state.machines[machine], "maxResults": 20}
    if state.chooser.random() < 0.5:
        body["statusFilter"] = "RUNNING"
    status, payload = caller("ListExecutions", body)
    return [(outcome(status, payload), "200 OK")]


def _stop(caller: Caller, state: ClientState) -> Calls:
    if not state.tokens:
        return _start(caller, state)
    arn = state.tokens.pop(state.chooser.randrange(len(state.tokens)))
    state.started.answered.add(arn)
    status, payload = caller("StopExecution", {"executionArn": arn, "error": "Soak.Stop", "cause": "soak"})
    calls = [(outcome(status, payload), "200 OK")]
    status, payload = caller("DescribeExecution", {"executionArn": arn})
    # Stopped within the call (or answered by then): never RUNNING after StopExecution.
    detail = str(payload.get("status")) if status == 200 else ""
    expected = f"200 {detail}" if detail in ("ABORTED", "SUCCEEDED") else "200 ABORTED|SUCCEEDED"
    calls.append((outcome(status, payload, detail), expected))
    return calls


def _answer(caller: Caller, state: ClientState) -> Calls:
    if not state.tokens:
        return _start(caller, state)
    arn = state.tokens[0]
    status, payload = caller("GetExecutionHistory", {"executionArn": arn, "maxResults": 10})
    if status != 200:
        return [(outcome(status, payload), "200 OK")]
    scheduled = [e for e in payload["events"] if e["type"] == "TaskScheduled"]
    if not scheduled:
        return [("200 OK", "200 OK")]  # not run yet: asked again later
    token = json.loads(scheduled[0]["taskScheduledEventDetails"]["parameters"])["MessageBody"]["token"]
    state.tokens.pop(0)
    state.started.answered.add(arn)
    status, payload = caller("SendTaskSuccess", {"taskToken": token, "output": '{"answered": true}'})
    return [(outcome(status, payload), "200 OK")]


def _sync(caller: Caller, state: ClientState) -> Calls:
    status, payload = caller(
        "StartSyncExecution", {"stateMachineArn": state.machines[EXPRESS_MACHINE], "input": '{"n": 7}'}
    )
    detail = str(payload.get("status")) if status == 200 else ""
    return [(outcome(status, payload, detail), "200 SUCCEEDED")]


def _missing(caller: Caller, state: ClientState) -> Calls:
    arn = state.machines["soak-chain"].replace(":stateMachine:", ":execution:") + ":no-such-execution"
    status, payload = caller("DescribeExecution", {"executionArn": arn})
    calls = [(outcome(status, payload), "400 ExecutionDoesNotExist")]
    status, payload = caller("GetExecutionHistory", {"executionArn": "not-an-arn"})
    calls.append((outcome(status, payload), "400 InvalidArn"))
    return calls


ACTIONS: Final = (
    Action("exec-start", 120, _start),
    Action("exec-describe", 120, _describe),
    Action("exec-history", 60, _history),
    Action("exec-list", 20, _list),
    Action("exec-stop", 20, _stop),
    Action("exec-answer-token", 15, _answer),
    Action("exec-start-sync", 15, _sync),
    Action("exec-missing", 5, _missing),
)


# --------------------------------------------------------------------------------------------
# The audit
# --------------------------------------------------------------------------------------------
@dataclass
class Audit:
    """What the audit found."""

    started: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    running_after_load: int = 0
    drain_seconds: float = 0.0
    histories_checked: int = 0
    events_checked: int = 0
    problems: list[str] = field(default_factory=list)


def _well_formed(events: list[dict[str, Any]]) -> str | None:
    ids = [event["id"] for event in events]
    if ids != list(range(1, len(events) + 1)):
        return "ids are not 1..n"
    if any(not 0 <= event["previousEventId"] < event["id"] for event in events):
        return "a previousEventId does not point back"
    types = [event["type"] for event in events]
    if types.count("ExecutionStarted") != 1 or types[0] != "ExecutionStarted":
        return "not exactly one ExecutionStarted, first"
    if [kind for kind in types if kind in TERMINAL] != [types[-1]]:
        return "not exactly one terminal event, last"
    return None


def _pages(
    caller: Caller, operation: str, body: Mapping[str, Any], member: str, result: Audit, what: str
) -> list[dict[str, Any]]:
    """Every item of `member` over the pages of `operation` (nextToken); a refused page is a problem
    in `result` (about `what`), and the items read so far are returned."""
    items: list[dict[str, Any]] = []
    token = None
    while True:
        status, payload = caller(operation, {**body, "nextToken": token} if token else body)
        if status != 200:
            result.problems.append(f"{operation} {what}: {outcome(status, payload)}")
            return items
        items += payload[member]
        token = payload.get("nextToken")
        if not token:
            return items


def _statuses(
    caller: Caller, machines: Mapping[str, str], result: Audit, status: str | None = None
) -> dict[str, str]:
    """Every execution of the soak's machines (with `status` only, when given) and its status,
    read from ListExecutions pages (a DescribeExecution each would take minutes after a long soak)."""
    found: dict[str, str] = {}
    for machine in MACHINES:
        body: dict[str, Any] = {"stateMachineArn": machines[machine], "maxResults": 1000}
        if status is not None:
            body["statusFilter"] = status
        executions = _pages(caller, "ListExecutions", body, "executions", result, machine)
        found.update((item["executionArn"], item["status"]) for item in executions)
    return found


def audit(
    caller: Caller,
    machines: Mapping[str, str],
    started: Started,
    *,
    drain_timeout: float,
    sample: int,
    seed: int = 0,
) -> Audit:
    """Stop the token waits nobody answered, wait (up to `drain_timeout`) for every execution to
    end, check each ended as its machine does, and check the histories of up to `sample` of them."""
    result = Audit(started=len(started.arns))
    began = time.monotonic()
    running = _statuses(caller, machines, result, "RUNNING")
    result.running_after_load = len(running)
    for arn in running:
        if started.arns.get(arn) == "soak-token" and arn not in started.answered:
            code, payload = caller("StopExecution", {"executionArn": arn})
            if code != 200:
                result.problems.append(f"StopExecution {arn}: {outcome(code, payload)}")
    while running:
        if time.monotonic() - began > drain_timeout:
            result.problems.append(
                f"{len(running)} executions still RUNNING {drain_timeout:.0f} s after the load"
            )
            break
        time.sleep(0.5)
        running = _statuses(caller, machines, result, "RUNNING")
    result.drain_seconds = time.monotonic() - began
    statuses = _statuses(caller, machines, result)
    missing = set(started.arns) - set(statuses)
    if missing:
        result.problems.append(f"{len(missing)} started executions are not listed, e.g. {sorted(missing)[0]}")
    statuses = {arn: status for arn, status in statuses.items() if arn in started.arns}
    for arn, ended in statuses.items():
        result.by_status[ended] = result.by_status.get(ended, 0) + 1
        if ended not in ENDS[started.arns[arn]]:
            result.problems.append(f"{started.arns[arn]} execution ended {ended}: {arn}")
    chosen = sorted(statuses)
    random.Random(seed).shuffle(chosen)
    for arn in chosen[:sample]:
        events = _pages(
            caller, "GetExecutionHistory", {"executionArn": arn, "maxResults": 1000}, "events", result, arn
        )
        problem = _well_formed(events)
        if problem is not None:
            result.problems.append(f"history of {arn}: {problem}")
        result.histories_checked += 1
        result.events_checked += len(events)
    return result
