"""Coverage of state machines from TestState calls and executions: the recorder, the terminal summary, the JSON dump.

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

TestState calls. What a call covered is derived from the request and the answer alone (`observe_test_state`), so
it holds for any endpoint:

- the state ran (``stateName``, or ``StateName`` for a single-state definition);
- the transition taken: ``nextState`` (a Catch's ``Next`` for CAUGHT_ERROR), or the end of the
  machine for a state that succeeded without one and for a Fail state;
- the Choice rule that matched. The answer gives ``nextState`` only and rules may share a
  ``Next``: when more than one branch leads there, the rules are evaluated in order with the
  interpreter on the request's input, variables and context (the rule tested first wins, as in
  `interpreter.states.run`);
- the Retry entry that fired (RETRIABLE) and the Catch entry that caught (CAUGHT_ERROR): the
  answer's ``inspectionData.errorDetails`` names them at DEBUG and TRACE; otherwise the
  interpreter's `decide` says which, for the error and ``stateConfiguration.retrierRetryCount``.

When none of that can tell (a definition our interpreter refuses, a context-dependent rule), the
call counts as ``unattributed`` and its state and transition still count.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from interpreter import ASLError, LoadedState, Status, World, default_context, load_definition, loads
from interpreter.definition.model import ChoiceState
from interpreter.scope import Scope
from interpreter.states.dataflow import select
from interpreter.states.recovery import decide
from interpreter.states.run import first_matching_rule
from teststate.toolkit.coverage_history import observe_history
from teststate.toolkit.coverage_model import (
    SINGLE_STATE_NAME,
    CatchEntry,
    Category,
    ChoiceBranch,
    CoverageData,
    CoverageDataError,
    CoverageError,
    DefinitionCoverage,
    Item,
    Observed,
    RetryEntry,
    StateOutline,
    Transition,
    UnreadExecution,
    describe,
    quote_name,
)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "CoverageRecorder",
    "Observation",
    "coverage_from_json",
    "coverage_to_json",
    "load_coverage_json",
    "observe_test_state",
    "summary_lines",
    "terminal_summary",
    "write_coverage_json",
]

OPERATION: Final = "TestState"
SERVICE_NAME: Final = "stepfunctions"
"""botocore's name for the Step Functions service model (``boto3.client("stepfunctions")``)."""

FORMAT: Final = "teststate-coverage"
FORMAT_VERSION: Final = 1

_STATUSES: Final = frozenset(Status)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Observation:
    """What one run covered of one definition."""

    definition: str
    single_state: bool
    observed: Observed


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
        known = _blank(definition, single_state)
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
        outline = _blank(definition, False).outline
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


@functools.lru_cache(maxsize=256)
def _blank(definition: str, single_state: bool) -> DefinitionCoverage:
    """A definition's key and outline, read once per text (a suite sends the same text often)."""
    return DefinitionCoverage.of(definition, single_state=single_state)


# ---------------------------------------------------------------------------------------------
# From a TestState call to what it covered


def observe_test_state(request: Mapping[str, Any], answer: Mapping[str, Any]) -> Observation | None:
    """What one TestState call covered, or None when it is not a call that ran a state.

    Args:
        request: the TestState request members (``definition``, ``stateName``, ``input``,
            ``variables``, ``context``, ``mock``, ``stateConfiguration``), as given to boto3.
        answer: the TestState answer as boto3 parses it (``status``, ``nextState``, ``error``,
            ``cause``, ``output``, ``inspectionData``).
    """
    definition, state_name, status = request.get("definition"), request.get("stateName"), answer.get("status")
    if not isinstance(definition, str) or status not in _STATUSES:
        return None
    if state_name is not None and not isinstance(state_name, str):
        return None
    single_state = state_name is None
    name = SINGLE_STATE_NAME if state_name is None else state_name
    shape = _blank(definition, single_state).outline.by_name.get(name)
    if shape is None:
        return None
    next_state = answer.get("nextState")
    next_state = next_state if isinstance(next_state, str) else None
    call = _Call(definition, state_name, request, answer, shape, next_state)
    transitions: frozenset[Transition] = frozenset()
    branches: frozenset[ChoiceBranch] = frozenset()
    retries: frozenset[RetryEntry] = frozenset()
    catches: frozenset[CatchEntry] = frozenset()
    attributed = True
    if status == Status.SUCCEEDED:
        transitions = frozenset({Transition(name, next_state)})
        if shape.type == "Choice":
            branch = _choice_branch(call)
            branches, attributed = _one(branch)
    elif status == Status.CAUGHT_ERROR:
        if next_state is not None:
            transitions = frozenset({Transition(name, next_state, caught=True)})
        catches, attributed = _one(_catch_entry(call))
    elif status == Status.RETRIABLE:
        retries, attributed = _one(_retry_entry(call))
    elif shape.type == "Fail":
        transitions = frozenset({Transition(name, None)})
    observed = Observed(
        calls=1,
        states=frozenset({name}),
        choice_branches=branches,
        retries=retries,
        catches=catches,
        transitions=transitions,
        unattributed=0 if attributed else 1,
    )
    return Observation(definition, single_state, observed)


