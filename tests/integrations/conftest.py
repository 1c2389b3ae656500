"""A real moto server for the service-call tests: started once per session on a free loopback port.

moto's server (``python -m moto.server``, the ``moto[server]`` package) is an AWS-compatible emulator:
the tests create real tables, queues, topics, buses and objects in it through boto3 and call them
through `teststate.integrations`. Nothing in the request path is mocked.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from teststate.integrations import CallSettings
from teststate.testing import free_loopback_port, stop_process

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """The URL of a moto server (a child process) on 127.0.0.1."""
    pytest.importorskip("moto.server", reason="moto[server] is in the test extra")
    port = free_loopback_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **CREDENTIALS},
    )
    deadline = time.monotonic() + 30
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("moto's server did not start")
        time.sleep(0.1)
    try:
        yield url
    finally:
        stop_process(process, timeout=10)


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore resolves credentials from the environment, as the server would.
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def settings(moto_url: str) -> CallSettings:
    """Calls on, to moto."""
    return CallSettings.from_env({"TESTSTATE_SERVICE_CALLS": "1", "AWS_ENDPOINT_URL": moto_url})


@pytest.fixture(scope="session")
def aws(moto_url: str) -> Any:
    """boto3 clients on moto: ``aws("sqs")``."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=moto_url)

    return client
