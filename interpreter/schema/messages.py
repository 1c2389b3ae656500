"""AWS's codes, wording and locations for definition problems.

Every problem the checks find is built by `fail`: a `DefinitionError` carrying AWS's code, its
message and its location (a JSON pointer), the same three things a ValidateStateMachineDefinition
diagnostic holds besides its severity. The wording shared by several checks lives here; a message
used once stays beside its check.

Where each wording comes from is said at the message, in one of three ways: recorded from AWS
(a conformance case under ``tests/conformance/corpus``, or AWS's text quoted in a public issue),
measured against AWS's ValidateStateMachineDefinition, or "not recorded" (our own wording, in the
style of the recorded ones).

Locations follow AWS, which does not escape names and writes array indexes in brackets:
``/States/P/Branches[0]/States/X``, ``/States/C/Choices[0]/Next`` (measured).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from interpreter.errors import DefinitionError
from interpreter.schema.tables import Kind, Lang

SCHEMA_VALIDATION_FAILED: Final = "SCHEMA_VALIDATION_FAILED"
MISSING_TRANSITION_TARGET: Final = "MISSING_TRANSITION_TARGET"
MISSING_END_STATE: Final = "MISSING_END_STATE"
DUPLICATE_STATE_NAME: Final = "DUPLICATE_STATE_NAME"
INVALID_STATE_NAME: Final = "INVALID_STATE_NAME"
TOO_DEEPLY_NESTED: Final = "TOO_DEEPLY_NESTED"  # ours: AWS's limit and code are not recorded

NO_LOCATION: Final = "null"
"""AWS writes a problem without a location as ``at null`` (recorded from CreateStateMachine:
``MISSING_END_STATE: Workflow has no terminal state at null``, quoted in floci-io/floci#2735)."""

CANNOT_BE_EMPTY: Final = "Value cannot be empty"
"""An array or object that must not be empty. Recorded from TestState for an empty Parallel
``Branches`` (aws/test_state_mock_validation/test_parallel_state_empty_branches)."""

EXPECTED: Final[dict[Kind, str]] = {
    Kind.STRING: "Expected value of type [STRING]",  # measured
    Kind.PATH: "Expected value of type [STRING]",  # measured (null is accepted too)
    Kind.INTEGER: "Expected value of type Integer",  # measured
    Kind.BOOLEAN: "Expected value of type [BOOLEAN]",  # not recorded
    Kind.OBJECT: "Expected value of type [OBJECT]",  # not recorded
    Kind.SELECTOR: "Expected value of type [OBJECT]",  # not recorded
    Kind.NUMBER: "Expected value of type [NUMBER]",  # not recorded
    Kind.TIMESTAMP: "Expected value of type [STRING]",  # measured (as for strings)
    Kind.ITEMS: "Expected value of type [ARRAY]",  # not recorded
}
"""The message for a value of the wrong type, by the shape the field expects."""

EXPECTED_ARRAY: Final = "Expected value of type [ARRAY]"  # not recorded


def fail(detail: str, pointer: str, code: str = SCHEMA_VALIDATION_FAILED) -> DefinitionError:
    """The problem ``<code>: <detail> at <pointer>``, for the caller to raise."""
    return DefinitionError(detail, pointer, code)


def required(names: Iterable[str]) -> str:
    """Missing required fields, in the order given (recorded: "These fields are required: [States,
    StartAt]" at ``/``, api/test_sfn_api_validation/test_validate_state_machine_definition_not_a_definition__EMPTY_DICT)."""
    return f"These fields are required: [{', '.join(names)}]"


def unsupported(name: str) -> str:
    """A field the object does not accept, located at the object (measured)."""
    return f"Field '{name}' is not supported"


def one_of(values: tuple[str, ...]) -> str:
    """A value outside its enumeration (measured)."""
    return f"Value should be one of the following: [{', '.join(values)}]"


def wrong_language(state_lang: Lang, name: str) -> str:
    """A field of the other query language, located at the object (measured)."""
    other = Lang.JSONATA if state_lang is Lang.JSONPATH else Lang.JSONPATH
    return (
        f"The QueryLanguage is set to '{state_lang.value}', but field '{name}' is only "
        f"supported for the '{other.value}' QueryLanguage"
    )


def ptr(base: str, name: str) -> str:
    """AWS's pointer to a field: no escaping, the root is ``/``."""
    return f"/{name}" if base == "/" else f"{base}/{name}"


def idx(base: str, index: int) -> str:
    """AWS's pointer to an array element: ``Branches[0]`` (measured)."""
    return f"{base}[{index}]"
