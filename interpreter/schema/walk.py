"""The walk over a machine's states: every state's shape, depth first into nested machines.

For each state, in AWS's order: Type, unsupported fields, QueryLanguage downgrade, fields of the
other query language, QueryLanguage value, required fields, exclusive fields, field values (in
table order), the checks of its type (Task, Choice, Parallel, Map), Retry, Catch. Parallel
branches and Map processors are walked where they appear, so the states are visited in document
order, depth first.

Each check raises the first problem it finds (`messages.fail`), and `walk_states`, at every
level of nesting, checks one state at a time: gathering every problem instead (as
ValidateStateMachineDefinition does) can be done there, state by state, without changing the
checks themselves.

Evidence in comments: "recorded" cites a conformance case or AWS's text quoted in a public
issue, "measured" means measured against AWS's ValidateStateMachineDefinition, "not recorded"
marks our own wording.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from interpreter.jsontypes import JSON
from interpreter.schema.distributed_map import (
    check_item_batcher,
    check_item_reader,
    check_label,
    check_processor_config,
    check_result_writer,
)
from interpreter.schema.messages import (
    CANNOT_BE_EMPTY,
    EXPECTED,
    EXPECTED_ARRAY,
    INVALID_STATE_NAME,
    NO_LOCATION,
    TOO_DEEPLY_NESTED,
    fail,
    idx,
    one_of,
    ptr,
    required,
    unsupported,
    wrong_language,
)
from interpreter.schema.tables import (
    CATCHER_FIELDS,
    PROCESSOR_FIELDS,
    RETRIER_FIELDS,
    STATE_SPECS,
    STATE_TYPES,
    STRING,
    SUB_MACHINE_FIELDS,
    FieldSpec,
    Kind,
    Lang,
)
from interpreter.schema.values import check_exclusive, check_value

_MAX_STATE_NAME: Final = 80
_MAX_NESTING: Final = 64  # depth of nested Parallel/Map machines; AWS's limit is unknown
_ALL_ERRORS: Final = "States.ALL"


def language(value: JSON, inherited: Lang) -> Lang:
    """The effective language: JSONPath only for exactly "JSONPath"; absent inherits (measured)."""
    if value is None:
        return inherited
    return Lang.JSONPATH if value == "JSONPath" else Lang.JSONATA


def check_query_language_value(value: JSON, pointer: str) -> None:
    """A QueryLanguage field's value (both messages measured)."""
    if not isinstance(value, str):
        raise fail(EXPECTED[Kind.STRING], pointer)
    if value not in ("JSONPath", "JSONata"):
        raise fail(one_of(("JSONPath", "JSONata")), pointer)


def check_machine_object(doc: JSON, pointer: str, allowed: tuple[str, ...]) -> None:
    """Required and unsupported fields of a machine or sub-machine object."""
    if not isinstance(doc, dict):
        if pointer == "/":
            # Recorded without a location from ValidateStateMachineDefinition:
            # api/test_sfn_api_validation/test_validate_state_machine_definition_not_a_definition__EMPTY_STRING.
            raise fail("Definition must be a valid JSON object", NO_LOCATION)
        raise fail(EXPECTED[Kind.OBJECT], pointer)  # not recorded
    missing = [name for name in ("States", "StartAt") if name not in doc]
    if missing:
        # Recorded in this order: api/test_sfn_api_validation/
        # test_validate_state_machine_definition_not_a_definition__EMPTY_DICT.
        raise fail(required(missing), pointer)
    for name in doc:
        if name not in allowed:
            # Measured, e.g. QueryLanguage on an ItemProcessor or a branch.
            raise fail(unsupported(name), pointer)


