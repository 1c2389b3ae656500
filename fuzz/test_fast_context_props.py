"""The context object generated only when the definition can read it
(teststate.operations.test_state, `LoadedState.reads_context`), against always generating it.

When a request carries no context, the service builds AWS's (two UUIDs, timestamps, ARNs) only if
some string of the definition mentions ``$$`` or a ``$states`` member beyond the data (the loader's
`reads_context`); otherwise it runs the state with an empty context. For any runnable request,
skipping the context gives the same answer (the same JSON, or the same error) as building it.
"""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from hypothesis import event, given

from fuzz.strategies import RANDOM_READERS, runnable_requests
from interpreter import World
from teststate.errors import ApiError
from teststate.operations import test_state as operation
from teststate.validation.request import load_test_state_request

_NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
_load = operation._load


def _answer(body: dict[str, Any]) -> tuple[str, ...]:
    try:
        answer = operation.test_state(
            load_test_state_request(body),
            region="us-east-1",
            world=World(now=_NOW, rng=random.Random(7)),
            budget_seconds=30.0,
        )
    except ApiError as error:
        return ("error", type(error).__name__, str(error))
    return ("answer", json.dumps(answer, ensure_ascii=False))


def _always_generated(definition: str, state_name: str | None) -> Any:
    return dataclasses.replace(_load(definition, state_name), reads_context=True)


@given(body=runnable_requests())
def test_skipping_an_unreadable_context_does_not_change_the_answer(body: dict[str, Any]) -> None:
    body.pop("context", None)
    definition = body["definition"]
    if any(name in definition for name in RANDOM_READERS):
        event("reads the random source: its draws follow the context's, not compared")
        return
    try:
        skipped = _load(definition, body.get("stateName")).reads_context is False
    except ApiError:
        skipped = False
    event("context skipped" if skipped else "context generated")
    with mock.patch.object(operation, "_load", _always_generated):
        reference = _answer(body)
    assert _answer(body) == reference
