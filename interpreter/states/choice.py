"""Choice state rules for both query languages, compiled once into small immutable trees.

JSONPath rules test a ``Variable`` with exactly one comparison operator, or combine nested rules
with ``And``/``Or``/``Not``; JSONata rules carry a ``Condition`` expression. `compile_choice_rule`
validates one element of ``Choices`` (and its nested operands) and returns a `ChoiceRule` whose
``matches(scope)`` evaluates it; the Choice state's handler (`interpreter.states.run`) tries the
rules in order and takes the first match's ``Next``, else ``Default``.

AWS behaviours encoded here (evidence in the comments next to each):
- a ``Variable`` or ``*Path`` operand that selects nothing fails the state with States.Runtime,
  except for ``IsPresent``, which exists to test exactly that.

The operator table (and how each operator compares: wrong types never match, timestamps as
instants, ``StringMatches`` globs) is `interpreter.states.choice_operators`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

from interpreter.errors import DefinitionError, ErrorName, ExpressionError, PathMissing, StatesError
from interpreter.jsonata.expression import (
    JsonataExpression,
    compile_jsonata,
    evaluate_field,
    is_jsonata_template,
)
from interpreter.jsonpath import Path, compile_path
from interpreter.jsontypes import ABSENT, JSON, type_name
from interpreter.scope import Scope
from interpreter.states.choice_operators import (
    OPERAND_CHECKS,
    OPERATORS,
    Comparator,
    OperandKind,
    compile_glob,
)

__all__ = [
    "MAX_NESTING",
    "NO_CHOICE_MATCHED_CAUSE",
    "ChoiceRule",
    "compile_choice_rule",
]

_LOGICAL: Final = ("And", "Or", "Not")

# ---------------------------------------------------------------------------------------------
# Compiled conditions


class Condition(Protocol):
    """A compiled test: True when it holds for the scope."""

    def test(self, scope: Scope) -> bool: ...


def _missing_path(text: str) -> StatesError:
    # Not in our recorded corpus; public Step Functions conformance suites and emulators agree on
    # States.Runtime with this cause, for the Variable and for a *Path operand alike (e.g. cause
    # contains "Invalid path '$.right'" and "condition path references an invalid value.").
    return StatesError(
        ErrorName.RUNTIME,
        f"Invalid path '{text}': The choice state's condition path references an invalid value.",
    )


def _lookup(path: Path, scope: Scope) -> JSON:
    """The value `path` selects, or ABSENT when it selects nothing.

    A reference to a workflow variable that was never assigned selects nothing too: for a Choice
    rule it is the same "invalid value" as a missing input field (and IsPresent is false).
    """
    if path.root == "variable" and path.variable not in scope.variables:
        return ABSENT
    try:
        return path.resolve(scope)
    except PathMissing:
        return ABSENT


def _resolve(path: Path, scope: Scope) -> JSON:
    value = _lookup(path, scope)
    if value is ABSENT:
        raise _missing_path(path.text)
    return value


@dataclass(frozen=True, slots=True)
class Comparison:
    """``Variable`` + one operator with a literal operand (compiled where useful)."""

    variable: Path
    operator: str
    compare: Comparator
    operand: JSON

    def test(self, scope: Scope) -> bool:
        return self.compare(_resolve(self.variable, scope), self.operand)


@dataclass(frozen=True, slots=True)
class PathComparison:
    """``Variable`` + a ``*Path`` operator: both sides are selected at run time."""

    variable: Path
    operator: str
    compare: Comparator
    operand: Path

    def test(self, scope: Scope) -> bool:
        value = _resolve(self.variable, scope)
        return self.compare(value, _resolve(self.operand, scope))


@dataclass(frozen=True, slots=True)
class Presence:
    """``IsPresent``: the only test for which a Variable that selects nothing is not an error."""

    variable: Path
    expected: bool

    def test(self, scope: Scope) -> bool:
        return (_lookup(self.variable, scope) is not ABSENT) is self.expected


@dataclass(frozen=True, slots=True)
class AllOf:
    """``And``: true when every operand is; stops at the first false one (later operands, even
    ones that would fail, are not evaluated)."""

    operands: tuple[Condition, ...]

    def test(self, scope: Scope) -> bool:
        return all(operand.test(scope) for operand in self.operands)


@dataclass(frozen=True, slots=True)
class AnyOf:
    """``Or``: true when some operand is; stops at the first true one."""

    operands: tuple[Condition, ...]

    def test(self, scope: Scope) -> bool:
        return any(operand.test(scope) for operand in self.operands)


@dataclass(frozen=True, slots=True)
class Negation:
    """``Not``."""

    operand: Condition

    def test(self, scope: Scope) -> bool:
        return not self.operand.test(scope)


@dataclass(frozen=True, slots=True)
class Constant:
    """A JSONata ``Condition`` given as a JSON boolean rather than an expression."""

    value: bool

    def test(self, scope: Scope) -> bool:
        return self.value


@dataclass(frozen=True, slots=True)
class JsonataCondition:
    """A JSONata ``Condition``: ``{% expr %}`` that must evaluate to a boolean.

    `field` is how AWS names the rule in causes: ``Choices[1]/Condition`` (observed by
    floci-io/floci#2689 against Step Functions: "The JSONata expression '$states.input.missing'
    specified for the field 'Choices[1]/Condition' returned nothing (undefined).").
    """

    expression: JsonataExpression
    field: str

    def test(self, scope: Scope) -> bool:
        # Undefined results and evaluation errors: States.QueryEvaluationError naming the field.
        value = evaluate_field(self.expression, scope, self.field)
        if not isinstance(value, bool):
            # AWS's wording for a non-boolean Condition is not recorded; this follows the shape of
            # its other JSONata field causes.
            raise StatesError(
                ErrorName.QUERY_EVALUATION_ERROR,
                f"The JSONata expression '{self.expression.source}' specified for the field "
                f"'{self.field}' returned an unexpected data type. Expected a boolean but got "
                f"{type_name(value)}.",
            )
        return value


@dataclass(frozen=True, slots=True)
class ChoiceRule:
    """One compiled element of ``Choices``.

    Attributes:
        condition: the compiled test (nested And/Or/Not operands are conditions inside it).
        next: the state to go to when the rule matches.

    A rule's own ``Assign`` and ``Output`` are compiled by the loader with the state's other
    templates (`interpreter.definition.model.ChoiceState.rule_assigns` / ``rule_outputs``).
    """

    condition: Condition
    next: str

    def matches(self, scope: Scope) -> bool:
        """Whether the rule holds. Raises StatesError on runtime failures (missing path, JSONata)."""
        return self.condition.test(scope)


# ---------------------------------------------------------------------------------------------
# No match

# AWS wording (floci-io/floci: "AWS wording, verified against us-east-1"; the developer guide says
# the state machine fails because it cannot transition out of the state).
NO_CHOICE_MATCHED_CAUSE: Final = (
    "Failed to transition out of the state. The state does not point to a next state."
)


# ---------------------------------------------------------------------------------------------
# Compiling and validating


_JSONPATH_RULE_FIELDS: Final = frozenset({"Variable", "Next", "Comment", "Assign", *_LOGICAL, *OPERATORS})
_JSONATA_RULE_FIELDS: Final = frozenset({"Condition", "Next", "Comment", "Assign", "Output"})
_JSONATA_ONLY: Final = frozenset({"Condition", "Output"})
_JSONPATH_ONLY: Final = frozenset({"Variable", *_LOGICAL, *OPERATORS})


def _at(pointer: str, field: str) -> str:
    # AWS's locations are not RFC 6901: names are not escaped, indexes are bracketed
    # (".../Choices[0]/Next", recorded by third parties; see interpreter.schema).
    return f"{pointer}/{field}"


def _field_label(pointer: str) -> str:
    """``/States/S/Choices[2]`` -> ``Choices[2]``: how AWS names a rule in runtime causes."""
    return pointer.rsplit("/", 1)[-1] or "Choices"


# Ours, not AWS's (its limit is not recorded): And/Or/Not nesting deeper than this is refused so
# that compiling and evaluating stay far from Python's recursion limit on any input.
MAX_NESTING: Final = 100


def compile_choice_rule(rule: JSON, *, query_language: str, pointer: str) -> ChoiceRule:
    """Validate and compile one element of ``Choices`` (it must have ``Next``; its nested
    And/Or/Not operands must not).

    Args:
        rule: the rule as declared.
        query_language: ``"JSONPath"`` or ``"JSONata"`` (the state's effective language).
        pointer: JSON pointer of `rule` in the definition, e.g. ``/States/S/Choices[0]``.

    Raises:
        DefinitionError: the rule is not valid ASL; its pointer names the offending field.
    """
    jsonata = query_language == "JSONata"
    declaration = _object(rule, pointer)
    _check_fields(declaration, jsonata=jsonata, pointer=pointer, top_level=True)
    next_state = _next(declaration, pointer=pointer)
    if jsonata:
        condition: Condition = _jsonata_condition(declaration, pointer=pointer)
    else:
        condition = _jsonpath_condition(declaration, pointer=pointer, depth=0)
    return ChoiceRule(condition=condition, next=next_state)


def _operand(rule: JSON, *, pointer: str, depth: int) -> Condition:
    """A nested operand of And/Or/Not (JSONPath only): a rule without ``Next``."""
    declaration = _object(rule, pointer)
    if depth > MAX_NESTING:
        raise DefinitionError(f"Choice rules may be nested at most {MAX_NESTING} levels deep", pointer)
    _check_fields(declaration, jsonata=False, pointer=pointer, top_level=False)
    return _jsonpath_condition(declaration, pointer=pointer, depth=depth)


def _object(rule: JSON, pointer: str) -> dict[str, JSON]:
    if not isinstance(rule, dict):
        # wording not recorded
        raise DefinitionError(f"Expected an object but got {type_name(rule)}", pointer)
    return rule


def _check_fields(rule: dict[str, JSON], *, jsonata: bool, pointer: str, top_level: bool) -> None:
    allowed = _JSONATA_RULE_FIELDS if jsonata else _JSONPATH_RULE_FIELDS
    for name in rule:
        if name in allowed:
            if not top_level and name in ("Next", "Assign", "Output"):
                # Nested operands of And/Or/Not carry no transition (ASL: "Next" only at the top
                # level of a Choice Rule). AWS's "Field '<name>' is not supported" at the object
                # that holds it (floci-io/floci#2735, recorded for state fields).
                raise DefinitionError(f"Field '{name}' is not supported", pointer)
            continue
        if jsonata and name in _JSONPATH_ONLY:
            # By analogy with AWS's recorded "The QueryLanguage is set to 'JSONata', but field
            # 'MaxItemsPerBatchPath' is only supported for the 'JSONPath' QueryLanguage".
            raise DefinitionError(
                f"The QueryLanguage is set to 'JSONata', but field '{name}' is only supported for the "
                "'JSONPath' QueryLanguage",
                pointer,
            )
        if not jsonata and name in _JSONATA_ONLY:
            raise DefinitionError(
                f"The QueryLanguage is set to 'JSONPath', but field '{name}' is only supported for the "
                "'JSONata' QueryLanguage",
                pointer,
            )
        raise DefinitionError(f"Field '{name}' is not supported", pointer)


def _next(rule: dict[str, JSON], *, pointer: str) -> str:
    if "Next" not in rule:
        # AWS, recorded (aws-cloudformation/cfn-lint#4077): "These fields are required: [Next]
        # at /States/<state>/Choices/<i>".
        raise DefinitionError("These fields are required: [Next]", pointer)
    next_state = rule["Next"]
    if not isinstance(next_state, str) or not next_state:
        # wording not recorded
        raise DefinitionError("The field 'Next' should be a non-empty string", _at(pointer, "Next"))
    return next_state


def _jsonata_condition(rule: dict[str, JSON], *, pointer: str) -> Condition:
    if "Condition" not in rule:
        raise DefinitionError("These fields are required: [Condition]", pointer)
    value = rule["Condition"]
    at = _at(pointer, "Condition")
    if isinstance(value, bool):
        return Constant(value)
    if not isinstance(value, str) or not is_jsonata_template(value):
        # wording not recorded
        raise DefinitionError(
            "The field 'Condition' should be a boolean or a JSONata expression enclosed in '{%' and '%}'", at
        )
    try:
        expression = compile_jsonata(value)
    except ExpressionError as error:
        raise DefinitionError(error.detail, at) from None
    return JsonataCondition(expression, f"{_field_label(pointer)}/Condition")


def _jsonpath_condition(rule: dict[str, JSON], *, pointer: str, depth: int) -> Condition:
    logical = [name for name in _LOGICAL if name in rule]
    operators = [name for name in rule if name in OPERATORS]
    found = logical + operators
    if len(found) > 1:
        # By analogy with AWS's recorded "There should only be one of the following fields:
        # [MaxItems, MaxItemsPath]" (floci-io/floci#3733).
        raise DefinitionError(
            f"There should only be one of the following fields: [{', '.join(found)}]", pointer
        )
    if not found:
        # wording not recorded
        raise DefinitionError(
            "A Choice Rule must have exactly one comparison operator or one of [And, Or, Not]", pointer
        )
    if logical:
        if "Variable" in rule:
            raise DefinitionError("Field 'Variable' is not supported", pointer)
        return _logical(rule, logical[0], pointer=pointer, depth=depth)
    return _comparison(rule, operators[0], pointer=pointer)


def _logical(rule: dict[str, JSON], name: str, *, pointer: str, depth: int) -> Condition:
    value = rule[name]
    at = _at(pointer, name)
    if name == "Not":
        if not isinstance(value, dict):
            raise DefinitionError("The field 'Not' should be an object", at)  # wording not recorded
        return Negation(_operand(value, pointer=at, depth=depth + 1))
    if not isinstance(value, list):
        raise DefinitionError(f"The field '{name}' should be an array", at)  # wording not recorded
    if not value:
        # AWS, recorded for TestState: "Value cannot be empty at /States/StateName/Branches".
        raise DefinitionError("Value cannot be empty", at)
    operands = tuple(
        _operand(item, pointer=f"{at}[{index}]", depth=depth + 1) for index, item in enumerate(value)
    )
    return AllOf(operands) if name == "And" else AnyOf(operands)


def _reference_path(value: JSON, *, at: str) -> Path:
    """Compile a ``Variable`` or ``*Path`` operand.

    ASL: "The values of Variable and Path fields in a comparison must be valid Reference Paths",
    i.e. paths naming a single value, rooted at ``$``, ``$$`` (context) or ``$name`` (variable).
    """
    if not isinstance(value, str):
        # wording not recorded
        raise DefinitionError(
            f"Value is not a Reference Path: expected a string but got {type_name(value)}", at
        )
    if not value.startswith("$"):
        # AWS, recorded (aws-cloudformation/cfn-lint#4076): "Value is not a Reference Path:
        # Reference path didn't start with '$'".
        raise DefinitionError("Value is not a Reference Path: Reference path didn't start with '$'", at)
    try:
        path = compile_path(value)
    except ExpressionError as error:
        # AWS, recorded (Stedi-Public-Archive/ts2asl#912): "Value is not a Reference Path: '[' must
        # be followed by ' or '[' at .../Choices[0]/Variable" (the detail is the parser's).
        raise DefinitionError(f"Value is not a Reference Path: {error.detail}", at) from None
    if not path.definite:
        # wording not recorded
        raise DefinitionError(f"Value is not a Reference Path: '{value}' may select more than one value", at)
    return path


def _comparison(rule: dict[str, JSON], operator: str, *, pointer: str) -> Condition:
    if "Variable" not in rule:
        raise DefinitionError("These fields are required: [Variable]", pointer)
    variable = _reference_path(rule["Variable"], at=_at(pointer, "Variable"))
    kind, compare = OPERATORS[operator]
    operand = rule[operator]
    at = _at(pointer, operator)
    if kind is OperandKind.PATH:
        return PathComparison(variable, operator, compare, _reference_path(operand, at=at))
    operand = _literal_operand(kind, operator, operand, at=at)
    if operator == "IsPresent":
        return Presence(variable, operand)
    return Comparison(variable, operator, compare, operand)


def _literal_operand(kind: OperandKind, operator: str, operand: JSON, *, at: str) -> JSON:
    accepts, expected = OPERAND_CHECKS[kind]
    if not accepts(operand):
        raise DefinitionError(f"The field '{operator}' should be {expected}", at)
    if kind is OperandKind.PATTERN:
        return compile_glob(operand)
    return operand
