"""Payload templates, compiled once into small immutable trees and rendered against a Scope.

Two families share one tree:
- JSONPath payload templates (``Parameters``, ``ResultSelector``, ``ItemSelector``, JSONPath
  ``Assign``): a key ending in ``.$`` takes its value from a path (``$.x``, ``$$.x``, ``$var``) or
  an intrinsic function call, and loses the ``.$`` suffix; everything else is a constant.
- JSONata templates (``Arguments``, ``Output``, JSONata ``Assign``, ``Condition``...): any string
  that is exactly ``{% expr %}`` is evaluated; objects and arrays are walked; all other values are
  constants (AWS: ``"$states.input"`` or a key ending in ``.$`` is a literal in JSONata).

A subtree with nothing to evaluate is folded into one constant at compile time, so rendering a
static payload costs nothing and returns the same (immutable) value every time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from interpreter.errors import DefinitionError, ErrorName, ExpressionError, PathMissing, StatesError
from interpreter.intrinsics import Intrinsic, compile_intrinsic, is_intrinsic
from interpreter.jsonata.expression import (
    JsonataExpression,
    compile_jsonata,
    evaluate_field,
    is_jsonata_template,
)
from interpreter.jsonpath import Path, compile_path
from interpreter.jsontypes import JSON
from interpreter.scope import Scope

UNBOUNDED_FANOUT = 1 << 30
"""The fan-out of a template whose value can hold any number of copies of what it reads (JSONata)."""


class Template(Protocol):
    """A compiled template: renders to a fresh JSON value.

    `fanout` bounds how many values read from the state's documents (input, context, variables)
    or made by an intrinsic the rendered value can hold: its text is at most that many times the
    largest of them, plus the template's constants. The payload quota check uses it to encode
    small fan-outs directly (`interpreter.states.dataflow.render_within_quota`).
    """

    @property
    def fanout(self) -> int: ...

    def render(self, scope: Scope) -> JSON: ...


@dataclass(frozen=True, slots=True)
class Constant:
    """A value with nothing to evaluate."""

    value: JSON
    fanout: int = 0

    def render(self, scope: Scope) -> JSON:
        return self.value


@dataclass(frozen=True, slots=True)
class ObjectTemplate:
    """An object whose members are templates."""

    members: tuple[tuple[str, Template], ...]
    fanout: int = 0  # the members' total (set by _fold_object)

    def render(self, scope: Scope) -> JSON:
        return {key: member.render(scope) for key, member in self.members}


@dataclass(frozen=True, slots=True)
class ArrayTemplate:
    """An array whose elements are templates."""

    elements: tuple[Template, ...]
    fanout: int = 0  # the elements' total (set by _fold_array)

    def render(self, scope: Scope) -> JSON:
        return [element.render(scope) for element in self.elements]


@dataclass(frozen=True, slots=True)
class PathTemplate:
    """``"key.$": "$.path"``: the value the path selects.

    AWS, recorded: a path that selects nothing fails the state with States.Runtime and the cause
    ``The JSONPath '$.x' specified for the field 'key.$' could not be found in the input '<input>'``.
    """

    path: Path
    field: str
    fanout: int = 1

    def render(self, scope: Scope) -> JSON:
        try:
            return self.path.resolve(scope)
        except PathMissing as missing:
            raise StatesError(ErrorName.RUNTIME, missing.field_cause(self.field, scope.current)) from None


@dataclass(frozen=True, slots=True)
class IntrinsicTemplate:
    """``"key.$": "States.Format(...)"``: the intrinsic's value."""

    call: Intrinsic
    field: str
    fanout: int = 1  # its own result (bounded by the intrinsic limits) + each path argument it may copy

    def render(self, scope: Scope) -> JSON:
        return self.call.evaluate(scope, self.field)


@dataclass(frozen=True, slots=True)
class JsonataTemplate:
    """``"{% expr %}"``: the expression's value; undefined fails the state (AWS, recorded)."""

    expression: JsonataExpression
    field: str
    fanout: int = UNBOUNDED_FANOUT  # an expression can repeat what it reads any number of times

    def render(self, scope: Scope) -> JSON:
        return evaluate_field(self.expression, scope, self.field)


