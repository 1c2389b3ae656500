"""Tests for interpreter.intrinsics: the States.* intrinsic functions of JSONPath states."""

from __future__ import annotations

import contextlib
import copy
import json
import random
import re
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpreter.errors import ASLError, ExpressionError, StatesError
from interpreter.intrinsics import compile_intrinsic, is_intrinsic
from interpreter.jsontypes import JSON
from interpreter.scope import Scope, World
from tests.corpus import DERIVED

CORPUS = DERIVED
MODULES = (
    "test_array",
    "test_encode_decode",
    "test_generic",
    "test_hash_calculations",
    "test_json_manipulation",
    "test_math_operations",
    "test_string_operations",
)


def scope(current: JSON = None, variables: dict[str, JSON] | None = None, seed: int = 0) -> Scope:
    return Scope(
        current=current,
        context={"Execution": {"Id": "arn:exec"}},
        variables=variables or {},
        state_input=current,
        world=World(rng=random.Random(seed)),
    )


def run(text: str, current: JSON = None, variables: dict[str, JSON] | None = None) -> JSON:
    return compile_intrinsic(text).evaluate(scope(current, variables))


# --------------------------------------------------------------------------------------------
# Ground truth: every recorded Pass state whose Parameters are flat ".$" intrinsics/paths
# --------------------------------------------------------------------------------------------


def _corpus_cases() -> list[tuple[str, dict[str, str], JSON, dict[str, JSON], JSON]]:
    """(id, {key: expression}, input, variables, expected output)."""
    cases = []
    for module in MODULES:
        for file in sorted((CORPUS / module).glob("*.json")):
            case = json.loads(file.read_text())
            request, response = case["request"], case["expect"].get("response", {})
            state = json.loads(request["definition"])["States"][request["stateName"]]
            parameters = state.get("Parameters")
            if (
                state.get("Type") != "Pass"
                or response.get("status") != "SUCCEEDED"
                or not isinstance(parameters, dict)
                or any(field in state for field in ("InputPath", "ResultPath", "OutputPath", "Result"))
                or not all(key.endswith(".$") and isinstance(v, str) for key, v in parameters.items())
            ):
                continue
            cases.append(
                (
                    f"{module}/{case['id']}",
                    {key[:-2]: value for key, value in parameters.items()},
                    json.loads(request["input"]),
                    json.loads(request.get("variables") or "{}"),
                    json.loads(response["output"]),
                )
            )
    return cases


CORPUS_CASES = _corpus_cases()


def test_corpus_is_covered() -> None:
    # 50 + 4 + 16 + 5 + 19 + 19 + 7 Pass cases, all of them flat intrinsic templates.
    assert len(CORPUS_CASES) == 120


@pytest.mark.parametrize(
    ("case_id", "parameters", "state_input", "variables", "expected"),
    CORPUS_CASES,
    ids=[case[0] for case in CORPUS_CASES],
)
def test_recorded_executions(
    case_id: str, parameters: dict[str, str], state_input: JSON, variables: dict[str, JSON], expected: JSON
) -> None:
    sc = scope(state_input, variables)
    output = {}
    for key, text in parameters.items():
        assert is_intrinsic(text), text
        output[key] = compile_intrinsic(text).evaluate(sc)
    assert output == expected
    # Same JSON text as AWS (types matter: 1 vs 1.0, true vs 1).
    assert json.dumps(output, separators=(",", ":")) == json.dumps(expected, separators=(",", ":"))


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Format('x')", True),
        ("  States.Array()", True),
        ("States.Format ('x')", True),
        ("$.a", False),
        ("States.Format", False),
        ("States.", False),
        ("Other.Format('x')", False),
        ("states.format('x')", False),
    ],
)
def test_is_intrinsic(text: str, expected: bool) -> None:
    assert is_intrinsic(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Array('a', 1, -2, 1.5, 2e1, true, false, null)", ["a", 1, -2, 1.5, 20.0, True, False, None]),
        ("States.Array( 'a' ,  1 )", ["a", 1]),
        ("States.Array('it\\'s', '\\{\\}', 'back\\\\slash')", ["it's", "{}", "back\\slash"]),
        ("States.Array('a,b', 'c)d')", ["a,b", "c)d"]),
        ("States.Array($.list[0], $['x y'], $)", [1, 3, {"list": [1, 2], "x y": 3}]),
        ("States.Array($.list[?(@ > 1)], $.list[0:1])", [[2], [1]]),
        ("States.Array($$.Execution.Id, $v, $v.k)", ["arn:exec", {"k": "vk"}, "vk"]),
        ("States.Array(States.Array(), States.ArrayLength($.list))", [[], 2]),
        ("States.Array('Hello\nWorld')", ["Hello\nWorld"]),  # a real newline from the JSON text
    ],
)
def test_arguments(text: str, expected: JSON) -> None:
    assert run(text, {"list": [1, 2], "x y": 3}, {"v": {"k": "vk"}}) == expected


