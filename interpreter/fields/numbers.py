"""Counts and percentages a state may give as a literal, a JSONata expression or a ``*Path`` field.

Map's MaxConcurrency(Path), ToleratedFailureCount(Path) and ToleratedFailurePercentage(Path), an
ItemBatcher's MaxItemsPerBatch(Path) and MaxInputBytesPerBatch(Path) and an ItemReader's
MaxItems(Path) all follow one rule: the literal (or, in a JSONata state, a ``{% %}`` expression)
or the path into the effective input, evaluated when the state runs. Compiled once into a
`NumberField`; `NumberField.evaluate` applies AWS's checks with the causes AWS records for the
Wait state's SecondsPath (the one family of such causes on record).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, TypeAlias

from interpreter.errors import DefinitionError, ErrorName, ExpressionError, PathMissing, StatesError
from interpreter.fields.templates import Template, compile_jsonata_template
from interpreter.jsonpath import Path, compile_path
from interpreter.jsontypes import JSON, dumps, is_integer, is_number
from interpreter.scope import Scope

MAP_RUN_FIELDS: Final = frozenset({"MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage"})
"""The Map fields whose ``*Path`` values AWS checks with its Map Run wording ("... field refers to
value ... which is not a valid integer", "... cannot be negative."); the others (SecondsPath, the
batcher's and reader's) use the Wait state's recorded "parameter cannot be parsed" family."""

