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
- ``teststate_mock_config``: installs a mock configuration (AWS Step Functions Local's format) for
  one test and puts back what was there after it; the in-process app and ``teststate_server``
  read it at each execution's start, so nothing restarts.
- ``teststate_mock_config_path``: the file they read (``TESTSTATE_MOCK_CONFIG`` or
  ``SFN_MOCK_CONFIG`` when set, else a file of the session's own).

Coverage (``--teststate-coverage``; ``--teststate-coverage-html DIR`` implies it): every client
``sfn`` makes is attached to one `teststate.toolkit.coverage.CoverageRecorder`; the session ends
with its summary in the terminal, and the HTML report (Graphviz drawings) in DIR.

Importing this module is cheap (pytest imports every installed plugin at start): Flask, boto3
and the service are imported when a fixture or an option needs them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
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
    "teststate_mock_config",
    "teststate_mock_config_path",
    "teststate_server",
]

ENDPOINT_VARIABLE: Final = "TESTSTATE_ENDPOINT"
# The server's and the in-process app's mock configuration file (teststate.settings).
MOCK_CONFIG_VARIABLES: Final = ("TESTSTATE_MOCK_CONFIG", "SFN_MOCK_CONFIG")
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
        "fixture's TestState calls and executions covered; print a summary",
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
def teststate_mock_config_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mock configuration file the in-process app and ``teststate_server`` read:
    ``TESTSTATE_MOCK_CONFIG`` (or ``SFN_MOCK_CONFIG``) when set, else a file of this session's."""
    for variable in MOCK_CONFIG_VARIABLES:
        named = os.environ.get(variable, "").strip()
        if named:
            return Path(named)
    return tmp_path_factory.mktemp("teststate") / "mock-config.json"


@pytest.fixture(scope="session")
def teststate_app(teststate_mock_config_path: Path) -> WSGIApplication:
    """The WSGI app the in-process ``sfn`` clients call (`teststate.toolkit.client.shared_app`:
    settings from ``TESTSTATE_*``, the mock file `teststate_mock_config_path`; override this
    fixture to test with an app of your own)."""
    import dataclasses

    from teststate.toolkit.client import inprocess_settings, shared_app

    settings = inprocess_settings(os.environ)
    return shared_app(dataclasses.replace(settings, mock_config=str(teststate_mock_config_path)))


@pytest.fixture(scope="session")
def teststate_server(teststate_mock_config_path: Path) -> Iterator[str]:
    """The URL of a real server (``teststate serve``: gunicorn) on a free loopback port, running
    for the session; it reads the mock file `teststate_mock_config_path`."""
    from teststate.testing import ServerDidNotStart, start_server

    try:
        running = start_server(
            start_timeout=SERVER_START_SECONDS,
            env={"TESTSTATE_MOCK_CONFIG": str(teststate_mock_config_path)},
        )
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
def sfn(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Iterator[Any]:
    """A boto3 Step Functions client: in process by default, else for ``--teststate-endpoint``."""
    from teststate.toolkit.client import endpoint_client, inprocess_client

    state = _state(pytestconfig)
    if state.endpoint is None:
        client = inprocess_client(app=request.getfixturevalue("teststate_app"))
    else:
        client = endpoint_client(state.endpoint)
    if state.recorder is not None:
        state.recorder.attach(client)
    yield client
    if state.recorder is not None:
        # The executions this test started and saw end are read now, while the endpoint is up.
        state.recorder.settle(client)


MockConfigInstaller = Callable[[Mapping[str, Any] | str | Path], Path]
"""Installs a mock configuration (a mapping, JSON text, or a file to copy) and returns the file."""


@pytest.fixture
def teststate_mock_config(
    pytestconfig: pytest.Config, teststate_mock_config_path: Path
) -> Iterator[MockConfigInstaller]:
    """Install a mock configuration for this test: ``teststate_mock_config({...})``.

    The file is replaced atomically (written beside it, then renamed), so an execution starting
    meanwhile reads the old file or the new one, never half of one; the service reads it again
    when it changed, so nothing restarts. After the test the previous content is put back (or the
    file removed when there was none). With ``--teststate-endpoint`` the endpoint must read the
    file named by ``TESTSTATE_MOCK_CONFIG``/``SFN_MOCK_CONFIG`` (a server on this machine).
    """
    if _state(pytestconfig).endpoint is not None and not any(
        os.environ.get(variable, "").strip() for variable in MOCK_CONFIG_VARIABLES
    ):
        pytest.fail(
            "teststate_mock_config with --teststate-endpoint: set TESTSTATE_MOCK_CONFIG to the mock "
            "configuration file that endpoint reads",
            pytrace=False,
        )
    path = teststate_mock_config_path
    previous = path.read_bytes() if path.exists() else None

    def install(config: Mapping[str, Any] | str | Path) -> Path:
        if isinstance(config, Path):
            text = config.read_text(encoding="utf-8")
        elif isinstance(config, str):
            text = config
        else:
            text = json.dumps(config, indent=2)
        _replace(path, text.encode("utf-8"))
        return path

    yield install
    if previous is not None:
        _replace(path, previous)
    elif path.exists():
        path.unlink()


def _replace(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (a sibling file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staging.write_bytes(data)
    os.replace(staging, path)


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
