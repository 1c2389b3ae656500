"""In-process figures: one call of the core and of the operation with the definition loaded, and
the cold load of a definition with every compile cache cleared.

- core: `interpreter.run_state` with everything the operation would hand it already built (loaded
  state, decoded input and variables, context object, mock, state configuration, World), so the
  figure is the evaluation alone.
- operation: `teststate.operations.test_state.test_state` on the parsed request body (what the Flask view
  calls after decoding the JSON): request schema, request rules, context, the core under the
  request budget, and the answer's encoding; inside an app context, as a worker runs it.
- cold load: `interpreter.load_definition` after clearing every ``functools.lru_cache`` of the
  ``interpreter`` package (the definition cache and the per-expression caches), found by scanning
  the loaded modules so a cache added later is cleared too.

Timings are taken ``timeit``-style: each sample times a batch of calls sized to take a couple of
milliseconds; the median and p90 of the per-call times of the samples are reported.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bench.scenarios import Scenario

__all__ = [
    "ColdLoad",
    "InProcessRow",
    "Timing",
    "clear_compile_caches",
    "cold_load",
    "run_inprocess",
    "time_call",
]


@dataclass(frozen=True, slots=True)
class Timing:
    """Per-call time of a callable: median and p90 over `samples` samples of `number` calls each."""

    median_us: float
    p90_us: float
    samples: int
    number: int


@dataclass(frozen=True, slots=True)
class InProcessRow:
    """One scenario's in-process figures, or why it could not be timed."""

    scenario: Scenario
    core: Timing | None
    operation: Timing | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ColdLoad:
    """`load_definition` with every interpreter cache cleared first, over `runs` runs."""

    median_ms: float
    p90_ms: float
    runs: int
    caches_cleared: tuple[str, ...]


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def time_call(fn: Callable[[], Any], *, samples: int, sample_seconds: float = 0.002) -> Timing:
    """Time `fn` as ``timeit`` does: find a batch size worth `sample_seconds`, then take `samples`
    batches; each batch's time divided by its size is one per-call figure."""
    number = 1
    while True:  # timeit.Timer.autorange, with our own target duration
        started = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - started >= sample_seconds or number >= 1_000_000:
            break
        number *= 2
    per_call: list[float] = []
    for _ in range(samples):
        started = time.perf_counter()
        for _ in range(number):
            fn()
        per_call.append((time.perf_counter() - started) / number * 1e6)
    per_call.sort()
    return Timing(
        median_us=statistics.median(per_call),
        p90_us=_percentile(per_call, 0.9),
        samples=samples,
        number=number,
    )


# --------------------------------------------------------------------------------------------
# The two callables of a scenario
# --------------------------------------------------------------------------------------------
class ScenarioFailed(Exception):
    """The scenario did not answer its expected status (the message says what it answered)."""


def _core_call(scenario: Scenario) -> Callable[[], Any]:
    """`run_state` with every argument prepared as `teststate.operations.test_state.test_state` prepares it."""
    from interpreter import (
        ASLError,
        Mock,
        MockError,
        World,
        default_context,
        load_definition,
        loads,
        run_state,
    )
    from interpreter.context import DEFAULT_ACCOUNT
    from teststate.errors import ApiError
    from teststate.operations.test_state import (
        decode_input,
        decode_variables,
        state_configuration,
    )
    from teststate.validation.request import load_test_state_request

    try:
        request = load_test_state_request(scenario.request)
        loaded = load_definition(request.definition, request.state_name)
    except ApiError as err:
        raise ScenarioFailed(f"{err.status} {err.code}: {err.message}") from None
    except ASLError as err:
        raise ScenarioFailed(f"{type(err).__name__}: {err}") from None
    mock: Mock | None = None
    if request.mock is not None:
        if request.mock.error_output is not None:
            error = MockError(error=request.mock.error_output.error, cause=request.mock.error_output.cause)
            mock = Mock(error=error, field_validation_mode=request.mock.field_validation_mode)
        else:
            mock = Mock(
                result=loads(request.mock.result or "null"),
                field_validation_mode=request.mock.field_validation_mode,
            )
    state_input = decode_input(request.input)
    variables = decode_variables(request.variables)
    config = state_configuration(request)
    world = World()
    context = default_context(
        loaded=loaded,
        input=state_input,
        role_arn=None,
        region="us-east-1",
        account=DEFAULT_ACCOUNT,
        world=world,
        retry_count=config.retrier_retry_count,
    )

    def call() -> Any:
        return run_state(
            loaded,
            input=state_input,
            context=context,
            variables=variables,
            world=world,
            mock=mock,
            config=config,
        )

    try:
        status = str(call().status)
    except ASLError as err:
        raise ScenarioFailed(f"{type(err).__name__}: {err}") from None
    if status != scenario.expected_status:
        raise ScenarioFailed(f"status {status}, expected {scenario.expected_status}")
    return call


