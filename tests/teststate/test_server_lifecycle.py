"""Settings, secure defaults and the server's lifecycle, with real gunicorn servers of our own.

Each server here is started with the console script's code path and its own ``TESTSTATE_*``
environment (small budget, recycling, log level) so the behaviour is observed from outside:
graceful shutdown on SIGTERM (idle kept-alive connections do not hold it up), a stuck worker
killed and replaced, worker recycling, the budget's States.Timeout with the worker staying alive,
and the access log on stderr (payloads only at debug). Slow and stalled clients have their own
module, test_slow_clients.py.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from teststate import create_app
from teststate.server import TestStateServer, gunicorn_options
from teststate.settings import ENV_NAMES, SERVICE_CALL_VARIABLES, Settings, SettingsError
from teststate.testing import RunningServer, is_healthy, start_server, worker_pids
from teststate.worker import TestStateWorker

REPO = Path(__file__).resolve().parents[2]
H = {"X-Amz-Target": "AWSStepFunctions.TestState"}
PASS = '{"Type": "Pass", "End": true}'
# Stopped by the core's 1 s JSONata limit: an in-flight request of about a second.
ONE_SECOND_JSONATA = json.dumps(
    {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "End": True,
        "Output": "{% ($f := function($n){$n > 0 ? $f($n-1) : 0}; $f(100000000)) %}",
    }
)


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------
def test_defaults_are_secure_and_documented() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.host == "127.0.0.1", "listen on loopback unless told otherwise"
    assert settings.log_level == "info", "payloads are logged only at debug"
    assert settings.request_budget_seconds < settings.worker_timeout
    readme = (REPO / "README.md").read_text()
    for variable in (*ENV_NAMES.values(), *SERVICE_CALL_VARIABLES):
        assert f"`{variable}`" in readme, f"{variable} is not documented in the README"
    assert not settings.service_calls.enabled, "nothing is ever called unless asked for"


def test_every_setting_comes_from_its_variable() -> None:
    env = {
        "TESTSTATE_HOST": "0.0.0.0",
        "TESTSTATE_PORT": "9000",
        "TESTSTATE_WORKERS": "3",
        "TESTSTATE_WORKER_TIMEOUT": "60",
        "TESTSTATE_GRACEFUL_TIMEOUT": "5",
        "TESTSTATE_CLIENT_TIMEOUT": "4",
        "TESTSTATE_MAX_REQUESTS": "0",
        "TESTSTATE_MAX_REQUESTS_JITTER": "7",
        "TESTSTATE_REQUEST_BUDGET_SECONDS": "2.5",
        "TESTSTATE_MAX_BODY_BYTES": "1000",
        "TESTSTATE_MAX_JSON_DEPTH": "64",
        "TESTSTATE_LOG_LEVEL": "DEBUG",
        "TESTSTATE_JSONATA_TIMEOUT_MS": "11",
        "TESTSTATE_JSONATA_MAX_DEPTH": "12",
        "TESTSTATE_JSONATA_MAX_SEQUENCE_ITEMS": "13",
        "TESTSTATE_JSONATA_MAX_STRING_LENGTH": "14",
        "TESTSTATE_JSONPATH_TIMEOUT_MS": "15",
        "TESTSTATE_JSONPATH_MAX_STEPS": "16",
        "TESTSTATE_INTRINSIC_MAX_STRING_LENGTH": "17",
        "TESTSTATE_DATA_DIR": "/srv/teststate",
        "TESTSTATE_CLOCK": "Real",
        "TESTSTATE_MOCK_CONFIG": "mocks.json",
        "TESTSTATE_ACTIVITY_POLL_SECONDS": "5",
    }
    assert Settings.from_env(env) == Settings(
        host="0.0.0.0",
        port=9000,
        workers=3,
        worker_timeout=60,
        graceful_timeout=5,
        client_timeout=4,
        max_requests=0,
        max_requests_jitter=7,
        request_budget_seconds=2.5,
        max_body_bytes=1000,
        max_json_depth=64,
        log_level="debug",
        jsonata_timeout_ms=11,
        jsonata_max_depth=12,
        jsonata_max_sequence_items=13,
        jsonata_max_string_length=14,
        jsonpath_timeout_ms=15,
        jsonpath_max_steps=16,
        intrinsic_max_string_length=17,
        data_dir="/srv/teststate",
        clock="real",
        mock_config="mocks.json",
        activity_poll_seconds=5.0,
    )
    assert set(env) == set(ENV_NAMES.values())


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("1.5", 1.5), ("60", 60.0), ("61", 60.0), ("-1", 60.0), ("soon", 60.0), ("nan", 60.0)],
)
def test_the_activity_poll_hold_is_read_once_and_leniently(text: str, seconds: float) -> None:
    # README, Configuration: 0 to 60 seconds; another value is AWS's 60.
    settings = Settings.from_env({"TESTSTATE_ACTIVITY_POLL_SECONDS": text})
    assert settings.activity_poll_seconds == seconds
    assert create_app(settings=settings).service.activity_poll_seconds == seconds


def test_the_mock_configuration_is_also_read_from_step_functions_locals_variable() -> None:
    # Existing setups name the file by SFN_MOCK_CONFIG (AWS Step Functions Local, LocalStack).
    assert Settings.from_env({"SFN_MOCK_CONFIG": "legacy.json"}).mock_config == "legacy.json"
    both = {"SFN_MOCK_CONFIG": "legacy.json", "TESTSTATE_MOCK_CONFIG": "ours.json"}
    assert Settings.from_env(both).mock_config == "ours.json"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TESTSTATE_WORKERS": "two"}, "TESTSTATE_WORKERS must be an integer, got 'two'"),
        ({"TESTSTATE_WORKERS": "0"}, "TESTSTATE_WORKERS must be at least 1"),
        ({"TESTSTATE_MAX_REQUESTS": "-1"}, "TESTSTATE_MAX_REQUESTS must not be negative"),
        ({"TESTSTATE_CLIENT_TIMEOUT": "0"}, "TESTSTATE_CLIENT_TIMEOUT must be at least 1"),
        ({"TESTSTATE_CLIENT_TIMEOUT": "2.5"}, "TESTSTATE_CLIENT_TIMEOUT must be an integer"),
        (
            {"TESTSTATE_REQUEST_BUDGET_SECONDS": "nan"},
            "TESTSTATE_REQUEST_BUDGET_SECONDS must be a finite number",
        ),
        ({"TESTSTATE_REQUEST_BUDGET_SECONDS": "fast"}, "TESTSTATE_REQUEST_BUDGET_SECONDS must be a number"),
        ({"TESTSTATE_REQUEST_BUDGET_SECONDS": "400"}, "must be below TESTSTATE_WORKER_TIMEOUT"),
        ({"TESTSTATE_LOG_LEVEL": "loud"}, "TESTSTATE_LOG_LEVEL must be one of debug, info, warning, error"),
        ({"TESTSTATE_PORT": "70000"}, "TESTSTATE_PORT must be between 0 and 65535"),
        ({"TESTSTATE_CLOCK": "fast"}, "TESTSTATE_CLOCK must be one of virtual, real"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(")):
        Settings.from_env(env)


def test_gunicorn_gets_the_lifecycle_settings() -> None:
    settings = Settings(
        worker_timeout=45,
        graceful_timeout=7,
        client_timeout=12,
        max_requests=99,
        max_requests_jitter=9,
        log_level="warning",
    )
    options = gunicorn_options(settings=settings)
    assert options["bind"] == "127.0.0.1:8083"
    assert (options["timeout"], options["graceful_timeout"], options["keepalive"]) == (45, 7, 12)
    assert (options["max_requests"], options["max_requests_jitter"]) == (99, 9)
    server = TestStateServer(options)
    assert (server.cfg.timeout, server.cfg.graceful_timeout, server.cfg.max_requests) == (45, 7, 99)
    assert server.cfg.keepalive == 12, "the client timeout (TestStateWorker reads it as keepalive)"
    assert server.cfg.worker_class is TestStateWorker
    assert server.cfg.loglevel == "warning"


# --------------------------------------------------------------------------------------------
# Real servers
# --------------------------------------------------------------------------------------------
@contextmanager
def _server(**env: str) -> Iterator[RunningServer]:
    """One worker, so that what a test does to "the worker" is unambiguous."""
    with start_server(workers=1, env=env) as served:
        yield served


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=H, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _wait_for(predicate: Any, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


pytestmark = pytest.mark.e2e if sys.platform == "linux" else pytest.mark.skip("needs /proc")


def test_sigterm_lets_the_in_flight_request_finish_and_exits_0() -> None:
    with _server() as served:
        answers: list[tuple[int, dict[str, Any]]] = []
        client = threading.Thread(
            target=lambda: answers.append(_post(served.url, {"definition": ONE_SECOND_JSONATA}))
        )
        client.start()
        time.sleep(0.3)  # the request is being evaluated (it takes about a second)
        served.process.send_signal(signal.SIGTERM)
        client.join(30)
        assert served.process.wait(timeout=30) == 0
        assert answers and answers[0][0] == 200, served.output()
        assert answers[0][1]["error"] == "States.QueryEvaluationError"  # completed, not cut off
        assert not is_healthy(served.url), "no longer listening"


def test_sigterm_does_not_wait_for_idle_kept_alive_connections() -> None:
    """An idle kept-alive connection is closed at once on SIGTERM, not after its client timeout
    (60 s here) or the graceful timeout (30 s); the in-flight request still finishes."""
    with _server(TESTSTATE_CLIENT_TIMEOUT="60") as served:
        idle = http.client.HTTPConnection("127.0.0.1", int(served.url.rpartition(":")[2]), timeout=30)
        try:
            idle.request("POST", "/", json.dumps({"definition": PASS}), H)
            assert idle.getresponse().read()  # answered, and the connection is kept alive
            answers: list[tuple[int, dict[str, Any]]] = []
            client = threading.Thread(
                target=lambda: answers.append(_post(served.url, {"definition": ONE_SECOND_JSONATA}))
            )
            client.start()
            time.sleep(0.3)  # the request is being evaluated (it takes about a second)
            stopping = time.monotonic()
            served.process.send_signal(signal.SIGTERM)
            client.join(30)
            assert served.process.wait(timeout=30) == 0
            assert time.monotonic() - stopping < 10, "the idle connection held up the stop"
            assert answers and answers[0][0] == 200, served.output()
            assert answers[0][1]["error"] == "States.QueryEvaluationError"  # completed, not cut off
            assert idle.sock is not None
            idle.sock.settimeout(5)
            assert idle.sock.recv(1) == b"", "the idle connection was closed"
        finally:
            idle.close()


def test_a_stuck_worker_is_killed_and_replaced() -> None:
    """A worker that stops answering (stuck in C code that no signal interrupts; here SIGSTOP, which
    looks the same from outside: no heartbeat) is killed after TESTSTATE_WORKER_TIMEOUT and a new
    one serves."""
    with _server(TESTSTATE_WORKER_TIMEOUT="2", TESTSTATE_REQUEST_BUDGET_SECONDS="1") as served:
        (stuck,) = worker_pids(served.process.pid)
        os.kill(stuck, signal.SIGSTOP)
        try:
            assert _wait_for(lambda: (now := worker_pids(served.process.pid)) and stuck not in now, 30), (
                served.output()
            )
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(stuck, signal.SIGCONT)
        assert _wait_for(lambda: is_healthy(served.url), 30)
        assert _post(served.url, {"definition": PASS, "input": '{"a": 1}'}) == (
            200,
            {"status": "SUCCEEDED", "output": '{"a":1}'},
        )
        assert "WORKER TIMEOUT" in served.output()


def test_the_budget_fails_the_state_and_the_worker_lives_on() -> None:
    with _server(TESTSTATE_REQUEST_BUDGET_SECONDS="0.3") as served:
        before = set(worker_pids(served.process.pid))
        assert len(before) == 1
        status, payload = _post(served.url, {"definition": ONE_SECOND_JSONATA})
        assert status == 200
        assert payload == {
            "status": "FAILED",
            "error": "States.Timeout",
            "cause": "The state did not finish within this server's time budget of 0.3 seconds per request"
            " (TESTSTATE_REQUEST_BUDGET_SECONDS)",
        }
        assert _post(served.url, {"definition": PASS, "input": '{"a": 1}'}) == (
            200,
            {"status": "SUCCEEDED", "output": '{"a":1}'},
        )
        assert set(worker_pids(served.process.pid)) == before, "the same worker served both"


def test_workers_are_recycled_after_max_requests() -> None:
    with _server(TESTSTATE_MAX_REQUESTS="3", TESTSTATE_MAX_REQUESTS_JITTER="0") as served:
        first = set(worker_pids(served.process.pid))
        for _ in range(4):
            assert _post(served.url, {"definition": PASS})[0] == 200
        assert _wait_for(lambda: (now := set(worker_pids(served.process.pid))) and now.isdisjoint(first)), (
            served.output()
        )
        assert _post(served.url, {"definition": PASS})[0] == 200


SECRET = "s3cr3t-payload-value"


def _traffic(url: str) -> None:
    assert _post(url, {"definition": PASS, "input": json.dumps({"token": SECRET})})[0] == 200
    assert _post(url, {"definition": PASS, "input": SECRET})[0] == 400  # InvalidExecutionInput
    assert _post(url, {"definition": PASS, "inspectionLevel": SECRET})[0] == 400  # model violation


def test_access_log_has_one_line_per_request_and_no_payload() -> None:
    with _server() as served:
        _traffic(served.url)
        assert _wait_for(lambda: served.output().count("teststate.access") >= 4)
    log = served.output()
    lines = [line for line in log.splitlines() if "teststate.access" in line]
    assert len([line for line in lines if "operation=TestState" in line]) == 3
    succeeded = next(line for line in lines if "outcome=SUCCEEDED" in line)
    for field in ("request_id=", "operation=TestState", "state_type=Pass", "http_status=200", "duration_ms="):
        assert field in succeeded
    assert any("state_type=Pass outcome=InvalidExecutionInput http_status=400" in line for line in lines)
    assert any("state_type=- outcome=ValidationException http_status=400" in line for line in lines)
    assert SECRET not in log


def test_payloads_are_logged_only_at_debug() -> None:
    with _server(TESTSTATE_LOG_LEVEL="debug") as served:
        _traffic(served.url)
        assert _wait_for(lambda: SECRET in served.output())
    assert "request=" in served.output() and "response=" in served.output()


def test_warning_level_logs_no_access_lines() -> None:
    with _server(TESTSTATE_LOG_LEVEL="warning") as served:
        _traffic(served.url)
    assert "teststate.access" not in served.output()


# --------------------------------------------------------------------------------------------
# Nothing a request contains opens a connection, starts a process or reads a file of its choice
# --------------------------------------------------------------------------------------------
_AUDITING: list[bool] = []
_SEEN: list[tuple[str, str]] = []
_WATCHED = (
    "socket.connect",
    "socket.getaddrinfo",
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.fork",
    "urllib.Request",
    "open",
)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _AUDITING and event in _WATCHED:
        _SEEN.append((event, repr(args[:1])))


sys.addaudithook(_audit)  # permanent for the process, but records only while a test switches it on

HOSTILE_REQUESTS: list[dict[str, Any]] = [
    {
        "definition": json.dumps(
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "End": True,
                "Arguments": {"ApiEndpoint": "http://127.0.0.1:9/x", "Method": "GET"},
                "QueryLanguage": "JSONata",
            }
        ),
        "roleArn": "arn:aws:iam::123456789012:role/r",
        "mock": {"result": '{"ResponseBody": {}}'},
    },
    {
        "definition": json.dumps(
            {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": True}
        ),
        "roleArn": "arn:aws:iam::123456789012:role/r",
    },
    {
        "definition": json.dumps(
            {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "End": True,
                "Output": '{% $eval(\'__import__("os").system("true")\') %}',
            }
        )
    },
    {
        "definition": json.dumps(
            {
                "Type": "Pass",
                "End": True,
                "Parameters": {"a.$": "States.JsonToString($.x)", "b.$": "$$.Execution.Input"},
            }
        ),
        "input": '{"x": "file:///etc/passwd"}',
    },
    {
        "definition": json.dumps(
            {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "End": True,
                "Output": '{% $parse(\'{"a": "/etc/passwd"}\') %}',
            }
        )
    },
]


def test_no_request_makes_the_server_connect_spawn_or_open_files() -> None:
    client = __import__("teststate").create_app().test_client()
    for body in HOSTILE_REQUESTS:  # warm-up: imports and lazily loaded data files are not the request's doing
        client.post("/", data=json.dumps(body), headers=H)
    _SEEN.clear()
    _AUDITING.append(True)
    try:
        answers = [
            client.post("/", data=json.dumps(body), headers=H).status_code for body in HOSTILE_REQUESTS
        ]
    finally:
        _AUDITING.clear()
    assert all(status in (200, 400) for status in answers), answers
    assert _SEEN == []


def test_core_bounds_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "TESTSTATE_JSONATA_TIMEOUT_MS": "250",
            "TESTSTATE_JSONPATH_MAX_STEPS": "77",
            "TESTSTATE_INTRINSIC_MAX_STRING_LENGTH": "5000",
        }
    )
    limits = settings.limits
    assert (limits.jsonata.timeout_ms, limits.jsonpath.max_steps, limits.intrinsics.max_string_length) == (
        250,
        77,
        5000,
    )
    assert limits.intrinsics.max_range_items == 1000  # AWS's documented limit stays fixed
    with pytest.raises(SettingsError, match="TESTSTATE_JSONATA_MAX_DEPTH must be at least 1"):
        Settings.from_env({"TESTSTATE_JSONATA_MAX_DEPTH": "0"})


def test_the_app_runs_states_with_its_configured_bounds() -> None:
    app = create_app(settings=Settings(jsonata_max_sequence_items=10))
    client = app.test_client()
    answer = client.post(
        "/",
        headers={"X-Amz-Target": "AWSStepFunctions.TestState", "Content-Type": "application/x-amz-json-1.0"},
        data=json.dumps(
            {
                "definition": json.dumps(
                    {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% [1..11] %}", "End": True}
                )
            }
        ),
    )
    payload = answer.get_json(force=True)
    assert (payload["status"], payload["error"]) == ("FAILED", "States.QueryEvaluationError")
    assert "10 items" in payload["cause"]
