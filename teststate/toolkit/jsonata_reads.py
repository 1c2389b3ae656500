"""What a JSONata state reads: the ``$states.input`` fields and variables of its expressions.

`read_jsonata_state(state)` takes one state object as written (already validated by
`interpreter.load_definition`) and returns a `teststate.toolkit.reads.StateReads`.

Every ``{% %}`` template of the state is parsed by the interpreter's own compiler
(`interpreter.jsonata.expression.compile_jsonata`) and its parse tree walked. A path
``$states.input.a.b`` (plain name steps) is the input field ``a.b``, ``$name.a`` the variable
``name``, ``$states.result.a`` a field of the result; where the expression uses it says which
kind of value it needs (an operand of ``+`` a number, the argument of ``$sum`` an array of
numbers, the whole of ``Items`` an array ...).

Choice ``Condition``s become condition trees for the common forms: ``and``/``or``, ``$not``,
``$exists``, ``$boolean``, ``$contains``, a field compared (``= != < <= > >= in``) with a
literal or another field, the same for ``$count``/``$length``/``$type``/``$lowercase``/
``$uppercase`` of a field, a boolean literal, a lone field. Anything else is `Opaque`: its
fields still get values near its literals. The outcomes follow the interpreter's JSONata (2.0):
a missing field is undefined, which makes ``=``, ``!=`` and ``in`` false but ``<``, ``$not``,
``$boolean``, ``$contains`` undefined (an error as the whole Condition, false below ``and``/
``or``); ``<`` between a string and a number, or on a boolean or null, is an error. The
strategies check each input with the interpreter in the end, so a difference costs a retry,
not a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

from interpreter.errors import ExpressionError
from interpreter.jsonata.expression import compile_jsonata, is_jsonata_template
from interpreter.jsontypes import ABSENT, JSON, is_number
from teststate.toolkit.reads import (
    TYPE_HINTS,
    AllOf,
    AnyOf,
    Branch,
    Condition,
    Constant,
    Field,
    FieldTest,
    Kind,
    Negation,
    Opaque,
    Pair,
    Read,
    Root,
    StateReads,
    number_hints,
    string_hints,
    timestamp_hints,
)

__all__ = ["jsonata_compare", "read_jsonata_state"]

# State fields holding other states (their expressions are theirs) or no expression.
_NOT_TEMPLATES: Final = frozenset(
    {"Type", "Next", "End", "Comment", "Resource", "QueryLanguage", "Choices", "Default", "Catch", "Retry"}
    | {"ItemProcessor", "Iterator", "Branches"}
)
# Fields whose whole value, when it is exactly a field, must be of a kind (AWS developer guide,
# "Transforming data with JSONata": the Items array, the Wait, Task timeout and Map counts, the
# Fail state's strings).
_FIELD_KINDS: Final = {
    "Items": Kind.ARRAY,
    "TimeoutSeconds": Kind.POSITIVE_INTEGER,
    "HeartbeatSeconds": Kind.POSITIVE_INTEGER,
    "Seconds": Kind.NON_NEGATIVE_INTEGER,
    "Timestamp": Kind.TIMESTAMP,
    "MaxConcurrency": Kind.NON_NEGATIVE_INTEGER,
    "ToleratedFailureCount": Kind.NON_NEGATIVE_INTEGER,
    "ToleratedFailurePercentage": Kind.PERCENTAGE,
    "MaxItems": Kind.NON_NEGATIVE_INTEGER,
    "MaxItemsPerBatch": Kind.POSITIVE_INTEGER,
    "MaxInputBytesPerBatch": Kind.POSITIVE_INTEGER,
    "Error": Kind.STRING,
    "Cause": Kind.STRING,
}
_ARITHMETIC: Final = frozenset({"+", "-", "*", "/", "%"})
_ORDERING: Final = frozenset({"<", "<=", ">", ">="})
_COMPARISONS: Final = _ORDERING | {"=", "!=", "in"}
_FLIPPED: Final = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}
# Argument kinds of the built-in functions (JSONata function library; AWS's $partition, $range,
# $hash, $parse). Arguments past the listed ones take any value.
_FUNCTION_ARGUMENTS: Final[Mapping[str, tuple[Kind, ...]]] = {
    **dict.fromkeys(("sum", "max", "min", "average"), (Kind.NUMBER_ARRAY,)),
    **dict.fromkeys(("count", "sort", "reverse", "distinct", "shuffle"), (Kind.ARRAY,)),
    "append": (Kind.ARRAY, Kind.ARRAY),
    "zip": (Kind.ARRAY, Kind.ARRAY),
    "partition": (Kind.ARRAY, Kind.POSITIVE_INTEGER),
    **dict.fromkeys(
        ("length", "uppercase", "lowercase", "trim", "base64encode", "encodeUrl", "encodeUrlComponent"),
        (Kind.STRING,),
    ),
    **dict.fromkeys(("substringBefore", "substringAfter", "split"), (Kind.STRING, Kind.STRING)),
    "contains": (Kind.STRING,),
    "substring": (Kind.STRING, Kind.INTEGER, Kind.INTEGER),
    "pad": (Kind.STRING, Kind.INTEGER),
    "hash": (Kind.STRING,),
    "base64decode": (Kind.BASE64,),
    "parse": (Kind.JSON_TEXT,),
    "toMillis": (Kind.TIMESTAMP,),
    **dict.fromkeys(
        ("abs", "floor", "ceil", "round", "number", "formatInteger", "fromMillis"), (Kind.NUMBER,)
    ),
    "power": (Kind.NUMBER, Kind.NUMBER),
    "sqrt": (Kind.NON_NEGATIVE_INTEGER,),
    "range": (Kind.INTEGER, Kind.INTEGER, Kind.POSITIVE_INTEGER),
    **dict.fromkeys(("keys", "spread", "each", "sift"), (Kind.OBJECT,)),
    "lookup": (Kind.OBJECT, Kind.STRING),
}
# Names that are not workflow variables: ``$states``, and the functions of JSONata 2.0's library and
# AWS's additions ($partition, $range, $hash, $random, $uuid, $parse), which an expression may pass
# around as values (``$map($xs, $string)``). A variable of such a name would hide the function.
_NOT_VARIABLES: Final = frozenset(
    {"states", "partition", "range", "hash", "random", "uuid", "parse"}
    | {"string", "length", "substring", "substringBefore", "substringAfter", "uppercase", "lowercase"}
    | {"trim", "pad", "contains", "split", "join", "match", "replace", "eval", "base64encode"}
    | {"base64decode", "encodeUrlComponent", "encodeUrl", "decodeUrlComponent", "decodeUrl"}
    | {"formatNumber", "formatBase", "formatInteger", "parseInteger", "number", "abs", "floor", "ceil"}
    | {"round", "power", "sqrt", "sum", "max", "min", "average", "boolean", "not", "exists", "count"}
    | {"append", "sort", "reverse", "shuffle", "distinct", "zip", "keys", "lookup", "spread", "merge"}
    | {"sift", "each", "error", "assert", "type", "now", "millis", "fromMillis", "toMillis", "map"}
    | {"filter", "single", "reduce", "clone"}
)
# Attributes a parse-tree node carries whatever it is (the rest are its children or options).
_BOOKKEEPING: Final = frozenset({"_outer_instance", "id", "bp", "lbp", "level", "position", "type", "value"})


def read_jsonata_state(state: Mapping[str, JSON]) -> StateReads:
    """What a JSONata state reads (see the module docstring)."""
    walker = _Walker()
    for key, value in state.items():
        if key not in _NOT_TEMPLATES:
            walker.templates(value, key, top=True)
    catchers = state.get("Catch")
    for catcher in catchers if isinstance(catchers, list) else []:
        if isinstance(catcher, dict):  # only run on an error: nice to have, never needed
            walker.templates(
                {k: v for k, v in catcher.items() if k in ("Output", "Assign")}, "Catch", top=False
            )
    reads = list(walker.reads)
    if state.get("Type") == "Map" and "Items" not in state and "ItemReader" not in state:
        reads.append(Read(Field("input", ()), Kind.ARRAY))  # the Map iterates over its input
    branches: tuple[Branch, ...] = ()
    if state.get("Type") == "Choice":
        branches = _branches(state)
    return StateReads(tuple(reads), branches, tuple(walker.result_reads))


def _branches(state: Mapping[str, JSON]) -> tuple[Branch, ...]:
    rules = state.get("Choices")
    branches: list[Branch] = []
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        condition = rule.get("Condition")
        if isinstance(condition, bool):
            tree: Condition = Constant(condition)
        else:
            node = _parse(condition)
            tree = Opaque(text=str(condition)) if node is None else _condition(node, top=True)
        walker = _Walker()
        walker.templates({k: v for k, v in rule.items() if k in ("Output", "Assign")}, "Output", top=False)
        branches.append(Branch(str(rule.get("Next")), tree, tuple(walker.reads)))
    default = state.get("Default")
    branches.append(Branch(default if isinstance(default, str) else None, None))
    return tuple(branches)


def _parse(template: JSON) -> Any:
    """The parse tree of a ``{% %}`` template, or None when it is not one."""
    if not is_jsonata_template(template):
        return None
    try:
        expression = compile_jsonata(template)
    except ExpressionError:
        return None
    # The library's parse tree of what the interpreter compiled: this module only reads it.
    return expression.parse_tree


# ---------------------------------------------------------------------------------------------
# Fields


def _plain_name(step: Any) -> str | None:
    """The key of a path step that is a plain name (no filter, sort, binding ...), else None."""
    if getattr(step, "type", None) != "name" or not isinstance(step.value, str):
        return None
    return step.value if _bare(step) else None


def _bare(step: Any) -> bool:
    """Whether a step carries nothing but its name (no filter, sort, binding ...)."""
    return not [name for name, value in vars(step).items() if name not in _BOOKKEEPING and value]


def _field_of(node: Any, bound: frozenset[str] | set[str] = frozenset()) -> tuple[Field, bool] | None:
    """The field a node reads and whether all of its path was plain (``$states.input.a[0]``
    reads the field ``a``, not wholly); None when it reads none."""
    kind = getattr(node, "type", None)
    if kind == "variable":
        name = node.value
        if isinstance(name, str) and name and name not in _NOT_VARIABLES and name not in bound:
            return Field("variables", (name,)), True
        return None
    if kind != "path" or not node.steps:
        return None
    steps = list(node.steps)
    first = steps[0]
    if getattr(first, "type", None) != "variable" or not isinstance(first.value, str) or not first.value:
        return None
    if first.value == "states":
        root_name = _plain_name(steps[1]) if len(steps) > 1 else None
        if root_name not in ("input", "result"):
            return None
        root: Root = "input" if root_name == "input" else "result"
        rest = steps[2:]
    elif first.value in bound or first.value in _NOT_VARIABLES or not _bare(first):
        return None
    else:
        root, rest = "variables", steps[1:]
    names: list[str | int] = [first.value] if root == "variables" else []
    whole = True
    for step in rest:
        name = _plain_name(step)
        if name is None:
            whole = False
            if getattr(step, "type", None) == "name" and isinstance(step.value, str):
                names.append(step.value)  # a filtered step: its key is still read
            break
        names.append(name)
    if root != "variables" and not names:
        return None  # all of $states.input: nothing in particular
    return Field(root, tuple(names)), whole


def _children(node: Any) -> Iterator[Any]:
    for name, value in vars(node).items():
        if name not in _BOOKKEEPING:
            yield from _nodes_in(value)


def _nodes_in(value: Any) -> Iterator[Any]:
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _nodes_in(item)
    elif hasattr(value, "type") and hasattr(value, "__dict__") and not isinstance(value, type):
        yield value


def _function_name(node: Any) -> str | None:
    procedure: Any = getattr(node, "procedure", None)
    if node.type in ("function", "partial") and getattr(procedure, "type", None) == "variable":
        name = procedure.value
        return name if isinstance(name, str) else None
    return None


class _Walker:
    """Collects the fields the templates of a state read, with the kind each needs."""

    def __init__(self) -> None:
        self.reads: list[Read] = []
        self.result_reads: list[Read] = []
        self.bound: set[str] = set()
        self._seen: set[int] = set()

    def templates(self, value: JSON, name: str, *, top: bool) -> None:
        """Every template in a field's value (objects and arrays walked); `name` is the field."""
        if isinstance(value, str):
            node = _parse(value)
            if node is not None:
                self._seen = set()  # parse trees are cached: the same template may come twice
                self.expression(node, _FIELD_KINDS.get(name, Kind.ANY), required=top)
        elif isinstance(value, dict):
            for key, item in value.items():
                self.templates(item, key if key in _FIELD_KINDS else name, top=False)
        elif isinstance(value, list):
            for item in value:
                self.templates(item, name, top=False)

    def add(self, field: Field, kind: Kind, *, required: bool) -> None:
        target = self.result_reads if field.root == "result" else self.reads
        target.append(Read(field, kind, required))

    def expression(self, node: Any, kind: Kind, *, required: bool = False, depth: int = 0) -> None:
        if id(node) in self._seen or depth > 200:
            return
        self._seen.add(id(node))
        found = _field_of(node, self.bound)
        if found is not None:
            field, whole = found
            self.add(field, kind if whole else Kind.ANY, required=required and whole)
            if whole:
                return
        node_type, value = node.type, getattr(node, "value", None)
        below = depth + 1
        if node_type == "binary" and value in _ARITHMETIC:
            self.expression(node.lhs, Kind.NUMBER, depth=below)
            self.expression(node.rhs, Kind.NUMBER, depth=below)
        elif node_type == "binary" and value == "&":
            self.expression(node.lhs, Kind.SCALAR, depth=below)
            self.expression(node.rhs, Kind.SCALAR, depth=below)
        elif node_type == "binary" and value in _ORDERING:
            other_is_text = any(getattr(side, "type", None) == "string" for side in (node.lhs, node.rhs))
            side_kind = Kind.STRING if other_is_text else Kind.NUMBER
            self.expression(node.lhs, side_kind, depth=below)
            self.expression(node.rhs, side_kind, depth=below)
        elif node_type == "binary" and value == "in":
            self.expression(node.lhs, Kind.SCALAR, depth=below)
            self.expression(node.rhs, Kind.ARRAY, depth=below)
        elif node_type == "unary" and value == "-":
            self.expression(node.expression, Kind.NUMBER, depth=below)
        elif _function_name(node) is not None:
            kinds = _FUNCTION_ARGUMENTS.get(_function_name(node) or "", ())
            for position, argument in enumerate(node.arguments or ()):
                self.expression(argument, kinds[position] if position < len(kinds) else Kind.ANY, depth=below)
        elif node_type == "bind" and getattr(node.lhs, "type", None) == "variable":
            self.bound.add(node.lhs.value)
            self.expression(node.rhs, Kind.ANY, depth=below)
        elif node_type == "lambda":
            self.bound.update(arg.value for arg in node.arguments or () if isinstance(arg.value, str))
            self.expression(node.body, Kind.ANY, depth=below)
        else:
            for child in _children(node):
                self.expression(child, Kind.ANY, depth=below)


