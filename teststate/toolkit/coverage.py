"""Coverage of state machines from TestState calls and executions: the recorder and the terminal summary.

A `CoverageRecorder` is attached to a boto3/botocore Step Functions client
(``recorder.attach(client)``) and records every TestState call and every execution the client
makes, whatever the endpoint: the app in process, the local server, AWS itself. It hooks
botocore's event system: ``before-parameter-build.sfn.<Operation>`` keeps the request,
``after-call.sfn.<Operation>`` reads the parsed answer (``sfn`` is the Step Functions service id,
hyphenized, as botocore names its events). Refused calls (4xx) are not recorded.

Executions. CreateStateMachine, UpdateStateMachine and DescribeStateMachine tell a machine's
definition; StartExecution's answer names an execution to read. Once it has ended (the test's
DescribeExecution answers a closed status, or `CoverageRecorder.data` finds it ended) the
recorder reads, through the same client and without recording its own calls, the definition it
ran (DescribeStateMachineForExecution) and its whole history (GetExecutionHistory, every page),
and `teststate.toolkit.coverage_history` says what it covered. An execution that cannot be read
(still running, EXPRESS: no history is kept, an endpoint gone) is listed as not read, never an
error. Its coverage is merged with the TestState calls' of the same definition text.

TestState calls. What a call covered is derived from the request and the answer alone, so it
holds for any endpoint (`teststate.toolkit.coverage_calls`). The data is written to and read
from JSON by `teststate.toolkit.coverage_json`.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from teststate.toolkit.coverage_calls import blank_coverage, observe_test_state
from teststate.toolkit.coverage_history import observe_history
from teststate.toolkit.coverage_model import (
    Category,
    CoverageData,
    CoverageError,
    DefinitionCoverage,
    Observed,
    UnreadExecution,
    describe,
    quote_name,
)

__all__ = [
    "CoverageRecorder",
    "summary_lines",
    "terminal_summary",
]


OPERATION: Final = "TestState"
SERVICE_NAME: Final = "stepfunctions"
"""botocore's name for the Step Functions service model (``boto3.client("stepfunctions")``)."""


# ---------------------------------------------------------------------------------------------
# The recorder


