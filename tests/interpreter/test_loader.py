"""The loader: definition text -> the compiled state under test (single state or machine + name)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from interpreter import ABSENT, DefinitionError, StateNotFound, load_definition
from interpreter.definition.loader import LoadedState, load_machine
from interpreter.definition.model import (
    ChoiceState,
    FailState,
    MapState,
    ParallelState,
    PassState,
    QueryLanguage,
    SucceedState,
    TaskState,
    WaitState,
)
from interpreter.schema import SINGLE_STATE_NAME
from interpreter.scope import Scope


def _text(definition: Any) -> str:
    return json.dumps(definition)


def _pass(**fields: Any) -> dict[str, Any]:
    return {"Type": "Pass", "End": True, **fields}


def _machine(states: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states, **fields}


NESTED = _machine(
    {
        "Par": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": True}}},
                {
                    "StartAt": "B2",
                    "States": {
                        "B2": {"Type": "Wait", "Seconds": 1, "Next": "B3"},
                        "B3": {"Type": "Succeed"},
                    },
                },
            ],
            "Next": "Proc",
        },
        "Proc": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "I1",
                "States": {
                    "I1": {
                        "Type": "Choice",
                        "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "I2"}],
                        "Default": "I3",
                    },
                    "I2": {"Type": "Succeed"},
                    "I3": {"Type": "Fail", "Error": "E"},
                },
            },
            "Next": "Legacy",
        },
        "Legacy": {
            "Type": "Map",
            "Iterator": {"StartAt": "J1", "States": {"J1": {"Type": "Pass", "End": True}}},
            "Next": "Work",
        },
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True},
    }
)


# --------------------------------------------------------------------------------------------
# Selecting the state


def test_single_state_form_is_named_state_name() -> None:
    loaded = load_definition(_text(_pass(Result={"a": 1})), None)
    assert isinstance(loaded, LoadedState)
    assert loaded.state_name == SINGLE_STATE_NAME == "StateName"
    assert loaded.state.name == "StateName"
    assert isinstance(loaded.state, PassState)
    assert loaded.state.result == {"a": 1}
    assert loaded.state_type == "Pass"
    assert loaded.state.end is True
    assert loaded.state.next is None


def test_single_state_form_may_name_a_missing_next_state() -> None:
    loaded = load_definition(_text({"Type": "Pass", "Next": "DoesNotExist"}), None)
    assert (loaded.state.next, loaded.state.end) == ("DoesNotExist", False)


@pytest.mark.parametrize(
    ("name", "state_class", "state_type"),
    [
        ("Par", ParallelState, "Parallel"),
        ("B1", PassState, "Pass"),
        ("B2", WaitState, "Wait"),
        ("B3", SucceedState, "Succeed"),
        ("Proc", MapState, "Map"),
        ("I1", ChoiceState, "Choice"),
        ("I2", SucceedState, "Succeed"),
        ("I3", FailState, "Fail"),
        ("Legacy", MapState, "Map"),
        ("J1", PassState, "Pass"),
        ("Work", TaskState, "Task"),
    ],
)
def test_any_state_of_a_machine_can_be_selected(name: str, state_class: type, state_type: str) -> None:
    loaded = load_definition(_text(NESTED), name)
    assert loaded.state_name == name
    assert loaded.state.name == name
    assert type(loaded.state) is state_class
    assert loaded.state_type == state_type


def test_selected_state_keeps_its_transitions() -> None:
    assert load_definition(_text(NESTED), "B2").state.next == "B3"
    assert load_definition(_text(NESTED), "Par").state.next == "Proc"
    choice = load_definition(_text(NESTED), "I1").state
    assert isinstance(choice, ChoiceState)
    assert choice.default == "I3"
    assert [rule.next for rule in choice.choices] == ["I2"]


@pytest.mark.parametrize("name", ["Nope", "StateName", "b1", "Branches", "ItemProcessor"])
def test_unknown_state_name_raises_state_not_found(name: str) -> None:
    with pytest.raises(StateNotFound) as raised:
        load_definition(_text(NESTED), name)
    assert str(raised.value) == "State not found in definition"


@pytest.mark.parametrize(
    ("name", "branch_count", "has_result_writer", "callback"),
    [
        ("Par", 2, False, False),
        ("Proc", None, False, False),
        ("B1", None, False, False),
        ("Work", None, False, False),
    ],
)
def test_loaded_state_facts(
    name: str, branch_count: int | None, has_result_writer: bool, callback: bool
) -> None:
    loaded = load_definition(_text(NESTED), name)
    assert loaded.branch_count == branch_count
    assert loaded.has_result_writer is has_result_writer
    assert loaded.callback_pattern is callback


@pytest.mark.parametrize(
    ("resource", "callback"),
    [
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", True),
        ("arn:aws:states:::lambda:invoke.waitForTaskToken", True),
        ("arn:aws:states:::states:startExecution.sync", True),
        ("arn:aws:states:::states:startExecution.sync:2", True),
        ("arn:aws:states:::glue:startJobRun.sync", True),
        ("arn:aws:states:us-east-1:123456789012:activity:MyActivity", True),
        ("arn:aws:states:::lambda:invoke", False),
        ("arn:aws:lambda:us-east-1:123456789012:function:my-function", False),
        ("arn:aws:states:::aws-sdk:s3:listBuckets", False),
        ("arn:aws:states:::http:invoke", False),
    ],
)
def test_callback_pattern_of_task_resources(resource: str, callback: bool) -> None:
    loaded = load_definition(_text({"Type": "Task", "Resource": resource, "End": True}), None)
    assert loaded.callback_pattern is callback


def test_map_with_result_writer_is_reported() -> None:
    definition = {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True}},
        },
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "b", "Prefix": "p"},
        },
        "End": True,
    }
    loaded = load_definition(_text(definition), None)
    assert loaded.has_result_writer is True
    assert loaded.branch_count is None


# --------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    "text",
    [
        "not a definition",
        "",
        "{",
        '{"Type": "Pass", "End": true} trailing',
        "NaN",
        "[" * 100_000,
        "{'Type': 'Pass'}",
    ],
)
def test_text_that_is_not_json_is_invalid_json_description(text: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        load_definition(text, None)
    assert raised.value.code == "INVALID_JSON_DESCRIPTION"
    assert raised.value.pointer == ""
    assert raised.value.message == f"INVALID_JSON_DESCRIPTION: {raised.value.detail}"


def test_text_that_is_not_json_fails_in_the_machine_form_too() -> None:
    with pytest.raises(DefinitionError) as raised:
        load_definition("not a definition", "State0")
    assert raised.value.code == "INVALID_JSON_DESCRIPTION"


@pytest.mark.parametrize(
    ("definition", "state_name", "pointer"),
    [
        (_pass(InputPath="$["), None, "/States/StateName/InputPath"),
        (_pass(OutputPath="$["), None, "/States/StateName/OutputPath"),
        (_pass(ResultPath="$["), None, "/States/StateName/ResultPath"),
        (_machine({"A": _pass(InputPath="$[")}), "A", "/States/A/InputPath"),
        (
            _machine(
                {
                    "P": {
                        "Type": "Parallel",
                        "Branches": [{"StartAt": "B", "States": {"B": _pass(InputPath="$[")}}],
                        "End": True,
                    }
                }
            ),
            "P",
            "/States/P/Branches[0]/States/B/InputPath",
        ),
        (
            _machine(
                {
                    "M": {
                        "Type": "Map",
                        "ItemProcessor": {"StartAt": "I", "States": {"I": _pass(OutputPath="$[")}},
                        "End": True,
                    }
                }
            ),
            "M",
            "/States/M/ItemProcessor/States/I/OutputPath",
        ),
    ],
)
def test_bad_path_is_a_definition_error_at_the_field(
    definition: Any, state_name: str | None, pointer: str
) -> None:
    with pytest.raises(DefinitionError) as raised:
        load_definition(_text(definition), state_name)
    assert raised.value.code == "SCHEMA_VALIDATION_FAILED"
    assert raised.value.pointer == pointer
    assert raised.value.detail.startswith("The value '$[' is not a valid JSONPath")
    assert raised.value.message.endswith(f" at {pointer}")


def test_invalid_definition_fails_even_when_another_state_is_selected() -> None:
    definition = _machine({"Good": {"Type": "Pass", "Next": "Bad"}, "Bad": _pass(InputPath="$[")})
    with pytest.raises(DefinitionError) as raised:
        load_definition(_text(definition), "Good")
    assert raised.value.pointer == "/States/Bad/InputPath"


def test_bad_template_value_pointer_in_a_machine() -> None:
    definition = _machine({"S": _pass(Parameters={"a": {"b.$": 1}})})
    with pytest.raises(DefinitionError) as raised:
        load_definition(_text(definition), "S")
    assert raised.value.pointer == "/States/S/Parameters/a/b.$"


def test_non_object_definition_is_a_schema_error() -> None:
    with pytest.raises(DefinitionError) as raised:
        load_definition("[]", None)
    assert (raised.value.code, raised.value.detail) == (
        "SCHEMA_VALIDATION_FAILED",
        "Definition must be a valid JSON object",
    )


# --------------------------------------------------------------------------------------------
# Compiled fields


def test_paths_absent_null_and_present() -> None:
    absent = load_definition(_text(_pass()), None).state
    assert (absent.input_path, absent.output_path, absent.result_path) == (ABSENT, ABSENT, ABSENT)
    nulls = load_definition(_text(_pass(InputPath=None, OutputPath=None, ResultPath=None)), None).state
    assert (nulls.input_path, nulls.output_path, nulls.result_path) == (None, None, None)
    present = load_definition(_text(_pass(InputPath="$.a", OutputPath="$.b", ResultPath="$.c")), None).state
    assert present.input_path.text == "$.a"
    assert present.output_path.text == "$.b"
    assert present.result_path.text == "$.c"


def test_items_path_has_no_null_form() -> None:
    # ASL: ItemsPath must be a Reference Path; null would leave the Map without items.
    processor = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    definition = {"Type": "Map", "ItemsPath": None, "ItemProcessor": processor, "End": True}
    with pytest.raises(DefinitionError) as raised:
        load_definition(_text(definition), None)
    assert raised.value.pointer == "/States/StateName/ItemsPath"


# --------------------------------------------------------------------------------------------
# Caching


def _unique_text() -> str:
    return _text(_pass(Comment=f"cache-{uuid.uuid4()}"))


def test_same_text_gives_the_identical_compiled_state() -> None:
    text = _unique_text()
    first = load_definition(text, None)
    second = load_definition(text, None)
    assert first.state is second.state


def test_cache_hits_are_counted() -> None:
    text = _unique_text()
    before = load_machine.cache_info()
    load_definition(text, None)
    middle = load_machine.cache_info()
    load_definition(text, None)
    load_definition(text, None)
    after = load_machine.cache_info()
    assert middle.misses == before.misses + 1
    assert middle.hits == before.hits
    assert after.hits == middle.hits + 2
    assert after.misses == middle.misses


def test_machine_form_reuses_the_compiled_machine_for_every_state_name() -> None:
    text = _text(_machine({"A": {"Type": "Pass", "Next": "B"}, "B": _pass()}, Comment=str(uuid.uuid4())))
    before = load_machine.cache_info()
    a = load_definition(text, "A")
    b = load_definition(text, "B")
    again = load_definition(text, "A")
    after = load_machine.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 2)
    assert a.state is again.state
    assert a.state is not b.state
    assert load_machine(text, single_state=False) is load_machine(text, single_state=False)


def test_different_texts_are_compiled_separately() -> None:
    first = load_definition(_unique_text(), None)
    second = load_definition(_unique_text(), None)
    assert first.state is not second.state
    assert first.state == second.state  # equal values, separate objects


def test_failed_loads_are_not_cached_as_successes() -> None:
    for _ in range(2):
        with pytest.raises(DefinitionError):
            load_definition("not a definition", None)


# --------------------------------------------------------------------------------------------
# QueryLanguage


@pytest.mark.parametrize(
    ("definition", "state_name", "expected"),
    [
        (_pass(), None, QueryLanguage.JSONPATH),
        (_pass(QueryLanguage="JSONata"), None, QueryLanguage.JSONATA),
        (_pass(QueryLanguage="JSONPath"), None, QueryLanguage.JSONPATH),
        (_machine({"A": _pass()}), "A", QueryLanguage.JSONPATH),
        (_machine({"A": _pass()}, QueryLanguage="JSONPath"), "A", QueryLanguage.JSONPATH),
        (_machine({"A": _pass()}, QueryLanguage="JSONata"), "A", QueryLanguage.JSONATA),
        (_machine({"A": _pass(QueryLanguage="JSONata")}), "A", QueryLanguage.JSONATA),
        (
            _machine({"A": _pass(QueryLanguage="JSONata")}, QueryLanguage="JSONPath"),
            "A",
            QueryLanguage.JSONATA,
        ),
        (
            _machine({"A": _pass(QueryLanguage="JSONata")}, QueryLanguage="JSONata"),
            "A",
            QueryLanguage.JSONATA,
        ),
        (
            _machine({"A": {"Type": "Pass", "QueryLanguage": "JSONata", "Next": "B"}, "B": _pass()}),
            "B",
            QueryLanguage.JSONPATH,
        ),
        (
            _machine(
                {
                    "M": {
                        "Type": "Map",
                        "ItemProcessor": {"StartAt": "I", "States": {"I": _pass()}},
                        "End": True,
                    }
                },
                QueryLanguage="JSONata",
            ),
            "I",
            QueryLanguage.JSONATA,
        ),
        (
            _machine(
                {
                    "P": {
                        "Type": "Parallel",
                        "Branches": [{"StartAt": "B", "States": {"B": _pass(QueryLanguage="JSONata")}}],
                        "End": True,
                    }
                }
            ),
            "B",
            QueryLanguage.JSONATA,
        ),
    ],
)
def test_query_language_is_inherited_and_overridable(
    definition: Any, state_name: str | None, expected: QueryLanguage
) -> None:
    state = load_definition(_text(definition), state_name).state
    assert state.query_language is expected
    assert state.is_jsonata is (expected is QueryLanguage.JSONATA)


def test_nested_states_inherit_the_machine_language_not_the_enclosing_state() -> None:
    # As interpreter.schema checks it: branch and processor states inherit the whole machine's language.
    definition = _machine(
        {
            "M": {
                "Type": "Map",
                "QueryLanguage": "JSONata",
                "ItemProcessor": {"StartAt": "I", "States": {"I": _pass()}},
                "End": True,
            }
        }
    )
    assert load_definition(_text(definition), "M").state.query_language is QueryLanguage.JSONATA
    assert load_definition(_text(definition), "I").state.query_language is QueryLanguage.JSONPATH


def test_jsonata_machine_cannot_have_a_jsonpath_state() -> None:
    definition = _machine({"Pass": _pass(QueryLanguage="JSONPath")}, QueryLanguage="JSONata")
    with pytest.raises(DefinitionError) as raised:
        load_definition(_text(definition), "Pass")
    assert raised.value.pointer == "/States/Pass"
    assert (
        raised.value.detail
        == "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"
    )


def test_jsonata_fields_of_an_inheriting_state_are_compiled_as_jsonata() -> None:
    definition = _machine(
        {"A": _pass(Output={"v": "{% $states.input.x %}", "w": "$.x"})}, QueryLanguage="JSONata"
    )
    state = load_definition(_text(definition), "A").state
    assert state.output is not None
    rendered = state.output.render(Scope(current={"x": 4}, context={}, variables={}, state_input={"x": 4}))
    assert rendered == {"v": 4, "w": "$.x"}


@pytest.mark.parametrize(
    ("state", "reads"),
    [
        ({"Type": "Pass", "Parameters": {"a.$": "$.x"}, "End": True}, False),
        ({"Type": "Pass", "Parameters": {"a.$": "$$.Execution.Id"}, "End": True}, True),
        ({"Type": "Pass", "Parameters": {"a.$": "States.Format('{}', $$.State.Name)"}, "End": True}, True),
        ({"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input %}", "End": True}, False),
        (
            {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $states.result.x + $states.input.y %}",
                "End": True,
            },
            False,
        ),
        (
            {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $states.context.State.Name %}",
                "End": True,
            },
            True,
        ),
        ({"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states %}", "End": True}, True),
        (
            {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% $lookup($states, 'context') %}",
                "End": True,
            },
            True,
        ),
        ({"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.inputs %}", "End": True}, True),
        ({"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states .context %}", "End": True}, True),
        (
            {
                "Type": "Map",
                "ItemSelector": {"i.$": "$$.Map.Item.Index"},
                "End": True,
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
            },
            True,
        ),
    ],
)
def test_whether_a_definition_can_read_the_context(state: dict[str, Any], reads: bool) -> None:
    assert load_definition(json.dumps(state), None).reads_context is reads
    # The decoded strings count, not the text: "\u0024\u0024" is "$$".
    escaped = json.dumps(state).replace("$$", "\\u0024\\u0024")
    assert load_definition(escaped, None).reads_context is reads
