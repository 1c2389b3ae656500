"""The plain request checks (teststate.validation.request) against marshmallow, their reference.

The TestState schemas are compiled into plain checks that claim to accept exactly what the
schemas accept, building the same request; at the first doubt the schema loads the body itself,
so every error is marshmallow's. For any body:

* when the plain checks answer, marshmallow accepts the body and builds the same
  `TestStateRequest` (the same values of the same types); when they defer, and always through
  `load_test_state_request`, the answer is marshmallow's: the same request, or the same `ApiError`
  (class, code and message);
* the plain checks answer (do not defer) for every body marshmallow accepts.
"""

from __future__ import annotations

from typing import Any

from hypothesis import event, given
from marshmallow import ValidationError

from fuzz.strategies import model_request_bodies
from teststate.errors import ApiError
from teststate.validation import request


def _by_marshmallow(body: dict[str, Any]) -> tuple[str, ...]:
    """The reference: the schema's load, its errors translated as the service translates them."""
    try:
        return ("request", repr(request._TEST_STATE_INPUT.load(body)))
    except ValidationError as error:
        api_error = request.to_api_error(error.messages)
        return ("error", type(api_error).__name__, api_error.code, str(api_error))


def _by_the_service(body: dict[str, Any]) -> tuple[str, ...]:
    try:
        return ("request", repr(request.load_test_state_request(body)))
    except ApiError as error:
        return ("error", type(error).__name__, error.code, str(error))


@given(body=model_request_bodies())
def test_the_plain_checks_answer_as_marshmallow_or_defer_to_it(body: dict[str, Any]) -> None:
    reference = _by_marshmallow(body)
    plain = request._LOAD_VALID_TEST_STATE_INPUT(body)
    if plain is request._INVALID:
        event("plain checks deferred to marshmallow")
        event(f"marshmallow: {reference[1] if reference[0] == 'error' else 'accepted'}")
    else:
        event("plain checks answered")
        assert reference == ("request", repr(plain))
    assert _by_the_service(body) == reference


@given(body=model_request_bodies())
def test_the_plain_checks_answer_every_body_marshmallow_accepts(body: dict[str, Any]) -> None:
    reference = _by_marshmallow(body)
    if reference[0] == "request":
        assert request._LOAD_VALID_TEST_STATE_INPUT(body) is not request._INVALID, (
            "the plain checks doubted a body marshmallow accepts"
        )