def machine_states(doc: Mapping[str, JSON], pointer: str) -> Mapping[str, JSON]:
    """A machine object's StartAt type and its non-empty ``States`` object."""
    if not isinstance(doc["StartAt"], str):
        raise fail(EXPECTED[Kind.STRING], ptr(pointer, "StartAt"))
    states = doc["States"]
    if not isinstance(states, dict):
        raise fail(EXPECTED[Kind.OBJECT], ptr(pointer, "States"))  # not recorded
    if not states:
        raise fail(CANNOT_BE_EMPTY, ptr(pointer, "States"))  # by analogy with the recorded Branches
    return states


def walk_states(states: Mapping[str, JSON], pointer: str, machine_lang: Lang, depth: int) -> None:
    """Every state of one ``States`` object, in document order: its name, then its shape."""
    for name, state in states.items():
        state_pointer = ptr(ptr(pointer, "States"), name)
        if not 1 <= len(name) <= _MAX_STATE_NAME:
            detail = (
                # AWS's text as quoted in ChristopheBougere/asl-validator#69 and
                # aws-cloudformation/cfn-lint#4079.
                f"Invalid State name: State '{name}' exceeds the 80-character limit allowed by the service"
                if name
                else "Invalid State name: State name cannot be empty"  # not recorded
            )
            raise fail(detail, state_pointer, INVALID_STATE_NAME)
        _check_state(state, state_pointer, machine_lang, depth)


def _check_state(state: JSON, pointer: str, machine_lang: Lang, depth: int) -> None:
    """All shape rules of one state, in the order the module docstring gives."""
    if not isinstance(state, dict):
        raise fail(EXPECTED[Kind.OBJECT], pointer)  # not recorded
    if "Type" not in state:
        raise fail(required(["Type"]), pointer)  # by analogy with the recorded machine fields
    state_type = state["Type"]
    if not isinstance(state_type, str) or state_type not in STATE_SPECS:
        # Recorded: aws/test_test_state_machine_scenarios/test_state_name_invalid_state_definition.
        raise fail(
            f"The field 'Type' should have one of these values: [{', '.join(STATE_TYPES)}]",
            ptr(pointer, "Type"),
        )
    spec = STATE_SPECS[state_type]
    for name in state:
        if name not in spec.fields:
            # Measured at the state (floci-io/floci#2735: "Field 'TimeoutSeconds' is not supported").
            raise fail(unsupported(name), pointer)
    declared = state.get("QueryLanguage")
    if declared == "JSONPath" and machine_lang is Lang.JSONATA:
        # Recorded at the state: api/test_sfn_api_validation/
        # test_validate_state_machine_definition_type_standard__INVALID_DOWNGRADE_QUERY_LANGUAGE.
        # It is the only problem AWS reports about this state's language (measured).
        raise fail(
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            pointer,
        )
    lang = language(declared, machine_lang)
    for name, field in spec.fields.items():
        if name in state and field.lang is not Lang.BOTH and field.lang is not lang:
            raise fail(wrong_language(lang, name), pointer)  # measured at the state
    if "QueryLanguage" in state:
        check_query_language_value(declared, ptr(pointer, "QueryLanguage"))
    missing = [name for name in spec.required if name not in state]
    if missing:
        raise fail(required(missing), pointer)
    for group in spec.exclusive:
        check_exclusive(state, group, pointer)
    for name, field in spec.fields.items():
        if name in state:
            check_value(field, state[name], lang, ptr(pointer, name))
    _SPECIAL_CHECKS[state_type](state, pointer, lang, machine_lang, depth)
    if "Retry" in state:
        _check_handlers(state["Retry"], ptr(pointer, "Retry"), RETRIER_FIELDS, lang)
    if "Catch" in state:
        _check_handlers(state["Catch"], ptr(pointer, "Catch"), CATCHER_FIELDS, lang)