def _one(item: _T | None) -> tuple[frozenset[_T], bool]:
    return (frozenset(), False) if item is None else (frozenset({item}), True)


@dataclass(frozen=True, slots=True)
class _Call:
    """One TestState call, with the outline of the state it tested."""

    definition: str
    state_name: str | None
    request: Mapping[str, Any]
    answer: Mapping[str, Any]
    shape: StateOutline
    next_state: str | None

    def loaded(self) -> LoadedState | None:
        """The state as the interpreter compiles it (None if it refuses what the endpoint took)."""
        try:
            return load_definition(self.definition, self.state_name)
        except ASLError:
            return None

    def error_detail(self, member: str) -> int | None:
        """``inspectionData.errorDetails.<member>`` of the answer (DEBUG and TRACE only)."""
        inspection = self.answer.get("inspectionData")
        details = inspection.get("errorDetails") if isinstance(inspection, Mapping) else None
        value = details.get(member) if isinstance(details, Mapping) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def retry_count(self) -> int:
        configuration = self.request.get("stateConfiguration")
        count = configuration.get("retrierRetryCount") if isinstance(configuration, Mapping) else None
        return count if isinstance(count, int) and not isinstance(count, bool) else 0


def _choice_branch(call: _Call) -> ChoiceBranch | None:
    """The branch that led to ``nextState``: the only one that does, else the first rule (in
    order) that matches the request's data, if it leads there."""
    shape = call.shape
    leading = [
        ChoiceBranch(shape.name, index)
        for index, target in enumerate(shape.choices)
        if target == call.next_state
    ]
    if shape.default is not None and shape.default == call.next_state:
        leading.append(ChoiceBranch(shape.name, None))
    if len(leading) <= 1:
        return leading[0] if leading else None
    taken = _evaluated_branch(call)
    return taken if taken in leading else None


def _evaluated_branch(call: _Call) -> ChoiceBranch | None:
    loaded = call.loaded()
    if loaded is None or not isinstance(loaded.state, ChoiceState):
        return None
    state = loaded.state
    try:
        return ChoiceBranch(
            call.shape.name, first_matching_rule(state, _choice_scope(state, loaded, call.request))
        )
    except (ASLError, ValueError):
        # ValueError: a member that is not JSON (the endpoint would have refused the call).
        return None


def _choice_scope(state: ChoiceState, loaded: LoadedState, request: Mapping[str, Any]) -> Scope:
    """What the Choice's rules see, built as `interpreter.states.run` builds it: the input (``{}``
    when not given), the variables, the caller's context or a generated one; JSONPath rules see
    the input after ``InputPath``."""
    state_input = _member(request, "input", {})
    variables = _member(request, "variables", {})
    if not isinstance(variables, dict):
        raise ValueError("variables: not a JSON object")
    world = World()
    context_text = request.get("context")
    if isinstance(context_text, str):
        context = loads(context_text)
    elif loaded.reads_context:
        # A Choice cannot be tested with a mock, so never with a context of the caller's: AWS
        # generated one, whose ids and times a rule could read; ours has the same shape.
        role_arn = request.get("roleArn")
        context = default_context(
            loaded=loaded,
            input=state_input,
            role_arn=role_arn if isinstance(role_arn, str) else None,
            world=world,
        )
    else:
        context = {}
    scope = Scope(
        current=state_input, context=context, variables=variables, state_input=state_input, world=world
    )
    if state.is_jsonata:
        return scope
    return scope.with_current(select(state.input_path, state_input, scope))