# ---------------------------------------------------------------------------------------------
# Conditions


def _condition(node: Any, *, top: bool) -> Condition:
    """The condition tree of a Choice rule's ``Condition`` (`top`: the whole Condition, whose
    value must be a boolean; below ``and``/``or``/``$not`` any value is cast to one)."""
    node_type, value = node.type, getattr(node, "value", None)
    if node_type == "block" and len(node.expressions or ()) == 1:
        return _condition(node.expressions[0], top=top)
    if node_type == "value" and isinstance(value, bool):
        return Constant(value)
    if node_type == "binary" and value in ("and", "or"):
        operands = (_condition(node.lhs, top=False), _condition(node.rhs, top=False))
        return AllOf(operands) if value == "and" else AnyOf(operands)
    if node_type == "binary" and value in _COMPARISONS:
        compared = _comparison(node, top=top)
        if compared is not None:
            return compared
    name = _function_name(node)
    arguments = list(node.arguments or ()) if name is not None else []
    if name in ("not", "boolean") and len(arguments) == 1:
        found = _field_of(arguments[0])
        if found is not None and found[1]:
            return FieldTest(found[0], _cast_outcome(negate=name == "not", top=top), TYPE_HINTS, name)
        inner = _condition(arguments[0], top=False)
        return Negation(inner) if name == "not" else inner
    if name == "exists" and len(arguments) == 1:
        found = _field_of(arguments[0])
        if found is not None and found[1]:
            return FieldTest(found[0], lambda v: v is not ABSENT, (ABSENT, *TYPE_HINTS), "$exists")
    if name == "contains" and len(arguments) == 2 and getattr(arguments[1], "type", None) == "string":
        found = _field_of(arguments[0])
        needle = arguments[1].value
        if found is not None and found[1] and isinstance(needle, str):
            hints = (needle, f"a{needle}b", needle[:-1], "", 1)
            return FieldTest(found[0], _contains_outcome(needle, top=top), hints, "$contains")
    found = _field_of(node)
    if found is not None and found[1]:
        return FieldTest(found[0], _cast_outcome(negate=False, top=top, strict=top), TYPE_HINTS, "field")
    return _opaque(node)


