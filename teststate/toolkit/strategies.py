"""Hypothesis strategies for property-based tests of your own state machines.

Each function returns a Hypothesis ``SearchStrategy`` (keyword-only options, plural names):

- `json_values`: any JSON within what Step Functions carries (256 KiB, 64-bit integers and
  doubles, any Unicode text, bounded nesting); `json_objects` the same, objects only.
- `state_inputs`: inputs for one state of your definition, shaped by what the state reads (its
  JSONPath paths, its JSONata ``$states.input`` fields) with the kinds of values it needs there,
  and, for a Choice state, steered to its branches: the first examples include one solved input
  per branch (Default included), each confirmed by running the state.
- `mock_results`: ``mock.result`` values for a Task's resource that fit the called API's output
  shape (the one TestState validates them against, from botocore's models).
- `mocked_errors`: ``mock.errorOutput`` values that a state's Retry or Catch handles, or that
  none does.
- `test_state_requests`: whole TestState requests, ready for ``client.test_state(**request)``.

A regression test over a definition of yours::

    from hypothesis import given
    from teststate.toolkit.strategies import test_state_requests

    @given(request=test_state_requests(DEFINITION, state_name="Route"))
    def test_route_never_fails(sfn, request):
        answer = sfn.test_state(**request)
        assert answer["status"] == "SUCCEEDED"

The strategies need Hypothesis at run time. They validate the definition with this project's
interpreter when they are built (`StrategyError` when it is not valid) and, for a Choice state,
solve every branch then (`teststate.toolkit.steering.solve`) and run the state in process to
confirm each input reaches the branch it was made for.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from hypothesis import strategies as st

from interpreter import (
    ABSENT,
    ASLError,
    DefinitionError,
    LoadedState,
    StateNotFound,
    Status,
    TestResult,
    World,
    default_context,
    load_definition,
    loads,
    run_state,
)
from interpreter.errors import ErrorName
from interpreter.states.recovery import error_matches
from teststate.errors import ApiError
from teststate.toolkit.errors import ToolkitError
from teststate.toolkit.jsonata_reads import read_jsonata_state
from teststate.toolkit.jsonpath_reads import read_jsonpath_state
from teststate.toolkit.reads import Branch, Kind, Read, StateReads
from teststate.toolkit.shape_values import node_at, shape_values
from teststate.toolkit.steering import Check, Documents, documents, lookup, place
from teststate.validation.mock_result import (
    MODES,
    NONE,
    STRICT,
    Node,
    output_shape,
    resolve_resource,
    root_node,
    validate_mock_result,
)

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "StrategyError",
    "json_objects",
    "json_values",
    "mock_results",
    "mocked_errors",
    "state_inputs",
    "test_state_requests",
]

MAX_PAYLOAD_BYTES: Final = 262_144
"""AWS's limit on a state's input or output, a mocked result, variables (UTF-8 bytes; Step
Functions developer guide, "Quotas": "Maximum input or output size for a task, state, or
execution: 262,144 bytes")."""

# Integers within a signed 64-bit long, and finite doubles: the numbers a JVM JSON reader (AWS's
# service runs on one) keeps exactly. What AWS does with larger integers is not recorded.
_LONG_MIN: Final = -(2**63)
_LONG_MAX: Final = 2**63 - 1


class StrategyError(ToolkitError, ValueError):
    """A strategy cannot be built for these arguments (the definition is not valid, the state is
    not there, no error could match ...)."""


# ---------------------------------------------------------------------------------------------
# JSON


def json_values(
    *,
    max_leaves: int = 12,
    max_depth: int = 8,
    max_string_size: int = 16,
    exact_numbers: bool = False,
    max_bytes: int = MAX_PAYLOAD_BYTES,
) -> st.SearchStrategy[Any]:
    """JSON values as Step Functions carries them.

    Arguments:
        max_leaves: most scalars in one value.
        max_depth: deepest nesting of arrays and objects.
        max_string_size: longest string (keys are at most 8 characters).
        exact_numbers: integers within ±2**53 only, so that every number is exactly a double
            (what a JSONata expression computes with); otherwise any 64-bit integer.
        max_bytes: the largest UTF-8 encoding of the value (AWS's 256 KiB by default).

    Returns:
        null, booleans, numbers (integers; finite doubles, -0.0 included; no NaN or Infinity,
        which JSON cannot write), strings of any Unicode characters (lone surrogates excluded:
        UTF-8 cannot carry them), arrays and objects.

    Example::

        @given(value=json_values(max_leaves=4))
        def test_pass_returns_its_input(sfn, value):
            answer = sfn.test_state(definition=PASS, input=json.dumps(value))
            assert json.loads(answer["output"]) == value
    """
    return _json_values(max_leaves, max_depth, max_string_size, exact_numbers, max_bytes)


@functools.lru_cache(maxsize=64)
def _json_values(
    max_leaves: int, max_depth: int, max_string_size: int, exact_numbers: bool, max_bytes: int
) -> st.SearchStrategy[Any]:
    # Cached: building a recursive strategy costs more than drawing from it.
    limit = 2**53 if exact_numbers else None
    integers = st.integers(min_value=-limit if limit else _LONG_MIN, max_value=limit if limit else _LONG_MAX)
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        integers,
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=max_string_size),
    )
    values = st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )
    return values.filter(lambda value: _depth(value) <= max_depth and _size(value) <= max_bytes)