def test_nesting_limit() -> None:
    # AWS: up to 10 nested intrinsic functions in a field.
    ten = "States.Array(" * 10 + ")" * 10
    assert run(ten) == [[[[[[[[[[]]]]]]]]]]
    with pytest.raises(ExpressionError):
        compile_intrinsic("States.Array(" * 11 + ")" * 11)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "States.Nope()",
        "States.Array(",
        "States.Array(1,)",
        "States.Array(,1)",
        "States.Array(1) trailing",
        "States.Array('unterminated)",
        "States.Array('bad \\n escape')",
        "States.Array(01)",
        "States.Array(True)",
        "States.Array(abc)",
        "States.Array($.a b)",
        "States.Array($$x)",
        "States.MathAdd(1)",
        "States.MathAdd(1, 2, 3)",
        "States.MathAdd('1', 2)",
        "States.UUID(1)",
        "States.ArrayLength('x')",
        "States.Format()",
        "States.Format(1)",
        "States.Format('{} {}', 1)",
        "States.Format('{}', 1, 2)",
        "States.JsonMerge($.a, $.b, true)",
        "States.JsonMerge($.a, $.b)",
        "States.MathRandom(1)",
        "States.MathRandom(1, 2, 3, 4)",
        "States.Hash('x')",
        "States.MathAdd(true, 1)",
        "States.ArrayRange(1.5, 2, 1)",
        "States.ArrayPartition($.list, 1.5)",
    ],
)
def test_compile_errors(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_intrinsic(text)


def test_compile_is_cached() -> None:
    assert compile_intrinsic("States.Array(1)") is compile_intrinsic("States.Array(1)")


# --------------------------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.Format('Hello, my name is {}.', $.name)", "Hello, my name is Arnav."),
        ("States.Format($.template, $.name)", "Hello, my name is Arnav."),
        ("States.Format('no placeholders')", "no placeholders"),
        ("States.Format('\\{\\} {}', 1)", "{} 1"),  # escaped braces are not a placeholder
        ("States.Format('{}{}', true, null)", "truenull"),
        ("States.Format('{}', $.obj)", "{a=x, b=[1, y], c={d=null}}"),  # Java Map/List toString
        ("States.Format('{}', $.list)", "[1, 2.5, true]"),
        ("States.Format('{}', 1.5)", "1.5"),
    ],
)
def test_format(text: str, expected: str) -> None:
    current = {
        "name": "Arnav",
        "template": "Hello, my name is {}.",
        "obj": {"a": "x", "b": [1, "y"], "c": {"d": None}},
        "list": [1, 2.5, True],
    }
    assert run(text, current) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("States.StringToJson('{\"a\": [1, 2.5]}')", {"a": [1, 2.5]}),
        ("States.StringToJson('  ')", None),
        ("States.JsonToString($)", '{"k":[1,"\\u00e9"]}'.replace("\\u00e9", "é")),
        ("States.ArrayPartition(States.ArrayRange(1, 9, 1), 4)", [[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
        ("States.ArrayContains(States.Array(1, 'a'), 'a')", True),
        ("States.ArrayContains(States.Array(1, 'a'), true)", False),
        ("States.ArrayContains(States.Array(true), 1)", False),
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange(9, 1, -3)", [9, 6, 3]),
        ("States.ArrayRange(5, 1, 1)", []),
        ("States.ArrayRange(0, 999, 1)", list(range(1000))),
        ("States.ArrayGetItem(States.Array('a', 'b'), 1)", "b"),
        ("States.ArrayLength(States.Array())", 0),
        ("States.ArrayUnique(States.Array(1, 2, 1, 'a', 'a', true, null, null))", [1, 2, "a", True, None]),
        ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
        ("States.Base64Decode('RGF0YSB0byBlbmNvZGU')", "Data to encode"),  # padding optional
        ("States.Base64Encode('é')", "w6k="),
        ("States.Hash('input data', 'SHA-1')", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        (
            'States.JsonMerge(States.StringToJson(\'{"a":{"x":1},"b":1}\'), States.StringToJson(\'{"a":{"y":2}}\'), false)',
            {"a": {"y": 2}, "b": 1},
        ),
        ("States.MathAdd(111, -1)", 110),
        ("States.MathAdd(0.49999999999999994, 0)", 0),  # Java Math.round, not floor(x + 0.5)
        ("States.MathAdd(-2.5, 2.5)", 1),  # -2 + 3
        ("States.StringSplit('a,b;;c', ',;')", ["a", "b", "c"]),
        ("States.StringSplit('', ',')", []),
        ("States.StringSplit('abc', '')", ["abc"]),
    ],
)
def test_functions(text: str, expected: JSON) -> None:
    assert run(text, {"k": [1, "é"]}) == expected


def test_math_random_uses_the_world_rng_and_seed() -> None:
    call = compile_intrinsic("States.MathRandom(1, 999)")
    values = {call.evaluate(scope(seed=seed)) for seed in range(50)}
    assert all(isinstance(v, int) and 1 <= v < 999 for v in values)
    assert len(values) > 1
    assert call.evaluate(scope(seed=3)) == call.evaluate(scope(seed=3))
    seeded = compile_intrinsic("States.MathRandom(1, 999, 7)")
    assert seeded.evaluate(scope(seed=1)) == seeded.evaluate(scope(seed=2))


def test_uuid_is_a_v4_from_the_world_rng() -> None:
    call = compile_intrinsic("States.UUID()")
    first = call.evaluate(scope(seed=5))
    assert first == call.evaluate(scope(seed=5))
    assert first != call.evaluate(scope(seed=6))
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first)
    assert uuid.UUID(first).version == 4


@pytest.mark.parametrize(
    "text",
    [
        "States.Format($.s, 1)",  # the template from the input has no placeholder
        "States.StringToJson('{bad')",
        "States.StringToJson($.n)",
        "States.ArrayPartition($.list, 0)",
        "States.ArrayPartition($.list, -1)",
        "States.ArrayPartition($.list, $.half)",
        "States.ArrayPartition($.s, 1)",
        "States.ArrayRange(1, 2, 0)",
        "States.ArrayRange(0, 1000, 1)",  # 1001 items
        "States.ArrayRange($.half, 2, 1)",
        "States.ArrayGetItem($.list, 2)",
        "States.ArrayGetItem($.list, -1)",
        "States.ArrayLength($.s)",
        "States.ArrayUnique($.n)",
        "States.Base64Encode($.long)",
        "States.Base64Decode($.long)",
        "States.Base64Decode('a')",
        "States.Base64Decode('!!!!')",
        "States.Hash($.long, 'MD5')",
        "States.Hash('x', 'SHA-2')",
        "States.Hash($.n, 'MD5')",
        "States.JsonMerge($.list, $.obj, false)",
        "States.JsonMerge($.obj, $.obj, $.yes)",
        "States.MathAdd($.s, 1)",
        "States.MathAdd($.yes, 1)",
        "States.MathRandom(5, 5)",
        "States.MathRandom(9, 1)",
        "States.StringSplit($.n, ',')",
    ],
)
def test_intrinsic_failures(text: str) -> None:
    current = {
        "s": "str",
        "n": 1,
        "list": [1, 2],
        "obj": {"a": 1},
        "long": "x" * 10_001,
        "yes": True,
        "half": 1.5,
    }
    with pytest.raises(StatesError) as caught:
        run(text, current)
    assert caught.value.error == "States.IntrinsicFailure"
    assert caught.value.cause


def test_limits_are_inclusive() -> None:
    text = "x" * 10_000
    assert len(run("States.Base64Encode($)", text)) > 0
    assert len(run("States.Hash($, 'SHA-256')", text)) == 64


def test_missing_path_argument_is_a_runtime_error() -> None:
    call = compile_intrinsic("States.Format('{}', $.nope)")
    with pytest.raises(StatesError) as caught:
        call.evaluate(scope({"a": 1}), field="value.$")
    assert caught.value.error == "States.Runtime"
    assert caught.value.cause == (
        "The JSONPath '$.nope' specified for the field 'value.$' could not be found in the input '{\"a\":1}'"
    )
    with pytest.raises(StatesError) as caught:
        call.evaluate(scope({"a": 1}))
    assert caught.value.cause == "Invalid path '$.nope' : No results for path: $['nope']"


def test_undefined_variable_is_a_runtime_error() -> None:
    with pytest.raises(StatesError) as caught:
        run("States.Array($nope)")
    assert caught.value.error == "States.Runtime"


def test_evaluate_does_not_mutate() -> None:
    current = {"a": {"x": [1]}, "b": {"y": 2}, "l": [[1], [1]]}
    before = copy.deepcopy(current)
    run("States.JsonMerge($.a, $.b, false)", current)
    run("States.ArrayUnique($.l)", current)
    run("States.ArrayPartition($.l, 1)", current)
    assert current == before


# --------------------------------------------------------------------------------------------
# Properties: only our own errors escape
# --------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=4)
    ),
    max_leaves=16,
)

