"""A Distributed Map's ItemReader: compiled once, then "read" from the text TestState is given.

TestState never reads S3. ``stateConfiguration.mapItemReaderData`` is "The data read by ItemReader
in Distributed Map states as found in its original source" (API reference), so `ItemReader.read`
does everything AWS does around the fetch: it evaluates ``Parameters`` / ``Arguments`` against the
Map's effective input (a path that misses fails the state as in any template), resolves
``MaxItems(Path)``, and parses the text as an object of the declared ``InputType`` would be parsed.

Where each rule comes from is said next to it:
- "the guide": AWS's developer guide, "ItemReader (Map)";
- "recorded": executions of LocalStack's AWS-validated snapshot tests, in the conformance corpus
  as ``executions/test_base_scenarios/test_map_item_reader_*`` (CSV headers in the first row or
  given, duplicate headers, extra fields, typed headers; MaxItems 0, 2 and 1e8; MaxItemsPath -1,
  0, 2, 1e8 and 1e8+1; a JSON file that is not a list);
- floci-io/floci#3460, which measured listObjectsV2 items against AWS;
- "ours": our choice, where none of these says.

The parsers, one per InputType, are in `interpreter.map.formats`; how the service fetches a
source and what it fetched becomes as text, in `interpreter.map.sources`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from interpreter.errors import DefinitionError, ExpressionError, ItemReaderDataMissing
from interpreter.fields.numbers import NumberField, compile_number_field, resolve_path
from interpreter.fields.templates import Template, compile_arguments
from interpreter.jsonpath import Path, compile_path
from interpreter.jsontypes import JSON, dumps, is_integer
from interpreter.map.formats import INPUT_TYPES, PARSERS, failed, list_objects
from interpreter.map.sources import fetched_text
from interpreter.scope import Scope

__all__ = [
    "CSV_DELIMITERS",
    "INPUT_TYPES",
    "MAX_ITEMS_LIMIT",
    "ItemReader",
    "compile_item_reader",
    "reader_call_resource",
]

# The ReaderConfig values the guide lists (InputType's: `interpreter.map.formats.INPUT_TYPES`).
CSV_HEADER_LOCATIONS: Final = ("FIRST_ROW", "GIVEN")
CSV_DELIMITERS: Final[Mapping[str, str]] = {  # CSVDelimiter, COMMA by default
    "COMMA": ",",
    "PIPE": "|",
    "SEMICOLON": ";",
    "SPACE": " ",
    "TAB": "\t",
}
MANIFEST_TYPES: Final = ("ATHENA_DATA", "S3_INVENTORY")
TRANSFORMATIONS: Final = ("NONE", "LOAD_AND_FLATTEN")  # listObjectsV2 only
ACTIONS: Final = ("getObject", "listObjectsV2")  # the two S3 actions ItemReader calls
MAX_ITEMS_LIMIT: Final = 100_000_000
"""The guide: "You can specify a limit of up to 100,000,000 after which the Distributed Map stops
reading items". Recorded: MaxItems 0 means no limit, and a larger MaxItemsPath value is not an
error (``...test_map_item_reader_csv_max_items__0``, ``...csv_max_items_paths__100000001``): it is
clipped to this."""

_RESOURCE_RE: Final = re.compile(r"arn:aws[a-z-]*:states:::s3:(\w+)")
_DECIMAL_INTEGER: Final = re.compile(r"[+-]?[0-9]+")  # a MaxItemsPath string AWS reads as a number


# --------------------------------------------------------------------------------------------
# The compiled reader
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvConfig:
    """How CSV text becomes items: header location, given headers, delimiter character."""

    header_location: str = "FIRST_ROW"
    headers: tuple[str, ...] = ()
    delimiter: str = ","


@dataclass(frozen=True, slots=True)
class ItemReader:
    """One ItemReader declaration, compiled.

    Attributes:
        action: ``getObject`` or ``listObjectsV2`` (from ``Resource``).
        arguments: the compiled ``Parameters`` (JSONPath) or ``Arguments`` (JSONata), or None.
        input_type: ``ReaderConfig.InputType`` (None for a plain listObjectsV2 listing).
        csv: CSV settings (CSV and MANIFEST inputs).
        items_pointer: ``ReaderConfig.ItemsPointer`` as RFC 6901 reference tokens, or None.
        transformation: ``ReaderConfig.Transformation`` (listObjectsV2).
        manifest_type: ``ReaderConfig.ManifestType`` (MANIFEST: ``S3_INVENTORY`` or ``ATHENA_DATA``).
        max_items: ``MaxItems`` as a literal or JSONata expression.
        max_items_path: ``MaxItemsPath``.
    """

    action: str
    arguments: Template | None = None
    input_type: str | None = None
    csv: CsvConfig = CsvConfig()
    items_pointer: tuple[str, ...] | None = None
    transformation: str | None = None
    manifest_type: str | None = None
    max_items: NumberField | None = None
    max_items_path: Path | None = None

    @property
    def call_resource(self) -> str:
        """The Resource an execution's service call for this reader names (`reader_call_resource`)."""
        return f"arn:aws:states:::s3:{self.action}"

    @property
    def source(self) -> str | None:
        """How the service fetches this reader's source (one of `interpreter.map.sources.SOURCES`),
        or None when it cannot (`unfetchable_cause`)."""
        if self.input_type == "PARQUET" or self.manifest_type == "ATHENA_DATA":
            return None
        if self.action == "listObjectsV2":
            if self.transformation != "LOAD_AND_FLATTEN":
                return "LISTING"
            return None if self.input_type == "MANIFEST" else "FLATTEN"
        return "S3_INVENTORY" if self.input_type == "MANIFEST" else "OBJECT"

    @property
    def fetchable(self) -> bool:
        """Whether the service can fetch this reader's source (`source`)."""
        return self.source is not None

    def unfetchable_cause(self) -> str:
        """Why the service does not fetch this reader's source (ours: not AWS limits, this
        server's; the Map Run then fails with ``States.ItemReaderFailed`` and this cause)."""
        if self.input_type == "PARQUET":
            return (
                "this server cannot read PARQUET data: Parquet is a binary columnar format, and"
                " reading it needs a dependency this server does not have"
            )
        if self.manifest_type == "ATHENA_DATA":
            return "this server does not read Athena data manifests (ManifestType ATHENA_DATA)"
        if self.input_type == "MANIFEST" and self.transformation == "LOAD_AND_FLATTEN":
            return "this server does not read MANIFEST objects through a LOAD_AND_FLATTEN listing"
        return "its source is read"  # fetchable: not asked

    def read_request(self, parameters: JSON) -> JSON:
        """The parameters of this reader's `ServiceCall`: the source kind and the evaluated
        Parameters/Arguments (`interpreter.map.sources.split_read_request` reads them back)."""
        return {"Source": self.source, "Parameters": parameters}

    def fetched_text(self, fetched: JSON) -> str:
        """The ``mapItemReaderData`` text standing for what the service fetched for this reader
        (`interpreter.map.sources.fetched_text`, which says how each source becomes text).

        Raises:
            StatesError: an object does not parse as the InputType (the parsers' causes), or the
                read's answer has not the source's shape (States.ItemReaderFailed).
        """
        return fetched_text(self, fetched)

    def empty_source(self) -> str:
        """Text this reader reads as no items, whatever its InputType and ItemsPointer: what a
        Map's own evaluation reads when its real source was not read (the read failed, or
        comes later), so that a failure of the evaluation itself (Parameters, MaxItemsPath)
        comes back unchanged and nothing else fails."""
        if self.input_type in ("JSONL", "CSV", "MANIFEST", "PARQUET") and self.action == "getObject":
            return ""
        if self.action == "listObjectsV2" and self.transformation != "LOAD_AND_FLATTEN":
            return "[]"
        if self.input_type not in (None, "JSON"):
            return ""
        document: JSON = []
        for token in reversed(self.items_pointer or ()):
            document = {token: document}
        return dumps(document)

    def evaluate_arguments(self, scope: Scope) -> JSON:
        """What AWS would send to S3: Parameters/Arguments rendered against the effective input.

        Raises:
            StatesError: a path or expression failed (the template's own causes).
        """
        return None if self.arguments is None else self.arguments.render(scope)

    def read(self, data: str | None, scope: Scope) -> list[JSON]:
        """The items AWS would read from a source holding `data`.

        Arguments:
            data: ``stateConfiguration.mapItemReaderData``, or None when the request had none.
            scope: the Map's effective input (after InputPath) and the run's context.

        Raises:
            ItemReaderDataMissing: `data` is None (checked first: a request problem).
            ItemReaderDataUnsupported: the input type cannot come as text (PARQUET).
            StatesError: Parameters/Arguments or MaxItems(Path) failed to evaluate
                (States.Runtime / States.QueryEvaluationError), or the data cannot be read as
                the declared type (States.ItemReaderFailed).
        """
        if data is None:
            raise ItemReaderDataMissing()
        self.evaluate_arguments(scope)  # evaluated for its failures: nothing is fetched
        limit = self._limit(scope)
        if self.action == "listObjectsV2" and self.transformation != "LOAD_AND_FLATTEN":
            return list_objects(data, limit)
        # getObject reads one object; listObjectsV2 with LOAD_AND_FLATTEN reads every listed
        # object and flattens their items (the guide): the data stands for that content (ours).
        return PARSERS[self.input_type or "JSON"](self, data, limit)

    def _limit(self, scope: Scope) -> int | None:
        """MaxItems for this run: None for no limit (0 means no limit, recorded), at most 1e8."""
        if self.max_items is not None:
            value = int(self.max_items.evaluate(scope))
        elif self.max_items_path is not None:
            value = _max_items_from_path(self.max_items_path, scope)
        else:
            return None
        return None if value == 0 else min(value, MAX_ITEMS_LIMIT)