def _operation_call(scenario: Scenario, limits: Any) -> Callable[[], Any]:
    """`test_state` on the parsed body, with a fresh World per call as the server makes one."""
    from interpreter import World
    from teststate.errors import ApiError
    from teststate.operations.test_state import test_state
    from teststate.settings import Settings
    from teststate.validation.request import load_test_state_request

    body: Mapping[str, Any] = scenario.request
    # As a worker runs it: the budget is read from the settings once, not per call.
    budget = Settings.from_env(os.environ).request_budget_seconds

    def call() -> Any:
        return test_state(
            load_test_state_request(body),
            region="us-east-1",
            world=World(limits=limits),
            budget_seconds=budget,
        )

    try:
        status = call().get("status")
    except ApiError as err:
        raise ScenarioFailed(f"{err.status} {err.code}: {err.message}") from None
    if status != scenario.expected_status:
        raise ScenarioFailed(f"status {status}, expected {scenario.expected_status}")
    return call


def run_inprocess(scenarios: tuple[Scenario, ...], *, samples: int) -> list[InProcessRow]:
    """Time the core and the operation of every scenario (definitions loaded before timing)."""

    from teststate import create_app
    from teststate.settings import Settings

    settings = Settings.from_env(os.environ)
    app = create_app(settings=settings)
    rows = []
    with app.app_context():  # the operation reads the request budget from the app, as in a worker
        for scenario in scenarios:
            try:
                core = time_call(_core_call(scenario), samples=samples)
                operation = time_call(_operation_call(scenario, settings.limits), samples=samples)
            except ScenarioFailed as failed:
                rows.append(InProcessRow(scenario, None, None, error=str(failed)))
                continue
            rows.append(InProcessRow(scenario, core, operation))
    return rows


# --------------------------------------------------------------------------------------------
# Cold load
# --------------------------------------------------------------------------------------------
def clear_compile_caches() -> tuple[str, ...]:
    """Clear every ``functools.lru_cache`` at module level in the ``interpreter`` package (the
    definition cache and the per-expression compile caches); return their names."""
    cleared = []
    for module_name, module in sorted(sys.modules.items()):
        if module is None or not (module_name == "interpreter" or module_name.startswith("interpreter.")):
            continue
        for attribute, value in vars(module).items():
            clear = getattr(value, "cache_clear", None)
            if (
                callable(clear)
                and hasattr(value, "cache_info")
                and getattr(value, "__module__", None) == module_name
            ):
                clear()
                cleared.append(f"{module_name}.{attribute}")
    return tuple(cleared)


def cold_load(text: str, state_name: str | None, *, runs: int) -> ColdLoad:
    """Median and p90 of `load_definition(text, state_name)` with every cache cleared before each run."""
    from interpreter import load_definition

    load_definition(text, state_name)  # imports and one-time set-up happen outside the figure
    times: list[float] = []
    cleared: tuple[str, ...] = ()
    for _ in range(runs):
        cleared = clear_compile_caches()
        started = time.perf_counter()
        load_definition(text, state_name)
        times.append((time.perf_counter() - started) * 1e3)
    times.sort()
    return ColdLoad(
        median_ms=statistics.median(times), p90_ms=_percentile(times, 0.9), runs=runs, caches_cleared=cleared
    )
