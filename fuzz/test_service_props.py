"""Properties of the service: every request gets 200 or an AWS-shaped 4xx, never a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from hypothesis import given, note

from fuzz.conftest import counted
from fuzz.strategies import request_bodies
from teststate import create_app

KNOWN_ERROR_TYPES = {
    "ValidationException",
    "InvalidDefinition",
    "InvalidExecutionInput",
    "InvalidArn",
    "SerializationException",
    "UnknownOperationException",
}


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    yield counted(create_app()).test_client()


@given(body=request_bodies())
def test_any_body_gets_200_or_a_known_4xx(client: FlaskClient, body: bytes) -> None:
    note(repr(body))
    answer = client.post(
        "/",
        data=body,
        headers={"X-Amz-Target": "AWSStepFunctions.TestState", "Content-Type": "application/x-amz-json-1.0"},
    )
    assert answer.headers.get("x-amzn-RequestId")
    payload = json.loads(answer.get_data())
    if answer.status_code == 200:
        assert payload["status"] in {"SUCCEEDED", "FAILED", "RETRIABLE", "CAUGHT_ERROR"}
        for member in ("output", "error", "cause", "nextState"):
            assert payload.get(member, "") is not None, "members with no value are omitted, never null"
        if "output" in payload:
            json.loads(payload["output"])
    else:
        assert 400 <= answer.status_code < 500, payload
        assert payload["__type"].rsplit("#", 1)[-1] in KNOWN_ERROR_TYPES, payload
        assert isinstance(payload["message"], str) and payload["message"]