def _opaque(node: Any) -> Opaque:
    walker = _Walker()
    walker.expression(node, Kind.ANY)
    hints: list[JSON] = []
    for literal in _literals(node):
        hints.extend(_literal_hints(literal))
    return Opaque(tuple(walker.reads), tuple(hints))


def _literals(node: Any) -> Iterator[JSON]:
    pending, seen = [node], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if current.type in ("string", "number") or (current.type == "value" and current.value is not None):
            yield current.value
        pending.extend(_children(current))


# Functions of a field that a comparison may test: each takes the field's value (ABSENT when
# missing) and returns the compared value (ABSENT for undefined) or _ERROR.
_ERROR: Final = object()


def _count(value: JSON) -> JSON:
    # Missing and null both count 0 in the interpreter's JSONata (its null is no value there).
    return 0 if value is ABSENT or value is None else len(value) if isinstance(value, list) else 1


def _length(value: JSON) -> JSON:
    if value is ABSENT:
        return ABSENT
    if not isinstance(value, str):
        return _ERROR
    return len(value.encode("utf-16-le", "surrogatepass")) // 2  # JavaScript's length


def _type_name(value: JSON) -> JSON:
    if value is ABSENT:
        return ABSENT
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "undefined"


def _case(convert: Callable[[str], str]) -> Callable[[JSON], JSON]:
    def apply(value: JSON) -> JSON:
        if value is ABSENT:
            return ABSENT
        return convert(value) if isinstance(value, str) else _ERROR

    return apply


