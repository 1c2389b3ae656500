"""The ``teststate`` console script (also ``python -m teststate``).

- ``teststate serve [--host] [--port] [--workers]``: the server. Every setting comes from the
  environment (``TESTSTATE_*``, see `teststate.settings` and the README's "Configuration"
  table); the three options override ``TESTSTATE_HOST`` (127.0.0.1), ``TESTSTATE_PORT`` (8083)
  and ``TESTSTATE_WORKERS`` (2).
- ``teststate test-state --definition ... [--input ...]``: one TestState call answered in
  process (no server, no aws CLI), with the API's members as options, as the aws CLI spells them
  (``--state-name``, ``--inspection-level``...; a value may be ``file://path``), or the
  definition taken from a CloudFormation, SAM or CDK template (``--template FILE
  [--logical-id ID]``). The answer is printed as the API's JSON; an API error goes to stderr as
  ``<code>: <message>`` with exit status 1. A command line that cannot make a request (a file
  that cannot be read, a template without that state machine) exits with status 2.
- ``teststate --version``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from teststate.settings import Settings, SettingsError

__all__ = ["EXIT_API_ERROR", "EXIT_USAGE", "build_parser", "main", "test_state_request", "version"]

EXIT_API_ERROR: Final = 1
EXIT_USAGE: Final = 2
FILE_PREFIX: Final = "file://"
TARGET: Final = "AWSStepFunctions.TestState"

# The API's string members (besides the definition): option destination -> member name.
_TEXT_MEMBERS: Final[Mapping[str, str]] = {
    "state_name": "stateName",
    "input": "input",
    "variables": "variables",
    "context": "context",
    "inspection_level": "inspectionLevel",
    "role_arn": "roleArn",
}
# The API's structure members, given as JSON objects.
_OBJECT_MEMBERS: Final[Mapping[str, str]] = {"mock": "mock", "state_configuration": "stateConfiguration"}


class CommandLineError(Exception):
    """The command line cannot make a request (the message says why)."""


def _settings(env: Mapping[str, str]) -> Settings:
    try:
        return Settings.from_env(env)
    except SettingsError as err:
        raise SystemExit(f"teststate: {err}") from None


def version() -> str:
    """The installed package's version (``unknown`` when run from a checkout not installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("teststate")
    except PackageNotFoundError:
        return "unknown"


