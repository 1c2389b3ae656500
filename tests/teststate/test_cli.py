"""The console script and gunicorn settings (the server itself runs in the e2e tests)."""

from __future__ import annotations

import pytest

from teststate.cli import build_parser, main
from teststate.server import TestStateServer, banner, endpoint_url, gunicorn_options


@pytest.mark.parametrize(
    ("env", "argv", "expected"),
    [
        ({}, ["serve"], ("127.0.0.1", 8083, 2)),
        (
            {"TESTSTATE_HOST": "0.0.0.0", "TESTSTATE_PORT": "9000", "TESTSTATE_WORKERS": "4"},
            ["serve"],
            ("0.0.0.0", 9000, 4),
        ),
        (
            {"TESTSTATE_PORT": "9000"},
            ["serve", "--port", "9100", "--host", "::1", "--workers", "1"],
            ("::1", 9100, 1),
        ),
        ({"TESTSTATE_PORT": ""}, ["serve"], ("127.0.0.1", 8083, 2)),
    ],
)
def test_options_come_from_arguments_then_environment(
    env: dict[str, str], argv: list[str], expected: tuple[str, int, int]
) -> None:
    args = build_parser(env).parse_args(argv)
    assert (args.host, args.port, args.workers) == expected


def test_bad_environment_is_reported() -> None:
    with pytest.raises(SystemExit, match="TESTSTATE_PORT must be an integer"):
        build_parser({"TESTSTATE_PORT": "http"})


@pytest.mark.parametrize("argv", [["serve", "--workers", "0"], ["serve", "--port", "70000"], []])
def test_invalid_command_lines_exit(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        main(argv)


def test_gunicorn_settings() -> None:
    options = gunicorn_options(host="127.0.0.1", port=8083, workers=2)
    assert options["bind"] == "127.0.0.1:8083"
    assert options["worker_class"] == "sync"
    assert options["workers"] == 2
    assert options["timeout"] > 300, "TestState may run a state for up to 5 minutes"
    server = TestStateServer(options)
    assert server.cfg.bind == ["127.0.0.1:8083"]
    assert server.cfg.worker_class_str == "sync"
    assert gunicorn_options(host="::1", port=1, workers=1)["bind"] == "[::1]:1"


def test_unknown_gunicorn_setting_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):  # gunicorn reports configuration errors and exits
        TestStateServer({"no_such_setting": 1})
    assert "unknown gunicorn setting 'no_such_setting'" in capsys.readouterr().err


def test_banner_tells_how_to_call_the_server() -> None:
    text = banner(endpoint_url("127.0.0.1", 8083))
    assert "http://127.0.0.1:8083" in text
    assert "AWS_DISABLE_HOST_PREFIX_INJECTION=true" in text
    assert "inject_host_prefix=False" in text
    assert "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test" in text
    assert "aws stepfunctions test-state --endpoint-url http://127.0.0.1:8083 --region us-east-1" in text
    assert endpoint_url("::1", 80) == "http://[::1]:80"