def _max_items_from_path(path: Path, scope: Scope) -> int:
    """MaxItemsPath's value: a non-negative integer, else States.ItemReaderFailed.

    The negative cause is recorded (``...test_map_item_reader_csv_max_items_paths__-1``); the
    non-integer one follows the recorded cause of the sibling MaxConcurrencyPath
    (``executions/test_base_scenarios/test_max_concurrency_path__NoNumber``). A string holding
    a decimal integer counts as that integer: recorded, a variable assigned ``"2"`` reads two
    items (``executions/test_assign_reference_variables/test_reference_in_map_state_max_items_path__MAP_STATE_REFERENCE_IN_MAX_ITEMS_PATH``).
    Not recorded; ours: other strings ("1.5", " 2", "two") are not integers.
    """
    value = resolve_path("MaxItemsPath", path, scope)
    if isinstance(value, str) and _DECIMAL_INTEGER.fullmatch(value):
        value = int(value)
    if not is_integer(value):
        shown = value if isinstance(value, str) else dumps(value)
        raise failed(
            f"The MaxItemsPath field refers to value '{shown}' which is not a valid integer: {path.text}"
        )
    if value < 0:
        raise failed("field MaxItems must be positive")
    return int(value)


# --------------------------------------------------------------------------------------------
# Compile
# --------------------------------------------------------------------------------------------