ARGUMENTS = [
    "$",
    "$.a",
    "$.b",
    "$.a[0]",
    "$.a[*]",
    "$$",
    "$v",
    "'{}'",
    "'a,b'",
    "'MD5'",
    "1",
    "-1.5",
    "0",
    "3",
    "true",
    "false",
    "null",
    "States.Array($.a, 1)",
    "States.StringSplit($.b, ',')",
]


@st.composite
def intrinsic_calls(draw: st.DrawFn) -> str:
    name = draw(
        st.sampled_from(
            [
                "Format",
                "StringToJson",
                "JsonToString",
                "Array",
                "ArrayPartition",
                "ArrayContains",
                "ArrayRange",
                "ArrayGetItem",
                "ArrayLength",
                "ArrayUnique",
                "Base64Encode",
                "Base64Decode",
                "Hash",
                "JsonMerge",
                "MathRandom",
                "MathAdd",
                "StringSplit",
                "UUID",
            ]
        )
    )
    args = draw(st.lists(st.sampled_from(ARGUMENTS), max_size=4))
    return f"States.{name}({', '.join(args)})"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="States.FormatArrayMathAdd()$,'{}\\ 01-.a[]*", max_size=30))
def test_compile_raises_only_expression_error(text: str) -> None:
    with contextlib.suppress(ExpressionError):
        compile_intrinsic(text)