class CoverageRecorder:
    """Accumulates the coverage of every run it is told of; safe to share between threads.

    Example::

        recorder = CoverageRecorder()
        recorder.attach(sfn)          # a boto3 Step Functions client
        sfn.test_state(definition=..., stateName="Route", input='{"kind": "small"}')
        print(terminal_summary(recorder.data()))
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._definitions: dict[str, DefinitionCoverage] = {}
        self._machines: dict[str, str] = {}
        self._express: set[str] = set()
        self._pending: dict[str, _Pending] = {}
        self._unread: dict[str, UnreadExecution] = {}
        # Set while the recorder calls a client itself (histories): its own calls are not recorded.
        self._reading = threading.local()
        # Where the request waits for its answer: botocore passes the same per-call context dict
        # to both events. Keyed by recorder, so that several recorders can share a client.
        self._context_key = f"teststate-coverage-request-{id(self)}"

    def attach(self, client: Any) -> None:
        """Record every TestState call and execution `client` makes from now on (attaching
        twice is harmless).

        Raises:
            CoverageError: `client` is not a botocore Step Functions client.
        """
        for event, handler, unique_id in self._handlers(client):
            client.meta.events.register(event, handler, unique_id=unique_id)

    def detach(self, client: Any) -> None:
        """Stop recording `client`'s calls (executions it started are still read)."""
        for event, handler, unique_id in self._handlers(client):
            client.meta.events.unregister(event, handler, unique_id=unique_id)

    def _handlers(self, client: Any) -> list[tuple[str, Callable[..., None], str]]:
        meta = getattr(client, "meta", None)
        model = getattr(meta, "service_model", None)
        if model is None or getattr(model, "service_name", None) != SERVICE_NAME:
            raise CoverageError("attach a botocore Step Functions client (boto3.client('stepfunctions'))")
        service_id = model.service_id.hyphenize()
        return [
            (
                f"before-parameter-build.{service_id}.{operation}",
                self._keep_request,
                f"{self._context_key}-request-{operation}",
            )
            for operation in _ANSWER_READERS
        ] + [
            (
                f"after-call.{service_id}.{operation}",
                functools.partial(self._read_answer, client, operation),
                f"{self._context_key}-answer-{operation}",
            )
            for operation in _ANSWER_READERS
        ]

    def _keep_request(self, params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        if not self._is_reading():
            context[self._context_key] = dict(params)

    def _read_answer(
        self,
        client: Any,
        operation: str,
        http_response: Any,
        parsed: Mapping[str, Any],
        context: dict[str, Any],
        **_: Any,
    ) -> None:
        request = context.pop(self._context_key, None)
        if request is not None and http_response.status_code < 300 and not self._is_reading():
            _ANSWER_READERS[operation](self, client, request, parsed)

    def record_test_state(self, request: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
        """Record one TestState call from its request members and its answer (as boto3 parses
        it; an answer that is not a TestState output is ignored)."""
        observation = observe_test_state(request, answer)
        if observation is not None:
            self.observe(observation.definition, observation.observed, single_state=observation.single_state)

    def observe(self, definition: str, observed: Observed, *, single_state: bool = False) -> None:
        """Add what a run of `definition` covered (the entry point for any source of runs)."""
        known = blank_coverage(definition, single_state)
        with self._lock:
            current = self._definitions.get(known.key, known)
            self._definitions[known.key] = DefinitionCoverage(
                current.definition, current.key, current.outline, current.observed.merge(observed)
            )

    # --- executions ----------------------------------------------------------------------------

    def _note_machine(self, client: Any, request: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
        """CreateStateMachine, UpdateStateMachine, DescribeStateMachine: a machine's definition
        (and its type: an EXPRESS machine's executions keep no history)."""
        definition = answer.get("definition", request.get("definition"))
        arns = [
            answer.get("stateMachineArn", request.get("stateMachineArn")),
            answer.get("stateMachineVersionArn"),
        ]
        kind = answer.get("type", request.get("type"))
        with self._lock:
            for arn in arns:
                if isinstance(arn, str) and isinstance(definition, str):
                    self._machines[arn] = definition
                if isinstance(arn, str) and kind == "EXPRESS":
                    self._express.add(arn)

    def _note_started(self, client: Any, request: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
        """StartExecution: an execution to read once it has ended."""
        execution_arn, machine_arn = answer.get("executionArn"), request.get("stateMachineArn")
        if not isinstance(execution_arn, str) or not isinstance(machine_arn, str):
            return
        machine_arn = machine_arn.split("#", 1)[0]  # <arn>#<TestCase> chooses a mock test case
        with self._lock:
            if machine_arn in self._express:
                self._unread[execution_arn] = UnreadExecution(execution_arn, EXPRESS_REASON)
                return
            self._pending[execution_arn] = _Pending(
                client, execution_arn, machine_arn, self._machines.get(machine_arn)
            )

    def _note_sync_started(self, client: Any, request: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
        """StartSyncExecution: EXPRESS only, and an EXPRESS execution keeps no history."""
        execution_arn = answer.get("executionArn")
        if isinstance(execution_arn, str):
            with self._lock:
                self._unread[execution_arn] = UnreadExecution(execution_arn, EXPRESS_REASON)

    def _note_described(self, client: Any, request: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
        """DescribeExecution: an execution seen ended is read now, while its endpoint is there."""
        execution_arn = answer.get("executionArn")
        if answer.get("status") not in ENDED:
            return
        with self._lock:
            pending = self._pending.pop(execution_arn, None) if isinstance(execution_arn, str) else None
        if pending is not None:
            self._read(pending)

    def settle(self, client: Any = None) -> None:
        """Read the history of every execution (of `client`, or of any client) that has ended
        since it started: each is asked DescribeExecution; one still running stays to be read
        later. Never raises: an execution that cannot be asked is reported as not read."""
        with self._lock:
            waiting = [item for item in self._pending.values() if client is None or item.client is client]
        for pending in waiting:
            try:
                with self._quietly():
                    status = pending.client.describe_execution(executionArn=pending.execution_arn).get(
                        "status"
                    )
            except Exception as error:
                self._give_up(pending, f"not read: DescribeExecution failed: {_reason(error)}")
                continue
            if status in ENDED:
                with self._lock:
                    ready = self._pending.pop(pending.execution_arn, None)
                if ready is not None:
                    self._read(ready)

    def _read(self, pending: _Pending) -> None:
        """Read an ended execution's definition and whole history, and record what it covered."""
        try:
            with self._quietly():
                definition = self._definition_of(pending)
                events = self._history(pending)
        except Exception as error:
            self._give_up(pending, f"not read: {_reason(error)}")
            return
        outline = blank_coverage(definition, False).outline
        observed = observe_history(
            definition,
            outline,
            events,
            execution_arn=pending.execution_arn,
            state_machine_arn=pending.machine_arn,
        )
        self.observe(definition, observed)

    def _definition_of(self, pending: _Pending) -> str:
        """The definition the execution ran (DescribeStateMachineForExecution: the machine may
        have been updated since), else the one noted for its machine."""
        try:
            answer = pending.client.describe_state_machine_for_execution(executionArn=pending.execution_arn)
        except Exception:
            if pending.definition is None:
                raise
            return pending.definition
        definition = answer.get("definition")
        if not isinstance(definition, str):
            raise CoverageError("DescribeStateMachineForExecution answered no definition")
        return definition

    def _history(self, pending: _Pending) -> list[Mapping[str, Any]]:
        """Every page of GetExecutionHistory."""
        events: list[Mapping[str, Any]] = []
        token: str | None = None
        while True:
            page = pending.client.get_execution_history(
                executionArn=pending.execution_arn,
                maxResults=HISTORY_PAGE,
                **({"nextToken": token} if token else {}),
            )
            events.extend(page.get("events", []))
            token = page.get("nextToken")
            if not token:
                return events

    def _give_up(self, pending: _Pending, reason: str) -> None:
        with self._lock:
            self._pending.pop(pending.execution_arn, None)
            self._unread[pending.execution_arn] = UnreadExecution(pending.execution_arn, reason)

    def _is_reading(self) -> bool:
        return getattr(self._reading, "depth", 0) > 0

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        self._reading.depth = getattr(self._reading, "depth", 0) + 1
        try:
            yield
        finally:
            self._reading.depth -= 1

    # --- results -------------------------------------------------------------------------------

    def data(self) -> CoverageData:
        """Everything recorded so far; the executions that have ended are read first (`settle`),
        those still running are listed as not read."""
        self.settle()
        with self._lock:
            running = [
                UnreadExecution(arn, "not read: still running when the coverage was taken")
                for arn in self._pending
            ]
            return CoverageData(tuple(self._definitions.values()), (*self._unread.values(), *running))

    def clear(self) -> None:
        """Forget everything recorded (executions still to be read included)."""
        with self._lock:
            self._definitions.clear()
            self._machines.clear()
            self._express.clear()
            self._pending.clear()
            self._unread.clear()


ENDED: Final = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
"""DescribeExecution's statuses of an execution that has ended (ExecutionStatus; PENDING_REDRIVE
is about to run again)."""

HISTORY_PAGE: Final = 1000
"""GetExecutionHistory's largest ``maxResults`` (botocore's model)."""

EXPRESS_REASON: Final = (
    "not read: an EXPRESS execution keeps no history (AWS logs it to CloudWatch Logs only)"
)


@dataclass(frozen=True, slots=True)
class _Pending:
    """An execution started through an attached client, to be read once it has ended."""

    client: Any
    execution_arn: str
    machine_arn: str
    definition: str | None


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]


_AnswerReader = Callable[[CoverageRecorder, Any, Mapping[str, Any], Mapping[str, Any]], None]

_ANSWER_READERS: Final[Mapping[str, _AnswerReader]] = {
    OPERATION: lambda recorder, client, request, answer: recorder.record_test_state(request, answer),
    "CreateStateMachine": CoverageRecorder._note_machine,
    "UpdateStateMachine": CoverageRecorder._note_machine,
    "DescribeStateMachine": CoverageRecorder._note_machine,
    "StartExecution": CoverageRecorder._note_started,
    "StartSyncExecution": CoverageRecorder._note_sync_started,
    "DescribeExecution": CoverageRecorder._note_described,
}
"""What the recorder does with each operation's answer (botocore's operation names)."""


# ---------------------------------------------------------------------------------------------
# Terminal summary


def summary_lines(data: CoverageData) -> list[str]:
    """The terminal summary: a line of counts per definition, then what it missed, one line a
    category; the executions that could not be read; a line of totals. Plain text (names that
    could be misread are quoted)."""
    if not data.definitions and not data.unread:
        return ["TestState coverage: no TestState call or execution was recorded"]
    calls = sum(coverage.observed.calls for coverage in data)
    executions = sum(coverage.observed.executions for coverage in data)
    runs = f", {executions} execution(s)" if executions else ""
    lines = [f"TestState coverage: {len(data.definitions)} definition(s), {calls} call(s){runs}"]
    for number, coverage in enumerate(data, 1):
        counts = ", ".join(f"{category} {coverage.tally(category)}" for category in Category)
        lines.append(f"[{number}] {coverage.digest} {quote_name(coverage.title)}: {counts}")
        for category in Category:
            missed = coverage.missed(category)
            if missed:
                words = "; ".join(describe(coverage.outline, item) for item in missed)
                lines.append(f"    missed {category}: {words}")
        unattributed = coverage.observed.unattributed
        if unattributed:
            lines.append(f"    {unattributed} {UNATTRIBUTED_WORDS}")
    if data.unread:
        lines.append(f"{len(data.unread)} execution(s) not read:")
        lines.extend(f"    {item.execution_arn}: {item.reason}" for item in data.unread)
    totals = ", ".join(f"{category} {data.total(category)}" for category in Category)
    lines.append(f"total: {totals}")
    return lines


UNATTRIBUTED_WORDS: Final = (
    "call(s) or execution decision(s) could not be attributed to a Choice rule, Retry or Catch entry"
)


def terminal_summary(data: CoverageData) -> str:
    """`summary_lines` as one text (for ``pytest_terminal_summary``: write it line by line)."""
    return "\n".join(summary_lines(data))
