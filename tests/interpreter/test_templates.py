"""Payload templates: JSONPath ``.$`` keys, JSONata ``{% %}`` strings, constant folding, errors."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from interpreter import DefinitionError, Status, World, load_definition, run_state
from interpreter.errors import StatesError
from interpreter.fields.templates import (
    ArrayTemplate,
    Constant,
    ObjectTemplate,
    compile_jsonata_template,
    compile_payload,
)
from interpreter.scope import Scope

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
INPUT: dict[str, Any] = {"x": 1, "s": "str", "obj": {"k": [10, 20]}, "list": [1, 2, 3]}
CONTEXT: dict[str, Any] = {"Execution": {"Name": "exec-1"}, "State": {"Name": "StateName"}}
VARIABLES: dict[str, Any] = {"var": {"x": "vx", "n": 5}, "plain": 7}


def scope(current: Any = None, *, state_input: Any = None) -> Scope:
    value = INPUT if current is None else current
    return Scope(
        current=value,
        context=CONTEXT,
        variables=VARIABLES,
        state_input=value if state_input is None else state_input,
        world=World(now=NOW, rng=random.Random(3)),
    )


def payload(value: Any) -> Any:
    return compile_payload(value, pointer="/States/StateName/Parameters").render(scope())


def jsonata(value: Any, field: str = "Output") -> Any:
    return compile_jsonata_template(value, field=field, pointer="/States/StateName/Output").render(scope())


# --------------------------------------------------------------------------------------------
# JSONPath payload templates


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ({"v.$": "$.x"}, {"v": 1}),
        ({"v.$": "$"}, {"v": INPUT}),
        ({"v.$": "$.obj.k[1]"}, {"v": 20}),
        ({"v.$": "$.list[*]"}, {"v": [1, 2, 3]}),
        ({"v.$": "$$.Execution.Name"}, {"v": "exec-1"}),
        ({"v.$": "$$"}, {"v": CONTEXT}),
        ({"v.$": "$var.x"}, {"v": "vx"}),
        ({"v.$": "$var"}, {"v": {"x": "vx", "n": 5}}),
        ({"v.$": "$plain"}, {"v": 7}),
        ({"v.$": "States.Format('{}-{}-{}', $.s, $$.State.Name, $var.n)"}, {"v": "str-StateName-5"}),
        ({"v.$": "States.Array($.x, $plain, 'lit')"}, {"v": [1, 7, "lit"]}),
        ({"v.$": "States.JsonToString($.obj)"}, {"v": '{"k":[10,20]}'}),
        ({"v.$": "States.ArrayLength($.list)"}, {"v": 3}),
        # The suffix is removed once; other members stay as they are.
        ({"v.$": "$.x", "w": "$.x", "n": None, "b": True}, {"v": 1, "w": "$.x", "n": None, "b": True}),
    ],
)
def test_dollar_keys_take_their_value_from_a_path_or_intrinsic(template: Any, expected: Any) -> None:
    assert payload(template) == expected


def test_nested_objects_and_arrays_are_walked() -> None:
    template = {
        "a": {"b.$": "$.x", "c": {"d.$": "$$.Execution.Name"}},
        "l": [1, {"e.$": "$var.x"}, [{"f.$": "States.Format('{}', $.s)"}], "$.x"],
        "static": {"g": [1, 2]},
    }
    assert payload(template) == {
        "a": {"b": 1, "c": {"d": "exec-1"}},
        "l": [1, {"e": "vx"}, [{"f": "str"}], "$.x"],
        "static": {"g": [1, 2]},
    }


@pytest.mark.parametrize(
    "template",
    [
        {"a": 1, "b": [1, {"c": "$.x"}], "d": None},
        [1, "two", {"three": 3}],
        {},
        [],
        "$.x",  # a plain string is a constant in JSONPath payloads
        42,
        None,
    ],
)
def test_static_payload_is_folded_into_one_constant(template: Any) -> None:
    compiled = compile_payload(template, pointer="/P")
    assert isinstance(compiled, Constant)
    first = compiled.render(scope())
    second = compiled.render(scope({"other": True}))
    assert first == template
    assert first is second  # the identical object, not a copy


def test_dynamic_payload_keeps_static_subtrees_folded() -> None:
    compiled = compile_payload({"static": {"a": [1, 2]}, "v.$": "$.x"}, pointer="/P")
    assert isinstance(compiled, ObjectTemplate)
    first = compiled.render(scope())
    second = compiled.render(scope({"x": 2}))
    assert first == {"static": {"a": [1, 2]}, "v": 1}
    assert second == {"static": {"a": [1, 2]}, "v": 2}
    assert first["static"] is second["static"]
    assert first is not second


def test_dynamic_array_compiles_to_an_array_template() -> None:
    compiled = compile_payload([{"v.$": "$.x"}, 5], pointer="/P")
    assert isinstance(compiled, ArrayTemplate)
    assert compiled.render(scope()) == [{"v": 1}, 5]


@pytest.mark.parametrize(
    ("template", "input", "cause"),
    [
        # Recorded (derived/test_base_scenarios, INVALID_JSONPATH_IN_STRING_EXPR_JSONPATH).
        (
            {"value.$": "$.no"},
            {"int-literal": 0},
            "The JSONPath '$.no' specified for the field 'value.$' could not be found in the input "
            "'{\"int-literal\":0}'",
        ),
        (
            {"value.$": "$.no_such_jsonpath"},
            {"a": [1, {"b": "c"}], "d": None},
            "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the "
            'input \'{"a":[1,{"b":"c"}],"d":null}\'',
        ),
        (
            {"outer": {"inner.$": "$.x.y"}},
            {"x": 1},
            "The JSONPath '$.x.y' specified for the field 'inner.$' could not be found in the input '{\"x\":1}'",
        ),
    ],
)
def test_missing_path_fails_with_the_recorded_cause(template: Any, input: Any, cause: str) -> None:
    compiled = compile_payload(template, pointer="/P")
    with pytest.raises(StatesError) as raised:
        compiled.render(scope(input))
    assert raised.value.error == "States.Runtime"
    assert raised.value.cause == cause


def test_missing_path_through_run_state_matches_the_recording() -> None:
    definition = {"Type": "Pass", "Parameters": {"value.$": "$.no"}, "End": True}
    loaded = load_definition(json.dumps(definition), None)
    result = run_state(
        loaded, input={"int-literal": 0}, context={}, variables={}, world=World(now=NOW, rng=random.Random(1))
    )
    assert result.status is Status.FAILED
    assert result.error == "States.Runtime"
    assert result.cause == (
        "The JSONPath '$.no' specified for the field 'value.$' could not be found in the input '{\"int-literal\":0}'"
    )


def test_undefined_variable_fails_at_runtime() -> None:
    with pytest.raises(StatesError) as raised:
        payload({"v.$": "$nope"})
    assert raised.value.error == "States.Runtime"
    assert raised.value.cause == "The JSONPath '$nope' references the variable 'nope', which is not defined"


@pytest.mark.parametrize(
    ("template", "pointer", "detail"),
    [
        (
            {"value.$": 5},
            "/States/StateName/Parameters/value.$",
            "The value for the field 'value.$' must be a STRING that contains a JSONPath",
        ),
        (
            {"value.$": None},
            "/States/StateName/Parameters/value.$",
            "The value for the field 'value.$' must be a STRING that contains a JSONPath",
        ),
        (
            {"a": {"b.$": {"c": 1}}},
            "/States/StateName/Parameters/a/b.$",
            "The value for the field 'b.$' must be a STRING that contains a JSONPath",
        ),
        (
            {"l": [0, {"c.$": True}]},
            "/States/StateName/Parameters/l[1]/c.$",
            "The value for the field 'c.$' must be a STRING that contains a JSONPath",
        ),
        (
            {"v.$": "not a path"},
            "/States/StateName/Parameters/v.$",
            "The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call",
        ),
        (
            {"v.$": ""},
            "/States/StateName/Parameters/v.$",
            "The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call",
        ),
    ],
)
def test_bad_dollar_key_values_are_definition_errors(template: Any, pointer: str, detail: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        compile_payload(template, pointer="/States/StateName/Parameters")
    assert raised.value.pointer == pointer
    assert raised.value.code == "SCHEMA_VALIDATION_FAILED"
    assert raised.value.detail == detail
    assert raised.value.message == f"SCHEMA_VALIDATION_FAILED: {detail} at {pointer}"


@pytest.mark.parametrize("text", ["$.a[", "States.Nope()", "States.Format('{}')"])
def test_uncompilable_path_or_intrinsic_is_a_definition_error(text: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        compile_payload({"v.$": text}, pointer="/States/S/Parameters")
    assert raised.value.pointer == "/States/S/Parameters/v.$"
    assert raised.value.detail.startswith(
        "The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call ("
    )


def test_bad_dollar_key_in_a_definition_reports_the_state_pointer() -> None:
    definition = {"Type": "Pass", "Parameters": {"value.$": 5}, "End": True}
    with pytest.raises(DefinitionError) as raised:
        load_definition(json.dumps(definition), None)
    assert raised.value.pointer == "/States/StateName/Parameters/value.$"


def test_rendering_never_mutates_the_scope_values() -> None:
    input = {"a": {"b": [1, 2]}, "c": 3}
    before = copy.deepcopy(input)
    compiled = compile_payload({"whole.$": "$", "part.$": "$.a", "n": {"m.$": "$.a.b"}}, pointer="/P")
    rendered = compiled.render(scope(input))
    assert rendered == {"whole": before, "part": before["a"], "n": {"m": [1, 2]}}
    assert input == before


# --------------------------------------------------------------------------------------------
# JSONata templates


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{% $states.input.x %}", 1),
        ("{% $states.input %}", INPUT),
        ("{% $states.context.Execution.Name %}", "exec-1"),
        ("{% $var.x & '-' & $string($plain) %}", "vx-7"),
        ({"a": "{% $states.input.x + 1 %}"}, {"a": 2}),
        ({"a": {"b": {"c": "{% $states.input.s %}"}}}, {"a": {"b": {"c": "str"}}}),
        (["{% $states.input.x %}", 2, "{% $sum($states.input.list) %}"], [1, 2, 6]),
        ({"l": [{"m": ["{% $states.input.obj.k[0] %}"]}]}, {"l": [{"m": [10]}]}),
        ("{% [1, 2] %}", [1, 2]),
        ("{% null %}", None),
    ],
)
def test_jsonata_strings_are_evaluated_at_any_depth(template: Any, expected: Any) -> None:
    assert jsonata(template) == expected


@pytest.mark.parametrize(
    "literal",
    [
        "$states.input",
        "$",
        "$.x",
        "States.Format('{}', $.x)",
        " {% $states.input.x %}",
        "{% $states.input.x %} ",
        "{%",
        "%}",
        "{ % 1 % }",
    ],
)
def test_non_template_strings_stay_literal_in_jsonata(literal: str) -> None:
    compiled = compile_jsonata_template({"v": literal, "w.$": literal}, field="Output", pointer="/O")
    assert isinstance(compiled, Constant)
    # AWS (recorded): a key ending in ".$" is an ordinary key in JSONata, kept with its suffix.
    assert compiled.render(scope()) == {"v": literal, "w.$": literal}


def test_static_jsonata_template_renders_the_identical_object() -> None:
    compiled = compile_jsonata_template({"a": [1, {"b": "c"}]}, field="Output", pointer="/O")
    assert isinstance(compiled, Constant)
    assert compiled.render(scope()) is compiled.render(scope({"other": 1}))


def test_dynamic_jsonata_template_keeps_static_subtrees_folded() -> None:
    compiled = compile_jsonata_template(
        {"fixed": {"a": 1}, "v": "{% $states.input.x %}"}, field="Output", pointer="/O"
    )
    assert isinstance(compiled, ObjectTemplate)
    first, second = compiled.render(scope()), compiled.render(scope({"x": 9}))
    assert (first, second) == ({"fixed": {"a": 1}, "v": 1}, {"fixed": {"a": 1}, "v": 9})
    assert first["fixed"] is second["fixed"]


@pytest.mark.parametrize(
    ("template", "field", "cause"),
    [
        # Recorded (derived/test_assign_reference_variables, BASE_UNDEFINED_OUTPUT_FIELD).
        (
            {"result": "{% $doesNotExist %}"},
            "Output",
            "The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing "
            "(undefined).",
        ),
        (
            "{% $states.input.nope %}",
            "Output",
            "The JSONata expression '$states.input.nope' specified for the field 'Output' returned nothing "
            "(undefined).",
        ),
        (
            {"a": {"b": "{% $nope %}"}},
            "Output",
            "The JSONata expression '$nope' specified for the field 'Output/a/b' returned nothing (undefined).",
        ),
        (
            {"x": "{% $nope %}"},
            "Assign",
            "The JSONata expression '$nope' specified for the field 'Assign/x' returned nothing (undefined).",
        ),
        (
            {"FunctionResult": "{% $nope() %}"},
            "Output",
            "The JSONata expression '$nope()' specified for the field 'Output/FunctionResult' threw an error "
            "during evaluation. T1006: Attempted to invoke a non-function",
        ),
    ],
)
def test_jsonata_failures_name_the_field(template: Any, field: str, cause: str) -> None:
    compiled = compile_jsonata_template(template, field=field, pointer="/O")
    with pytest.raises(StatesError) as raised:
        compiled.render(scope())
    assert raised.value.error == "States.QueryEvaluationError"
    assert raised.value.cause == cause


def test_undefined_output_through_run_state_matches_the_recording() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "State0",
        "States": {"State0": {"Type": "Pass", "Output": {"result": "{% $doesNotExist %}"}, "End": True}},
    }
    loaded = load_definition(json.dumps(definition), "State0")
    result = run_state(loaded, input={}, context={}, variables={}, world=World(now=NOW, rng=random.Random(1)))
    assert result.status is Status.FAILED
    assert result.error == "States.QueryEvaluationError"
    assert result.cause == (
        "The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined)."
    )
    assert dict(result.inspection) == {"input": {}}


@pytest.mark.parametrize(
    ("template", "pointer"),
    [
        ("{% 1 + %}", "/States/StateName/Output"),
        ({"a": {"b": "{% ( %}"}}, "/States/StateName/Output/a/b"),
        ({"a": [0, "{% ] %}"]}, "/States/StateName/Output/a[1]"),
    ],
)
def test_jsonata_syntax_errors_are_definition_errors_with_the_pointer(template: Any, pointer: str) -> None:
    with pytest.raises(DefinitionError) as raised:
        compile_jsonata_template(template, field="Output", pointer="/States/StateName/Output")
    assert raised.value.pointer == pointer
    assert raised.value.code == "SCHEMA_VALIDATION_FAILED"
