"""The in-process client's fast paths (teststate.toolkit.client, teststate.app) against their
references.

* `header_pairs` reads botocore's `HeadersDict` store directly: the same pairs, in the same order,
  as ``headers.items()``;
* `request_id_from` builds a version 4 UUID's text from 16 bytes: the same text as
  ``str(uuid.UUID(bytes=..., version=4))``;
* `api_headers` reads ``X-Amz-Target`` and ``Authorization`` from the headers: the values
  `wsgi_environ` puts in the WSGI environment;
* `WsgiTransport` answers an API call to the service's own app without WSGI
  (`ServiceApp.answer_call`): the same status, headers and body as the same request sent through
  WSGI (the app wrapped so that it is not plain), for any target, body, Authorization and body
  limit, the request id aside (fresh per answer). The clock and random source are fixed for both,
  so answers that read them compare too.
"""

from __future__ import annotations

import dataclasses
import json
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from unittest import mock
from urllib.parse import urlsplit

from botocore.awsrequest import AWSRequest, AWSResponse, HeadersDict
from hypothesis import event, given
from hypothesis import strategies as st

from fuzz.strategies import json_values, pass_states, request_bodies
from fuzz.strategies import teststate_requests as valid_shaped_requests
from interpreter import World
from teststate import protocol
from teststate.app import create_app, is_plain_service_app
from teststate.settings import Settings
from teststate.toolkit.client import (
    WsgiTransport,
    api_headers,
    header_pairs,
    inprocess_settings,
    wsgi_environ,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_NAMES = st.one_of(
    st.sampled_from(
        [
            "X-Amz-Target",
            "x-amz-target",
            "X_Amz_Target",
            "Authorization",
            "authorization",
            "Content-Type",
            "Content-Length",
            "Host",
            "X-Amz-Date",
            "User-Agent",
        ]
    ),
    st.text(st.characters(codec="ascii", exclude_characters="\r\n:"), min_size=1, max_size=12),
)
_VALUES = st.one_of(
    st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=24),
    st.binary(max_size=24),
)
_HEADERS = st.lists(st.tuples(_NAMES, _VALUES), max_size=8)


@given(pairs=_HEADERS)
def test_header_pairs_are_the_items_of_botocores_headers(pairs: list[tuple[str, Any]]) -> None:
    headers = HeadersDict(pairs)
    fast = header_pairs(headers)
    event("store read" if isinstance(fast, list) else "items()")
    assert list(fast) == list(headers.items())


@given(data=st.binary(min_size=16, max_size=16))
def test_request_ids_are_uuid4_text(data: bytes) -> None:
    assert protocol.request_id_from(data) == str(uuid.UUID(bytes=data, version=4))


@given(pairs=_HEADERS)
def test_api_headers_are_the_environments(pairs: list[tuple[str, Any]]) -> None:
    environ = wsgi_environ("POST", "https://h/", pairs, b"")
    expected = (environ.get("HTTP_X_AMZ_TARGET"), environ.get("HTTP_AUTHORIZATION"))
    event("target given" if expected[0] is not None else "no target")
    assert api_headers(pairs) == expected


# --------------------------------------------------------------------------------------------
# The whole answer: fast path against WSGI
# --------------------------------------------------------------------------------------------
_BASE = inprocess_settings({})
_APPS = {
    "default limits": create_app(settings=_BASE),
    "default limits, again": create_app(settings=_BASE),
    "small body limit": create_app(settings=dataclasses.replace(_BASE, max_body_bytes=64)),
}
_NOW = datetime(2025, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)


def _through_wsgi(app: Any) -> Any:
    """`app` behind a WSGI function: not plain, so the transport goes through WSGI."""

    def wrapped(environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        return app(environ, start_response)

    return wrapped


@contextmanager
def _fixed_world() -> Iterator[None]:
    """The same clock and random sequence for every request (the request id aside)."""

    def world(*, rng: random.Random, limits: Any) -> World:
        return World(now=_NOW, rng=random.Random(7), limits=limits)

    with mock.patch.object(protocol, "World", world):
        yield


def _answer(response: AWSResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [
        (name, "<id>" if name == "x-amzn-RequestId" else value) for name, value in response.headers.items()
    ]
    return response.status_code, headers, response.content


_TARGETS = st.one_of(
    st.just("AWSStepFunctions.TestState"),
    st.just("AWSStepFunctions.TestState"),
    st.just("AWSStepFunctions.TestState"),
    st.sampled_from(
        [
            "AWSStepFunctions.DescribeStateMachine",
            "AWSStepFunctions.Nothing",
            "TestState",
            "",
        ]
    ),
    st.none(),
    st.text(max_size=20),
)
_AUTHORIZATIONS = st.one_of(
    st.none(),
    st.sampled_from(["eu-west-3", "us-gov-west-1", "x", ""]).map(
        lambda region: (
            "AWS4-HMAC-SHA256 Credential=test/20250102/"
            f"{region}/states/aws4_request, SignedHeaders=host, Signature=00"
        )
    ),
    st.text(max_size=40),
)


@given(
    limits=st.sampled_from(sorted(_APPS)),
    target=_TARGETS,
    authorization=_AUTHORIZATIONS,
    body=st.one_of(
        st.builds(
            lambda state, value: json.dumps(
                {"definition": json.dumps(state), "input": json.dumps(value)}
            ).encode(),
            pass_states(),
            json_values(max_leaves=6),
        ),
        valid_shaped_requests().map(lambda request: json.dumps(request).encode()),
        request_bodies(),
    ),
    url=st.sampled_from(
        [
            "https://sync-states.us-east-1.amazonaws.com/",
            "https://sync-states.eu-west-1.amazonaws.com/",
            "http://localhost:8083/",
            "http://127.0.0.1:8083/?x=1",
            "http://h/health",
            "http://h/x",
        ]
    ),
    method=st.sampled_from(["POST"] * 5 + ["GET"]),
)
def test_an_api_call_answers_as_through_wsgi(
    limits: str, target: str | None, authorization: str | None, body: bytes, url: str, method: str
) -> None:
    app = _APPS[limits]
    assert is_plain_service_app(app)
    headers = {"Content-Type": "application/x-amz-json-1.0"}
    if target is not None:
        headers["X-Amz-Target"] = target
    if authorization is not None:
        headers["Authorization"] = authorization
    request = AWSRequest(method=method, url=url, headers=headers, data=body).prepare()
    event("fast path" if method == "POST" and urlsplit(url).path == "/" else "through WSGI")
    with _fixed_world():
        direct = _answer(WsgiTransport(app)(request))
        reference = _answer(WsgiTransport(_through_wsgi(app))(request))
    event(f"status {direct[0]}")
    assert direct == reference


def test_a_wrapped_or_patched_app_is_not_plain() -> None:
    app = create_app(settings=Settings.from_env({}))
    assert is_plain_service_app(app)
    app.wsgi_app = _through_wsgi(app.wsgi_app)  # type: ignore[method-assign]  # middleware, as Flask documents
    assert not is_plain_service_app(app)
    assert not is_plain_service_app(_through_wsgi(create_app()))