def _check_handlers(value: JSON, pointer: str, fields: Mapping[str, FieldSpec], lang: Lang) -> None:
    """Retry or Catch: an array of objects with ErrorEquals; States.ALL alone and last."""
    if not isinstance(value, list):
        raise fail(EXPECTED_ARRAY, pointer)
    catcher = fields is CATCHER_FIELDS
    for index, entry in enumerate(value):
        entry_pointer = idx(pointer, index)
        if not isinstance(entry, dict):
            raise fail(EXPECTED[Kind.OBJECT], entry_pointer)  # not recorded
        for name in entry:
            if name not in fields:
                raise fail(unsupported(name), entry_pointer)  # by analogy with the states
        for name, field in fields.items():
            if name in entry and field.lang is not Lang.BOTH and field.lang is not lang:
                # The wording measured for states; the location (the handler) is not recorded.
                raise fail(wrong_language(lang, name), entry_pointer)
        missing = [n for n in (("ErrorEquals", "Next") if catcher else ("ErrorEquals",)) if n not in entry]
        if missing:
            raise fail(required(missing), entry_pointer)  # measured
        errors = entry["ErrorEquals"]
        errors_pointer = ptr(entry_pointer, "ErrorEquals")
        if not isinstance(errors, list):
            raise fail(EXPECTED_ARRAY, errors_pointer)
        if not errors:
            raise fail(CANNOT_BE_EMPTY, errors_pointer)  # measured
        for error_index, error in enumerate(errors):
            if not isinstance(error, str):
                raise fail(EXPECTED[Kind.STRING], idx(errors_pointer, error_index))
        if _ALL_ERRORS in errors and (len(errors) > 1 or index != len(value) - 1):
            # AWS Step Functions developer guide, "Handling errors in Step Functions workflows":
            # States.ALL must appear alone, in the last retrier or catcher. Wording measured.
            raise fail("States.ALL must appear alone and at end of list", errors_pointer)
        for name, field in fields.items():
            if name in entry:
                check_value(field, entry[name], lang, ptr(entry_pointer, name))
        jitter = entry.get("JitterStrategy")
        if "JitterStrategy" in entry and jitter not in ("NONE", "FULL"):
            raise fail(one_of(("NONE", "FULL")), ptr(entry_pointer, "JitterStrategy"))


# ---------------------------------------------------------------------------------------------
# The checks of each state type beyond its table: (state, pointer, state's language, machine's
# language, nesting depth).
# ---------------------------------------------------------------------------------------------

_TypeCheck = Callable[[Mapping[str, JSON], str, Lang, Lang, int], None]


def _no_extra(state: Mapping[str, JSON], pointer: str, lang: Lang, machine: Lang, depth: int) -> None:
    """Types whose table says everything."""


def _check_task(state: Mapping[str, JSON], pointer: str, lang: Lang, machine: Lang, depth: int) -> None:
    resource = state["Resource"]
    if not isinstance(resource, str):
        raise fail(EXPECTED[Kind.STRING], ptr(pointer, "Resource"))
    if not resource.startswith("arn:"):
        raise fail("Value is not a valid resource ARN", ptr(pointer, "Resource"))  # measured
    if "Credentials" in state:
        credentials = state["Credentials"]
        cred_pointer = ptr(pointer, "Credentials")
        if not isinstance(credentials, dict):
            raise fail(EXPECTED[Kind.OBJECT], cred_pointer)  # not recorded
        role_fields = ("RoleArn", "RoleArn.$") if lang is Lang.JSONPATH else ("RoleArn",)
        if not any(name in credentials for name in role_fields):
            # Recorded from AWS's CreateStateMachine in LocalStack's AWS-validated snapshots
            # (not in our corpus).
            raise fail("The field 'RoleArn' is required but was missing", cred_pointer)
        if ":activity:" in resource:
            # The wording was measured; the location was not recorded.
            raise fail("The field 'Credentials' is not supported for activities", cred_pointer)


