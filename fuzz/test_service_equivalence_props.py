"""Properties of whole TestState requests: determinism, INFO against DEBUG, HTTP against in-process.

Requests come from `fuzz.strategies.any_requests`: half `teststate_requests` (every state type in
both query languages, mutated definitions, machines, mocks, context, stateConfiguration, odd
members; mostly refused by a request rule) and half `runnable_requests` (valid by construction,
so the state runs: SUCCEEDED, FAILED, CAUGHT_ERROR and RETRIABLE answers). They are
answered by `teststate.operations.test_state.test_state`, the entry point the HTTP view calls, after the same
decoding (`protocol.read_json_body`, `schemas.load_test_state_request`). An answer is compared as
``(HTTP status, payload)``: a 200 with the TestStateOutput members, or the error envelope.

- Determinism: with the clock and the random seed fixed (`World(now, rng=Random(seed))`, which
  also fixes the generated context's UUIDs), the same request twice gives the same answer.
- INFO and DEBUG give the same output, status, error, cause and nextState (and the same error
  answer); only DEBUG carries inspectionData; when the tested state is JSONPath without OutputPath
  and succeeded, DEBUG's afterResultPath is the output (a third of these requests are such
  states, `fuzz.strategies.result_path_requests`).
- The real server (gunicorn, over HTTP) answers what the in-process call answers. The server
  runs every request with a fresh World (real clock, unseeded random source) by design, and those
  values reach an answer through the generated context (``$$`` / ``$states.context``: execution
  and machine names, start and entered times) and the random and clock functions. So the
  requests compared are the reproducible ones (`fuzz.strategies.reproducible_requests`): a
  request with a mock gets an explicit ``context`` member (AWS accepts one only with a mock) and
  reads fixed values; a request that still reads generated values is not drawn. Normalising the
  ids afterwards was rejected: they also flow into comparisons, hashes and lengths, where no
  rewriting of the answer can undo them. Determinism (above) covers the requests left out.
"""

from __future__ import annotations

import http.client
import json
import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from hypothesis import event, given, note
from hypothesis import strategies as st

from fuzz import strategies
from fuzz.conftest import request_settings
from interpreter import ABSENT, ASLError, World, load_definition
from teststate.errors import ApiError
from teststate.operations.test_state import test_state as answer_test_state
from teststate.protocol import DEFAULT_REGION, read_json_body
from teststate.validation.request import load_test_state_request

_NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
# Beyond the server's 10 s per-request budget: an answer slower than this is a hang.
HTTP_TIMEOUT_SECONDS = 60.0
_HEADERS = {"X-Amz-Target": "AWSStepFunctions.TestState", "Content-Type": "application/x-amz-json-1.0"}

Answer = tuple[int, dict[str, Any]]


def in_process(body: bytes, world: World, log: Counter[str]) -> Answer:
    """The answer of `test_state` for this body, as the HTTP view would compute it."""
    log["operation"] += 1
    try:
        payload = answer_test_state(
            load_test_state_request(read_json_body(body)), region=DEFAULT_REGION, world=world
        )
    except ApiError as err:
        envelope: dict[str, Any] = {"__type": err.type}
        if err.message is not None:
            envelope["message"] = err.message
        return err.status, envelope
    # What the wire does to it: JSON text and back (tuples become lists, and so on).
    return 200, json.loads(json.dumps(payload))


def over_http(url: str, body: bytes, log: Counter[str]) -> Answer:
    """The real server's answer for this body."""
    log["http"] += 1
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=HTTP_TIMEOUT_SECONDS
    )
    try:
        connection.request("POST", "/", body=body, headers=_HEADERS)
        response = connection.getresponse()
        status, data = response.status, response.read()
    finally:
        connection.close()
    if status >= 500:
        log["5xx"] += 1
    assert status == 200 or 400 <= status < 500, (status, data)
    return status, json.loads(data)


def _world(seed: int) -> World:
    return World(now=_NOW, rng=random.Random(seed))


def _body(request: dict[str, Any]) -> bytes:
    return json.dumps(request).encode()


@request_settings()
@given(request=strategies.any_requests(), seed=st.integers(0, 2**32 - 1))
def test_same_request_same_world_same_answer(
    request_log: Counter[str], request: dict[str, Any], seed: int
) -> None:
    request_log["generated"] += 1
    body = _body(request)
    note(body.decode())
    first = in_process(body, _world(seed), request_log)
    second = in_process(body, _world(seed), request_log)
    assert first == second
    event(f"answer: {first[1].get('status') or first[1]['__type'].rpartition('#')[2]}")


_OUTCOME_MEMBERS = ("status", "output", "error", "cause", "nextState")


def _state_without_output_path(request: dict[str, Any]) -> bool:
    """Whether the tested state is a JSONPath state with no OutputPath (so output = afterResultPath)."""
    try:
        state = load_definition(request["definition"], request.get("stateName")).state
    except ASLError:
        return False
    return not state.is_jsonata and state.output_path is ABSENT


@request_settings()
@given(
    request=st.one_of(strategies.any_requests(), strategies.result_path_requests()),
    seed=st.integers(0, 2**32 - 1),
)
def test_info_and_debug_agree_on_the_outcome(
    request_log: Counter[str], request: dict[str, Any], seed: int
) -> None:
    request_log["generated"] += 1
    info_body = _body({**request, "inspectionLevel": "INFO"})
    debug_body = _body({**request, "inspectionLevel": "DEBUG"})
    note(debug_body.decode())
    info_status, info = in_process(info_body, _world(seed), request_log)
    debug_status, debug = in_process(debug_body, _world(seed), request_log)
    assert info_status == debug_status
    if info_status != 200:
        assert info == debug
        return
    assert {key: info.get(key) for key in _OUTCOME_MEMBERS} == {
        key: debug.get(key) for key in _OUTCOME_MEMBERS
    }
    assert "inspectionData" not in info
    inspection = debug["inspectionData"]
    if (
        debug["status"] == "SUCCEEDED"
        and "afterResultPath" in inspection
        and _state_without_output_path(request)
    ):
        event("afterResultPath compared with output")
        assert inspection["afterResultPath"] == debug["output"]


@request_settings()
@given(request=strategies.reproducible_requests())
def test_http_answer_equals_the_in_process_answer(
    server: str, request_log: Counter[str], request: dict[str, Any]
) -> None:
    request_log["generated"] += 1
    body = _body(request)
    note(body.decode())
    assert over_http(server, body, request_log) == in_process(body, World(), request_log)
