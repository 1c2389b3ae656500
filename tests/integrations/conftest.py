"""A real moto server for the service-call tests: started once per session on a free loopback port
(`tests.moto_server`).

The tests create real tables, queues, topics, buses and objects in it through boto3 and call them
through `teststate.integrations`. Nothing in the request path is mocked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.moto_server import CREDENTIALS, REGION, MotoDidNotStart, clients, moto_available, moto_server
from teststate.integrations import CallSettings

__all__ = ["CREDENTIALS", "REGION", "_credentials", "aws", "moto_url", "settings"]


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """The URL of a moto server (a child process) on 127.0.0.1."""
    if not moto_available():
        pytest.skip("moto[server] is in the test extra")
    try:
        with moto_server() as url:
            yield url
    except MotoDidNotStart as err:
        pytest.fail(str(err))


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
    return clients(moto_url)
