"""Hypothesis profiles, the live server, and the request count.

Profiles: `dev` (quick, default), `ci` (bounded, derandomized; chosen when CI is set) and `long`
(the deep run of ``make fuzz``). Pick one with HYPOTHESIS_PROFILE=<name>.

The request-level properties (fuzz/test_service_props.py and fuzz/test_service_equivalence_props.py)
take `request_settings()`: the profile's own, except under `long`, where each runs
`LONG_REQUEST_EXAMPLES` examples so that together they send at least `LONG_REQUEST_TARGET`
generated requests (issue 5). Every TestState request the fuzz suite makes is counted
(`request_log`) and the count is printed at the end of the run.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import flask
import pytest
from hypothesis import HealthCheck, settings

# The session's real gunicorn server (tests/conftest.py), in scope for the fuzz suite too: fuzz/
# is not under tests/, so its fixtures are only visible here when imported. (When both
# directories run together, each starts its own server.)
from tests.conftest import server  # noqa: F401

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile(
    "ci", max_examples=300, deadline=None, derandomize=True, print_blob=True, suppress_health_check=_SLOW_OK
)
settings.register_profile("long", max_examples=20_000, deadline=None, suppress_health_check=_SLOW_OK)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)

# `long`: 4 request-level properties, one request per example. test_service_props.py keeps the
# profile's max_examples (20,000); the three of test_service_equivalence_props.py take
# `request_settings()`, 30,000 each: 20,000 + 3 x 30,000 = 110,000 >= 100,000.
LONG_REQUEST_TARGET = 100_000
LONG_REQUEST_EXAMPLES = 30_000
_LONG_TOTAL = settings.get_profile("long").max_examples + 3 * LONG_REQUEST_EXAMPLES
if _LONG_TOTAL < LONG_REQUEST_TARGET:  # checked at import, like every table
    raise RuntimeError(f"the long profile would generate only {_LONG_TOTAL} requests")


def request_settings() -> settings:
    """Settings for a request-level property: `LONG_REQUEST_EXAMPLES` under `long`, else the profile's."""
    if PROFILE == "long":
        return settings(max_examples=LONG_REQUEST_EXAMPLES)
    return settings()


# --- request count ---------------------------------------------------------------------------------

REQUESTS: Counter[str] = Counter()
"""Requests made by the fuzz suite, by how they were answered: ``http`` (the real server),
``flask`` (the Flask app in this process), ``operation`` (`teststate.operations.test_state.test_state`
called directly); ``generated`` counts examples of the request-level properties (each one TestState
request, however many times it is sent); ``5xx`` the server errors seen."""

_counting = False


def counted(app: flask.Flask) -> flask.Flask:
    """`app`, its requests counted while fuzz tests run (at the WSGI entry: ``POST /`` is answered
    there, without Flask's request signals)."""
    inner = app.wsgi_app

    def wsgi_app(environ: Any, start_response: Any) -> Any:
        if _counting:
            REQUESTS["flask"] += 1
            REQUESTS["generated"] += 1
        return inner(environ, start_response)

    app.wsgi_app = wsgi_app  # type: ignore[method-assign]
    return app


@pytest.fixture(scope="module", autouse=True)
def _count_fuzz_requests() -> Iterator[None]:
    """Count Flask requests only while fuzz tests run (module scope: hypothesis refuses
    function-scoped fixtures around @given tests)."""
    global _counting
    _counting = True
    yield
    _counting = False


@pytest.fixture(scope="session")
def request_log() -> Counter[str]:
    """The session's request counter (see `REQUESTS`)."""
    return REQUESTS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not REQUESTS:
        return
    terminalreporter.write_sep("-", "fuzz requests")
    terminalreporter.write_line(
        f"{REQUESTS['generated']:,} generated TestState requests (profile {PROFILE}); sent "
        f"{REQUESTS['http']:,} over HTTP to the real server, {REQUESTS['flask']:,} through the Flask app, "
        f"{REQUESTS['operation']:,} to test_state in process; 5xx answers: {REQUESTS['5xx']:,}"
    )
