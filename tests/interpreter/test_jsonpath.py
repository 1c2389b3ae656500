"""Tests for interpreter.jsonpath: Jayway-style JSONPath as AWS Step Functions evaluates it."""

from __future__ import annotations

import contextlib
import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpreter.errors import ASLError, ExpressionError, PathMissing, StatesError
from interpreter.jsonpath import ReferencePath, compile_path, compile_reference_path, set_at
from interpreter.jsontypes import JSON
from interpreter.scope import Scope
from tests.corpus import DERIVED

CORPUS = DERIVED

DOC: JSON = {
    "a": {"b": [1, {"c": 2}, None], "n": None, "s": "str"},
    "x y": 3,
    "it's": 4,
    "it\\'s": 44,  # the key it\'s, backslash included
    'say "hi"': 45,
    "a-b": 5,
    "list": [{"p": 1, "q": "u"}, {"p": 5, "q": "v"}, {"p": 10}],
    "": "empty key",
}
CONTEXT: JSON = {"Execution": {"Id": "arn:exec", "Input": {"k": [7, 8]}}, "State": {"Name": "S"}}
VARIABLES: dict[str, JSON] = {"v": {"f": [5, 6]}, "_x1": "plain", "émoji": 1}


def scope(current: JSON = DOC) -> Scope:
    return Scope(current=current, context=CONTEXT, variables=VARIABLES, state_input=current)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$", DOC),
        ("$.a.s", "str"),
        ("$.a.b[1].c", 2),
        ("$.a.b[2]", None),
        ("$.a.n", None),
        ("$['a']['b'][0]", 1),
        ('$["a"].s', "str"),
        ("$['x y']", 3),
        # A backslash keeps the quote from closing the name and stays in the key (recorded:
        # derived test_escape_sequence_parsing): no unescaping.
        ("$['it\\'s']", 44),
        ('$["it\'s"]', 4),
        ("$['say \"hi\"']", 45),
        ("$.a-b", 5),  # Jayway reads a dot name up to '.', '[' or '('
        ("$['']", "empty key"),
        ("$.a.b[-1]", None),  # Jayway counts negative indexes from the end
        ("$.a.b[-2].c", 2),
        ("$$", CONTEXT),
        ("$$.Execution.Id", "arn:exec"),
        ("$$.Execution.Input.k[1]", 8),
        ("$v", {"f": [5, 6]}),
        ("$v.f[0]", 5),
        ("$v['f'][1]", 6),
        ("$_x1", "plain"),
        ("$émoji", 1),
    ],
)
def test_definite_paths_return_the_value(text: str, expected: JSON) -> None:
    path = compile_path(text)
    assert path.definite
    assert path.resolve(scope()) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$.a.b[*]", [1, {"c": 2}, None]),
        ("$.list[*].p", [1, 5, 10]),
        ("$.list[*].q", ["u", "v"]),  # items without q are skipped, no error
        ("$.list[?(@.p > 1)].p", [5, 10]),
        ("$.list[?(@.q == 'v')]", [{"p": 5, "q": "v"}]),
        ("$.list[?(@.p > 100)]", []),
        ("$.list[0:2].p", [1, 5]),
        ("$.list[-1:]", [{"p": 10}]),
        ("$.list[0,2].p", [1, 10]),
        ("$..c", [2]),
        ("$..nothing", []),
        ("$.a.*", [[1, {"c": 2}, None], None, "str"]),
        ("$.missing[*]", []),
        ("$$.Execution.Input.k[*]", [7, 8]),
        ("$v.f[*]", [5, 6]),
    ],
)
def test_indefinite_paths_return_a_list(text: str, expected: JSON) -> None:
    path = compile_path(text)
    assert not path.definite
    assert path.resolve(scope()) == expected


@pytest.mark.parametrize(
    ("text", "root", "variable"),
    [
        ("$", "input", None),
        ("$.a", "input", None),
        ("$[0]", "input", None),
        ("$$", "context", None),
        ("$$.Map.Item.Value", "context", None),
        ("$myVar", "variable", "myVar"),
        ("$myVar.a", "variable", "myVar"),
        ("$myVar[0]", "variable", "myVar"),
    ],
)
def test_roots(text: str, root: str, variable: str | None) -> None:
    path = compile_path(text)
    assert (path.text, path.root, path.variable) == (text, root, variable)