def _check_choice(state: Mapping[str, JSON], pointer: str, lang: Lang, machine: Lang, depth: int) -> None:
    """Only the list and each top-level rule's Next; the rules themselves are choice.py's."""
    choices = state["Choices"]
    choices_pointer = ptr(pointer, "Choices")
    if not isinstance(choices, list):
        raise fail(EXPECTED_ARRAY, choices_pointer)
    if not choices:
        raise fail(CANNOT_BE_EMPTY, choices_pointer)  # measured
    for index, rule in enumerate(choices):
        rule_pointer = idx(choices_pointer, index)
        if not isinstance(rule, dict):
            raise fail(EXPECTED[Kind.OBJECT], rule_pointer)  # not recorded
        if "Next" not in rule:
            # AWS's text as quoted in aws-cloudformation/cfn-lint#4077.
            raise fail(required(["Next"]), rule_pointer)
        if not isinstance(rule["Next"], str):
            raise fail(EXPECTED[Kind.STRING], ptr(rule_pointer, "Next"))


def _check_parallel(state: Mapping[str, JSON], pointer: str, lang: Lang, machine: Lang, depth: int) -> None:
    branches = state["Branches"]
    branches_pointer = ptr(pointer, "Branches")
    if not isinstance(branches, list):
        raise fail(EXPECTED_ARRAY, branches_pointer)
    if not branches:
        # Recorded from TestState: aws/test_state_mock_validation/test_parallel_state_empty_branches.
        raise fail(CANNOT_BE_EMPTY, branches_pointer)
    for index, branch in enumerate(branches):
        _check_sub_machine(branch, idx(branches_pointer, index), SUB_MACHINE_FIELDS, machine, depth)


def _check_map(state: Mapping[str, JSON], pointer: str, lang: Lang, machine: Lang, depth: int) -> None:
    key = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
    processor_pointer = ptr(pointer, key)
    processor = state[key]
    _check_sub_machine(processor, processor_pointer, PROCESSOR_FIELDS, machine, depth)
    if "ProcessorConfig" in processor:
        check_processor_config(processor["ProcessorConfig"], ptr(processor_pointer, "ProcessorConfig"))
    if "Label" in state:
        check_label(state["Label"], ptr(pointer, "Label"))
    # Distributed-only fields are accepted in an INLINE Map too: no AWS rule found against it.
    if "ItemReader" in state:
        check_item_reader(state["ItemReader"], ptr(pointer, "ItemReader"), lang)
    if "ItemBatcher" in state:
        check_item_batcher(state["ItemBatcher"], ptr(pointer, "ItemBatcher"), lang)
    if "ResultWriter" in state:
        check_result_writer(state["ResultWriter"], ptr(pointer, "ResultWriter"), lang)


_SPECIAL_CHECKS: Final[dict[str, _TypeCheck]] = {
    "Task": _check_task,
    "Choice": _check_choice,
    "Parallel": _check_parallel,
    "Map": _check_map,
    "Pass": _no_extra,
    "Wait": _no_extra,
    "Succeed": _no_extra,
    "Fail": _no_extra,
}
if set(_SPECIAL_CHECKS) != set(STATE_SPECS):
    raise RuntimeError(
        f"_SPECIAL_CHECKS covers {sorted(_SPECIAL_CHECKS)}, not the state types {sorted(STATE_SPECS)}"
    )


def _check_sub_machine(
    doc: JSON, pointer: str, allowed: tuple[str, ...], machine_lang: Lang, depth: int
) -> None:
    """A Parallel branch or Map processor: a machine without QueryLanguage of its own.

    Its states inherit the *whole machine's* language, not the enclosing state's (measured).
    """
    if depth >= _MAX_NESTING:
        raise fail("The states are too deeply nested", pointer, TOO_DEEPLY_NESTED)  # not recorded
    check_machine_object(doc, pointer, allowed)
    if "Comment" in doc:
        check_value(STRING, doc["Comment"], machine_lang, ptr(pointer, "Comment"))
    states = machine_states(doc, pointer)
    walk_states(states, pointer, machine_lang, depth + 1)
