"""The definite JSONPath walk (interpreter.jsonpath.definite) against the jsonpath-ng engine, the
reference the module keeps for indefinite paths (interpreter.jsonpath.engine).

A definite path (``.name``, ``['name']``, ``[index]`` steps only) is walked by the module's own
step walker instead of the engine. For any such path and document, the walk answers with the one
value the engine matches, and fails (PathMissing, in Jayway's words) exactly when the engine
matches nothing.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from fuzz.strategies import PATH_KEYS, json_values
from interpreter.errors import PathMissing
from interpreter.jsonpath import compile_path
from interpreter.jsonpath.engine import compile_query
from interpreter.jsonpath.tokens import split_root, tokenise

_NAME = st.sampled_from([*PATH_KEYS, "with space", "dash-ed", "0", "é"])
_STEP = st.one_of(
    _NAME.filter(lambda name: name.isidentifier()).map(lambda name: f".{name}"),
    _NAME.map(lambda name: f"['{name}']"),
    st.integers(-3, 3).map(lambda index: f"[{index}]"),
)
_DOCUMENT_KEYS = st.sampled_from([*PATH_KEYS, "with space", "dash-ed", "0", "é"])
_DOCUMENTS = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_DOCUMENT_KEYS, children, max_size=4)
    ),
    max_leaves=16,
)


@given(steps=st.lists(_STEP, max_size=4), document=st.one_of(_DOCUMENTS, json_values(max_leaves=6)))
def test_the_definite_walk_finds_what_the_engine_finds(steps: list[str], document: Any) -> None:
    text = "$" + "".join(steps)
    path = compile_path(text)
    assert path.definite
    engine_text = "$" + "".join(segment.engine_text for segment in tokenise(text, split_root(text)[2]))
    matches = compile_query(text, engine_text).find(document)
    try:
        value = path.resolve_in(document)
    except PathMissing:
        event("the walk found nothing")
        assert matches == [], f"the engine matched {matches!r}"
        return
    event("the walk found a value")
    assert len(matches) == 1
    assert json.dumps(value) == json.dumps(matches[0])