# --------------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------------
def build_parser(env: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with defaults taken from `env` (os.environ by default).

    Raises:
        SystemExit: a ``TESTSTATE_*`` variable holds an unusable value.
    """
    settings = _settings(os.environ if env is None else env)
    parser = argparse.ArgumentParser(prog="teststate", description="Offline AWS Step Functions TestState API")
    parser.add_argument("--version", action="version", version=f"teststate {version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the TestState API over HTTP (gunicorn)")
    run.add_argument(
        "--host", default=settings.host, help="address to bind (env TESTSTATE_HOST, default 127.0.0.1)"
    )
    run.add_argument(
        "--port", type=int, default=settings.port, help="port to bind (env TESTSTATE_PORT, default 8083)"
    )
    run.add_argument(
        "--workers",
        type=int,
        default=settings.workers,
        help="worker processes (env TESTSTATE_WORKERS, default 2)",
    )
    run.add_argument(
        "--data-dir",
        default=None,
        help="where state machines and executions are kept (env TESTSTATE_DATA_DIR; default a fresh "
        "temporary directory)",
    )
    run.add_argument(
        "--mock-config",
        default=None,
        help="the mock configuration file of executions (env TESTSTATE_MOCK_CONFIG or SFN_MOCK_CONFIG)",
    )
    run.add_argument(
        "--clock",
        choices=("virtual", "real"),
        default=None,
        help="how executions' clocks run (env TESTSTATE_CLOCK, default virtual)",
    )
    _add_test_state(commands)
    return parser


def _add_test_state(commands: Any) -> None:
    text = "text, or file://PATH"
    call = commands.add_parser(
        "test-state",
        help="answer one TestState call in process and print it as JSON",
        description="Answer one TestState call in process (no server, no aws CLI) and print the answer "
        "as the API's JSON. Options are the API's members, as the aws CLI names them; a value may "
        "be file://PATH. An API error is printed to stderr (exit status 1).",
    )
    source = call.add_mutually_exclusive_group(required=True)
    source.add_argument("--definition", help=f"the definition (a state, or a state machine): {text}")
    source.add_argument(
        "--template",
        metavar="FILE",
        help="take the definition from a CloudFormation, SAM or CDK template (JSON or YAML)",
    )
    call.add_argument(
        "--logical-id",
        metavar="ID",
        help="the state machine's logical id in --template (needed when it has several)",
    )
    call.add_argument("--state-name", help="the state to test, in a state machine definition")
    call.add_argument("--input", help=f"the state's input, JSON: {text}")
    call.add_argument("--variables", help=f"the variables in scope, a JSON object: {text}")
    call.add_argument("--context", help=f"the context object's fields, a JSON object: {text}")
    call.add_argument("--mock", help=f"the mock member, a JSON object ({{'result': ...}}): {text}")
    call.add_argument("--state-configuration", help=f"the stateConfiguration member, a JSON object: {text}")
    call.add_argument("--inspection-level", metavar="LEVEL", help="INFO, DEBUG or TRACE")
    call.add_argument(
        "--reveal-secrets",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reveal secrets in the inspection data (TRACE)",
    )
    call.add_argument("--role-arn", help="the execution role's ARN")
    call.add_argument(
        "--region",
        default="us-east-1",
        help="the region of the ARNs in the answer and the template (default us-east-1)",
    )


# --------------------------------------------------------------------------------------------
# test-state
# --------------------------------------------------------------------------------------------
def _value(option: str, text: str) -> str:
    """An option's value, or the file it names with ``file://`` (as the aws CLI reads it)."""
    if not text.startswith(FILE_PREFIX):
        return text
    path = Path(os.path.expanduser(text.removeprefix(FILE_PREFIX)))
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CommandLineError(f"{option}: cannot read {path}: {err}") from None


def _definition(args: argparse.Namespace) -> str:
    if args.template is None:
        if args.logical_id is not None:
            raise CommandLineError("--logical-id needs --template")
        return _value("--definition", args.definition)
    from teststate.toolkit.errors import TemplateError

    try:
        from teststate.toolkit.cloudformation import load_definition_from_template

        return load_definition_from_template(args.template, args.logical_id, region=args.region)
    except TemplateError as err:
        raise CommandLineError(f"--template {args.template}: {err}") from None
    except ImportError as err:  # a YAML template without PyYAML (the toolkit extra)
        raise CommandLineError(f"--template {args.template}: {err}") from None


def test_state_request(args: argparse.Namespace) -> dict[str, Any]:
    """The TestState request body the ``test-state`` options describe.

    Raises:
        CommandLineError: a file cannot be read, a structure is not a JSON object, or the
            template has no such state machine.
    """
    body: dict[str, Any] = {"definition": _definition(args)}
    for dest, member in _TEXT_MEMBERS.items():
        value = getattr(args, dest)
        if value is not None:
            body[member] = _value("--" + dest.replace("_", "-"), value)
    for dest, member in _OBJECT_MEMBERS.items():
        value = getattr(args, dest)
        if value is None:
            continue
        option = "--" + dest.replace("_", "-")
        try:
            structure = json.loads(_value(option, value))
        except ValueError as err:
            raise CommandLineError(f"{option}: not JSON: {err}") from None
        if not isinstance(structure, dict):
            raise CommandLineError(f"{option}: expected a JSON object (the API's {member} member)")
        body[member] = structure
    if args.reveal_secrets is not None:
        body["revealSecrets"] = args.reveal_secrets
    return body


def _test_state(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    try:
        body = test_state_request(args)
    except CommandLineError as err:
        print(f"teststate test-state: {err}", file=sys.stderr)
        return EXIT_USAGE
    from teststate.app import create_app
    from teststate.protocol import CONTENT_TYPE
    from teststate.toolkit.client import call_app, inprocess_settings, wsgi_environ

    try:
        settings = inprocess_settings(env)  # no access line on stderr unless asked for
    except SettingsError as err:
        raise SystemExit(f"teststate: {err}") from None

    app = create_app({"TESTSTATE_DEFAULT_REGION": args.region}, settings=settings)
    headers = [("Content-Type", CONTENT_TYPE), ("X-Amz-Target", TARGET)]
    environ = wsgi_environ("POST", "http://localhost/", headers, json.dumps(body).encode())
    answer = json.loads(call_app(app, environ).body)
    if "__type" in answer:
        code = str(answer["__type"]).rpartition("#")[2]
        message = answer.get("message")
        print(f"{code}: {message}" if message is not None else code, file=sys.stderr)
        return EXIT_API_ERROR
    print(json.dumps(answer, indent=4, ensure_ascii=False))
    return 0


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------
def _serve(args: argparse.Namespace) -> int:
    from teststate.server import serve

    # The app reads its settings from the environment (gunicorn's master builds it, its workers
    # inherit it): the options become the variables they stand for.
    for option, variable in (
        ("data_dir", "TESTSTATE_DATA_DIR"),
        ("mock_config", "TESTSTATE_MOCK_CONFIG"),
        ("clock", "TESTSTATE_CLOCK"),
    ):
        value = getattr(args, option, None)
        if value is not None:
            os.environ[variable] = os.path.abspath(value) if option != "clock" else value
    settings = _settings(os.environ)
    try:
        settings = dataclasses.replace(
            settings, host=args.host, port=args.port, workers=args.workers
        ).checked()
    except SettingsError as err:
        # Same checks as the environment's, worded for the option that was given.
        message = str(err).replace("TESTSTATE_WORKERS", "--workers").replace("TESTSTATE_PORT", "--port")
        raise SystemExit(f"teststate: {message.replace('TESTSTATE_HOST', '--host')}") from None
    serve(settings)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    if args.command == "test-state":
        return _test_state(args, os.environ)
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
