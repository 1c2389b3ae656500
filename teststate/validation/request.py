"""The TestState request model: marshmallow schemas with AWS's types and constraints.

`load_test_state_request(body)` turns the decoded JSON body into a frozen `TestStateRequest`, or
raises ONE `ApiError` worded like AWS's Coral framework, the request layer of AWS's JSON
services (members and constraints: Step Functions API reference, "TestState", Request Parameters):

- a member of the wrong JSON type fails *deserialization*, before any constraint is looked at:
  `SerializationException` with Coral's deserializer wording (``NUMBER_VALUE can not be converted
  to a String``, ``Start of list found where not expected`` ...);
- constraint violations (required, length, enum, minimum) are collected over the whole request
  and reported together: ``N validation error(s) detected: Value '<v>' at '<member.path>' failed
  to satisfy constraint: <constraint>; ...`` (`ModelValidationException`).

Type checks are strict, unlike marshmallow's own fields: a string is not a boolean, a boolean is
not an integer, a number is not a string (Python's ``bool`` is an ``int``: checked with ``type``).
Unknown members are ignored and JSON ``null`` means "absent", as Coral does for every optional
member.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, Final

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load

from interpreter.jsontypes import is_integer
from teststate.errors import ApiError, ModelValidationException, SerializationException

INSPECTION_LEVELS: Final = ("INFO", "DEBUG", "TRACE")
FIELD_VALIDATION_MODES: Final = ("STRICT", "PRESENT", "NONE")
MAX_DATA: Final = 262_144  # SensitiveData: input, variables, context, mock.result, mapItemReaderData
INT32_MAX: Final = 2**31 - 1  # model type "integer" is a Java int


# --------------------------------------------------------------------------------------------
# The request, as the rest of the service sees it
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class MockErrorOutputRequest:
    """``mock.errorOutput``: the mocked error name and cause."""

    error: str
    cause: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MockRequest:
    """``mock`` as sent: ``result`` is still JSON text (the operation decodes it, and answers
    ``Mocked result must be valid JSON`` when it is not)."""

    result: str | None = None
    error_output: MockErrorOutputRequest | None = None
    field_validation_mode: str = "STRICT"


@dataclass(frozen=True, slots=True, kw_only=True)
class StateConfigurationRequest:
    """``stateConfiguration``: the simulated circumstances of the test."""

    retrier_retry_count: int | None = None
    error_caused_by_state: str | None = None
    map_iteration_failure_count: int | None = None
    map_item_reader_data: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TestStateRequest:
    """One validated TestState request; JSON-bearing members are still text."""

    __test__ = False  # not a pytest test class, despite the name

    definition: str
    role_arn: str | None = None
    input: str | None = None
    inspection_level: str = "INFO"
    reveal_secrets: bool = False
    variables: str | None = None
    state_name: str | None = None
    mock: MockRequest | None = None
    context: str | None = None
    state_configuration: StateConfigurationRequest | None = None


# --------------------------------------------------------------------------------------------
# Problems, carried through marshmallow as messages
# --------------------------------------------------------------------------------------------
class TypeMismatch(str):
    """A wrong JSON type: the complete SerializationException message."""


class Violation(str):
    """A constraint violation: the constraint text, plus how the value is shown.

    ``shown`` is ``"'<value>'"``, ``"null"`` or ``""`` (sensitive members: Coral leaves the value
    out of the message, ``Value at 'definition' failed to satisfy constraint: ...``, as other AWS
    services answer for their sensitive members; TestState's answer is not recorded).
    """

    shown: str

    def __new__(cls, constraint: str, shown: str) -> Violation:
        self = super().__new__(cls, constraint)
        self.shown = shown
        return self

    def render(self, path: str) -> str:
        """The Coral sentence for this violation at member `path`."""
        value = f"Value {self.shown} at" if self.shown else "Value at"
        return f"{value} '{path}' failed to satisfy constraint: {self}"


NOT_NULL: Final = Violation("Member must not be null", "null")


def _json_kind(value: object) -> str:
    """Coral's name for the JSON token it found (``STRING_VALUE``, ``NUMBER_VALUE`` ...)."""
    if isinstance(value, bool):
        return "TRUE_VALUE" if value else "FALSE_VALUE"
    if isinstance(value, (int, float)):
        return "NUMBER_VALUE"
    return "STRING_VALUE"


def type_mismatch(value: object, target: str) -> TypeMismatch:
    """Coral's deserializer message for `value` where a `target` (String, Boolean ...) belongs.

    Probed wordings of other Coral JSON services: ``NUMBER_VALUE can not be converted to a
    String``, ``TRUE_VALUE can not be converted to an Integer``, ``STRING_VALUE can not be
    converted to an Integer``, ``STRING_VALUE can not be converted to an Boolean`` (sic),
    ``NUMBER_VALUE can not be converted to a Boolean``; containers give ``Start of list found
    where not expected`` / ``Start of structure or map found where not expected.``. The article
    rule below reproduces every one of them; TestState's own answers are not recorded.
    """
    if isinstance(value, list):
        return TypeMismatch("Start of list found where not expected")
    if isinstance(value, dict):
        return TypeMismatch("Start of structure or map found where not expected.")
    kind = _json_kind(value)
    # Grammatical article, except that STRING_VALUE always gets "an" (probed: "an Boolean").
    article = "an" if kind == "STRING_VALUE" or target[0] in "AEIOU" else "a"
    return TypeMismatch(f"{kind} can not be converted to {article} {target}")


def _java_length(text: str) -> int:
    """String length as Java counts it (UTF-16 code units): astral characters count twice.

    Counted in C (the UTF-16 encoding's size; ``surrogatepass`` keeps a lone surrogate, which JSON
    escapes can carry, at its one unit) rather than character by character in Python.
    """
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def length_if_outside(text: str, min_length: int, max_length: int | None) -> int | None:
    """The Java length of `text` when it may break the bounds, else None (it is within them).

    A Java length lies between ``len(text)`` and twice that, so most values are known to be
    within bounds without being measured.
    """
    size = len(text)
    if size >= min_length and (max_length is None or 2 * size <= max_length):
        return None
    return _java_length(text)


# --------------------------------------------------------------------------------------------
# Strict fields
# --------------------------------------------------------------------------------------------
class CoralString(fields.Field[str]):
    """A model string: JSON string only, then length and enum constraints."""

    def __init__(
        self,
        *,
        min_length: int = 0,
        max_length: int | None = None,
        enum: tuple[str, ...] | None = None,
        sensitive: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.min_length = min_length
        self.max_length = max_length
        self.enum = enum
        self.sensitive = sensitive

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> str:
        if not isinstance(value, str):
            raise ValidationError(type_mismatch(value, "String"))
        shown = "" if self.sensitive else f"'{value}'"
        if self.enum is not None and value not in self.enum:
            raise ValidationError(
                Violation(f"Member must satisfy enum value set: [{', '.join(self.enum)}]", shown)
            )
        length = length_if_outside(value, self.min_length, self.max_length)
        if length is None:
            return value
        if length < self.min_length:
            raise ValidationError(
                Violation(f"Member must have length greater than or equal to {self.min_length}", shown)
            )
        if self.max_length is not None and length > self.max_length:
            raise ValidationError(
                Violation(f"Member must have length less than or equal to {self.max_length}", shown)
            )
        return value


class CoralBoolean(fields.Field[bool]):
    """A model boolean: JSON true/false only (marshmallow's Boolean would take "yes" and 1)."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> bool:
        if type(value) is not bool:
            raise ValidationError(type_mismatch(value, "Boolean"))
        return value


class CoralInteger(fields.Field[int]):
    """A model integer (Java int) with a minimum; ``true`` is not 1.

    A non-integral number (``1.5``) or one outside the int range is a deserialization failure.
    AWS's answer is not recorded; Coral's number class suggests it truncates, we refuse instead.
    """

    def __init__(self, *, minimum: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum = minimum

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> int:
        if not is_integer(value):  # true is not 1; 1.5 is not an integer; 2.0 is
            raise ValidationError(type_mismatch(value, "Integer"))
        number = int(value)
        if not -INT32_MAX - 1 <= number <= INT32_MAX:
            raise ValidationError(type_mismatch(number, "Integer"))
        if number < self.minimum:
            raise ValidationError(
                Violation(f"Member must have value greater than or equal to {self.minimum}", f"'{number}'")
            )
        return number


class CoralStructure(fields.Nested):
    """A model structure: a JSON object only, then its own members."""

    def _deserialize(
        self,
        value: Any,
        attr: str | None,
        data: Mapping[str, Any] | None,
        partial: bool | Sequence[str] | AbstractSet[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        if isinstance(value, list):
            raise ValidationError(type_mismatch(value, "Structure"))
        if not isinstance(value, dict):
            # Another Coral JSON service answers this for a scalar where a structure belongs;
            # TestState's answer is not recorded.
            raise ValidationError(TypeMismatch("Expected null"))
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


def _optional(field_cls: type[fields.Field[Any]], data_key: str, **kwargs: Any) -> Any:
    """An optional member: absent and ``null`` both mean "not given"."""
    return field_cls(data_key=data_key, required=False, allow_none=True, **kwargs)


_REQUIRED_MESSAGES: Final = {"required": NOT_NULL, "null": NOT_NULL}


# --------------------------------------------------------------------------------------------
# Schemas (members in model order: errors are reported in this order)
# --------------------------------------------------------------------------------------------
class _CoralSchema(Schema):
    """A model structure; its ``@post_load`` hook ``_make`` builds the request's dataclass."""

    _make: Callable[..., Any]

    class Meta:
        unknown = EXCLUDE  # AWS JSON services ignore members they do not know


class MockErrorOutputSchema(_CoralSchema):
    """``MockErrorOutput``: error 0..256, cause 0..32768 (both sensitive)."""

    # The model does not mark `error` required, but the API reference says it is required when
    # `errorOutput` is given; reported with Coral's not-null wording (AWS's is not recorded).
    error = CoralString(
        data_key="error",
        max_length=256,
        sensitive=True,
        required=True,
        allow_none=False,
        error_messages=_REQUIRED_MESSAGES,
    )
    cause = _optional(CoralString, "cause", max_length=32_768, sensitive=True)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> MockErrorOutputRequest:
        return MockErrorOutputRequest(error=data["error"], cause=data.get("cause"))


class MockInputSchema(_CoralSchema):
    """``MockInput``: result (JSON text), errorOutput, fieldValidationMode."""

    result = _optional(CoralString, "result", max_length=MAX_DATA, sensitive=True)
    error_output = _optional(CoralStructure, "errorOutput", nested=MockErrorOutputSchema)
    field_validation_mode = _optional(CoralString, "fieldValidationMode", enum=FIELD_VALIDATION_MODES)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> MockRequest:
        return MockRequest(
            result=data.get("result"),
            error_output=data.get("error_output"),
            field_validation_mode=data.get("field_validation_mode") or "STRICT",
        )


class TestStateConfigurationSchema(_CoralSchema):
    """``TestStateConfiguration``: all optional."""

    retrier_retry_count = _optional(CoralInteger, "retrierRetryCount", minimum=0)
    error_caused_by_state = _optional(
        CoralString, "errorCausedByState", min_length=1, max_length=80, sensitive=True
    )
    map_iteration_failure_count = _optional(CoralInteger, "mapIterationFailureCount", minimum=0)
    map_item_reader_data = _optional(CoralString, "mapItemReaderData", max_length=MAX_DATA, sensitive=True)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> StateConfigurationRequest:
        return StateConfigurationRequest(
            retrier_retry_count=data.get("retrier_retry_count"),
            error_caused_by_state=data.get("error_caused_by_state"),
            map_iteration_failure_count=data.get("map_iteration_failure_count"),
            map_item_reader_data=data.get("map_item_reader_data"),
        )


class TestStateInputSchema(_CoralSchema):
    """``TestStateInput``: only ``definition`` is required (botocore's model of the API)."""

    __test__ = False

    definition = CoralString(
        data_key="definition",
        min_length=1,
        max_length=1_048_576,
        sensitive=True,
        required=True,
        allow_none=False,
        error_messages=_REQUIRED_MESSAGES,
    )
    role_arn = _optional(CoralString, "roleArn", min_length=1, max_length=256)
    input = _optional(CoralString, "input", max_length=MAX_DATA, sensitive=True)
    inspection_level = _optional(CoralString, "inspectionLevel", enum=INSPECTION_LEVELS)
    reveal_secrets = _optional(CoralBoolean, "revealSecrets")
    variables = _optional(CoralString, "variables", max_length=MAX_DATA, sensitive=True)
    state_name = _optional(CoralString, "stateName", min_length=1, max_length=80, sensitive=True)
    mock = _optional(CoralStructure, "mock", nested=MockInputSchema)
    context = _optional(CoralString, "context", max_length=MAX_DATA, sensitive=True)
    state_configuration = _optional(CoralStructure, "stateConfiguration", nested=TestStateConfigurationSchema)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> TestStateRequest:
        return TestStateRequest(
            definition=data["definition"],
            role_arn=data.get("role_arn"),
            input=data.get("input"),
            inspection_level=data.get("inspection_level") or "INFO",
            reveal_secrets=bool(data.get("reveal_secrets")),
            variables=data.get("variables"),
            state_name=data.get("state_name"),
            mock=data.get("mock"),
            context=data.get("context"),
            state_configuration=data.get("state_configuration"),
        )


_TEST_STATE_INPUT: Final = TestStateInputSchema()


# --------------------------------------------------------------------------------------------
# marshmallow errors -> one AWS error
# --------------------------------------------------------------------------------------------
def _problems(messages: Any, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(member path, message) pairs in the order marshmallow stored them (model order)."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _problems(value, path if key == "_schema" else (*path, str(key)))
    elif isinstance(messages, list):
        for item in messages:
            yield from _problems(item, path)
    else:
        yield ".".join(path), messages


def to_api_error(messages: Any) -> ApiError:
    """Translate marshmallow's error messages into the ONE error AWS would answer.

    A type mismatch wins (deserialization happens before validation); otherwise every violation
    is listed: ``N validation error(s) detected: ...; ...``.
    """
    problems = list(_problems(messages, ()))
    for _, message in problems:
        if isinstance(message, TypeMismatch):
            return SerializationException(str(message))
    sentences = [
        message.render(path)
        if isinstance(message, Violation)
        else f"Value at '{path}' failed to satisfy constraint: {message}"
        for path, message in problems
    ]
    count = len(sentences)
    noun = "error" if count == 1 else "errors"
    return ModelValidationException(f"{count} validation {noun} detected: {'; '.join(sentences)}")


# --------------------------------------------------------------------------------------------
# The valid request, without marshmallow's machinery
# --------------------------------------------------------------------------------------------
# marshmallow's load costs ~30 us for a small request (profiled: field dispatch, error store,
# hooks), as much as a Pass state's evaluation. Nearly every request is valid, so the schemas are
# also compiled, once, into plain checks that accept exactly what they accept: when every member
# passes, the request is built from them; at the first doubt, the schema loads the body itself,
# so every error (its message, its order) is marshmallow's, from the one model above.
_INVALID: Final = object()


def _string_check(field: CoralString) -> Callable[[Any], Any]:
    enum, min_length, max_length = field.enum, field.min_length, field.max_length

    def check(value: Any) -> Any:
        if not isinstance(value, str) or (enum is not None and value not in enum):
            return _INVALID
        # `length_if_outside` gives the length of a string that MAY break its bounds: check it.
        length = length_if_outside(value, min_length, max_length)
        if length is None or (min_length <= length and (max_length is None or length <= max_length)):
            return value
        return _INVALID

    return check


def _boolean_check(field: CoralBoolean) -> Callable[[Any], Any]:
    return lambda value: value if type(value) is bool else _INVALID


def _integer_check(field: CoralInteger) -> Callable[[Any], Any]:
    lowest = max(field.minimum, -INT32_MAX - 1)

    def check(value: Any) -> Any:
        if not is_integer(value):
            return _INVALID
        number = int(value)
        return number if lowest <= number <= INT32_MAX else _INVALID

    return check


def _structure_check(field: CoralStructure) -> Callable[[Any], Any]:
    load = _compile(field.schema)
    return lambda value: load(value) if isinstance(value, dict) else _INVALID


_CHECKS: Final[Mapping[type, Callable[[Any], Callable[[Any], Any]]]] = {
    CoralString: _string_check,
    CoralBoolean: _boolean_check,
    CoralInteger: _integer_check,
    CoralStructure: _structure_check,
}


def _compile(schema: Schema) -> Callable[[Mapping[str, Any]], Any]:
    """A function giving what ``schema.load(data)`` gives for valid `data`, `_INVALID` otherwise.

    As marshmallow does: absent is skipped (required: invalid); ``null`` is None where allowed;
    unknown members are ignored; then the ``@post_load`` hook.
    """
    if not isinstance(schema, _CoralSchema):  # checked at import, as every field below
        raise RuntimeError(f"{type(schema).__name__} is not a model structure")
    members: dict[str, tuple[str, bool, Callable[[Any], Any]]] = {}
    required: list[str] = []
    for attribute, field in schema.load_fields.items():
        check = _CHECKS.get(type(field))
        if check is None:  # checked at import: every field class needs its plain check
            raise RuntimeError(f"no fast check for {type(field).__name__} ({attribute})")
        key = field.data_key or attribute
        members[key] = (attribute, field.allow_none, check(field))
        if field.required:
            required.append(key)
    make = schema._make  # the schema's @post_load hook

    def load(data: Mapping[str, Any]) -> Any:
        # The body's members, not the model's: a request names a few of the many it may (the
        # order does not matter: a valid body passes every check, in any order).
        loaded: dict[str, Any] = {}
        for key, value in data.items():
            member = members.get(key)
            if member is None:
                continue
            attribute, allow_none, check = member
            if value is None:
                if not allow_none:
                    return _INVALID
                loaded[attribute] = None
                continue
            checked = check(value)
            if checked is _INVALID:
                return _INVALID
            loaded[attribute] = checked
        for key in required:
            if key not in data:
                return _INVALID
        return make(loaded)

    return load


_LOAD_VALID_TEST_STATE_INPUT: Final = _compile(_TEST_STATE_INPUT)


def load_test_state_request(body: Mapping[str, Any]) -> TestStateRequest:
    """Validate a decoded TestState body.

    Raises:
        SerializationException: a member has the wrong JSON type.
        ModelValidationException: model constraints are violated (Coral wording).
    """
    valid = _LOAD_VALID_TEST_STATE_INPUT(body)
    if valid is not _INVALID:
        request: TestStateRequest = valid
        return request
    try:
        request = _TEST_STATE_INPUT.load(body)
    except ValidationError as err:
        raise to_api_error(err.messages) from None
    return request  # the plain checks doubted it, the schema (which decides) accepted it
