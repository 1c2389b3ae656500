"""A Map's JSONPath ItemSelector over many items, without a scope per item where it can.

Most ItemSelectors are a flat object whose fields are constants, ``$$.Map.Item.Index``,
``$$.Map.Item.Value`` (or a definite path below it), or paths that do not depend on the item
(``$.x`` into the Map's effective input, ``$var``, ``$$.Execution.Id``). `FastSelector` evaluates
the item-independent fields once per Map and reads the item's fields straight from the item, so an
item costs one small dict, not a context copy, a scope and a path walk per field.

It only ever answers with the list the general evaluation would give: when any field cannot be
read this way (a step that misses, a type that does not fit), it answers None and the caller
evaluates the template item by item as usual, which then fails with AWS's cause. Every field is
pure, so evaluating a field twice is not observable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from interpreter.errors import ASLError
from interpreter.fields.templates import Constant, ObjectTemplate, PathTemplate, Template
from interpreter.jsonpath import Path
from interpreter.jsontypes import JSON, json_size
from interpreter.scope import Scope

_CONSTANT: Final = 0
_INDEX: Final = 1
_ITEM: Final = 2  # data: the steps below $$.Map.Item.Value
_SHARED: Final = 3  # data: a template that does not read the item, evaluated once

_ITEM_VALUE: Final = ("Map", "Item", "Value")
_ITEM_INDEX: Final = ("Map", "Item", "Index")


@dataclass(frozen=True, slots=True)
class Selection:
    """What `FastSelector.select` made, and a bound on its JSON text for the quota check:
    ``item_fields`` copies of (parts of) the items, plus at most ``per_item_bytes`` a value."""

    values: list[JSON]
    item_fields: int
    per_item_bytes: int

    def size_bound(self, items_bytes: int) -> int:
        """At most this many bytes of JSON text, the items' own text being `items_bytes`."""
        # The list's brackets and commas, the copies of the items, each value's own bytes.
        return 2 + len(self.values) + self.item_fields * items_bytes + len(self.values) * self.per_item_bytes


@dataclass(frozen=True, slots=True)
class FastSelector:
    """A flat ItemSelector, its fields sorted by what they read."""

    fields: tuple[tuple[str, int, Any], ...]

    def select(self, items: list[JSON], scope: Scope) -> Selection | None:
        """Each item's selected value, or None when the general evaluation must answer.

        `scope` is the Map's: ``$`` is its effective input, its context has no ``Map`` yet.
        """
        item_fields = sum(1 for _, kind, _ in self.fields if kind == _ITEM)
        if not items:
            return Selection([], item_fields, 0)
        # Every key in the template's order, constants and shared values already in place: each
        # item's dict is a copy of it with its own fields assigned (assignment keeps the order).
        base: dict[str, JSON] = {}
        # Braces, and per field its key, colon, comma and value (an index has at most 20 digits).
        per_item = 2
        try:
            for key, kind, data in self.fields:
                per_item += json_size(key) + 2
                if kind == _SHARED:
                    base[key] = data.render(scope)
                    per_item += json_size(base[key])
                elif kind == _CONSTANT:
                    base[key] = data
                    per_item += json_size(data)
                else:
                    base[key] = None
                    per_item += 20 if kind == _INDEX else 0
        except ASLError:
            return None
        index_keys = [key for key, kind, _ in self.fields if kind == _INDEX]
        item_reads = [(key, data) for key, kind, data in self.fields if kind == _ITEM]
        out: list[JSON] = []
        for index, item in enumerate(items):
            selected = base.copy()
            for key in index_keys:
                selected[key] = index
            for key, steps in item_reads:
                value = item
                for step in steps:
                    if type(step) is str:
                        if type(value) is not dict or step not in value:
                            return None
                        value = value[step]
                    elif type(value) is list and -len(value) <= step < len(value):
                        value = value[step]
                    else:
                        return None
                selected[key] = value
            out.append(selected)
        return Selection(out, item_fields, per_item)


def compile_fast_selector(template: Template) -> FastSelector | None:
    """The fast form of a JSONPath ItemSelector, or None when one of its fields needs a scope
    per item (a nested object, an intrinsic, ``$$.Map.Item`` as a whole, an indefinite path)."""
    if not isinstance(template, ObjectTemplate):
        return None
    fields: list[tuple[str, int, Any]] = []
    for key, member in template.members:
        if isinstance(member, Constant):
            fields.append((key, _CONSTANT, member.value))
        elif isinstance(member, PathTemplate):
            field = _path_field(member)
            if field is None:
                return None
            fields.append((key, *field))
        else:
            return None
    return FastSelector(tuple(fields))


def _path_field(member: PathTemplate) -> tuple[int, Any] | None:
    path: Path = member.path
    if path.root != "context":
        return _SHARED, member  # $.x into the effective input, or $var: the same for every item
    if not path.definite:
        return None
    steps = path.steps
    if not steps:
        return None  # $$ itself: each item's context differs (it has Map.Item)
    if steps[0] != "Map":
        return _SHARED, member  # $$.Execution..., $$.State...: the same for every item
    if steps == _ITEM_INDEX:
        return _INDEX, None
    if steps[:3] == _ITEM_VALUE:
        return _ITEM, steps[3:]
    return None