# Recorded by AWS (derived corpus, test_base_scenarios): Jayway's wording after "Invalid path".
@pytest.mark.parametrize(
    ("text", "document", "cause"),
    [
        (
            "$.NoSuchInputPath",
            {"int-literal": 0},
            "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']",
        ),
        (
            "$.NoSuchOutputPath",
            {"int-literal": 0},
            "Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']",
        ),
        (
            "$.no.such.result.path",
            {},
            "Invalid path '$.no.such.result.path' : Missing property in path $['no']",
        ),
    ],
)
def test_recorded_invalid_path_causes(text: str, document: JSON, cause: str) -> None:
    with pytest.raises(PathMissing) as caught:
        compile_path(text).resolve(scope(document))
    assert caught.value.invalid_path_cause() == cause
    assert caught.value.path == text
    assert cause.endswith(" : " + caught.value.detail)


def _recorded_field_cases() -> list[tuple[str, str, JSON, str]]:
    """(path, field, input, cause) for the recorded "could not be found" causes."""
    cases = []
    for file in sorted((CORPUS / "test_base_scenarios").glob("test_invalid_jsonpath__*.json")):
        case = json.loads(file.read_text())
        cause = case["expect"]["response"].get("cause", "")
        if "could not be found" not in cause:
            continue
        path_text = cause.split("'")[1]
        field = cause.split("specified for the field '")[1].split("'")[0]
        cases.append((path_text, field, json.loads(case["request"]["input"]), cause))
    return cases


@pytest.mark.parametrize(("text", "field", "document", "cause"), _recorded_field_cases())
def test_recorded_field_causes(text: str, field: str, document: JSON, cause: str) -> None:
    with pytest.raises(PathMissing) as caught:
        compile_path(text).resolve(scope(document))
    # The recorder replaced the input text by <json-input:1>; it is the compact input.
    assert caught.value.field_cause(field, document) == cause.replace(
        "<json-input:1>", json.dumps(document, separators=(",", ":"))
    )


def test_recorded_field_cases_are_found() -> None:
    assert {field for _, field, _, _ in _recorded_field_cases()} == {"value.$", "ErrorPath", "CausePath"}


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("$.zz", "No results for path: $['zz']"),
        ("$.zz.y", "Missing property in path $['zz']"),
        ("$.a.zz.y.w", "Missing property in path $['a']['zz']"),
        ("$.a.b[7]", "No results for path: $['a']['b'][7]"),
        ("$.a.b[7].c", "No results for path: $['a']['b'][7]['c']"),
        ("$.a.b[-9]", "No results for path: $['a']['b'][-9]"),
        ("$.a.n[0]", "The path $['a']['n'] is null"),
        (
            "$.a[0]",
            'Filter: [0] can only be applied to arrays. Current context is: {"b":[1,{"c":2},null],"n":null,"s":"str"}',
        ),
        ("$.a.s[0].x", "Filter: [0]['x'] can only be applied to arrays. Current context is: str"),
        (
            "$.a.s.x",
            "Expected to find an object with property ['x'] in path $['a']['s'] but found "
            "'java.lang.String'. This is not a json object according to the JsonProvider: "
            "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
        ),
        ("$$.Execution.Nope", "No results for path: $['Execution']['Nope']"),  # $$ renders as $
        ("$v.nope", "No results for path: $['nope']"),
    ],
)
def test_missing_details(text: str, detail: str) -> None:
    with pytest.raises(PathMissing) as caught:
        compile_path(text).resolve(scope())
    assert caught.value.detail == detail


def test_unknown_variable_is_a_runtime_error() -> None:
    with pytest.raises(StatesError) as caught:
        compile_path("$nope.a").resolve(scope())
    assert caught.value.error == "States.Runtime"
    assert "nope" in (caught.value.cause or "")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a",
        "$.",
        "$..",
        "$a b",
        "$x-y",
        "$1var",
        "$.a b",
        "$.a[",
        "$.a[]",
        "$.a]",
        "$['a'",
        "$.a.length()",
        "$[?(@.a ==)]",
        "$.a[1:2:3:4]",
        " $.a",
        "$$x",
    ],
)
def test_bad_syntax_raises_expression_error(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_path(text)


def test_compile_is_cached() -> None:
    assert compile_path("$.cached.path[0]") is compile_path("$.cached.path[0]")
    assert compile_reference_path("$.r") is compile_reference_path("$.r")


def test_resolve_does_not_mutate() -> None:
    before = copy.deepcopy(DOC)
    for text in ("$.list[?(@.p > 1)]", "$..c", "$.a.b[0:2]", "$.a.b[1]"):
        compile_path(text).resolve(scope())
    assert before == DOC


# --------------------------------------------------------------------------------------------
# ResultPath
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("$", ()),
        ("$.a.b", ("a", "b")),
        ("$['a b'].c", ("a b", "c")),
        ("$.a[0]", ("a", 0)),
    ],
)
def test_reference_paths(text: str, steps: tuple[str | int, ...]) -> None:
    assert compile_reference_path(text) == ReferencePath(text, steps)