def compile_reference(text: str, *, field: str, pointer: str) -> Template:
    """Compile the value of a ``.$`` key: a path or an intrinsic function call."""
    try:
        if is_intrinsic(text):
            call = compile_intrinsic(text)
            return IntrinsicTemplate(call, field, 1 + call.path_arguments)
        if text.startswith("$"):
            return PathTemplate(compile_path(text), field)
    except ExpressionError as error:
        raise DefinitionError(
            f"The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call"
            f" ({error.detail})",
            pointer,
        ) from None
    # AWS wording for this case is not recorded; this follows the style of its schema messages.
    raise DefinitionError(
        f"The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call",
        pointer,
    )


def compile_payload(value: JSON, *, pointer: str) -> Template:
    """Compile a JSONPath payload template (Parameters, ResultSelector, ItemSelector, Assign).

    Raises:
        DefinitionError: a ``.$`` key whose value is not a string holding a path or an intrinsic.
    """
    if isinstance(value, dict):
        members: list[tuple[str, Template]] = []
        for key, member in value.items():
            member_pointer = f"{pointer}/{key}"
            if key.endswith(".$"):
                if not isinstance(member, str):
                    # wording not recorded
                    raise DefinitionError(
                        f"The value for the field '{key}' must be a STRING that contains a JSONPath",
                        member_pointer,
                    )
                members.append((key[:-2], compile_reference(member, field=key, pointer=member_pointer)))
            else:
                members.append((key, compile_payload(member, pointer=member_pointer)))
        return _fold_object(members)
    if isinstance(value, list):
        elements = [compile_payload(item, pointer=f"{pointer}[{index}]") for index, item in enumerate(value)]
        return _fold_array(elements)
    return Constant(value)


def compile_jsonata_template(value: JSON, *, field: str, pointer: str) -> Template:
    """Compile a JSONata template (Arguments, Output, Assign, Items, ...).

    `field` names the field in AWS's causes: ``Output``, then ``Output/key`` for nested members.

    Raises:
        DefinitionError: an expression that does not compile.
    """
    if is_jsonata_template(value):
        try:
            return JsonataTemplate(compile_jsonata(value), field)
        except ExpressionError as error:
            # wording not recorded: AWS reports JSONata syntax errors at definition time.
            raise DefinitionError(f"{error.detail}", pointer) from None
    if isinstance(value, dict):
        members = [
            (
                key,
                compile_jsonata_template(member, field=f"{field}/{key}", pointer=f"{pointer}/{key}"),
            )
            for key, member in value.items()
        ]
        return _fold_object(members)
    if isinstance(value, list):
        elements = [
            compile_jsonata_template(item, field=f"{field}/{index}", pointer=f"{pointer}[{index}]")
            for index, item in enumerate(value)
        ]
        return _fold_array(elements)
    return Constant(value)


def compile_template(value: JSON, *, field: str, pointer: str, jsonata: bool) -> Template:
    """A field that is a payload template in a JSONPath state and a JSONata template in a
    JSONata state (Assign, ItemSelector, BatchInput, Credentials, ...)."""
    if jsonata:
        return compile_jsonata_template(value, field=field, pointer=pointer)
    return compile_payload(value, pointer=pointer)


def compile_arguments(owner: Mapping[str, JSON], *, pointer: str) -> Template | None:
    """``Parameters`` (JSONPath) or ``Arguments`` (JSONata) of `owner` (an ItemReader or a
    ResultWriter; the schema lets only the state's own language through), None when neither."""
    for field, jsonata in (("Parameters", False), ("Arguments", True)):
        if field in owner:
            return compile_template(owner[field], field=field, pointer=f"{pointer}/{field}", jsonata=jsonata)
    return None


def _fold_object(members: list[tuple[str, Template]]) -> Template:
    """An object of constants as one constant (a later duplicate key wins, as in JSON decoding)."""
    values: dict[str, JSON] = {}
    for key, member in members:
        if not isinstance(member, Constant):
            fanout = min(UNBOUNDED_FANOUT, sum(item.fanout for _, item in members))
            return ObjectTemplate(tuple(members), fanout)
        values[key] = member.value
    return Constant(values)


def _fold_array(elements: list[Template]) -> Template:
    """An array of constants as one constant."""
    values: list[JSON] = []
    for element in elements:
        if not isinstance(element, Constant):
            fanout = min(UNBOUNDED_FANOUT, sum(item.fanout for item in elements))
            return ArrayTemplate(tuple(elements), fanout)
        values.append(element.value)
    return Constant(values)
