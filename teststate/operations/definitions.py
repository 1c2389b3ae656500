"""Definition validation: the rule CreateStateMachine and UpdateStateMachine apply
(`definition_problem`), and ValidateStateMachineDefinition, which answers the same rule as
diagnostics.

A definition is checked by the validator TestState uses (`interpreter.definition.loader.load_machine`:
the schema, then every expression compiled), so CreateStateMachine, UpdateStateMachine and
ValidateStateMachineDefinition agree with TestState on what is valid and on AWS's wording of what
is not; an EXPRESS machine is also refused the integration patterns Express does not run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from interpreter.definition.loader import load_machine
from interpreter.errors import DefinitionError
from interpreter.json_errors import jackson_error
from interpreter.jsontypes import JSON, loads
from interpreter.schema import validate_machine
from interpreter.schema.messages import NO_LOCATION
from teststate.errors import api_error_for

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig

__all__ = ["check_definition", "definition_problem", "validate_state_machine_definition"]

Payload = dict[str, Any]

DEFAULT_DIAGNOSTICS: Final = 100  # ValidateStateMachineDefinition's maxResults default

# Express machines do not run the callback and .sync patterns (Step Functions developer guide,
# "Choosing workflow type": Express workflows do not support .sync or .waitForTaskToken).
# Recorded wording, the trailing space of the second one included:
# api/test_sfn_api_express/test_illegal_callbacks__SYNC, ..._WAIT_FOR_TASK_TOKEN.
_EXPRESS_REFUSALS: Final = (
    (re.compile(r"\.sync(?::\d+)?$"), "Express state machine does not support '.sync' service integration"),
    (
        re.compile(r"\.waitForTaskToken$"),
        "Express state machine does not support '.waitForTaskToken' service integration ",
    ),
    # Activities: not recorded, ours in the same words.
    (
        re.compile(r"^arn:[^:]+:states:[^:]*:[^:]*:activity:"),
        "Express state machine does not support Activity ARN",
    ),
)


# --------------------------------------------------------------------------------------------
# The rule CreateStateMachine, UpdateStateMachine and ValidateStateMachineDefinition share
# --------------------------------------------------------------------------------------------
def _express_problem(document: Mapping[str, JSON], pointer: str) -> DefinitionError | None:
    """The first Task of an express machine using a pattern Express does not run, depth first in
    document order (as the schema's walk reports problems)."""
    states = document.get("States")
    if not isinstance(states, dict):
        return None
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        state_pointer = f"{pointer}/States/{name}" if pointer != "/" else f"/States/{name}"
        resource = state.get("Resource")
        if state.get("Type") == "Task" and isinstance(resource, str):
            for pattern, detail in _EXPRESS_REFUSALS:
                if pattern.search(resource):
                    return DefinitionError(detail, f"{state_pointer}/Resource")
        subs: list[tuple[Mapping[str, JSON], str]] = []
        if state.get("Type") == "Parallel" and isinstance(state.get("Branches"), list):
            subs = [
                (branch, f"{state_pointer}/Branches[{index}]")
                for index, branch in enumerate(state["Branches"])
                if isinstance(branch, dict)
            ]
        elif state.get("Type") == "Map":
            key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
            processor = state.get(key)
            if isinstance(processor, dict):
                subs = [(processor, f"{state_pointer}/{key}")]
        for sub, sub_pointer in subs:
            problem = _express_problem(sub, sub_pointer)
            if problem is not None:
                return problem
    return None


def definition_problem(text: str, machine_type: str) -> DefinitionError | None:
    """The first problem of a whole-machine definition, or None if it is valid for `machine_type`.

    The validator is TestState's (`load_machine`: schema and expressions, cached by text). A text
    with no JSON value at all reads as "no object": AWS answers ``Definition must be a valid JSON
    object`` without a location (recorded:
    api/test_sfn_api_validation/test_validate_state_machine_definition_not_a_definition__EMPTY_STRING).
    """
    try:
        if not text.strip(" \t\n\r"):
            validate_machine(None)
        load_machine(text, single_state=False)
    except DefinitionError as err:
        return err
    if machine_type == "EXPRESS":
        document = loads(text)
        if isinstance(document, dict):
            return _express_problem(document, "/")
    return None


def check_definition(text: str, machine_type: str) -> None:
    problem = definition_problem(text, machine_type)
    if problem is not None:
        raise api_error_for(problem)


# --------------------------------------------------------------------------------------------
# ValidateStateMachineDefinition
# --------------------------------------------------------------------------------------------
def _diagnostic(problem: DefinitionError, text: str) -> Payload:
    """A diagnostic from the validator's error: its code, its detail as the message, its pointer
    as the location (none for ``null``; for JSON that does not parse, Jackson's location:
    api/test_sfn_api_validation/test_validate_state_machine_definition_not_a_definition__NOT_A_DEF)."""
    diagnostic: Payload = {"severity": "ERROR", "code": problem.code, "message": problem.detail}
    location: str | None = problem.pointer
    if problem.code == "INVALID_JSON_DESCRIPTION":
        refusal = jackson_error(text)
        location = refusal.location if refusal is not None else None
    if location and location != NO_LOCATION:
        diagnostic["location"] = location
    return diagnostic


def validate_state_machine_definition(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """ValidateStateMachineDefinition: never an error for the definition itself, a result instead.

    The validator reports the first problem only (it stops there) and has no warnings, so the
    answer holds at most one ERROR diagnostic; ``severity`` WARNING asks for warnings too (none),
    ``maxResults`` 0 means the default (100).
    """
    text: str = body["definition"]
    problem = definition_problem(text, body.get("type") or "STANDARD")
    diagnostics = [] if problem is None else [_diagnostic(problem, text)]
    limit = body.get("maxResults") or DEFAULT_DIAGNOSTICS
    return {
        "result": "OK" if problem is None else "FAIL",
        "diagnostics": diagnostics[:limit],
        "truncated": len(diagnostics) > limit,
    }