def _member(request: Mapping[str, Any], name: str, default: Any) -> Any:
    text = request.get(name)
    return loads(text) if isinstance(text, str) else default


def _retry_entry(call: _Call) -> RetryEntry | None:
    """The Retry entry that made the state RETRIABLE."""
    index = call.error_detail("retryIndex")
    if index is None:
        error, loaded = call.answer.get("error"), call.loaded()
        if not isinstance(error, str) or loaded is None:
            return None
        decision = decide(loaded.state.retry, loaded.state.catch, error, call.retry_count())
        index = decision.retry_index if decision.retriable else None
    if index is None or not 0 <= index < len(call.shape.retry):
        return None
    return RetryEntry(call.shape.name, index)


def _catch_entry(call: _Call) -> CatchEntry | None:
    """The Catch entry that caught the error: the one the answer or `decide` names if it leads to
    ``nextState``, else the only one that leads there."""
    routes = call.shape.catch
    index = call.error_detail("catchIndex")
    if index is None:
        error, loaded = call.answer.get("error"), call.loaded()
        if isinstance(error, str) and loaded is not None:
            index = decide(loaded.state.retry, loaded.state.catch, error, call.retry_count()).catch_index
    if index is None or not 0 <= index < len(routes) or routes[index].next != call.next_state:
        leading = [number for number, route in enumerate(routes) if route.next == call.next_state]
        index = leading[0] if len(leading) == 1 else None
    return None if index is None else CatchEntry(call.shape.name, index)


# ---------------------------------------------------------------------------------------------
# Terminal summary and JSON


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


def coverage_to_json(data: CoverageData) -> dict[str, Any]:
    """The data as a JSON value. ``counts`` and ``missed`` are there for readers;
    `coverage_from_json` recomputes them from the definition and what was covered."""
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "definitions": [_definition_json(coverage) for coverage in data],
        "unread": [{"executionArn": item.execution_arn, "reason": item.reason} for item in data.unread],
    }


def coverage_from_json(value: Any) -> CoverageData:
    """Read what `coverage_to_json` wrote (for instance by another pytest worker).

    Raises:
        CoverageDataError: `value` is not in that format.
    """
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise CoverageDataError(f"not {FORMAT} data")
    if value.get("version") != FORMAT_VERSION:
        raise CoverageDataError(f"unsupported {FORMAT} version: {value.get('version')!r}")
    definitions = value.get("definitions")
    if not isinstance(definitions, list):
        raise CoverageDataError("definitions: expected a list")
    read = tuple(_definition_from_json(item, f"definitions/{n}") for n, item in enumerate(definitions))
    unread = value.get("unread", [])
    if not isinstance(unread, list) or not all(
        isinstance(item, dict)
        and isinstance(item.get("executionArn"), str)
        and isinstance(item.get("reason"), str)
        for item in unread
    ):
        raise CoverageDataError("unread: expected a list of {executionArn, reason}")
    not_read = tuple(UnreadExecution(item["executionArn"], item["reason"]) for item in unread)
    # Merged into an empty session: a definition listed twice becomes one.
    return CoverageData().merge(CoverageData(read, not_read))