NumberSource: TypeAlias = int | float | Path | Template
"""Where a numeric field's value comes from: the literal itself, the ``*Path`` field's path, or
the JSONata template of a ``{% %}`` literal."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NumberField:
    """One numeric field, compiled.

    Attributes:
        name: the literal field's name (``MaxConcurrency``); the path field is ``name + "Path"``.
        source: the literal, the compiled path of the ``*Path`` field, or the compiled JSONata
            template.
        integer: whether the value must be an integer (counts) or may be fractional (percentages).
        minimum / maximum: the range AWS accepts (inclusive; no maximum when None).
    """

    name: str
    source: NumberSource
    integer: bool = True
    minimum: float = 0
    maximum: float | None = None

    def evaluate(self, scope: Scope) -> int | float:
        """The field's value for this run.

        Raises:
            StatesError: States.Runtime when the path selects nothing or a value out of range
                (causes of the recorded SecondsPath family), States.QueryEvaluationError when the
                JSONata expression yields something other than a number in range (wording not
                recorded; ours).
        """
        source = self.source
        if isinstance(source, int | float):
            return source
        if isinstance(source, Path):
            return self._from_path(source, scope)
        value = source.render(scope)
        if not self._accepts(value):
            raise StatesError(
                ErrorName.QUERY_EVALUATION_ERROR,
                f"The JSONata expression specified for the field '{self.name}' must evaluate to {self._kind()},"
                f" but returned: {dumps(value)}",
            )
        return self._normal(value)

    def _from_path(self, path: Path, scope: Scope) -> int | float:
        field = f"{self.name}Path"
        value = resolve_path(field, path, scope)
        if self.name in MAP_RUN_FIELDS:
            self._check_map_run_value(value, field, path.text)
        else:
            check_path_number(
                value, field, path.text, integer=self.integer, minimum=self.minimum, maximum=self.maximum
            )
        return self._normal(value)

    def _check_map_run_value(self, value: JSON, field: str, path: str) -> None:
        """A Map's MaxConcurrencyPath / ToleratedFailure*Path value, with the causes AWS records
        for them (executions test_base_scenarios/test_max_concurrency_path__NoNumber,
        test_map_state_tolerated_failure_count_path__-1, ..._percentage_path__100.1)."""
        if not (is_integer(value) if self.integer else is_number(value)):
            shown = value if isinstance(value, str) else dumps(value)
            kind = "integer" if self.integer else "float"
            raise StatesError(
                ErrorName.RUNTIME,
                f'The {field} field refers to value "{shown}" which is not a valid {kind}: {path}',
            )
        if value < self.minimum or (self.maximum is not None and value > self.maximum):
            if self.maximum is None:
                # Recorded for ToleratedFailureCount; MaxConcurrency's is not recorded (ours: the same).
                raise StatesError(ErrorName.RUNTIME, f"{self.name} cannot be negative.")
            raise StatesError(
                ErrorName.RUNTIME,
                f"{self.name} must be between {_number(self.minimum)} and {_number(self.maximum)}.",
            )

    def _accepts(self, value: JSON) -> bool:
        if not (is_integer(value) if self.integer else is_number(value)):
            return False
        return value >= self.minimum and (self.maximum is None or value <= self.maximum)

    def _kind(self) -> str:
        kind = "an integer" if self.integer else "a number"
        if self.maximum is None:
            return f"{kind} of at least {_number(self.minimum)}"
        return f"{kind} from {_number(self.minimum)} to {_number(self.maximum)}"

    def _normal(self, value: JSON) -> int | float:
        """An integer field as `int` (5.0 is 5), a percentage as `float`."""
        return int(value) if self.integer else float(value)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_path_number(
    value: JSON,
    field: str,
    path: str,
    *,
    integer: bool = True,
    minimum: float = 0,
    maximum: float | None = None,
) -> None:
    """Check the value a ``*Path`` field selected, with AWS's causes.

    Raises:
        StatesError: States.Runtime: not a number of the kind (recorded for SecondsPath: "... cannot
            be parsed as a long value: $.x == 1.5"), below `minimum` (recorded: "... references a
            negative value: $.x == -1"; the wording for other minimums is not recorded, ours
            follows it) or above `maximum` (wording not recorded; ours).
    """
    if not (is_integer(value) if integer else is_number(value)):
        kind = "long" if integer else "double"
        raise StatesError(
            ErrorName.RUNTIME,
            f"The {field} parameter cannot be parsed as a {kind} value: {path} == {dumps(value)}",
        )
    if value < minimum:
        word = "a negative value" if minimum == 0 else f"a value less than {_number(minimum)}"
        raise StatesError(
            ErrorName.RUNTIME, f"The {field} parameter references {word}: {path} == {dumps(value)}"
        )
    if maximum is not None and value > maximum:
        raise StatesError(
            ErrorName.RUNTIME,
            f"The {field} parameter references a value greater than {_number(maximum)}: {path} == {dumps(value)}",
        )


def resolve_path(field: str, path: Path, scope: Scope) -> JSON:
    """A ``*Path`` field's value, or AWS's cause when the path selects nothing.

    Recorded: "The SecondsPath parameter does not reference an input value: $.input.waitSeconds".
    """
    try:
        return path.resolve(scope)
    except PathMissing:
        raise StatesError(
            ErrorName.RUNTIME, f"The {field} parameter does not reference an input value: {path.text}"
        ) from None


def compile_number_field(
    owner: Mapping[str, JSON],
    name: str,
    *,
    pointer: str,
    jsonata: bool,
    integer: bool = True,
    minimum: float = 0,
    maximum: float | None = None,
) -> NumberField | None:
    """Compile ``owner[name]`` or ``owner[name + "Path"]``; None when the owner has neither.

    The schema has already checked the literal's type and range and that at most one of the two
    fields is present; a string literal is a JSONata template (`jsonata`: the owner's state is a
    JSONata state; the schema allows ``{% %}`` only there).
    """

    def field(source: NumberSource) -> NumberField:
        return NumberField(name=name, source=source, integer=integer, minimum=minimum, maximum=maximum)

    if name in owner:
        value = owner[name]
        if isinstance(value, str) and jsonata:
            return field(compile_jsonata_template(value, field=name, pointer=f"{pointer}/{name}"))
        if not is_number(value):
            # The schema refuses this first (a string literal outside a JSONata state included);
            # kept so that nothing but a number is ever taken as one. Wording not recorded.
            kind = "an integer" if integer else "a number"
            raise DefinitionError(f"Value must be {kind}", f"{pointer}/{name}")
        return field(int(value) if integer else float(value))
    path_name = f"{name}Path"
    if path_name in owner:
        text = owner[path_name]
        if not isinstance(text, str):
            raise DefinitionError("Value must be a string", f"{pointer}/{path_name}")  # wording not recorded
        try:
            path = compile_path(text)
        except ExpressionError as error:
            raise DefinitionError(
                f"The value '{text}' is not a valid JSONPath ({error.detail})", f"{pointer}/{path_name}"
            ) from None
        return field(path)
    return None