def compile_item_reader(declaration: Mapping[str, JSON], *, pointer: str, jsonata: bool) -> ItemReader:
    """Compile an ItemReader the schema (`interpreter.schema`) has already accepted.

    Arguments:
        declaration: the ``ItemReader`` object.
        pointer: its JSON pointer (``/States/Map/ItemReader``).
        jsonata: whether the Map is a JSONata state (Arguments and ``{% %}`` values).

    Raises:
        DefinitionError: a path, template or expression that does not compile.
    """
    resource = declaration["Resource"]
    match = _RESOURCE_RE.fullmatch(resource)
    if match is None or match.group(1) not in ACTIONS:  # the schema refuses it first
        raise DefinitionError("Value is not a valid resource ARN", f"{pointer}/Resource")
    arguments = compile_arguments(declaration, pointer=pointer)
    config: Mapping[str, JSON] = declaration.get("ReaderConfig", {})
    config_pointer = f"{pointer}/ReaderConfig"
    max_items: NumberField | None = None
    max_items_path: Path | None = None
    if "MaxItemsPath" in config:
        max_items_path = _compile_path(config["MaxItemsPath"], f"{config_pointer}/MaxItemsPath")
    else:
        max_items = compile_number_field(
            config, "MaxItems", pointer=config_pointer, jsonata=jsonata, minimum=0
        )
    items_pointer = None
    if "ItemsPointer" in config:
        items_pointer = parse_json_pointer(config["ItemsPointer"], f"{config_pointer}/ItemsPointer")
    return ItemReader(
        action=match.group(1),
        arguments=arguments,
        input_type=config.get("InputType"),
        csv=CsvConfig(
            header_location=config.get("CSVHeaderLocation", "FIRST_ROW"),
            headers=tuple(config.get("CSVHeaders", ())),
            delimiter=CSV_DELIMITERS[config.get("CSVDelimiter", "COMMA")],
        ),
        items_pointer=items_pointer,
        transformation=config.get("Transformation"),
        manifest_type=config.get("ManifestType"),
        max_items=max_items,
        max_items_path=max_items_path,
    )


def reader_call_resource(resource: str) -> str | None:
    """The canonical Resource (``arn:aws:states:::s3:<action>``, any partition folded to aws) of an
    ItemReader declared with `resource`, which names its read when service calls are on; None when
    `resource` is not an ItemReader's."""
    match = _RESOURCE_RE.fullmatch(resource)
    if match is None or match.group(1) not in ACTIONS:
        return None
    return f"arn:aws:states:::s3:{match.group(1)}"


def _compile_path(text: JSON, pointer: str) -> Path:
    if not isinstance(text, str):
        raise DefinitionError("Expected value of type [STRING]", pointer)
    try:
        return compile_path(text)
    except ExpressionError as error:
        raise DefinitionError(
            f"The value '{text}' is not a valid JSONPath ({error.detail})", pointer
        ) from None


def parse_json_pointer(text: JSON, pointer: str) -> tuple[str, ...]:
    """RFC 6901 reference tokens of a JSON Pointer (``""`` is the whole document).

    Raises:
        DefinitionError: not a string, or a non-empty pointer not starting with ``/`` or with a
            ``~`` not followed by 0 or 1 (wording not recorded).
    """
    if not isinstance(text, str):
        raise DefinitionError("Expected value of type [STRING]", pointer)
    if text == "":
        return ()
    if not text.startswith("/") or re.search(r"~(?![01])", text):
        raise DefinitionError(f"The value '{text}' is not a valid JSON Pointer", pointer)
    return tuple(token.replace("~1", "/").replace("~0", "~") for token in text[1:].split("/"))
