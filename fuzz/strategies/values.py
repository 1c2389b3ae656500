"""Arbitrary JSON values: scalars, values, objects, and cached builders of them."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st

# --- JSON ----------------------------------------------------------------------------------------

KEYS = st.sampled_from(["a", "b", "x", "items", "Value", "name", "n", "nested", "list", "flag", ""])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)


def json_values(*, max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Arbitrary JSON values (no NaN/Infinity, which are not JSON)."""
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.one_of(KEYS, st.text(max_size=6)), children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def json_objects(*, max_leaves: int = 12) -> st.SearchStrategy[dict[str, Any]]:
    """Arbitrary JSON objects (state inputs are usually objects)."""
    return st.dictionaries(KEYS, json_values(max_leaves=max_leaves // 2), max_size=5)


# Built once (strategy construction is what makes a draw slow when done per draw).
cached_json_values = functools.lru_cache(maxsize=None)(json_values)
cached_json_objects = functools.lru_cache(maxsize=None)(json_objects)