_DERIVED: Final[Mapping[str, Callable[[JSON], JSON]]] = {
    "count": _count,
    "length": _length,
    "type": _type_name,
    "lowercase": _case(str.lower),
    "uppercase": _case(str.upper),
}


def _operand(node: Any) -> tuple[str, Any] | None:
    """A comparison operand: ("literal", value), ("field", Field), ("derived", (name, Field))."""
    node_type = node.type
    if node_type in ("string", "number") or (node_type == "value" and not callable(node.value)):
        return "literal", node.value
    if node_type == "unary" and node.value == "[":
        items = [_operand(item) for item in node.expressions or ()]
        if all(item is not None and item[0] == "literal" for item in items):
            return "literal", [item[1] for item in items if item is not None]
        return None
    found = _field_of(node)
    if found is not None and found[1]:
        return "field", found[0]
    name = _function_name(node)
    if name in _DERIVED and len(node.arguments or ()) == 1:
        inner = _field_of(node.arguments[0])
        if inner is not None and inner[1]:
            return "derived", (name, inner[0])
    return None


def _comparison(node: Any, *, top: bool) -> Condition | None:
    operator = node.value
    left, right = _operand(node.lhs), _operand(node.rhs)
    if left is None or right is None:
        return None
    if left[0] == "literal" and right[0] != "literal" and operator != "in":
        left, right, operator = right, left, _FLIPPED[operator]
    text = f"{operator} {right[1]!r}"
    if right[0] == "literal":
        literal = right[1]
        if left[0] == "field":
            return FieldTest(
                left[1],
                _literal_outcome(operator, literal, None, top=top),
                tuple(_literal_hints(literal)),
                text,
            )
        if left[0] == "derived":
            name, field = left[1]
            hints = tuple(_derived_hints(name, literal))
            return FieldTest(
                field, _literal_outcome(operator, literal, _DERIVED[name], top=top), hints, f"${name} {text}"
            )
        return None
    if left[0] == "field" and right[0] == "field":
        undefined = None if top else False
        return Pair(
            left[1], right[1], lambda a, b: jsonata_compare(operator, a, b, undefined), TYPE_HINTS, operator
        )
    return None