def write_coverage_json(data: CoverageData, path: str | Path) -> Path:
    """Write the coverage data as JSON (`coverage_to_json`); returns the path written.

    Non-ASCII characters are written as escapes: a state name may hold a lone surrogate, which
    UTF-8 cannot encode.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(coverage_to_json(data), indent=2, ensure_ascii=True) + "\n", encoding="ascii"
    )
    return target


def load_coverage_json(path: str | Path) -> CoverageData:
    """Read what `write_coverage_json` wrote (another session's or worker's, to `merge`).

    Raises:
        CoverageDataError: the file is not coverage data.
        OSError: the file cannot be read.
    """
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as error:
        raise CoverageDataError(f"{path}: not JSON ({error})") from None
    return coverage_from_json(value)


# JSON member names of the categories (`coverage_to_json`).
_JSON_NAMES: Final[Mapping[Category, str]] = {
    Category.STATES: "states",
    Category.CHOICE_BRANCHES: "choiceBranches",
    Category.RETRIES: "retries",
    Category.CATCHES: "catches",
    Category.TRANSITIONS: "transitions",
}
if set(_JSON_NAMES) != set(Category):
    raise RuntimeError("every coverage category needs a JSON name")


def _item_json(item: Item) -> Any:
    if isinstance(item, str):
        return item
    if isinstance(item, ChoiceBranch):
        return {"state": item.state, "rule": item.rule}
    if isinstance(item, (RetryEntry, CatchEntry)):
        return {"state": item.state, "index": item.index}
    return {"source": item.source, "target": item.target, "caught": item.caught}


def _sort_key(item: Item) -> tuple[Any, ...]:
    if isinstance(item, str):
        return (item,)
    if isinstance(item, ChoiceBranch):
        return (item.state, item.rule is None, item.rule or 0)
    if isinstance(item, (RetryEntry, CatchEntry)):
        return (item.state, item.index)
    return (item.source, item.target is None, item.target or "", item.caught)


def _definition_json(coverage: DefinitionCoverage) -> dict[str, Any]:
    return {
        "definition": coverage.definition,
        "singleState": coverage.outline.single_state,
        "digest": coverage.digest,
        "calls": coverage.observed.calls,
        "executions": coverage.observed.executions,
        "unattributed": coverage.observed.unattributed,
        "covered": {
            _JSON_NAMES[category]: [
                _item_json(item) for item in sorted(coverage.observed.items(category), key=_sort_key)
            ]
            for category in Category
        },
        "counts": {
            _JSON_NAMES[category]: {"covered": tally.covered, "total": tally.total}
            for category in Category
            for tally in (coverage.tally(category),)
        },
        "missed": {
            _JSON_NAMES[category]: [_item_json(item) for item in coverage.missed(category)]
            for category in Category
        },
    }


def _definition_from_json(value: Any, where: str) -> DefinitionCoverage:
    if not isinstance(value, dict):
        raise CoverageDataError(f"{where}: expected an object")
    definition, single_state = value.get("definition"), value.get("singleState")
    if not isinstance(definition, str) or not isinstance(single_state, bool):
        raise CoverageDataError(f"{where}: expected 'definition' (a string) and 'singleState' (a boolean)")
    covered = value.get("covered")
    if not isinstance(covered, dict):
        raise CoverageDataError(f"{where}/covered: expected an object")
    lists = {category: covered.get(_JSON_NAMES[category], []) for category in Category}
    for category, items in lists.items():
        if not isinstance(items, list):
            raise CoverageDataError(f"{where}/covered/{_JSON_NAMES[category]}: expected a list")
    try:
        observed = Observed(
            calls=_count(value.get("calls", 0)),
            executions=_count(value.get("executions", 0)),
            states=frozenset(_string(name) for name in lists[Category.STATES]),
            choice_branches=frozenset(
                ChoiceBranch(_string(item["state"]), _optional_count(item["rule"]))
                for item in lists[Category.CHOICE_BRANCHES]
            ),
            retries=frozenset(
                RetryEntry(_string(item["state"]), _count(item["index"])) for item in lists[Category.RETRIES]
            ),
            catches=frozenset(
                CatchEntry(_string(item["state"]), _count(item["index"])) for item in lists[Category.CATCHES]
            ),
            transitions=frozenset(
                Transition(_string(item["source"]), _optional_string(item["target"]), item["caught"] is True)
                for item in lists[Category.TRANSITIONS]
            ),
            unattributed=_count(value.get("unattributed", 0)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CoverageDataError(f"{where}/covered: malformed item ({error})") from None
    return DefinitionCoverage.of(definition, single_state=single_state, observed=observed)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _optional_string(value: Any) -> str | None:
    return None if value is None else _string(value)


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return value


def _optional_count(value: Any) -> int | None:
    return None if value is None else _count(value)
