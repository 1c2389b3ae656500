"""TestState ``mock`` members: for a Task, for a Map or Parallel, and mock results that fit an
optimized integration's output shape."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from fuzz.strategies.handlers import error_names
from fuzz.strategies.values import cached_json_values, json_values

# --- mock members --------------------------------------------------------------------------------


@st.composite
def mocks(draw: st.DrawFn) -> dict[str, Any]:
    """A TestState ``mock`` member: a result (as JSON text) or an error, any validation mode."""
    mock: dict[str, Any]
    if draw(st.booleans()):
        mock = {"result": json.dumps(draw(json_values()))}
    else:
        error: dict[str, Any] = {"error": draw(error_names())}
        if draw(st.booleans()):
            error["cause"] = draw(st.text(max_size=20))
        mock = {"errorOutput": error}
    if draw(st.booleans()):
        mock["fieldValidationMode"] = draw(st.sampled_from(["STRICT", "PRESENT", "NONE"]))
    return mock


@st.composite
def map_parallel_mocks(draw: st.DrawFn, state: dict[str, Any]) -> dict[str, Any]:
    """A mock a Map or Parallel accepts: an error, or an array (one item per branch for Parallel)."""
    if draw(st.integers(0, 3)) == 0:
        return {"errorOutput": {"error": draw(error_names()), "cause": draw(st.text(max_size=10))}}
    if state["Type"] == "Parallel":
        size = len(state["Branches"])
        return {
            "result": json.dumps(
                draw(st.lists(cached_json_values(max_leaves=3), min_size=size, max_size=size))
            )
        }
    return {"result": json.dumps(draw(st.lists(cached_json_values(max_leaves=3), max_size=5)))}


# --- mock results against API output shapes (teststate.validation.mock_result) ---------------------------


def validated_resources() -> st.SearchStrategy[str]:
    """Task resources of the optimized integrations whose results are validated."""
    from teststate.validation.mock_result import OPTIMIZED

    return st.sampled_from(sorted(OPTIMIZED)).map(lambda rest: f"arn:aws:states:::{rest}")


@st.composite
def valid_mock_results(draw: st.DrawFn) -> tuple[str, Any]:
    """``(resource, result)``: a mapped integration and a result that fits its output shape, drawn
    by the users' strategy (`teststate.toolkit.strategies.mock_results`), so the fuzz suite checks
    the very strategy the README offers."""
    from teststate.toolkit.strategies import mock_results

    resource = draw(validated_resources())
    return resource, draw(mock_results(resource))