def json_objects(
    *, max_leaves: int = 12, max_bytes: int = MAX_PAYLOAD_BYTES
) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects (what most states take as input); see `json_values`.

    Example::

        @given(document=json_objects(max_leaves=6))
        def test_any_object_gets_through(sfn, document): ...
    """
    return st.dictionaries(st.text(max_size=8), json_values(max_leaves=max_leaves // 2), max_size=5).filter(
        lambda value: _size(value) <= max_bytes
    )


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


# Values of each kind a state may need at a field (`teststate.toolkit.reads.Kind`): realistic and
# small, inside the range the state accepts.
_NUMBERS: Final = st.one_of(
    st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
)
_TIMESTAMP_TEXT: Final = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


_SMALL_JSON: Final = json_values(max_leaves=3, max_depth=3, max_string_size=8)
_KIND_VALUES: Final[Mapping[Kind, st.SearchStrategy[Any]]] = {
    Kind.ANY: _SMALL_JSON,
    Kind.SCALAR: st.one_of(st.text(max_size=8), _NUMBERS, st.booleans()),
    Kind.STRING: st.text(max_size=12),
    Kind.NUMBER: _NUMBERS,
    Kind.INTEGER: st.integers(0, 3),
    Kind.POSITIVE_INTEGER: st.integers(1, 3600),
    Kind.NON_NEGATIVE_INTEGER: st.integers(0, 3600),
    Kind.PERCENTAGE: st.one_of(st.integers(0, 100), st.floats(0, 100)),
    Kind.BOOLEAN: st.booleans(),
    Kind.TIMESTAMP: _TIMESTAMP_TEXT,
    Kind.ARRAY: st.lists(_SMALL_JSON, max_size=4),
    Kind.INDEXED_ARRAY: st.lists(_SMALL_JSON, min_size=4, max_size=6),
    Kind.NUMBER_ARRAY: st.lists(_NUMBERS, max_size=4),
    Kind.OBJECT: st.dictionaries(st.text(max_size=6), _SMALL_JSON, max_size=3),
    Kind.JSON_TEXT: _SMALL_JSON.map(lambda value: json.dumps(value, ensure_ascii=False)),
    Kind.BASE64: st.binary(max_size=12).map(lambda data: base64.b64encode(data).decode("ascii")),
}
if set(_KIND_VALUES) != set(Kind):  # checked at import
    raise RuntimeError(f"every kind needs values: {sorted(set(Kind) - set(_KIND_VALUES))}")


def _kind_values(kind: Kind) -> st.SearchStrategy[Any]:
    return _KIND_VALUES[kind]


_UNREAD_KEYS: Final = st.dictionaries(st.text(min_size=1, max_size=8), _SMALL_JSON, max_size=3)


# ---------------------------------------------------------------------------------------------
# The state under test


@dataclass(frozen=True, slots=True)
class _Subject:
    """A state of a definition, loaded and read."""

    text: str
    state_name: str | None
    loaded: LoadedState
    state: Mapping[str, Any]
    reads: StateReads


def _subject(definition: str | Mapping[str, Any], state_name: str | None) -> _Subject:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    try:
        loaded = load_definition(text, state_name)
    except DefinitionError as error:
        raise StrategyError(f"The definition is not valid: {error}") from None
    except StateNotFound:
        raise StrategyError(f"The definition has no state named {state_name!r}") from None
    document = loads(text)
    state = document if state_name is None else _find_state(document, state_name)
    if not isinstance(state, dict):  # pragma: no cover - load_definition found it
        raise StrategyError(f"The definition has no state named {state_name!r}")
    reads = read_jsonata_state(state) if loaded.state.is_jsonata else read_jsonpath_state(state)
    return _Subject(text, state_name, loaded, state, reads)


def _find_state(document: Any, name: str) -> Any:
    """The state object named `name`, nested Map and Parallel states included."""
    pending = [document]
    while pending:
        machine = pending.pop()
        states = machine.get("States") if isinstance(machine, dict) else None
        if not isinstance(states, dict):
            continue
        if name in states:
            return states[name]
        for state in states.values():
            if not isinstance(state, dict):
                continue
            pending.extend(state.get(key) for key in ("ItemProcessor", "Iterator"))
            branches = state.get("Branches")
            pending.extend(branches if isinstance(branches, list) else [])
    return None


def _targets(subject: _Subject, next_state: str | None) -> tuple[int, ...]:
    branches = subject.reads.branches
    if next_state is None:
        return tuple(range(len(branches)))
    if not branches:
        raise StrategyError("next_state is only for a Choice state")
    targets = tuple(index for index, branch in enumerate(branches) if branch.next == next_state)
    if not targets:
        raise StrategyError(f"No rule of the Choice state (nor its Default) goes to {next_state!r}")
    return targets


def _run(subject: _Subject, docs: Documents) -> TestResult:
    world = World()
    context = (
        default_context(loaded=subject.loaded, input=docs.input, role_arn=None, world=world)
        if subject.loaded.reads_context
        else {}
    )
    return run_state(subject.loaded, input=docs.input, context=context, variables=docs.variables, world=world)


def _reaches(subject: _Subject) -> Check:
    """Whether running the state with the documents takes the branch (the no-match failure for
    a Choice without Default)."""

    def check(docs: Documents, branch: Branch) -> bool:
        try:
            result = _run(subject, docs)
        except ASLError:
            return False
        if branch.next is None:
            return bool(result.status is Status.FAILED and result.error == ErrorName.NO_CHOICE_MATCHED)
        return bool(result.next_state == branch.next)

    return check


def _documents(subject: _Subject, next_state: str | None) -> st.SearchStrategy[Documents]:
    return documents(
        subject.reads,
        targets=_targets(subject, next_state),
        values=_kind_values,
        extras=_UNREAD_KEYS,
        check=_reaches(subject) if subject.reads.branches else None,
    )


def state_inputs(
    definition: str | Mapping[str, Any], *, state_name: str | None = None, next_state: str | None = None
) -> st.SearchStrategy[Any]:
    """Inputs for one state, shaped by what it reads.

    Every definite path the state reads (``InputPath``, ``Parameters``/``ItemSelector`` ``.$``
    members and the paths inside their intrinsic functions, ``ItemsPath``, the ``*Path``
    fields, ``OutputPath``, Choice ``Variable``s) and every ``$states.input`` field of its
    JSONata expressions gets a value of the kind the state needs there (``ItemsPath`` an array,
    ``SecondsPath`` a non-negative integer, ``TimestampPath`` a timestamp ...), beside a few
    keys the state does not read.

    For a Choice state every branch (each rule, and Default or the no-match failure) is solved
    when the strategy is built: an input that makes the earlier rules false and that rule true
    (strings equal to, just above, below or a prefix of the compared string, numbers below, at
    and above the bound, timestamps a second apart, strings a glob matches or not, present or
    missing fields, every JSON type for the ``Is*`` tests, through And/Or/Not and JSONata's
    ``and``/``or``/``$not``/``$exists``/``$contains``/``$count`` ...), kept only if running the
    state in process takes that branch. Each solved input is one example, which Hypothesis
    generates once and then never repeats, so they all come among the first examples (every
    branch of an 11-branch Choice by the 55th of 100 at the latest over 1000 seeds, the 17th on
    average) when the inputs are the only thing the test draws. The other examples are drawn:
    each aims at one branch (which one follows from the rest of its draws) with random values
    around the same steering, checked by a run, and falls back on the branch's solved input
    when a few tries miss. A branch no input reaches (a rule an earlier one shadows) has no solved input;
    a condition the strategies do not understand is solved through its literals and the check,
    or not at all.

    Arguments:
        definition: the definition, as JSON text or parsed: one state object, or a whole state
            machine with `state_name` (TestState's ``definition``).
        state_name: the state to test in a whole state machine (TestState's ``stateName``).
        next_state: for a Choice state, only reach the rules (or Default) going to this state.

    Returns:
        A strategy of JSON values (usually objects) for TestState's ``input``.

    Raises:
        StrategyError: the definition is not valid, or has no such state; `next_state` is not
            a branch of the Choice state.

    Example::

        @given(value=state_inputs(MACHINE, state_name="Route"))
        def test_route_always_chooses(sfn, value):
            answer = sfn.test_state(definition=json.dumps(MACHINE), stateName="Route",
                                    input=json.dumps(value))
            assert answer["status"] == "SUCCEEDED"
    """
    return _documents(_subject(definition, state_name), next_state).map(lambda docs: docs.input)


# ---------------------------------------------------------------------------------------------
# Mocks


def mock_results(resource: str, *, mode: str = STRICT) -> st.SearchStrategy[Any]:
    """Mocked results for a Task's ``Resource`` that TestState's validation accepts.

    For an optimized integration (``arn:aws:states:::lambda:invoke``, ``...:dynamodb:getItem``,
    ``...:states:startExecution.sync:2`` ...) or an AWS SDK integration
    (``arn:aws:states:::aws-sdk:s3:getObject``), the result is an object of the called API's
    output shape from botocore's models, in Step Functions' member casing (``StatusCode``,
    ``Payload``): every required member under ``STRICT``, some of the optional ones, enum values,
    lengths and bounds respected; Lambda's ``Payload`` (and the other members Step Functions
    turns into JSON) any JSON. Resources TestState does not validate (a Lambda function ARN, an
    Activity, ``.waitForTaskToken``, ``http:invoke``) and ``NONE`` get any JSON.

    Arguments:
        resource: the Task's ``Resource``.
        mode: ``fieldValidationMode``: ``STRICT`` (the default), ``PRESENT`` (required members
            may be missing) or ``NONE``.

    Returns:
        A strategy of JSON values; send them as ``mock={"result": json.dumps(value)}``.

    Raises:
        StrategyError: `mode` is not one of the three.

    Example::

        @given(result=mock_results("arn:aws:states:::dynamodb:getItem"))
        def test_lookup_copes_with_any_item(sfn, result):
            answer = sfn.test_state(definition=LOOKUP, mock={"result": json.dumps(result)})
            assert answer["status"] in ("SUCCEEDED", "CAUGHT_ERROR")
    """
    if mode not in MODES:
        raise StrategyError(f"mode must be one of {sorted(MODES)}, not {mode!r}")
    any_json = json_values(max_leaves=6, max_depth=4)
    root = _output_root(resource)
    if mode == NONE or root is None:
        return any_json
    return shape_values(*root, strict=mode == STRICT, any_json=_PRESENT_JSON)


_PRESENT_JSON: Final = json_values(max_leaves=6, max_depth=4).filter(lambda value: value is not None)
"""Any JSON but null, which counts as a missing member."""


def _output_root(resource: str) -> tuple[Node, str] | None:
    """The compiled output shape of the API a resource calls (and its botocore name); None when
    TestState does not validate the resource's results."""
    target = resolve_resource(resource)
    located = output_shape(target) if target is not None else None
    if target is None or located is None:
        return None
    return root_node(target, *located), located[1]


# Error names a mocked error may carry besides those a state names (AWS Step Functions developer
# guide, "Handling errors in Step Functions workflows": the States.* error names, and the Lambda
# service exceptions it advises retrying).
_COMMON_ERRORS: Final = (
    *(name.value for name in ErrorName if name is not ErrorName.ALL),
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "MyError",
)
_CUSTOM_ERRORS: Final = st.from_regex(
    r"[A-Z][A-Za-z0-9]{0,11}(\.[A-Z][A-Za-z0-9]{0,11})?", fullmatch=True
).filter(lambda name: not name.startswith("States."))
_PROBE_ERROR: Final = "Probe.UnlistedError"  # an error name no ErrorEquals lists


@dataclass(frozen=True, slots=True)
class _Handlers:
    """A state's Retry and Catch, as far as matching goes."""

    retriers: tuple[tuple[tuple[str, ...], int], ...]  # (ErrorEquals, MaxAttempts)
    catchers: tuple[tuple[str, ...], ...]

    def handle(self, error: str, retry_count: int) -> bool:
        """Whether the state retries (RETRIABLE) or catches (CAUGHT_ERROR) `error`: the first
        retrier that matches retries while attempts remain; otherwise the first catcher that
        matches catches it (`interpreter.states.recovery.decide`)."""
        for names, max_attempts in self.retriers:
            if error_matches(names, error):
                if retry_count < max_attempts:
                    return True
                break
        return any(error_matches(names, error) for names in self.catchers)

    def names(self) -> list[str]:
        listed = [name for names, _ in self.retriers for name in names]
        listed += [name for names in self.catchers for name in names]
        return [name for name in dict.fromkeys(listed) if name != ErrorName.ALL]


def _handlers(state: Mapping[str, Any]) -> _Handlers:
    def names(entry: Any) -> tuple[str, ...]:
        listed = entry.get("ErrorEquals") if isinstance(entry, dict) else None
        return tuple(name for name in listed if isinstance(name, str)) if isinstance(listed, list) else ()

    retry = state.get("Retry")
    catch = state.get("Catch")
    retriers = tuple(
        (names(entry), entry.get("MaxAttempts", 3) if isinstance(entry.get("MaxAttempts", 3), int) else 3)
        for entry in (retry if isinstance(retry, list) else [])
        if isinstance(entry, dict)
    )
    catchers = tuple(names(entry) for entry in (catch if isinstance(catch, list) else []))
    return _Handlers(retriers, catchers)


def mocked_errors(
    state: Mapping[str, Any] | str, *, matching: bool | None = None, retry_count: int = 0
) -> st.SearchStrategy[dict[str, str]]:
    """Mocked errors (``mock.errorOutput``) for a state with Retry and Catch.

    Matching follows Step Functions' rules (`interpreter.states.recovery.error_matches`): a name
    matches itself, ``States.ALL`` matches every error but ``States.Runtime``,
    ``States.TaskFailed`` every error but ``States.Timeout`` and ``States.Runtime``. An error is
    handled when the first retrier that matches it still has attempts left
    (``retry_count < MaxAttempts``: the test's answer is RETRIABLE) or, failing that, a catcher
    matches it (CAUGHT_ERROR); otherwise the state FAILED.

    Arguments:
        state: the state object (a Task, Map or Parallel), parsed or as JSON text.
        matching: True for errors the state handles, False for errors it does not, None for
            both.
        retry_count: ``stateConfiguration.retrierRetryCount`` of the test (0: the first try).

    Returns:
        A strategy of ``{"error": name, "cause": text}`` objects for ``mock.errorOutput``: names
        the state lists, predefined ``States.*`` and Lambda errors, and made-up names.

    Raises:
        StrategyError: `matching` is True and the state handles no error at all.

    Example::

        @given(error=mocked_errors(CHARGE, matching=True))
        def test_every_listed_error_is_handled(sfn, error):
            answer = sfn.test_state(definition=json.dumps(CHARGE), mock={"errorOutput": error})
            assert answer["status"] in ("RETRIABLE", "CAUGHT_ERROR")
    """
    document = loads(state) if isinstance(state, str) else state
    if not isinstance(document, Mapping):
        raise StrategyError("The state must be a JSON object")
    handlers = _handlers(document)
    known = list(dict.fromkeys([*handlers.names(), *_COMMON_ERRORS]))
    names = known if matching is None else [n for n in known if handlers.handle(n, retry_count) is matching]
    choices: list[st.SearchStrategy[str]] = [st.sampled_from(names)] if names else []
    if matching is None:
        choices.append(_CUSTOM_ERRORS)
    elif handlers.handle(_PROBE_ERROR, retry_count) is matching:  # made-up names go that way
        choices.append(_CUSTOM_ERRORS.filter(lambda name: handlers.handle(name, retry_count) is matching))
    if not choices:
        raise StrategyError(
            "No error is retried or caught by this state: it has no Retry or Catch that applies"
        )
    return st.fixed_dictionaries({"error": st.one_of(choices), "cause": st.text(max_size=40)})


# ---------------------------------------------------------------------------------------------
# Whole requests


def test_state_requests(
    definition: str | Mapping[str, Any],
    *,
    state_name: str | None = None,
    next_state: str | None = None,
    errors: bool | None = None,
    matching: bool | None = None,
    mode: str = STRICT,
    inspection_level: str | None = None,
    role_arn: str | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Whole TestState requests for one state of a definition.

    ``input`` (and ``variables`` when the state reads some) come from `state_inputs`. A Task gets
    a ``mock``: a `mock_results` result (with the fields its ResultSelector, OutputPath or
    JSONata Output read of it, where its API shape allows them) or a `mocked_errors` error. A Map
    gets a mocked array of results (an object with a ResultWriter), a Parallel one result per
    branch. Other states get no mock. Not generated: ``context`` (the state gets the one
    TestState makes), ``stateConfiguration`` (a Distributed Map with an ItemReader needs your
    ``mapItemReaderData``: add it to the request).

    Arguments:
        definition: the definition, as JSON text or parsed (see `state_inputs`).
        state_name: the state to test in a whole state machine.
        next_state: for a Choice state, only reach the rules (or Default) going to this state.
        errors: True to mock only errors, False only results, None both (Task, Map, Parallel).
        matching: for mocked errors, as `mocked_errors`.
        mode: ``mock.fieldValidationMode`` of mocked results (sent unless ``STRICT``).
        inspection_level: ``inspectionLevel`` to send (INFO, DEBUG or TRACE); None sends none.
        role_arn: ``roleArn`` to send; None sends none (a mocked Task needs none).

    Returns:
        A strategy of dicts ready for ``client.test_state(**request)``.

    Raises:
        StrategyError: as `state_inputs`, `mock_results` and `mocked_errors`.

    Example::

        @given(request=test_state_requests(MACHINE, state_name="Charge", errors=True, matching=False))
        def test_unhandled_errors_fail(sfn, request):
            assert sfn.test_state(**request)["status"] == "FAILED"
    """
    subject = _subject(definition, state_name)
    inputs = _documents(subject, next_state)
    mocks = _mocks(subject, errors=errors, matching=matching, mode=mode)
    fixed: dict[str, Any] = {"definition": subject.text}
    if state_name is not None:
        fixed["stateName"] = state_name
    if inspection_level is not None:
        fixed["inspectionLevel"] = inspection_level
    if role_arn is not None:
        fixed["roleArn"] = role_arn
    return st.builds(_request, st.just(fixed), inputs, mocks)


# pytest collects module-level functions named test_* from the test modules that import them: this
# one is a strategy, not a test.
test_state_requests.__test__ = False  # type: ignore[attr-defined]  # an attribute pytest reads, unknown to the type


def _request(fixed: dict[str, Any], docs: Documents, mock: dict[str, Any] | None) -> dict[str, Any]:
    request = {**fixed, "input": json.dumps(docs.input, ensure_ascii=False)}
    if docs.variables:
        request["variables"] = json.dumps(docs.variables, ensure_ascii=False)
    if mock is not None:
        request["mock"] = mock
    return request


def _mocks(
    subject: _Subject, *, errors: bool | None, matching: bool | None, mode: str
) -> st.SearchStrategy[dict[str, Any] | None]:
    state_type = subject.loaded.state_type
    if state_type not in ("Task", "Map", "Parallel"):
        return st.none()
    results = _result_mocks(subject, mode)
    if errors is False:
        return results
    try:
        failures = mocked_errors(subject.state, matching=matching).map(lambda error: {"errorOutput": error})
    except StrategyError:
        if errors:
            raise
        return results
    return failures if errors else st.one_of(results, failures)


def _result_mocks(subject: _Subject, mode: str) -> st.SearchStrategy[dict[str, Any] | None]:
    loaded, state = subject.loaded, subject.state
    item = json_values(max_leaves=4, max_depth=3)
    if loaded.state_type == "Map":
        if loaded.has_result_writer:
            values: st.SearchStrategy[Any] = st.fixed_dictionaries(
                {
                    "MapRunArn": st.just(
                        "arn:aws:states:us-east-1:123456789012:mapRun:Machine/Map:0b4f2f1a-8c39-4c31-9f0e-5a2e8b1c7d6e"
                    ),
                    "ResultWriterDetails": st.fixed_dictionaries(
                        {"Bucket": st.just("results-bucket"), "Key": st.just("results/manifest.json")}
                    ),
                }
            )
        else:
            values = st.lists(item, max_size=4)
    elif loaded.state_type == "Parallel":
        count = loaded.branch_count or 0
        values = st.lists(item, min_size=count, max_size=count)
    else:
        resource = str(state.get("Resource", ""))
        values = _with_reads(mock_results(resource, mode=mode), subject.reads.result_reads, resource, mode)
    mock_mode = {} if mode == STRICT else {"fieldValidationMode": mode}
    return values.map(lambda value: {"result": json.dumps(value, ensure_ascii=False), **mock_mode})


def _with_reads(
    results: st.SearchStrategy[Any], reads: tuple[Read, ...], resource: str, mode: str
) -> st.SearchStrategy[Any]:
    """Results that also hold the fields the state reads of them, where the API shape allows."""
    if not reads:
        return results

    root = _output_root(resource)

    @st.composite
    def completed(draw: st.DrawFn) -> Any:
        result = draw(results)
        for read in reads:
            steps = read.field.steps
            if not isinstance(result, dict) or not steps or lookup(result, steps) is not ABSENT:
                continue
            located = node_at(*root, steps) if root is not None else None
            if located is not None:  # a member of the API's shape: a value of its shape
                value = draw(shape_values(*located, strict=mode == STRICT, any_json=_PRESENT_JSON))
            else:
                value = draw(_kind_values(read.kind))
            candidate = place(result, steps, value)
            try:
                validate_mock_result(resource, candidate, mode)
            except ApiError:
                continue  # the API's shape has no room for it there: the state's problem
            result = candidate
        return result

    return completed()
