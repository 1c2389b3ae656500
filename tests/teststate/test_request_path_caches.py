"""What the request path computes once instead of per request: the access line's process id
(`teststate.access_log`), and the request checks over the body's members only
(`teststate.validation.request`)."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from teststate import access_log, protocol
from teststate.validation.request import TestStateRequest, load_test_state_request

PASS = '{"Type":"Pass","End":true}'


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_writes_its_own_pid() -> None:
    # gunicorn forks its workers from a master that imported the app: each worker's access lines
    # carry the worker's pid, as `logging` would write it.
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(writing, json.dumps([access_log._pid[0], os.getpid()]).encode())
        finally:
            os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as stream:
        written, actual = json.loads(stream.read())
    os.waitpid(pid, 0)
    assert written == actual == pid
    assert access_log._pid[0] == os.getpid()


def _answer(body: dict[str, Any]) -> protocol.Answer:
    return protocol.encode_result({"status": "SUCCEEDED"}, operation="TestState", request=body)


def test_the_checks_read_the_bodys_members_in_any_order() -> None:
    members = {
        "definition": PASS,
        "input": "{}",
        "inspectionLevel": "DEBUG",
        "revealSecrets": True,
        "stateName": None,
        "somethingElse": [1],  # not a member of the model: ignored
    }
    expected = TestStateRequest(definition=PASS, input="{}", inspection_level="DEBUG", reveal_secrets=True)
    assert load_test_state_request(members) == expected
    assert load_test_state_request(dict(reversed(members.items()))) == expected
