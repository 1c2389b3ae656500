"""Retry and Catch: for any handler lists, error name and retry count, run_state decides what a
plain reference model of the ASL rules decides."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, note
from hypothesis import strategies as st

from fuzz.strategies import error_handlers, error_names
from interpreter import Mock, MockError, StateConfiguration, Status, World, load_definition, run_state

_NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _reference(definition: dict[str, Any], error: str, count: int) -> tuple[str, dict[str, int], str | None]:
    """The ASL rules written out plainly: (status, errorDetails, nextState)."""

    def handles(names: list[str]) -> bool:
        if error == "States.Runtime":  # terminal: never retried or caught
            return False
        if error in names or "States.ALL" in names:
            return True
        return "States.TaskFailed" in names and error != "States.Timeout"

    details: dict[str, int] = {}
    for index, retrier in enumerate(definition.get("Retry", [])):
        if handles(retrier["ErrorEquals"]):
            details["retryIndex"] = index
            if count < retrier.get("MaxAttempts", 3):
                delay = retrier.get("IntervalSeconds", 1) * retrier.get("BackoffRate", 2.0) ** count
                delay = min(delay, retrier.get("MaxDelaySeconds", delay))
                details["retryBackoffIntervalSeconds"] = int(min(delay, 2**31 - 1))
                return "RETRIABLE", details, None
            break
    for index, catcher in enumerate(definition.get("Catch", [])):
        if handles(catcher["ErrorEquals"]):
            details["catchIndex"] = index
            return "CAUGHT_ERROR", details, catcher["Next"]
    return "FAILED", details, None


@given(
    handlers=error_handlers(),
    jsonata=st.booleans(),
    data=st.data(),
    count=st.integers(0, 8),
)
def test_decision_equals_the_reference_model(
    handlers: dict[str, Any], jsonata: bool, data: st.DataObject, count: int
) -> None:
    # The error is often one the handlers name (or a wildcard's exception), so matches are common.
    named = sorted(
        {
            name
            for handler in handlers.get("Retry", []) + handlers.get("Catch", [])
            for name in handler["ErrorEquals"]
        }
        | {"States.Timeout", "States.Runtime"}
    )
    error = data.draw(st.one_of(error_names(), st.sampled_from(named)), label="error")
    definition = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True, **handlers}
    if jsonata:
        definition["QueryLanguage"] = "JSONata"
        for catcher in definition.get("Catch", []):
            catcher.pop("ResultPath", None)
    note(json.dumps(definition))
    result = run_state(
        load_definition(json.dumps(definition), None),
        input={"a": {"b": 1}},
        context={},
        variables={},
        world=World(now=_NOW, rng=random.Random(3)),
        mock=Mock(error=MockError(error, "cause")),
        config=StateConfiguration(retrier_retry_count=count),
    )
    status, details, next_state = _reference(definition, error, count)
    assert (str(result.status), dict(result.inspection.get("errorDetails", {})), result.next_state) == (
        status,
        details,
        next_state,
    )
    assert (result.error, result.cause) == (error, "cause")
    # Only a caught error has an output.
    assert (result.output_text is not None) is (result.status is Status.CAUGHT_ERROR)
