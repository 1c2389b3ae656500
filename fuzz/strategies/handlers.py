"""Error names and error handlers: Retry and Catch elements and lists of them, valid by
construction."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# --- Retry and Catch -----------------------------------------------------------------------------

ERROR_NAMES = (
    "States.ALL",
    "States.TaskFailed",
    "States.Timeout",
    "States.HeartbeatTimeout",
    "States.Runtime",
    "States.DataLimitExceeded",
    "States.Permissions",
    "States.IntrinsicFailure",
    "States.QueryEvaluationError",
    "MockException",
    "Lambda.ServiceException",
    "Custom.Error",
)
# Rates whose powers are exact in binary floating point, so a reference model can use plain floats.
_BACKOFF_RATES = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0)


def error_names() -> st.SearchStrategy[str]:
    """Error names: the predefined ones, a few custom ones, and arbitrary text."""
    return st.one_of(st.sampled_from(ERROR_NAMES), st.text(min_size=1, max_size=12))


@st.composite
def _error_equals(draw: st.DrawFn, *, last: bool) -> list[str]:
    # ASL: States.ALL must appear alone, in the last retrier/catcher.
    if last and draw(st.booleans()):
        return ["States.ALL"]
    names = [name for name in ERROR_NAMES if name != "States.ALL"]
    return draw(
        st.lists(
            st.one_of(
                st.sampled_from(names),
                st.text(min_size=1, max_size=8).filter(lambda text: not text.startswith("States.")),
            ),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )


@st.composite
def retriers(draw: st.DrawFn, *, last: bool = False) -> dict[str, Any]:
    """One Retry element with any subset of its optional fields."""
    retrier: dict[str, Any] = {"ErrorEquals": draw(_error_equals(last=last))}
    if draw(st.booleans()):
        retrier["IntervalSeconds"] = draw(st.integers(1, 1000))
    if draw(st.booleans()):
        retrier["MaxAttempts"] = draw(st.integers(0, 6))
    if draw(st.booleans()):
        retrier["BackoffRate"] = draw(st.sampled_from(_BACKOFF_RATES))
    if draw(st.booleans()):
        retrier["MaxDelaySeconds"] = draw(st.integers(1, 5000))
    if draw(st.booleans()):
        retrier["JitterStrategy"] = draw(st.sampled_from(["FULL", "NONE"]))
    return retrier


@st.composite
def catchers(draw: st.DrawFn, *, last: bool = False, jsonata: bool = False) -> dict[str, Any]:
    """One Catch element; its Next is ``Handler<i>`` so a test can tell catchers apart."""
    catcher: dict[str, Any] = {"ErrorEquals": draw(_error_equals(last=last)), "Next": "Handler"}
    if jsonata:
        if draw(st.booleans()):
            catcher["Output"] = "{% $states.errorOutput %}"
    elif draw(st.booleans()):
        catcher["ResultPath"] = draw(st.sampled_from(["$", "$.error", "$.a.b", None]))
    return catcher


@st.composite
def error_handlers(draw: st.DrawFn, *, jsonata: bool = False) -> dict[str, Any]:
    """Retry and/or Catch lists (possibly empty), valid by construction."""
    fields: dict[str, Any] = {}
    count = draw(st.integers(0, 4))
    if count:
        fields["Retry"] = [draw(retriers(last=index == count - 1)) for index in range(count)]
    count = draw(st.integers(0, 4))
    if count:
        fields["Catch"] = [
            {**draw(catchers(last=index == count - 1, jsonata=jsonata)), "Next": f"Handler{index}"}
            for index in range(count)
        ]
    return fields