@settings(max_examples=500, deadline=None)
@given(intrinsic_calls(), json_values, json_values)
def test_evaluate_raises_only_asl_errors(text: str, document: JSON, variable: JSON) -> None:
    try:
        call = compile_intrinsic(text)
    except ExpressionError:
        return
    before = copy.deepcopy(document)
    try:
        result = call.evaluate(scope(document, {"v": variable}))
    except ASLError:
        pass
    else:
        json.dumps(result, allow_nan=False)  # the result is JSON
    assert document == before


def test_json_merge_orders_keys_as_a_java_hash_map() -> None:
    # Inferred from the recorded merge ({a,b,d} + {a,c,d} -> a, b, c, d): java.util.HashMap order.
    from interpreter.intrinsics.java import java_string_hash as _java_string_hash

    assert _java_string_hash("hello") == 99162322  # Java: "hello".hashCode()
    assert _java_string_hash("") == 0
    merged = run("States.JsonMerge($.l, $.r, false)", {"l": {"d": 1, "b": 2}, "r": {"c": 3, "a": 4}})
    assert list(merged) == ["a", "b", "c", "d"]
    # "Aa" and "BB" collide in Java (both 2112): insertion order inside the bucket.
    merged = run("States.JsonMerge($.l, $.r, false)", {"l": {"BB": 1}, "r": {"Aa": 2}})
    assert list(merged) == ["BB", "Aa"]
