"""The service-call tests' credentials; their moto server (`moto_url`, `aws`, `settings`) is the
session's, from tests/conftest.py (`tests.moto_server`).

The tests create real tables, queues, topics, buses and objects in it through boto3 and call them
through `teststate.integrations`. Nothing in the request path is mocked.
"""

from __future__ import annotations

import pytest

from tests.moto_server import CREDENTIALS, REGION

__all__ = ["CREDENTIALS", "REGION", "_credentials"]


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore resolves credentials from the environment, as the server would.
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
