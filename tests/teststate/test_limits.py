"""Every request limit, proved through the real server (gunicorn) with plain HTTP.

Body size (refused before the body is read), member lengths, JSON nesting depth, UTF-8, duplicate
members, NaN/Infinity, huge numbers, and the 262,144-byte output quota. Each answer is an
AWS-shaped 4xx (or a 200 with the state FAILED as AWS fails it), never a 5xx.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from interpreter.jsontypes import JsonLimitError, loads, nesting_depth
from teststate.protocol import read_json_body
from teststate.settings import Settings

pytestmark = pytest.mark.e2e

TARGET = "AWSStepFunctions.TestState"
PASS = '{"Type": "Pass", "End": true}'
TASK = '{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}'
MAX_BODY = Settings().max_body_bytes
MAX_DEPTH = Settings().max_json_depth
CORAL_SERIALIZATION = "com.amazon.coral.service#SerializationException"
CORAL_VALIDATION = "com.amazon.coral.validate#ValidationException"


def _address(server: str) -> tuple[str, int]:
    parts = urlsplit(server)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def _post(
    server: str, body: bytes | str | dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    connection = http.client.HTTPConnection(*_address(server), timeout=60)
    try:
        connection.request("POST", "/", body=body, headers={"X-Amz-Target": TARGET, **(headers or {})})
        answer = connection.getresponse()
        data = answer.read()
    finally:
        connection.close()
    return answer.status, json.loads(data)


def _assert_error(answer: tuple[int, Any], status: int, wire_type: str, message: str) -> None:
    assert answer == (status, {"__type": wire_type, "message": message})


# --------------------------------------------------------------------------------------------
# Request body size
# --------------------------------------------------------------------------------------------
def test_a_body_just_over_the_limit_gets_a_readable_413(server: str) -> None:
    body = b'{"definition": "' + b"x" * (MAX_BODY - 17) + b'"}'
    assert len(body) == MAX_BODY + 1
    _assert_error(
        _post(server, body),
        413,
        "com.amazonaws.swf.service.v2.model#RequestEntityTooLargeException",
        f"Request must be smaller than {MAX_BODY} bytes for the TestState operation",
    )


def test_a_body_over_the_limit_names_the_operation_it_was_sent_to(server: str) -> None:
    body = b'{"definition": "' + b"x" * (MAX_BODY - 17) + b'"}'
    _assert_error(
        _post(server, body, {"X-Amz-Target": "AWSStepFunctions.UpdateStateMachine"}),
        413,
        "com.amazonaws.swf.service.v2.model#RequestEntityTooLargeException",
        f"Request must be smaller than {MAX_BODY} bytes for the UpdateStateMachine operation",
    )


def test_a_body_at_the_limit_reaches_the_model_validator(server: str) -> None:
    """A definition one character over the model's 1,048,576 still fits the transport limit."""
    body = json.dumps({"definition": "x" * 1_048_577})
    assert len(body) <= MAX_BODY
    _assert_error(
        _post(server, body),
        400,
        CORAL_VALIDATION,
        "1 validation error detected: Value at 'definition' failed to satisfy constraint: "
        "Member must have length less than or equal to 1048576",
    )


def test_an_oversized_body_is_refused_before_it_is_read(server: str) -> None:
    """Only the headers are sent: the answer comes from Content-Length alone."""
    with socket.create_connection(_address(server), timeout=10) as sock:
        sock.sendall(
            f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {TARGET}\r\n"
            f"Content-Length: {100 * 1024 * 1024}\r\n\r\n{{".encode()
        )
        started = time.monotonic()
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    assert received.startswith(b"HTTP/1.1 413 "), received[:200]
    assert time.monotonic() - started < 5