def _literal_outcome(
    operator: str, literal: JSON, derive: Callable[[JSON], JSON] | None, *, top: bool
) -> Callable[[JSON], bool | None]:
    undefined = None if top else False  # an undefined Condition fails; below and/or it is false

    def outcome(value: JSON) -> bool | None:
        derived = value if derive is None else derive(value)
        return None if derived is _ERROR else jsonata_compare(operator, derived, literal, undefined)

    return outcome


def _cast_outcome(*, negate: bool, top: bool, strict: bool = False) -> Callable[[JSON], bool | None]:
    """A lone field (`strict`: the whole Condition, which must be a boolean), or ``$not``/
    ``$boolean`` of one (undefined for a missing field: an error as the whole Condition)."""

    def outcome(value: JSON) -> bool | None:
        if strict:
            return value if isinstance(value, bool) else None
        if value is ABSENT:
            return None if top else False
        return _truthy(value) is not negate

    return outcome


def _contains_outcome(needle: str, *, top: bool) -> Callable[[JSON], bool | None]:
    def outcome(value: JSON) -> bool | None:
        if value is ABSENT:
            return None if top else False
        return needle in value if isinstance(value, str) else None

    return outcome


def _truthy(value: JSON) -> bool:
    """JSONata's boolean cast ($boolean)."""
    if isinstance(value, bool):
        return value
    if is_number(value):
        return bool(value != 0)
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, list):
        return any(_truthy(item) for item in value)
    if isinstance(value, dict):
        return bool(value)
    return False  # null


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")  # JavaScript compares UTF-16 code units


