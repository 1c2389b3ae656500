"""The console script and gunicorn settings (the server itself runs in the e2e tests); the
``test-state`` command and ``--version`` run as the real console script, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import pytest

from teststate.cli import EXIT_API_ERROR, EXIT_USAGE, build_parser, main
from teststate.server import TestStateServer, banner, endpoint_url, gunicorn_options
from teststate.toolkit.client import inprocess_client


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
    assert options["worker_class"] == "teststate.worker.TestStateWorker"
    assert options["workers"] == 2
    assert options["timeout"] > 300, "TestState may run a state for up to 5 minutes"
    server = TestStateServer(options)
    assert server.cfg.bind == ["127.0.0.1:8083"]
    assert server.cfg.worker_class_str == "teststate.worker.TestStateWorker"
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


# --------------------------------------------------------------------------------------------
# The console script itself: --version and test-state, run as a user runs them
# --------------------------------------------------------------------------------------------
SCRIPT = Path(sys.executable).parent / "teststate"
PASS = json.dumps({"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "Next": "Done"})
TASK = json.dumps(
    {
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "charge", "Payload": {"who.$": "$$.Execution.Name"}},
                "Assign": {"seen.$": "$.Payload"},
                "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
                "End": True,
            },
            "Failed": {"Type": "Fail"},
        },
    }
)
LAMBDA_RESULT = json.dumps({"StatusCode": 200, "Payload": {"charged": True}})


def run_script(*argv: str, cwd: Path | None = None, module: bool = False) -> subprocess.CompletedProcess[str]:
    """The real console script (or ``python -m teststate``), as a user runs it."""
    command = [sys.executable, "-m", "teststate"] if module else [str(SCRIPT)]
    env = {key: value for key, value in os.environ.items() if not key.startswith("TESTSTATE_")}
    return subprocess.run(
        [*command, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def api_answer(**params: Any) -> dict[str, Any]:
    """The answer of the in-process API to the same members (the CLI must print exactly this)."""
    answer = dict(inprocess_client().test_state(**params))
    del answer["ResponseMetadata"]
    return answer


@pytest.mark.parametrize("module", [False, True])
def test_version(module: bool) -> None:
    done = run_script("--version", module=module)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"teststate {package_version('teststate')}\n"


def test_test_state_prints_the_apis_answer() -> None:
    done = run_script(
        "test-state", "--definition", PASS, "--input", '{"a": 40, "b": 2}', "--inspection-level", "DEBUG"
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no access line unless TESTSTATE_LOG_LEVEL asks for one
    printed = json.loads(done.stdout)
    assert printed == api_answer(definition=PASS, input='{"a": 40, "b": 2}', inspectionLevel="DEBUG")
    assert (printed["status"], printed["nextState"], json.loads(printed["output"])) == (
        "SUCCEEDED",
        "Done",
        {"sum": 42},
    )


def test_test_state_takes_every_member_and_files(tmp_path: Path) -> None:
    (tmp_path / "machine.json").write_text(TASK)
    (tmp_path / "mock.json").write_text(json.dumps({"result": LAMBDA_RESULT}))
    done = run_script(
        "test-state",
        "--definition",
        "file://machine.json",
        "--state-name",
        "Charge",
        "--input",
        '{"order": 7}',
        "--variables",
        '{"limit": 3}',
        "--context",
        '{"Execution": {"Name": "run-7"}}',
        "--mock",
        "file://mock.json",
        "--state-configuration",
        '{"retrierRetryCount": 0}',
        "--inspection-level",
        "TRACE",
        "--no-reveal-secrets",
        "--role-arn",
        "arn:aws:iam::123456789012:role/run",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    expected = api_answer(
        definition=TASK,
        stateName="Charge",
        input='{"order": 7}',
        variables='{"limit": 3}',
        context='{"Execution": {"Name": "run-7"}}',
        mock={"result": LAMBDA_RESULT},
        stateConfiguration={"retrierRetryCount": 0},
        inspectionLevel="TRACE",
        revealSecrets=False,
        roleArn="arn:aws:iam::123456789012:role/run",
    )
    assert json.loads(done.stdout) == expected
    assert json.loads(expected["inspectionData"]["afterParameters"])["Payload"] == {"who": "run-7"}


def test_test_state_reads_the_definition_from_a_template(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Charger": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": json.dumps(
                        {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName": "${ChargerArn}"},
                            "End": True,
                        }
                    ),
                    "DefinitionSubstitutions": {"ChargerArn": {"Fn::GetAtt": ["Charger", "Arn"]}},
                },
            },
        }
    }
    (tmp_path / "template.json").write_text(json.dumps(template))
    args = ["test-state", "--template", "template.json", "--mock", json.dumps({"result": LAMBDA_RESULT})]
    args += ["--inspection-level", "DEBUG"]
    done = run_script(*args, "--logical-id", "Machine", "--region", "eu-west-1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["status"] == "SUCCEEDED"
    # The function's placeholder ARN, in the region given.
    parameters = json.loads(printed["inspectionData"]["afterParameters"])
    assert parameters["FunctionName"].startswith("arn:aws:lambda:eu-west-1:123456789012:function:")
    # One state machine: the logical id may be left out.
    assert run_script(*args, "--region", "eu-west-1", cwd=tmp_path).stdout == done.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--template", "missing.yaml"], "teststate test-state: --template missing.yaml: "),
        (
            ["--template", "template.json", "--logical-id", "Nope"],
            "teststate test-state: --template template.json: Resources/Nope: ",
        ),
        (["--definition", "file://missing.json"], "teststate test-state: --definition: cannot read "),
        (["--definition", "{}", "--mock", "{nope"], "teststate test-state: --mock: not JSON: "),
        (["--definition", "{}", "--mock", "[]"], "teststate test-state: --mock: expected a JSON object"),
        (["--definition", "{}", "--logical-id", "M"], "teststate test-state: --logical-id needs --template"),
    ],
)
def test_a_command_line_that_makes_no_request_exits_2(tmp_path: Path, argv: list[str], message: str) -> None:
    (tmp_path / "template.json").write_text(json.dumps({"Resources": {}}))
    done = run_script("test-state", *argv, cwd=tmp_path)
    assert done.returncode == EXIT_USAGE
    assert done.stderr.startswith(message)
    assert "Traceback" not in done.stderr and done.stdout == ""


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--definition", '{"Type": "Pas"}'], "InvalidDefinition: Invalid State Machine Definition: "),
        (["--definition", PASS, "--input", "{nope"], "InvalidExecutionInput: "),
        (["--definition", PASS, "--inspection-level", "LOUD"], "ValidationException: 1 validation error"),
    ],
)
def test_an_api_error_goes_to_stderr_and_exits_1(argv: list[str], code: str) -> None:
    done = run_script("test-state", *argv)
    assert done.returncode == EXIT_API_ERROR
    assert done.stderr.startswith(code) and done.stdout == ""


@pytest.mark.parametrize(
    "argv",
    [["test-state"], ["test-state", "--definition", "{}", "--template", "t.json"], ["test-state", "--nope"]],
)
def test_test_state_usage_errors(argv: list[str]) -> None:
    done = run_script(*argv)
    assert done.returncode == 2 and done.stderr.startswith("usage: teststate test-state")


def test_reveal_secrets_is_sent() -> None:
    # TestState refuses revealSecrets with a mock: the refusal proves the member reached the API.
    argv = ["--definition", TASK, "--state-name", "Charge", "--mock", json.dumps({"result": LAMBDA_RESULT})]
    refused = run_script("test-state", *argv, "--reveal-secrets")
    assert refused.returncode == EXIT_API_ERROR
    assert (
        refused.stderr
        == "ValidationException: TestState does not support RevealSecrets when a mock is specified.\n"
    )
    accepted = run_script("test-state", *argv, "--no-reveal-secrets")
    assert accepted.returncode == 0, accepted.stderr


@pytest.mark.e2e
def test_serve_keeps_state_machines_in_the_data_directory_it_is_given(tmp_path: Path) -> None:
    # `teststate serve --data-dir DIR` twice on the same directory: the second server has what
    # the first one created (a real server each time, gunicorn and its workers).
    from teststate.testing import SERVE_COMMAND, start_server
    from teststate.toolkit.client import endpoint_client

    command = (*SERVE_COMMAND, "--data-dir", str(tmp_path / "data"), "--clock", "real")
    with start_server(command=command, workers=1) as first:
        arn = endpoint_client(first.url).create_state_machine(
            name="Kept",
            definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
    assert (tmp_path / "data").is_dir()
    with start_server(command=command, workers=1) as second:
        described = endpoint_client(second.url).describe_state_machine(stateMachineArn=arn)
    assert described["name"] == "Kept"