def test_an_oversized_chunked_body_is_cut_off(server: str) -> None:
    def chunks() -> Any:
        yield b'{"definition": "'
        for _ in range(40):
            yield b"x" * 65_536
        yield b'"}'

    connection = http.client.HTTPConnection(*_address(server), timeout=60)
    try:
        connection.request("POST", "/", body=chunks(), headers={"X-Amz-Target": TARGET}, encode_chunked=True)
        answer = connection.getresponse()
        status, payload = answer.status, json.loads(answer.read())
    finally:
        connection.close()
    assert status == 413
    assert payload["__type"].endswith("#RequestEntityTooLargeException")


# --------------------------------------------------------------------------------------------
# Member lengths (the API model)
# --------------------------------------------------------------------------------------------
def _json_string_of_length(length: int) -> str:
    return '"' + "x" * (length - 2) + '"'


@pytest.mark.parametrize(
    ("body", "path", "limit"),
    [
        ({"definition": " " * 1_048_577}, "definition", 1_048_576),
        ({"definition": PASS, "input": _json_string_of_length(262_145)}, "input", 262_144),
        ({"definition": PASS, "variables": _json_string_of_length(262_145)}, "variables", 262_144),
        (
            {"definition": TASK, "mock": {"result": "1"}, "context": _json_string_of_length(262_145)},
            "context",
            262_144,
        ),
        ({"definition": TASK, "mock": {"result": _json_string_of_length(262_145)}}, "mock.result", 262_144),
        (
            {
                "definition": PASS,
                "stateConfiguration": {"mapItemReaderData": _json_string_of_length(262_145)},
            },
            "stateConfiguration.mapItemReaderData",
            262_144,
        ),
    ],
    ids=["definition", "input", "variables", "context", "mock.result", "mapItemReaderData"],
)
def test_member_lengths(server: str, body: dict[str, Any], path: str, limit: int) -> None:
    _assert_error(
        _post(server, body),
        400,
        CORAL_VALIDATION,
        f"1 validation error detected: Value at '{path}' failed to satisfy constraint: "
        f"Member must have length less than or equal to {limit}",
    )


def test_members_at_their_maximum_length_are_accepted(server: str) -> None:
    text = _json_string_of_length(262_144)
    status, payload = _post(server, {"definition": PASS, "input": text})
    assert status == 200 and payload == {"status": "SUCCEEDED", "output": text}


# --------------------------------------------------------------------------------------------
# JSON: depth, encoding, duplicates, non-JSON literals, numbers
# --------------------------------------------------------------------------------------------
def _nested(depth: int) -> bytes:
    return b'{"definition": "x", "ignored": ' + b"[" * depth + b"]" * depth + b"}"


def test_nesting_up_to_the_limit_is_parsed(server: str) -> None:
    # The body object itself is one level: the ignored member may nest MAX_DEPTH - 1 more.
    status, payload = _post(server, _nested(MAX_DEPTH - 1))
    assert status == 400 and payload["__type"].endswith("#InvalidDefinition"), (
        "parsed, then the definition fails"
    )


@pytest.mark.parametrize("depth", [MAX_DEPTH, 50_000, 500_000])
def test_nesting_over_the_limit_is_refused_while_parsing(server: str, depth: int) -> None:
    _assert_error(
        _post(server, _nested(depth)),
        400,
        CORAL_SERIALIZATION,
        f"Malformed request body: nesting depth exceeds the maximum allowed ({MAX_DEPTH})",
    )


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"1", 0),
        (b"{}", 1),
        (b"[[], [[]]]", 3),
        (b'"[[["', 0),
        (b'["\\"[", []]', 2),
        (b'["\\\\", [[]]]', 3),
        (b'["\\\\\\"[[", []]', 2),
        (b'{"a": [{"b": "]]]"}]}', 3),
        ('["é", ["ü"]]'.encode(), 2),
        (b'"unterminated [[[', 0),
    ],
)
def test_nesting_depth_counts_brackets_outside_strings(text: bytes, depth: int) -> None:
    assert nesting_depth(text.decode()) == depth


