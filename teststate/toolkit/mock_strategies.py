"""Mocks for a Task, Map or Parallel under test: `mock_results` (``mock.result`` values of the
called API's output shape), `mocked_errors` (``mock.errorOutput`` values a state's Retry or
Catch handles, or not) and `with_reads` (results that also hold the fields the state reads).

Users import the first two from `teststate.toolkit.strategies` (the documented path, which
re-exports them); `teststate.toolkit.strategies` assembles them into whole requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from hypothesis import strategies as st

from interpreter import ABSENT, loads
from interpreter.errors import ErrorName
from interpreter.states.recovery import error_matches
from teststate.errors import ApiError
from teststate.toolkit.json_strategies import StrategyError, json_values, kind_values
from teststate.toolkit.reads import Read
from teststate.toolkit.shape_values import node_at, shape_values
from teststate.toolkit.steering import lookup, place
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

__all__ = ["mock_results", "mocked_errors", "with_reads"]


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


def with_reads(
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
                value = draw(kind_values(read.kind))
            candidate = place(result, steps, value)
            try:
                validate_mock_result(resource, candidate, mode)
            except ApiError:
                continue  # the API's shape has no room for it there: the state's problem
            result = candidate
        return result

    return completed()