def _equal(left: JSON, right: JSON) -> bool:
    """JSONata's deep equality: booleans are not numbers, 1 equals 1.0."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if is_number(left) and is_number(right):
        return bool(left == right)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_equal(left[key], right[key]) for key in left)
    return type(left) is type(right) and bool(left == right)


def jsonata_compare(operator: str, left: JSON, right: JSON, undefined: bool | None = None) -> bool | None:
    """``left <operator> right`` as the interpreter's JSONata evaluates it (ABSENT is undefined);
    None when it fails. ``=``, ``!=`` and ``in`` with an undefined operand are false; ``<`` and
    the other orderings are undefined then, which is `undefined` (an error as the whole
    Condition, false below ``and``/``or``)."""
    if operator in ("=", "!="):
        if left is ABSENT or right is ABSENT:
            return False
        return _equal(left, right) is (operator == "=")
    if operator == "in":
        if left is ABSENT:
            return False
        items = right if isinstance(right, list) else [] if right is ABSENT else [right]
        # `in` compares with JavaScript's ===: containers are never equal to anything.
        return not isinstance(left, (list, dict)) and any(_equal(left, item) for item in items)

    def comparable(value: JSON) -> bool:
        return value is ABSENT or isinstance(value, str) or is_number(value)

    if not comparable(left) or not comparable(right):
        return None
    if left is ABSENT or right is ABSENT:
        return undefined
    if isinstance(left, str) != isinstance(right, str):
        return None
    a, b = (_utf16(left), _utf16(right)) if isinstance(left, str) else (left, right)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[operator]


def _literal_hints(literal: JSON) -> list[JSON]:
    if isinstance(literal, bool):
        return [True, False, "true"]
    if isinstance(literal, str):
        return [*string_hints(literal), *timestamp_hints(literal)[2:], 1]
    if is_number(literal):
        return [*number_hints(literal), str(literal)]
    if isinstance(literal, list):
        hints: list[JSON] = ["other", -1]
        for item in literal:
            hints.extend(_literal_hints(item)[:2])
        return hints
    return list(TYPE_HINTS)


def _derived_hints(name: str, literal: JSON) -> list[JSON]:
    """Values whose ``$count``/``$length``/... land near the literal."""
    if name in ("count", "length") and is_number(literal):
        sizes = [int(literal) + delta for delta in (-1, 0, 1) if int(literal) + delta >= 0]
        if name == "count":
            return [ABSENT, *([0] * size for size in sizes)]
        return ["a" * size for size in sizes]
    if name == "type":
        return list(TYPE_HINTS)
    if isinstance(literal, str):
        return [literal, literal.upper(), literal.lower(), literal.swapcase(), "other"]
    return list(TYPE_HINTS)