@pytest.mark.parametrize("depth", [1, 2, 10, 1000])
def test_loads_refuses_json_one_level_deeper_than_allowed(depth: int) -> None:
    text = "[" * depth + "]" * depth
    assert loads(text, max_depth=depth) is not None
    with pytest.raises(JsonLimitError, match=rf"nesting depth exceeds the maximum allowed \({depth - 1}\)"):
        loads(text, max_depth=depth - 1)


def test_nesting_depth_is_fast_on_any_body() -> None:
    bodies = [b"[" * MAX_BODY, b'"' + b'\\"' * (MAX_BODY // 2), json.dumps(["a{"] * 150_000).encode()]
    started = time.monotonic()
    for body in bodies:
        nesting_depth(body.decode())
    assert time.monotonic() - started < 10, "hang guard only"


def test_a_body_that_is_not_utf8(server: str) -> None:
    _assert_error(
        _post(server, b'{"definition": "\xff"}'),
        400,
        CORAL_SERIALIZATION,
        "Malformed request body: invalid UTF-8 at byte 16",
    )


def test_duplicate_members_keep_the_last_value(server: str) -> None:
    """Jackson's default (no STRICT_DUPLICATE_DETECTION), which AWS's JSON 1.0 services use [INFER]."""
    body = (
        '{"definition": "not json", "inspectionLevel": "BOGUS", "input": "{\\"a\\": 1}",'
        ' "definition": ' + json.dumps(PASS) + ', "inspectionLevel": "INFO"}'
    )
    assert _post(server, body) == (200, {"status": "SUCCEEDED", "output": '{"a":1}'})


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_json_literals_in_the_body(server: str, literal: str) -> None:
    _assert_error(
        _post(server, f'{{"definition": "x", "other": {literal}}}'),
        400,
        CORAL_SERIALIZATION,
        f"Malformed request body: {literal} is not valid JSON",
    )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_json_literals_in_the_input(server: str, literal: str) -> None:
    status, payload = _post(server, {"definition": PASS, "input": f'{{"a": {literal}}}'})
    assert status == 400
    assert payload["__type"].endswith("#InvalidExecutionInput")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("9" * 1_001, "Malformed request body: Number too long: 1001 characters (at most 1000)"),
        ("0." + "1" * 1_000, "Malformed request body: Number too long: 1002 characters (at most 1000)"),
        ("1e400", "Malformed request body: Number out of range: 1e400"),
    ],
    ids=["long-integer", "long-decimal", "beyond-double"],
)
def test_huge_numbers_in_the_body(server: str, number: str, message: str) -> None:
    _assert_error(_post(server, f'{{"definition": "x", "n": {number}}}'), 400, CORAL_SERIALIZATION, message)


def test_a_long_but_legal_number_is_parsed() -> None:
    assert read_json_body(b'{"n": ' + b"9" * 1_000 + b"}")["n"] == int("9" * 1_000)


# --------------------------------------------------------------------------------------------
# Output quota: 262,144 bytes of UTF-8
# --------------------------------------------------------------------------------------------
def test_output_at_the_quota_succeeds(server: str) -> None:
    text = _json_string_of_length(262_144)
    assert _post(server, {"definition": PASS, "input": text})[1]["status"] == "SUCCEEDED"


@pytest.mark.parametrize(
    "input_text",
    [
        json.dumps({"s": "x" * 200_000}),  # doubled by Parameters
        '"' + "é" * 131_072 + '"',  # 131,074 characters, 262,146 bytes
    ],
    ids=["ascii", "utf8-bytes-not-characters"],
)
def test_output_over_the_quota_fails_the_state(server: str, input_text: str) -> None:
    definition = (
        '{"Type": "Pass", "Parameters": {"a.$": "$.s", "b.$": "$.s"}, "End": true}'
        if input_text.startswith("{")
        else PASS
    )
    status, payload = _post(server, {"definition": definition, "input": input_text})
    assert status == 200
    assert payload == {
        "status": "FAILED",
        "error": "States.DataLimitExceeded",
        "cause": "The state/task 'StateName' returned a result with a size exceeding the maximum number"
        " of bytes service limit.",
    }
