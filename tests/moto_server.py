"""A real moto server for any test that calls AWS services: a child process on a free loopback port.

moto's server (``python -m moto.server``, the ``moto[server]`` package of the test extra) is an
AWS-compatible emulator: tests create real tables, queues, topics, buses and objects in it through
boto3 and point the server's service calls at it (``AWS_ENDPOINT_URL``). Nothing in the request
path is mocked. `tests/integrations/conftest.py` serves it as a session fixture;
`tests/conformance/test_live_corpus.py` starts its own for the corpora's ``live:`` cases.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest

from teststate.testing import ServerDidNotStart, free_loopback_port, start_server, stop_process

__all__ = [
    "CREDENTIALS",
    "REGION",
    "MotoDidNotStart",
    "clients",
    "moto_available",
    "moto_for_tests",
    "moto_server",
    "service_call_env",
    "sfn_calling_moto",
]

REGION = "us-east-1"
# moto accepts any credentials; botocore (ours and the tests') needs some to sign with.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
START_TIMEOUT_SECONDS = 30.0


class MotoDidNotStart(RuntimeError):
    """moto's server exited, or did not answer within the start timeout."""


def moto_available() -> bool:
    """Is moto's server importable (the ``moto[server]`` extra installed)?"""
    try:
        import moto.server  # noqa: F401
    except ImportError:
        return False
    return True


def _answers(url: str) -> bool:
    """Does anything answer HTTP at `url` (any status: moto serves errors for unknown paths)?"""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def moto_server(start_timeout: float = START_TIMEOUT_SECONDS) -> Iterator[str]:
    """Run moto's server on 127.0.0.1 for the block; yields its URL, stops it after.

    Raises:
        MotoDidNotStart: it exited, or did not answer within `start_timeout` seconds.
    """
    url = f"http://127.0.0.1:{free_loopback_port()}"
    port = url.rsplit(":", 1)[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", port],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **CREDENTIALS},
    )
    try:
        deadline = time.monotonic() + start_timeout
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise MotoDidNotStart(f"moto's server did not start on {url}")
            time.sleep(0.1)
        yield url
    finally:
        stop_process(process, timeout=10)


def moto_for_tests() -> Iterator[str]:
    """moto's server for a fixture to ``yield from``: its URL; the test is skipped without the
    ``moto[server]`` extra, and fails when the server does not start."""
    if not moto_available():
        pytest.skip("moto[server] is in the test extra")
    try:
        with moto_server() as url:
            yield url
    except MotoDidNotStart as err:
        pytest.fail(str(err))


def clients(url: str) -> Callable[[str], Any]:
    """A factory of boto3 clients on the moto server at `url`: ``clients(url)("sqs")``."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=url)

    return client


def service_call_env(url: str) -> dict[str, str]:
    """The environment of a server whose service calls go to moto at `url` (README, "Calling
    real services"): calls on, every service's endpoint moto, its region and credentials."""
    return {"TESTSTATE_SERVICE_CALLS": "1", "AWS_ENDPOINT_URL": url, "AWS_REGION": REGION, **CREDENTIALS}


@contextmanager
def sfn_calling_moto(url: str, extra_env: Mapping[str, str] | None = None) -> Iterator[Any]:
    """A live server (gunicorn, two workers) whose service calls go to moto at `url`
    (`service_call_env`, plus `extra_env`), for the block: a boto3 Step Functions client of it
    (no host prefix, one attempt)."""
    import boto3
    from botocore.config import Config

    try:
        running = start_server(
            workers=2, env={**service_call_env(url), **(extra_env or {})}, start_timeout=START_TIMEOUT_SECONDS
        )
    except ServerDidNotStart as err:
        pytest.fail(str(err))
    with running:
        yield boto3.client(
            "stepfunctions",
            region_name=REGION,
            endpoint_url=running.url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(inject_host_prefix=False, retries={"max_attempts": 0}),
        )
