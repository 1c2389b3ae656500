"""What a JSONPath state reads: its paths, the kinds of values they need, its Choice rules.

`read_jsonpath_state(state)` takes one state object as written (already validated by
`interpreter.load_definition`) and returns a `teststate.toolkit.reads.StateReads`.

Where each path reads (AWS Step Functions developer guide, "Processing input and output"):
``InputPath`` selects the effective input from the raw input; ``Parameters``, ``ItemSelector``,
``ItemsPath``, the Choice rules and the other ``*Path`` fields read the effective input;
``ResultSelector`` reads the result; ``OutputPath`` reads what ``ResultPath`` made of the raw
input and the result. Fields are expressed against the raw input (``InputPath``'s steps
prepended), so one document satisfies them all. Paths that are not definite (wildcards,
filters, ``..``) select nothing without failing and need no value; ``$$`` (the context object)
is not the input's to shape.

Intrinsic functions (``States.Format('{}', $.name)``) are read with a small scanner of their
arguments, and each path argument gets the kind the function's signature asks for
(`interpreter.intrinsics.functions.FUNCTIONS`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Final

from interpreter.errors import ExpressionError
from interpreter.intrinsics.functions import FUNCTIONS
from interpreter.intrinsics.functions import Kind as ArgumentKind
from interpreter.intrinsics.parser import is_intrinsic
from interpreter.jsonpath import compile_path
from interpreter.jsontypes import ABSENT, JSON
from interpreter.states.choice_operators import OPERATORS, OperandKind, compile_glob
from teststate.toolkit.reads import (
    TYPE_HINTS,
    AllOf,
    AnyOf,
    Branch,
    Condition,
    Field,
    FieldTest,
    Kind,
    Negation,
    Opaque,
    Pair,
    Read,
    StateReads,
    Step,
    glob_hints,
    number_hints,
    string_hints,
    timestamp_hints,
)

__all__ = ["read_jsonpath_state"]

Prefix = tuple[Step, ...] | None
"""The effective input's place in the raw input: InputPath's steps; None when the effective
input is not a place of the raw input (``InputPath: null`` gives ``{}``; an indefinite path a
list of matches)."""

# The numeric ``*Path`` fields of a Map and the kind each needs (AWS developer guide, "Map state
# input and output fields" and "ItemBatcher", "ItemReader").
_MAP_NUMBER_PATHS: Final = {
    "MaxConcurrencyPath": Kind.NON_NEGATIVE_INTEGER,
    "ToleratedFailureCountPath": Kind.NON_NEGATIVE_INTEGER,
    "ToleratedFailurePercentagePath": Kind.PERCENTAGE,
}
_BATCHER_NUMBER_PATHS: Final = {
    "MaxItemsPerBatchPath": Kind.POSITIVE_INTEGER,
    "MaxInputBytesPerBatchPath": Kind.POSITIVE_INTEGER,
}
_ARGUMENT_KINDS: Final = {
    ArgumentKind.ANY: Kind.ANY,
    ArgumentKind.STRING: Kind.STRING,
    ArgumentKind.NUMBER: Kind.NUMBER,
    ArgumentKind.INTEGER: Kind.INTEGER,
    ArgumentKind.BOOLEAN: Kind.BOOLEAN,
    ArgumentKind.ARRAY: Kind.ARRAY,
    ArgumentKind.OBJECT: Kind.OBJECT,
}
if set(_ARGUMENT_KINDS) != set(ArgumentKind):  # checked at import
    raise RuntimeError("every intrinsic argument kind needs a value kind")
# Arguments whose string must be of a particular form for the function to succeed.
_SPECIAL_ARGUMENTS: Final = {
    ("States.StringToJson", 0): Kind.JSON_TEXT,
    ("States.Base64Decode", 0): Kind.BASE64,
    ("States.ArrayGetItem", 0): Kind.INDEXED_ARRAY,  # indexes (Kind.INTEGER) are 0 to 3
}


def read_jsonpath_state(state: Mapping[str, JSON]) -> StateReads:
    """What a JSONPath state reads (see the module docstring)."""
    reader = _Reader(_prefix(state))
    kind = state.get("Type")
    if "InputPath" in state and reader.prefix:
        reader.add(Field("input", reader.prefix), Kind.ANY)
    if kind == "Pass" and "Result" not in state:
        reader.payload(state.get("Parameters"))
    elif kind == "Task":
        reader.payload(state.get("Parameters"))
        reader.path(state.get("TimeoutSecondsPath"), Kind.POSITIVE_INTEGER)
        reader.path(state.get("HeartbeatSecondsPath"), Kind.POSITIVE_INTEGER)
        reader.payload(state.get("Credentials"), role_arn=True)
    elif kind == "Wait":
        reader.path(state.get("SecondsPath"), Kind.NON_NEGATIVE_INTEGER)
        reader.path(state.get("TimestampPath"), Kind.TIMESTAMP)
    elif kind == "Fail":
        raw = _Reader(())  # a Fail state has no InputPath
        raw.path(state.get("ErrorPath"), Kind.STRING)
        raw.path(state.get("CausePath"), Kind.STRING)
        reader.reads.extend(raw.reads)
    elif kind == "Map":
        _read_map(state, reader)
    elif kind == "Parallel":
        reader.payload(state.get("Parameters"))
    branches: tuple[Branch, ...] = ()
    if kind == "Choice":
        branches = _branches(state, reader)
        reader.payload(state.get("Assign"))
    result_reads = _output_reads(state, reader)
    if kind == "Task" and "ResultSelector" in state:
        result_reads.extend(_result_reads(state.get("ResultSelector")))
    return StateReads(tuple(reader.reads), branches, tuple(result_reads))


def _prefix(state: Mapping[str, JSON]) -> Prefix:
    if "InputPath" not in state:
        return ()
    return _definite_steps(state["InputPath"], root="input")


def _definite_steps(text: JSON, *, root: str) -> tuple[Step, ...] | None:
    """The steps of a definite path with that root, else None."""
    if not isinstance(text, str):
        return None
    try:
        path = compile_path(text)
    except ExpressionError:
        return None
    if not path.definite or path.root != root:
        return None
    return path.steps


class _Reader:
    """Collects the reads of one state, relative to its effective input."""

    def __init__(self, prefix: Prefix) -> None:
        self.prefix = prefix
        self.reads: list[Read] = []

    def add(self, field: Field, kind: Kind, *, required: bool = True) -> None:
        self.reads.append(Read(field, kind, required))

    def field(self, text: JSON) -> Field | None:
        """The field a reference path names, relative to the effective input."""
        if not isinstance(text, str):
            return None
        try:
            path = compile_path(text)
        except ExpressionError:
            return None
        if not path.definite:
            return None
        if path.root == "variable" and path.variable is not None:
            return Field("variables", (path.variable, *path.steps))
        if path.root == "input" and self.prefix is not None:
            return Field("input", (*self.prefix, *path.steps))
        return None  # the context object, or an effective input that is not a place

    def path(self, text: JSON, kind: Kind) -> None:
        """A ``*Path`` field: a path, or (for ErrorPath/CausePath) an intrinsic."""
        if isinstance(text, str) and is_intrinsic(text):
            self.intrinsic(text)
            return
        field = self.field(text)
        if field is not None:
            self.add(field, kind)

    def intrinsic(self, text: str) -> None:
        for path, kind in intrinsic_paths(text):
            field = self.field(path)
            if field is not None:
                self.add(field, kind)

    def payload(self, template: JSON, *, role_arn: bool = False) -> None:
        """A payload template (Parameters, ItemSelector, Credentials ...): its ``.$`` members."""
        for key, value in _dollar_members(template):
            if isinstance(value, str) and is_intrinsic(value):
                self.intrinsic(value)
                continue
            field = self.field(value)
            if field is not None:
                # Credentials' RoleArn must come out a string (the role to assume).
                self.add(field, Kind.STRING if role_arn and key == "RoleArn.$" else Kind.ANY)


def _dollar_members(template: JSON) -> Iterator[tuple[str, JSON]]:
    """Every ``key.$`` member of a payload template, nested ones included."""
    pending = [template]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key.endswith(".$"):
                    yield key, item
                else:
                    pending.append(item)
        elif isinstance(value, list):
            pending.extend(value)


def _read_map(state: Mapping[str, JSON], reader: _Reader) -> None:
    reader_config = state.get("ItemReader")
    if "ItemsPath" in state:
        reader.path(state["ItemsPath"], Kind.ARRAY)
    elif not isinstance(reader_config, dict) and reader.prefix is not None:
        # Without ItemsPath (and without an ItemReader) the effective input itself is iterated.
        reader.add(Field("input", reader.prefix), Kind.ARRAY)
    reader.payload(state.get("ItemSelector", state.get("Parameters")))
    for name, kind in _MAP_NUMBER_PATHS.items():
        reader.path(state.get(name), kind)
    if isinstance(reader_config, dict):
        reader.payload(reader_config.get("Parameters"))
        config = reader_config.get("ReaderConfig")
        if isinstance(config, dict):
            reader.path(config.get("MaxItemsPath"), Kind.NON_NEGATIVE_INTEGER)
    batcher = state.get("ItemBatcher")
    if isinstance(batcher, dict):
        for name, kind in _BATCHER_NUMBER_PATHS.items():
            reader.path(batcher.get(name), kind)
        reader.payload(batcher.get("BatchInput"))


def _output_reads(state: Mapping[str, JSON], reader: _Reader) -> list[Read]:
    """``OutputPath``: what it reads of the input (added to `reader`) and of the result (returned).

    States without ``ResultPath`` (Choice, Wait, Succeed) output their effective input. With
    ``ResultPath`` the output is the raw input with the result written at that path (``null``:
    the raw input alone; ``$``: the result alone).
    """
    output = _definite_steps(state.get("OutputPath"), root="input")
    if not output:
        return []
    if state.get("Type") in ("Choice", "Wait", "Succeed"):
        if reader.prefix is not None:
            reader.add(Field("input", (*reader.prefix, *output)), Kind.ANY)
        return []
    if state.get("Type") not in ("Pass", "Task", "Map", "Parallel"):
        return []
    if "ResultPath" in state and state["ResultPath"] is None:
        reader.add(Field("input", output), Kind.ANY)
        return []
    written = _definite_steps(state.get("ResultPath", "$"), root="input")
    if written is None:
        return []
    if output[: len(written)] == written:
        # Inside the result: a Task's mocked result should have it (unless ResultSelector reshapes it).
        if state.get("Type") == "Task" and "ResultSelector" not in state:
            return [Read(Field("result", output[len(written) :]), Kind.ANY)]
        return []
    if written[: len(output)] == output:
        return []  # the output contains the result
    reader.add(Field("input", output), Kind.ANY)
    return []


def _result_reads(selector: JSON) -> list[Read]:
    """The paths of ``ResultSelector`` into the result."""
    reads: list[Read] = []
    for _, value in _dollar_members(selector):
        paths = (
            intrinsic_paths(value) if isinstance(value, str) and is_intrinsic(value) else [(value, Kind.ANY)]
        )
        for text, kind in paths:
            steps = _definite_steps(text, root="input")
            if steps:
                reads.append(Read(Field("result", steps), kind))
    return reads


# ---------------------------------------------------------------------------------------------
# Choice rules


def _branches(state: Mapping[str, JSON], reader: _Reader) -> tuple[Branch, ...]:
    rules = state.get("Choices")
    branches: list[Branch] = []
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        rule_reader = _Reader(reader.prefix)
        rule_reader.payload(rule.get("Assign"))
        branches.append(Branch(str(rule.get("Next")), _condition(rule, reader), tuple(rule_reader.reads)))
    default = state.get("Default")
    branches.append(Branch(default if isinstance(default, str) else None, None))
    return tuple(branches)


def _condition(rule: Mapping[str, JSON], reader: _Reader) -> Condition:
    for name, combine in (("And", AllOf), ("Or", AnyOf)):
        operands = rule.get(name)
        if isinstance(operands, list):
            return combine(tuple(_condition(item, reader) for item in operands if isinstance(item, dict)))
    operand = rule.get("Not")
    if isinstance(operand, dict):
        return Negation(_condition(operand, reader))
    variable = reader.field(rule.get("Variable"))
    operator = next((name for name in rule if name in OPERATORS), None)
    if variable is None or operator is None:
        return Opaque(text=str(dict(rule)))
    kind, compare = OPERATORS[operator]
    literal = rule[operator]
    text = f"{rule.get('Variable')} {operator} {literal!r}"
    if kind is OperandKind.PATH:
        other = reader.field(literal)
        if other is None:
            return Opaque((Read(variable, Kind.ANY, required=False),), TYPE_HINTS, text)
        return Pair(variable, other, _pair_outcome(compare), TYPE_HINTS, text)
    if operator == "IsPresent":
        return FieldTest(variable, _presence(literal is True), (ABSENT, None, "present"), text)
    operand = compile_glob(literal) if kind is OperandKind.PATTERN and isinstance(literal, str) else literal
    return FieldTest(variable, _outcome(compare, operand), tuple(_hints(kind, literal)), text)


def _outcome(compare: Callable[[JSON, JSON], bool], operand: JSON) -> Callable[[JSON], bool | None]:
    # A Variable that selects nothing fails the state (States.Runtime), whatever the operator.
    return lambda value: None if value is ABSENT else compare(value, operand)


def _pair_outcome(compare: Callable[[JSON, JSON], bool]) -> Callable[[JSON, JSON], bool | None]:
    return lambda left, right: None if left is ABSENT or right is ABSENT else compare(left, right)


def _presence(expected: bool) -> Callable[[JSON], bool | None]:
    return lambda value: (value is not ABSENT) is expected


def _hints(kind: OperandKind, literal: JSON) -> list[JSON]:
    """Values near the literal, plus one of another type (a type mismatch is simply false)."""
    if kind is OperandKind.STRING and isinstance(literal, str):
        return [*string_hints(literal), 1]
    if kind is OperandKind.NUMBER and not isinstance(literal, (bool, str)) and literal is not None:
        return [*number_hints(literal), str(literal)]
    if kind is OperandKind.BOOLEAN:
        return [True, False, "true"]
    if kind is OperandKind.TIMESTAMP and isinstance(literal, str):
        return [*timestamp_hints(literal), 0]
    if kind is OperandKind.PATTERN and isinstance(literal, str):
        return [*glob_hints(literal), 1]
    return list(TYPE_HINTS)  # the Is* type tests


# ---------------------------------------------------------------------------------------------
# Intrinsic functions


def intrinsic_paths(text: str) -> list[tuple[str, Kind]]:
    """Every path argument of an intrinsic call (nested calls included) and the kind the function
    takes there. A scanner, not a validator: the text was validated when the definition loaded."""
    found: list[tuple[str, Kind]] = []
    _scan_call(text, 0, found)
    return found


def _scan_call(text: str, start: int, found: list[tuple[str, Kind]]) -> int:
    """Scan the call starting at `start` (``States.Name(``...); return the index after its ``)``."""
    open_at = text.find("(", start)
    if open_at < 0:
        return len(text)
    name = text[start:open_at].strip()
    signature = FUNCTIONS[name][1] if name in FUNCTIONS else None
    index, position = open_at + 1, 0
    while index < len(text):
        char = text[index]
        if char in " \t\n":
            index += 1
        elif char == ")":
            return index + 1
        elif char == ",":
            position += 1
            index += 1
        elif char == "'":
            index = _skip_string(text, index)
        elif text.startswith("States.", index):
            index = _scan_call(text, index, found)
        elif char == "$":
            end = _path_end(text, index)
            kind = Kind.ANY
            if signature is not None:
                kind = _ARGUMENT_KINDS[signature.kind_at(position)]
                if name == "States.Format" and position > 0:
                    kind = Kind.SCALAR  # placeholders print scalars; objects are not recorded
            found.append((text[index:end].strip(), _SPECIAL_ARGUMENTS.get((name, position), kind)))
            index = end
        else:
            while index < len(text) and text[index] not in ",)":
                index += 1
    return index


def _skip_string(text: str, start: int) -> int:
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == "'":
            return index + 1
        index += 1
    return index


def _path_end(text: str, start: int) -> int:
    """Where a path argument ends: at a ``,`` or ``)`` outside brackets and quotes."""
    depth, index, quote = 0, start, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char in ",)" and depth <= 0:
            return index
        index += 1
    return index