@pytest.mark.parametrize("text", ["$$.a", "$var.a", "$.a[*]", "$..a", "$.a[?(@.x)]", "$.a[0:1]", "x"])
def test_reference_paths_must_be_definite_on_input(text: str) -> None:
    with pytest.raises(ExpressionError):
        compile_reference_path(text)


@pytest.mark.parametrize(
    ("doc", "text", "value", "expected"),
    [
        ({"a": 1}, "$", {"r": 1}, {"r": 1}),
        ("anything", "$", 5, 5),
        ({"a": 1}, "$.b", 2, {"a": 1, "b": 2}),
        ({"a": 1}, "$.a", 2, {"a": 2}),
        ({"a": {"x": 1}}, "$.a.y", 2, {"a": {"x": 1, "y": 2}}),
        ({}, "$.a.b.c", 1, {"a": {"b": {"c": 1}}}),
        ({"a": [1, 2, 3]}, "$.a[1]", "x", {"a": [1, "x", 3]}),
        ({"a": [{"k": 1}]}, "$.a[0].m", 2, {"a": [{"k": 1, "m": 2}]}),
        ({"a": None}, "$.a", {"z": 1}, {"a": {"z": 1}}),
    ],
)
def test_set_at(doc: JSON, text: str, value: JSON, expected: JSON) -> None:
    before = copy.deepcopy(doc)
    assert set_at(doc, compile_reference_path(text), value) == expected
    assert doc == before


def test_set_at_shares_untouched_branches() -> None:
    doc = {"keep": {"big": [1, 2]}, "a": {"x": 1}}
    out = set_at(doc, compile_reference_path("$.a.y"), 2)
    assert out["keep"] is doc["keep"]
    assert out["a"] is not doc["a"]


@pytest.mark.parametrize(
    ("doc", "text"),
    [
        ({"a": 1}, "$.a.b"),
        ({"a": "s"}, "$.a.b"),
        ([1, 2], "$.a"),
        ("text", "$.a"),
        ({"a": [1]}, "$.a[5]"),
        ({"a": {"k": 1}}, "$.a[0]"),
    ],
)
def test_set_at_match_failure(doc: JSON, text: str) -> None:
    with pytest.raises(StatesError) as caught:
        set_at(doc, compile_reference_path(text), 1)
    assert caught.value.error == "States.ResultPathMatchFailure"
    assert text in (caught.value.cause or "")


# --------------------------------------------------------------------------------------------
# Properties: only our own errors escape
# --------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["a", "b", "c", "x y", "0", ""]) | st.text(max_size=4), children, max_size=4
        )
    ),
    max_leaves=20,
)

path_texts = st.lists(
    st.sampled_from(
        [
            ".a",
            ".b",
            "['c']",
            "['x y']",
            "[0]",
            "[1]",
            "[-1]",
            "[*]",
            ".*",
            "..a",
            "[0:2]",
            "[?(@.a > 1)]",
            "[?(@ == 'x')]",
            "[0,1]",
            "['a','b']",
            "..*",
            ".c",
        ]
    ),
    max_size=5,
).map(lambda parts: "$" + "".join(parts))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="$.[]()'\"*?@<>=!,:-_ab01 \\", max_size=16))
def test_compile_path_raises_only_expression_error(text: str) -> None:
    with contextlib.suppress(ExpressionError):
        compile_path(text)


@settings(max_examples=300, deadline=None)
@given(path_texts, json_values)
def test_resolve_raises_only_asl_errors(text: str, document: JSON) -> None:
    path = compile_path(text)
    before = copy.deepcopy(document)
    try:
        result = path.resolve(scope(document))
    except ASLError:
        pass
    else:
        if not path.definite:
            assert isinstance(result, list)
    assert document == before


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([".a", ".b", "['x y']", "[0]", "[-1]"]), max_size=4).map(
        lambda p: "$" + "".join(p)
    ),
    json_values,
    json_values,
)
def test_set_at_then_resolve_reads_the_value(text: str, document: JSON, value: JSON) -> None:
    ref = compile_reference_path(text)
    before = copy.deepcopy(document)
    try:
        out = set_at(document, ref, value)
    except StatesError as error:
        assert error.error == "States.ResultPathMatchFailure"
    else:
        assert compile_path(text).resolve(scope(out)) == value
    assert document == before
