"""Shared fixtures: the Flask app, and the REAL server with a boto3 client and the aws CLI.

`server` starts ``python -m teststate.cli serve`` (gunicorn) on a free loopback port once per
session (`teststate.testing.start_server`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.moto_server import clients, moto_for_tests
from teststate.integrations import CallSettings
from teststate.testing import ServerDidNotStart, start_server

BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 30.0
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


# --------------------------------------------------------------------------------------------
# In-process app
# --------------------------------------------------------------------------------------------
@pytest.fixture
def app() -> Any:
    """A fresh app from the factory."""
    from teststate import create_app

    return create_app({"TESTING": False})


@pytest.fixture
def client(app: Any) -> Any:
    """Flask's test client for `app`."""
    return app.test_client()


# --------------------------------------------------------------------------------------------
# The real server
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """The URL of a live ``teststate serve`` (gunicorn, 2 workers) on 127.0.0.1."""
    try:
        running = start_server(workers=2, start_timeout=START_TIMEOUT_SECONDS)
    except ServerDidNotStart as err:
        pytest.fail(str(err))
    with running:
        yield running.url


@pytest.fixture(scope="session")
def sfn(server: str) -> Any:
    """A boto3 Step Functions client for the live server (no host prefix, no retries)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=server,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(inject_host_prefix=False, retries={"max_attempts": 0}),
    )


@dataclass(frozen=True, slots=True)
class CliError:
    """A failed ``aws`` run: its exit status and what it printed on stderr."""

    returncode: int
    stderr: str


def _cli_option(name: str) -> str:
    """``inspectionLevel`` -> ``--inspection-level``."""
    return "--" + "".join(f"-{ch.lower()}" if ch.isupper() else ch for ch in name)


@pytest.fixture(scope="session")
def aws_cli(server: str) -> Callable[..., dict[str, Any] | CliError]:
    """Run the real ``aws stepfunctions test-state`` against the live server.

    Call it with boto3-style keyword arguments (``definition=..., inspectionLevel="DEBUG",
    mock={...}``); structures are passed as JSON, booleans as ``--x``/``--no-x``. Returns the
    parsed JSON answer, or a `CliError`.
    """
    executable = BIN / "aws"
    if not executable.exists():
        pytest.skip(f"the aws CLI is not installed at {executable}")
    env = {
        **os.environ,
        **DUMMY_CREDENTIALS,
        "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }

    def run(**params: Any) -> dict[str, Any] | CliError:
        argv = [
            str(executable),
            "stepfunctions",
            "test-state",
            "--endpoint-url",
            server,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ]
        for name, value in params.items():
            if isinstance(value, bool):
                argv.append(_cli_option(name) if value else _cli_option(name).replace("--", "--no-", 1))
            elif isinstance(value, (dict, list)):
                argv += [_cli_option(name), json.dumps(value)]
            else:
                argv += [_cli_option(name), str(value)]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
        if done.returncode != 0:
            return CliError(done.returncode, done.stderr)
        parsed: dict[str, Any] = json.loads(done.stdout)
        return parsed

    return run


# A real moto server for every test that calls AWS services (`tests.moto_server`): one per session,
# shared by tests/integrations and the end-to-end modules.
@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """The URL of a moto server (a child process) on 127.0.0.1."""
    yield from moto_for_tests()


@pytest.fixture(scope="session")
def settings(moto_url: str) -> CallSettings:
    """Calls on, to moto."""
    return CallSettings.from_env({"TESTSTATE_SERVICE_CALLS": "1", "AWS_ENDPOINT_URL": moto_url})


@pytest.fixture(scope="session")
def aws(moto_url: str) -> Any:
    """boto3 clients on moto: ``aws("sqs")``."""
    return clients(moto_url)
