"""The per-request wall-clock budget (teststate/budget.py): direct, in-process and on the wire."""

from __future__ import annotations

import json
import signal
import threading
import time
from typing import Any

import pytest

from interpreter import Status
from teststate import create_app
from teststate.budget import (
    BudgetExceeded,
    call_with_budget,
    configured_budget_seconds,
    run_state_within_budget,
    timed_out_result,
)

H = {"X-Amz-Target": "AWSStepFunctions.TestState"}
# A JSONata recursion that runs in Python well past any small budget (the core stops it at 1 s).
SLOW_JSONATA = json.dumps(
    {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "End": True,
        "Output": "{% ($f := function($n){$n > 0 ? $f($n-1) : 0}; $f(100000000)) %}",
    }
)


def _spin(seconds: float) -> str:
    """A pure-Python loop: interruptible between bytecodes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass
    return "done"


def test_a_fast_call_returns_its_value_and_leaves_no_timer() -> None:
    before = signal.getsignal(signal.SIGALRM)
    assert call_with_budget(5.0, lambda a, b: a + b, 1, b=2) == 3
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before


def test_a_slow_call_is_interrupted() -> None:
    started = time.monotonic()
    with pytest.raises(BudgetExceeded) as caught:
        call_with_budget(0.2, _spin, 30)
    assert caught.value.seconds == 0.2
    assert time.monotonic() - started < 5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_interruption_is_not_an_exception_the_core_could_swallow() -> None:
    def swallowing() -> str:
        try:
            return _spin(30)
        except Exception:
            return "swallowed"

    assert not issubclass(BudgetExceeded, Exception)
    with pytest.raises(BudgetExceeded):
        call_with_budget(0.2, swallowing)


@pytest.mark.parametrize("seconds", [None, 0, -1])
def test_no_budget_means_no_timer(seconds: float | None) -> None:
    assert call_with_budget(seconds, lambda: signal.getitimer(signal.ITIMER_REAL)) == (0.0, 0.0)


def test_off_the_main_thread_there_is_no_budget() -> None:
    seen: list[Any] = []
    worker = threading.Thread(target=lambda: seen.append(call_with_budget(0.05, _spin, 0.2)))
    worker.start()
    worker.join(10)
    assert seen == ["done"]


def test_the_alarm_is_raised_only_in_the_budgeted_greenlet() -> None:
    """The server's gevent workers run requests as greenlets of the main thread: an alarm that
    lands while another greenlet runs must not be raised there, and still ends the budgeted call."""
    greenlet = pytest.importorskip("greenlet").greenlet
    seen: list[str] = []

    def other() -> None:
        seen.append(_spin(0.5))  # the 0.2 s alarm lands here: not the budgeted call

    def budgeted() -> str:
        greenlet(other).switch()  # runs `other` to its end, then comes back here
        seen.append("back")
        return _spin(30)

    started = time.monotonic()
    with pytest.raises(BudgetExceeded):
        call_with_budget(0.2, budgeted)
    assert seen == ["done", "back"]
    assert time.monotonic() - started < 5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_outer_timer_is_left_alone() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        assert call_with_budget(0.01, _spin, 0.1) == "done"  # the inner budget did not apply
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0  # the outer timer still runs
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == []


def test_timed_out_result_is_a_failed_state_timeout() -> None:
    result = timed_out_result(2.5)
    assert result.status == Status.FAILED
    assert result.error == "States.Timeout"
    assert result.cause is not None and "2.5 seconds" in result.cause
    assert "TESTSTATE_REQUEST_BUDGET_SECONDS" in result.cause


def test_run_state_within_budget_uses_the_app_setting() -> None:
    app = create_app({"TESTSTATE_REQUEST_BUDGET_SECONDS": 0.2})
    with app.app_context():
        assert configured_budget_seconds() == 0.2
        result = run_state_within_budget(_spin, 30)
    assert result == timed_out_result(0.2)


def test_outside_an_app_the_environment_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTSTATE_REQUEST_BUDGET_SECONDS", "3.5")
    assert configured_budget_seconds() == 3.5
    monkeypatch.delenv("TESTSTATE_REQUEST_BUDGET_SECONDS")
    assert configured_budget_seconds() == 10.0


def test_a_state_over_budget_answers_200_failed_states_timeout() -> None:
    """Below the core's own 1 s JSONata limit, the service's budget is what stops the state."""
    client = create_app({"TESTSTATE_REQUEST_BUDGET_SECONDS": 0.3}).test_client()
    started = time.monotonic()
    answer = client.post(
        "/", data=json.dumps({"definition": SLOW_JSONATA, "inspectionLevel": "DEBUG"}), headers=H
    )
    assert time.monotonic() - started < 5, "hang guard; the cause below names the 0.3 s budget"
    assert answer.status_code == 200
    payload = json.loads(answer.get_data())
    assert payload["status"] == "FAILED"
    assert payload["error"] == "States.Timeout"
    assert "0.3 seconds" in payload["cause"]
    assert "output" not in payload
    # The same app answers the next request normally.
    again = client.post("/", data=json.dumps({"definition": '{"Type": "Pass", "End": true}'}), headers=H)
    assert json.loads(again.get_data()) == {"status": "SUCCEEDED", "output": "{}"}


def test_with_a_generous_budget_the_core_limit_answers_first() -> None:
    client = create_app({"TESTSTATE_REQUEST_BUDGET_SECONDS": 30}).test_client()
    payload = json.loads(
        client.post("/", data=json.dumps({"definition": SLOW_JSONATA}), headers=H).get_data()
    )
    assert payload["error"] == "States.QueryEvaluationError"
    assert "D1012" in payload["cause"]


def test_a_budgeted_call_leaves_no_reference_cycle_behind() -> None:
    # The call's frame and its alarm handler's closure referred to each other: every request's
    # arguments (in process: botocore's request objects) waited for the garbage collector.
    import gc
    import weakref

    class Payload:
        pass

    payload = Payload()
    alive = weakref.ref(payload)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        call_with_budget(5.0, lambda value: value is not None, payload)
        del payload
        assert alive() is None
    finally:
        if was_enabled:
            gc.enable()
