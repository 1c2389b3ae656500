"""The pytest plugin (entry point ``teststate``): TestState in a test suite, no server to start.

Fixtures:

- ``sfn``: a boto3 Step Functions client for the test. By default it is served in process
  (`teststate.toolkit.client.inprocess_client`: botocore builds, signs and parses every request,
  the app answers it without a socket). With ``--teststate-endpoint URL`` (or the environment
  variable ``TESTSTATE_ENDPOINT``) it is a client of that endpoint instead
  (`teststate.toolkit.client.endpoint_client`): a real server (no host prefix, no retries, dummy
  credentials) or AWS itself (``https://states.<region>.amazonaws.com``: the machine's
  credentials and configuration), so the same test file runs unchanged against all three.
- ``teststate_app``: the WSGI app the in-process clients share (Flask's ``test_client()`` works
  on it), for the session.
- ``teststate_server``: the URL of a real server (gunicorn, ``teststate serve``) on a free
  loopback port, started for the session (`teststate.testing.start_server`).
- ``teststate_endpoint``: the endpoint ``sfn`` calls (None: in process).
- ``teststate_coverage``: the session's coverage recorder (None without ``--teststate-coverage``),
  to record clients a test makes itself.

Coverage (``--teststate-coverage``; ``--teststate-coverage-html DIR`` implies it): every client
``sfn`` makes is attached to one `teststate.toolkit.coverage.CoverageRecorder`; the session ends
with its summary in the terminal, and the HTML report (Graphviz drawings) in DIR.

Importing this module is cheap (pytest imports every installed plugin at start): Flask, boto3
and the service are imported when a fixture or an option needs them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import pytest

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from teststate.toolkit.coverage import CoverageRecorder

__all__ = [
    "ENDPOINT_VARIABLE",
    "PluginState",
    "pytest_addoption",
    "pytest_configure",
    "pytest_terminal_summary",
    "sfn",
    "teststate_app",
    "teststate_coverage",
    "teststate_endpoint",
    "teststate_server",
]

ENDPOINT_VARIABLE: Final = "TESTSTATE_ENDPOINT"
SERVER_START_SECONDS: Final = 60.0


@dataclass(frozen=True, slots=True)
class PluginState:
    """What the options decided, for the session.

    Attributes:
        endpoint: the URL ``sfn`` calls; None: in process.
        recorder: the coverage recorder; None without ``--teststate-coverage``.
        coverage_html: where the HTML coverage report goes; None: no report.
    """

    endpoint: str | None
    recorder: CoverageRecorder | None
    coverage_html: str | None


_STATE: Final = pytest.StashKey[PluginState]()


# --------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--teststate-*`` options."""
    group = parser.getgroup("teststate", "TestState (offline AWS Step Functions TestState)")
    group.addoption(
        "--teststate-endpoint",
        metavar="URL",
        default=None,
        help=f"the sfn fixture calls this endpoint (a teststate server, AWS) instead of the service in "
        f"process (env {ENDPOINT_VARIABLE})",
    )
    group.addoption(
        "--teststate-coverage",
        action="store_true",
        default=False,
        help="record which states, Choice rules, Retry and Catch entries and transitions the sfn "
        "fixture's TestState calls covered; print a summary",
    )
    group.addoption(
        "--teststate-coverage-html",
        metavar="DIR",
        default=None,
        help="also write the coverage as an HTML report (state machines drawn by Graphviz) into DIR",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Check the endpoint, and start the coverage recorder when asked to."""
    endpoint = config.getoption("teststate_endpoint") or os.environ.get(ENDPOINT_VARIABLE, "").strip() or None
    if endpoint is not None:
        from teststate.toolkit.client import EndpointError, is_aws_endpoint

        try:
            is_aws_endpoint(endpoint)
        except EndpointError as error:
            raise pytest.UsageError(f"--teststate-endpoint / {ENDPOINT_VARIABLE}: {error}") from None
    html = config.getoption("teststate_coverage_html")
    recorder = None
    if html is not None or config.getoption("teststate_coverage"):
        from teststate.toolkit.coverage import CoverageRecorder

        recorder = CoverageRecorder()
    config.stash[_STATE] = PluginState(endpoint=endpoint, recorder=recorder, coverage_html=html)


def _state(config: pytest.Config) -> PluginState:
    return config.stash.get(_STATE, PluginState(endpoint=None, recorder=None, coverage_html=None))


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def teststate_endpoint(pytestconfig: pytest.Config) -> str | None:
    """The endpoint the ``sfn`` fixture calls: ``--teststate-endpoint`` or ``TESTSTATE_ENDPOINT``;
    None when the service answers in process."""
    return _state(pytestconfig).endpoint


@pytest.fixture(scope="session")
def teststate_app() -> WSGIApplication:
    """The WSGI app the in-process ``sfn`` clients call (`teststate.toolkit.client.shared_app`:
    settings from ``TESTSTATE_*``; override this fixture to test with an app of your own)."""
    from teststate.toolkit.client import shared_app

    return shared_app()


@pytest.fixture(scope="session")
def teststate_server() -> Iterator[str]:
    """The URL of a real server (``teststate serve``: gunicorn) on a free loopback port, running
    for the session."""
    from teststate.testing import ServerDidNotStart, start_server

    try:
        running = start_server(start_timeout=SERVER_START_SECONDS)
    except ServerDidNotStart as error:
        pytest.fail(str(error), pytrace=False)
    with running:
        yield running.url


@pytest.fixture(scope="session")
def teststate_coverage(pytestconfig: pytest.Config) -> CoverageRecorder | None:
    """The session's coverage recorder (None without ``--teststate-coverage``): attach a client
    of your own with ``teststate_coverage.attach(client)``."""
    return _state(pytestconfig).recorder


@pytest.fixture
def sfn(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Any:
    """A boto3 Step Functions client: in process by default, else for ``--teststate-endpoint``."""
    from teststate.toolkit.client import endpoint_client, inprocess_client

    state = _state(pytestconfig)
    if state.endpoint is None:
        client = inprocess_client(app=request.getfixturevalue("teststate_app"))
    else:
        client = endpoint_client(state.endpoint)
    if state.recorder is not None:
        state.recorder.attach(client)
    return client


# --------------------------------------------------------------------------------------------
# Coverage report
# --------------------------------------------------------------------------------------------
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The coverage summary, and where the HTML report went."""
    state = _state(config)
    if state.recorder is None:
        return
    from teststate.toolkit.coverage import summary_lines

    data = state.recorder.data()
    terminalreporter.section("TestState coverage")
    for line in summary_lines(data):
        terminalreporter.write_line(line)
    if state.coverage_html is not None:
        from teststate.toolkit.coverage_report import ReportError, write_html_report

        try:
            page = write_html_report(data, state.coverage_html)
        except (ReportError, OSError) as error:
            terminalreporter.write_line(f"TestState coverage: no HTML report: {error}", red=True)
        else:
            terminalreporter.write_line(f"TestState coverage HTML report: {page}")
