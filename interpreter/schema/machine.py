"""Static validation of an ASL definition, reporting AWS's first problem in AWS's words.

TestState validates a definition like ``CreateStateMachine`` does and answers
``InvalidDefinition: Invalid State Machine Definition: '<CODE>: <detail> at <pointer>'``.
The package checks the *shape* of a decoded definition (fields allowed per state type, required
and mutually exclusive fields, value types and ranges, query-language rules, Retry/Catch,
nested Parallel branches and Map processors, state names and transition targets). It does not
compile JSONPath, JSONata or intrinsics (the loader does) nor check Choice rules beyond their
``Next`` (``interpreter/states/choice.py`` does).

This module holds the two entry points and the order of the checks. Only the first problem is
reported (AWS lists several, joined by ", "):
  1. the machine object: JSON object, required fields, unsupported fields, field values;
  2. every state in document order, depth first into Parallel branches and Map processors
     (`interpreter.schema.walk`);
  3. duplicate state names across the whole machine (`interpreter.schema.transitions`);
  4. transitions: missing targets (all scopes), a top-level terminal state, reachability
     (all scopes). In the single-state form the top-level scope is skipped: AWS accepts a
     dangling ``Next`` there (recorded: aws/test_state_context_object/test_state_wait_task_context_object).

Evidence in comments: "recorded" cites a conformance case or AWS's text quoted in a public
issue, "measured" means measured against AWS's ValidateStateMachineDefinition, "not recorded"
marks our own wording.
"""

from __future__ import annotations

from typing import Final

from interpreter.jsontypes import JSON
from interpreter.schema.messages import EXPECTED, NO_LOCATION, TOO_DEEPLY_NESTED, fail, one_of
from interpreter.schema.tables import MACHINE_FIELDS, STRING, Kind, Lang, integer
from interpreter.schema.transitions import Scope, check_duplicates, check_transitions
from interpreter.schema.values import check_value
from interpreter.schema.walk import (
    check_machine_object,
    check_query_language_value,
    language,
    machine_states,
    walk_states,
)

__all__ = ["SINGLE_STATE_NAME", "validate_machine", "validate_single_state"]

SINGLE_STATE_NAME: Final = "StateName"
"""The name AWS gives a single-state TestState definition (pointers read /States/StateName)."""


def validate_machine(doc: JSON) -> None:
    """Validate a whole state machine definition (TestState with ``stateName``).

    Arguments:
        doc: the decoded definition.

    Raises:
        DefinitionError: the first problem, in AWS's code, wording and JSON pointer.
    """
    _validate(doc, single_state=False)


def validate_single_state(doc: JSON) -> None:
    """Validate one state object (TestState without ``stateName``).

    AWS wraps it in a machine whose only state is ``StateName``, so pointers read
    ``/States/StateName/...``; its ``Next`` may name a state that does not exist (recorded:
    aws/test_state_context_object/test_state_wait_task_context_object).

    Raises:
        DefinitionError: the first problem, in AWS's code, wording and JSON pointer.
    """
    if not isinstance(doc, dict):
        # The wording recorded from ValidateStateMachineDefinition for a definition that is not an
        # object: api/test_sfn_api_validation/test_validate_state_machine_definition_not_a_definition__EMPTY_STRING.
        raise fail("Definition must be a valid JSON object", NO_LOCATION)
    _validate({"StartAt": SINGLE_STATE_NAME, "States": {SINGLE_STATE_NAME: doc}}, single_state=True)


def _validate(doc: JSON, *, single_state: bool) -> None:
    try:
        check_machine_object(doc, "/", MACHINE_FIELDS)
        if "QueryLanguage" in doc:
            check_query_language_value(doc["QueryLanguage"], "/QueryLanguage")
        machine_lang = language(doc.get("QueryLanguage"), Lang.JSONPATH)
        if "Comment" in doc:
            check_value(STRING, doc["Comment"], machine_lang, "/Comment")
        if "TimeoutSeconds" in doc:
            # TimeoutSeconds 0 is accepted at the top level (measured).
            check_value(integer(0), doc["TimeoutSeconds"], Lang.JSONPATH, "/TimeoutSeconds")
        if "Version" in doc and doc["Version"] != "1.0":
            if not isinstance(doc["Version"], str):
                raise fail(EXPECTED[Kind.STRING], "/Version")
            raise fail(one_of(("1.0",)), "/Version")  # measured
        states = machine_states(doc, "/")
        walk_states(states, "/", machine_lang, 0)
        root = Scope("/", doc["StartAt"], states, True)
        check_duplicates(root)
        check_transitions(root, check_top=not single_state)
    except RecursionError:
        # Only the core's own errors may escape it; the nesting cap should make this unreachable.
        raise fail("The states are too deeply nested", NO_LOCATION, TOO_DEEPLY_NESTED) from None
