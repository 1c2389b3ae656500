"""A wall-clock budget per request: the service's last line of defence against a state that runs on.

The core bounds its own work (JSONata steps and time, sequence sizes, intrinsic limits), but a
bound missed there must not hang a worker. `call_with_budget` runs a callable under a
``setitimer(ITIMER_REAL)`` alarm whose handler raises `BudgetExceeded`; `run_state_within_budget`
turns that into the answer AWS gives for a state that runs too long: status FAILED with
``States.Timeout`` ("The TestState API can run for up to five minutes. If the execution of a state
exceeds this duration, it fails with the States.Timeout error": AWS Step Functions API reference,
"TestState").

Limits of the mechanism, on purpose:
- Python runs signal handlers between bytecodes only: a long C call is interrupted when it next
  checks for signals (``re`` matching does, every few thousand steps; a single huge allocation
  does not). gunicorn's worker timeout stays the backstop for those.
- Signals are delivered to the main thread only, so off the main thread (a threaded test server)
  there is no budget and the callable runs unbounded. The server's gevent workers
  (`teststate.worker.TestStateWorker`) run every request in a greenlet of the main thread, and
  Flask's test client calls the app on the main thread.
- Greenlets share the main thread, so the alarm is raised only where it belongs: in the call that
  armed it (its frame is on the interrupted stack). An evaluation never yields to another greenlet
  (it does no I/O), but should the alarm ever land in another one, it is set again a moment later
  rather than raised there.
- `BudgetExceeded` derives from `BaseException`: the core and its libraries catch `Exception` to
  turn library bugs into ASL errors, and must not swallow the alarm.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # typeshed describes `signal`, not its C module
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Final, ParamSpec, TypeVar

from flask import current_app, has_app_context

from interpreter import ErrorName, Status, TestResult
from teststate.settings import Settings

__all__ = [
    "CONFIG_KEY",
    "BudgetExceeded",
    "call_with_budget",
    "configured_budget_seconds",
    "run_state_within_budget",
    "run_within",
    "timed_out_result",
]

P = ParamSpec("P")
T = TypeVar("T")

_SIGALRM: Final = int(signal.SIGALRM)
_ITIMER_REAL: Final = int(signal.ITIMER_REAL)
# When the alarm lands outside the budgeted call (another greenlet runs), it is set again this
# much later.
_RETRY_SECONDS: Final = 0.01

# The app config key holding the budget (set by `teststate.create_app` from the settings).
CONFIG_KEY: Final = "TESTSTATE_REQUEST_BUDGET_SECONDS"

# AWS's cause for this failure is not recorded; ours names the bound and how to change it.
TIMEOUT_CAUSE: Final = (
    "The state did not finish within this server's time budget of {seconds:g} seconds per request "
    "(TESTSTATE_REQUEST_BUDGET_SECONDS)"
)


class BudgetExceeded(BaseException):
    """The budget ran out while the callable was running."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"budget of {seconds:g} s exceeded")


def call_with_budget(seconds: float | None, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)``, interrupted by `BudgetExceeded` after `seconds` of wall clock.

    No budget applies when `seconds` is None or not positive, off the main thread (signals
    cannot be used there), or when an interval timer is already running (an outer budget, or
    someone else's alarm, governs: it is left untouched).

    Raises:
        BudgetExceeded: the budget ran out; whatever `fn` was doing was abandoned.
    """
    if not seconds or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        return fn(*args, **kwargs)
    if _signal.getitimer(_ITIMER_REAL)[0] > 0:
        return fn(*args, **kwargs)
    armed = [True]
    budgeted: FrameType | None = sys._getframe()

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        # The alarm may land after `fn` returned but before the timer is cancelled: then the
        # work is done and the late signal is ignored.
        if not armed[0]:
            return
        while frame is not None:
            if frame is budgeted:
                raise BudgetExceeded(seconds)
            frame = frame.f_back
        # Another greenlet of this thread is running: the call it would interrupt is not ours.
        _signal.setitimer(_ITIMER_REAL, _RETRY_SECONDS)

    # `_signal` rather than `signal`: the same calls, minus the enum wrapping that made this
    # round trip ~10 us of every request.
    previous = _signal.signal(_SIGALRM, on_alarm)
    try:
        _signal.setitimer(_ITIMER_REAL, seconds)
        result = fn(*args, **kwargs)
        armed[0] = False
        return result
    finally:
        armed[0] = False
        # This frame holds `on_alarm`'s cell and the cell holds this frame: a cycle that kept the
        # whole call stack of every request (botocore's objects, in process) for the garbage
        # collector. Emptying the cell breaks it.
        budgeted = None
        _signal.setitimer(_ITIMER_REAL, 0)
        _signal.signal(_SIGALRM, previous)


def configured_budget_seconds() -> float:
    """The budget in force: the app's (``TESTSTATE_REQUEST_BUDGET_SECONDS`` in its config) inside
    a request or app context, else the environment's (or the default)."""
    if has_app_context():
        configured = current_app.config.get(CONFIG_KEY)
        if configured is not None:
            return float(configured)
    return Settings.from_env(os.environ).request_budget_seconds


def timed_out_result(seconds: float) -> TestResult:
    """What a state that exceeded the budget answers: FAILED with ``States.Timeout``.

    AWS fails a TestState run that exceeds its duration limit with States.Timeout (AWS Step
    Functions API reference, "TestState"); no output and no inspection data were produced, so
    none are sent.
    """
    return TestResult(
        status=Status.FAILED,
        error=ErrorName.TIMEOUT.value,
        cause=TIMEOUT_CAUSE.format(seconds=seconds),
    )


def run_state_within_budget(run: Callable[P, TestResult], /, *args: P.args, **kwargs: P.kwargs) -> TestResult:
    """``run(*args, **kwargs)`` (the core's `run_state`) under the configured budget; a budget
    that runs out becomes `timed_out_result`."""
    return run_within(configured_budget_seconds(), run, *args, **kwargs)


def run_within(
    seconds: float | None, run: Callable[P, TestResult], /, *args: P.args, **kwargs: P.kwargs
) -> TestResult:
    """``run(*args, **kwargs)`` under a budget of `seconds` (None or 0: none); a budget that runs
    out becomes `timed_out_result`. The server passes its budget in (no app context needed)."""
    try:
        return call_with_budget(seconds, run, *args, **kwargs)
    except BudgetExceeded as exceeded:
        return timed_out_result(exceeded.seconds)
