"""Field expressions: JSONPath reference paths, JSONata expressions and templates, intrinsic
function calls, and the payload templates and JSONata payloads built from them."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from fuzz.strategies.values import KEYS, json_values

# --- expressions ---------------------------------------------------------------------------------

_STEPS = st.sampled_from(
    [
        ".a",
        ".b",
        ".x",
        ".items",
        "[0]",
        "[1]",
        "[*]",
        "..name",
        "['a']",
        "[-1:]",
        "[?(@.n > 1)]",
        ".nested",
        ".Value",
        ".length()",
    ]
)


@st.composite
def reference_paths(draw: st.DrawFn, *, roots: tuple[str, ...] = ("$", "$$", "$var")) -> str:
    """JSONPath expressions: a root ($, $$ or a variable) and a few steps, some of them odd."""
    root = draw(st.sampled_from(roots))
    steps = draw(st.lists(_STEPS, max_size=3))
    return root + "".join(steps)


def paths_or_garbage() -> st.SearchStrategy[str]:
    """Mostly paths, sometimes text that merely starts like one."""
    return st.one_of(reference_paths(), st.text(alphabet="$.[]'*?@()ab0-", max_size=10))


_JSONATA_ATOMS = st.sampled_from(
    [
        "$states.input",
        "$states.input.a",
        "$states.context",
        "$states.input.items",
        "$var",
        "1",
        "'s'",
        "true",
        "null",
        "[1, 2, 3]",
        "{'k': 1}",
        "$states.input.n",
        "$undefinedVar",
    ]
)
_JSONATA_FUNCS = st.sampled_from(
    [
        "$count",
        "$sum",
        "$string",
        "$number",
        "$uppercase",
        "$keys",
        "$partition",
        "$range",
        "$hash",
        "$parse",
        "$uuid",
        "$random",
        "$exists",
        "$eval",
        "$not",
        "$merge",
        "$reverse",
    ]
)


@st.composite
def jsonata_expressions(draw: st.DrawFn, *, depth: int = 2) -> str:
    """Small JSONata expressions from a grammar of atoms, operators and calls (some ill-typed)."""
    if depth == 0 or draw(st.booleans()):
        return draw(_JSONATA_ATOMS)
    kind = draw(st.sampled_from(["binary", "call", "condition", "path", "block"]))
    left = draw(jsonata_expressions(depth=depth - 1))
    right = draw(jsonata_expressions(depth=depth - 1))
    if kind == "binary":
        return f"({left} {draw(st.sampled_from(['+', '-', '*', '/', '%', '=', '!=', '<', '&', 'and', 'or', '..']))} {right})"
    if kind == "call":
        return f"{draw(_JSONATA_FUNCS)}({left})"
    if kind == "condition":
        return f"({left} ? {right} : null)"
    if kind == "path":
        return f"{left}.{draw(st.sampled_from(['a', 'b', 'items', '*']))}"
    return f"($x := {left}; $x)"


def jsonata_templates() -> st.SearchStrategy[str]:
    """``{% ... %}`` strings, as they appear in JSONata fields."""
    return jsonata_expressions().map(lambda source: "{% " + source + " %}")


_INTRINSIC_ARGS = st.one_of(
    reference_paths(roots=("$", "$$")),
    st.sampled_from(["'text'", "1", "2.5", "-3", "true", "null", "'{}'", "'a,b'", "','", "'SHA-256'"]),
)
_INTRINSIC_NAMES = st.sampled_from(
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
        "NoSuchFunction",
    ]
)


@st.composite
def intrinsic_calls(draw: st.DrawFn, *, depth: int = 2) -> str:
    """``States.X(...)`` calls with arguments of any kind (nested calls included)."""
    args = draw(
        st.lists(
            _INTRINSIC_ARGS if depth == 0 else st.one_of(_INTRINSIC_ARGS, intrinsic_calls(depth=depth - 1)),
            max_size=3,
        )
    )
    return f"States.{draw(_INTRINSIC_NAMES)}({', '.join(args)})"


@st.composite
def payload_templates(draw: st.DrawFn) -> dict[str, Any]:
    """JSONPath payload templates: constants and ``.$`` keys bound to paths or intrinsics."""
    template: dict[str, Any] = {}
    for key in draw(st.lists(KEYS, max_size=4, unique=True)):
        if draw(st.booleans()):
            template[f"{key}.$"] = draw(st.one_of(reference_paths(), intrinsic_calls()))
        else:
            template[key] = draw(json_values(max_leaves=3))
    return template


def jsonata_payloads() -> st.SearchStrategy[Any]:
    """JSONata field values: one expression, or an object holding some."""
    return st.one_of(
        jsonata_templates(),
        st.dictionaries(KEYS, st.one_of(jsonata_templates(), json_values(max_leaves=2)), max_size=3),
    )
