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
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from itertools import islice
from typing import Final

from interpreter.errors import (
    DefinitionError,
    ErrorName,
    ExpressionError,
    ItemReaderDataMissing,
    ItemReaderDataUnsupported,
    StatesError,
)
from interpreter.fields.numbers import NumberField, compile_number_field, resolve_path
from interpreter.fields.templates import Template, compile_arguments
from interpreter.json_errors import json_error_message
from interpreter.jsonpath import Path, compile_path
from interpreter.jsontypes import JSON, dumps, is_integer, loads, utf8_size
from interpreter.scope import Scope
from interpreter.timestamps import parse_timestamp

__all__ = [
    "CSV_DELIMITERS",
    "INPUT_TYPES",
    "MAX_ITEMS_LIMIT",
    "SOURCES",
    "InventoryManifest",
    "ItemReader",
    "compile_item_reader",
    "inventory_manifest",
    "reader_call_resource",
    "split_read_request",
]

# The ReaderConfig values the guide lists.
INPUT_TYPES: Final = ("CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")
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
MAX_CSV_HEADER_BYTES: Final = 10 * 1024  # the guide: "Step Functions supports CSV headers of up to 10 KiB"
SOURCES: Final = ("OBJECT", "LISTING", "FLATTEN", "S3_INVENTORY")
"""How the service fetches a reader's source (`ItemReader.source`): one object's text (getObject of
a JSON, JSONL or CSV file), a listing (listObjectsV2), every listed object's text (listObjectsV2
with LOAD_AND_FLATTEN), or an S3 inventory (getObject of its manifest.json, then its data files).
The service's answer for each is `ItemReader.fetched_text`'s argument."""

_RESOURCE_RE: Final = re.compile(r"arn:aws[a-z-]*:states:::s3:(\w+)")
_DECIMAL_INTEGER: Final = re.compile(r"[+-]?[0-9]+")  # a MaxItemsPath string AWS reads as a number

_ItemsParser = Callable[["ItemReader", str, "int | None"], "list[JSON]"]


def _failed(cause: str) -> StatesError:
    # The error AWS names for a Map that could not read its items (developer guide, "Error
    # handling in Step Functions", error names: States.ItemReaderFailed).
    return StatesError(ErrorName.ITEM_READER_FAILED, cause)


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
        """How the service fetches this reader's source (one of `SOURCES`), or None when it cannot
        (`unfetchable_cause`)."""
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
        Parameters/Arguments (`split_read_request` reads them back)."""
        return {"Source": self.source, "Parameters": parameters}

    def fetched_text(self, fetched: JSON) -> str:
        """The ``mapItemReaderData`` text standing for what the service fetched for this reader
        (`teststate.integrations.s3_items.read_source`'s result): `read` parses it to the items
        AWS reads from that source, here and in the Map's own evaluations.

        An object's text stays as read; a listing becomes its JSON. A LOAD_AND_FLATTEN read
        (``{"Objects": [{"Key", "Body"}, ...]}``, in listing order) is parsed object by object
        as the InputType says and flattened into one text of that type (the guide, "ItemReader
        (Map)", Transformation LOAD_AND_FLATTEN: the items of every listed object). An S3
        inventory (``{"Manifest": <manifest.json text>, "Objects": [...]}``: its data files,
        gunzipped) becomes the CSV rows `_parse_manifest` reads, under the manifest's
        ``fileSchema`` as the header row unless the ReaderConfig gives the headers.
        The ``Objects`` form is ours and internal: AWS documents no form of ``mapItemReaderData``
        for several objects, so TestState's stays one object's content.

        Raises:
            StatesError: an object does not parse as the InputType (the parsers' causes), or the
                read's answer has not the source's shape (States.ItemReaderFailed).
        """
        source = self.source
        if source == "OBJECT" and isinstance(fetched, str):
            return fetched
        if source == "LISTING":
            return dumps(fetched)
        objects = _fetched_objects(fetched)
        if source == "FLATTEN":
            return _FLATTENERS[self.input_type or "JSON"](self, objects)
        if (
            source == "S3_INVENTORY"
            and isinstance(fetched, dict)
            and isinstance(fetched.get("Manifest"), str)
        ):
            manifest = inventory_manifest(fetched["Manifest"])
            return _inventory_text(self, manifest, objects)
        raise _failed(
            f"The ItemReader's read answered a value this reader cannot use: {dumps(fetched)[:200]}"
        )

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
            return _list_objects(data, limit)
        # getObject reads one object; listObjectsV2 with LOAD_AND_FLATTEN reads every listed
        # object and flattens their items (the guide): the data stands for that content (ours).
        return _PARSERS[self.input_type or "JSON"](self, data, limit)

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
        raise _failed(
            f"The MaxItemsPath field refers to value '{shown}' which is not a valid integer: {path.text}"
        )
    if value < 0:
        raise _failed("field MaxItems must be positive")
    return int(value)


# --------------------------------------------------------------------------------------------
# Parsers, one per InputType (a table checked at import)
# --------------------------------------------------------------------------------------------


def _parse_json(reader: ItemReader, data: str, limit: int | None) -> list[JSON]:
    """A JSON file: an array of items, or the array ItemsPointer selects inside it (the guide)."""
    document = _load(data, "JSON")
    if reader.items_pointer is not None:
        document = _follow_pointer(document, reader.items_pointer)
    if not isinstance(document, list):
        # Recorded: a JSON file holding an object fails the Map with this cause
        # (``...test_map_item_reader_json_no_json_list_object``).
        raise _failed("Attempting to map over non-iterable node.")
    return document if limit is None else document[:limit]


def _parse_jsonl(reader: ItemReader, data: str, limit: int | None) -> list[JSON]:
    """JSON Lines: one JSON value per line (the guide); blank lines are skipped (ours).

    Lines are split on LF only (a CR before it is dropped): U+2028 and friends may appear raw
    inside JSON strings, so ``str.splitlines`` would cut values apart.
    """
    items: list[JSON] = []
    for number, line in enumerate(data.split("\n"), start=1):
        if limit is not None and len(items) >= limit:
            break
        if not line.strip():
            continue
        items.append(_load(line, f"JSONL (line {number})"))
    return items


def _parse_csv(reader: ItemReader, data: str, limit: int | None) -> list[JSON]:
    """Delimited text: each row becomes an object of header -> string value (the guide).

    Recorded (``...test_map_item_reader_csv_*``): every value stays a string (``1``, ``true``,
    ``{}`` included); a row shorter than the header gives "" for the missing columns; extra
    columns are ignored; duplicate headers fail the Map with "CSV headers cannot contain
    duplicates."; an empty header name is a key like any other. Ours: quoting follows RFC 4180
    (delimiters, line breaks and doubled quotes inside quoted fields); a quoted field left open
    at the end of the data fails; empty lines are skipped and a leading byte-order mark is
    dropped.
    """
    rows = _csv_rows(data, reader.csv.delimiter)
    if reader.csv.header_location == "GIVEN":
        headers: tuple[str, ...] = reader.csv.headers
    else:
        first = next(rows, None)
        if first is None:
            return []
        headers = tuple(first)
        size = sum(utf8_size(name) for name in headers) + len(headers) - 1
        if size > MAX_CSV_HEADER_BYTES:
            raise _failed(
                f"The CSV header is {size} bytes, more than the {MAX_CSV_HEADER_BYTES} bytes supported."
            )  # wording not recorded; ours
    if len(set(headers)) < len(headers):
        raise _failed("CSV headers cannot contain duplicates.")  # recorded
    order = _java_hash_order(headers)
    return [{headers[i]: row[i] if i < len(row) else "" for i in order} for row in islice(rows, limit)]


def _parse_manifest(reader: ItemReader, data: str, limit: int | None) -> list[JSON]:
    """An S3 Inventory or Athena manifest (the guide): AWS reads the manifest, then the CSV data
    files it lists, and makes one item per data row.

    The text given stands for those data rows (ours): CSV under the ReaderConfig's CSV settings.
    S3 Inventory data files have no header row (their columns are the manifest's ``fileSchema``,
    e.g. ``Bucket, Key, Size``), so the caller either declares them with ``CSVHeaderLocation:
    GIVEN`` + ``CSVHeaders`` or writes the fileSchema as the first row (the default, FIRST_ROW).
    """
    return _parse_csv(reader, data, limit)


def _parse_parquet(reader: ItemReader, data: str, limit: int | None) -> list[JSON]:
    """No Parquet is read. The empty text (`ItemReader.empty_source`: what an execution's Map
    evaluates when its source was not read, its Map Run failing with the cause) is no items, so
    that the Map's Retry and Catch decide on that failure; no Parquet file is empty (it starts
    with its ``PAR1`` magic)."""
    if not data:
        return []
    raise ItemReaderDataUnsupported(
        "This offline TestState server cannot read PARQUET data: stateConfiguration.mapItemReaderData"
        " is text, and Parquet is a binary format"
    )


_PARSERS: Final[Mapping[str, _ItemsParser]] = {
    "JSON": _parse_json,
    "JSONL": _parse_jsonl,
    "CSV": _parse_csv,
    "MANIFEST": _parse_manifest,
    "PARQUET": _parse_parquet,
}
if set(_PARSERS) != set(INPUT_TYPES):
    raise RuntimeError(f"every ItemReader InputType needs a parser: {sorted(_PARSERS)}")


def _load(text: str, what: str) -> JSON:
    try:
        return loads(text)
    except ValueError as error:
        # Our wording around the parser's message, which is Jackson's as everywhere else.
        raise _failed(f"The ItemReader data is not valid {what}: {json_error_message(text, error)}") from None


def _csv_rows(data: str, delimiter: str) -> Iterator[list[str]]:
    """Non-empty CSV records, lazily (MaxItems stops the parse early)."""
    if data.startswith("\ufeff"):
        data = data[1:]
    records = csv.reader(io.StringIO(data, newline=""), delimiter=delimiter, strict=True)
    try:
        for record in records:
            if record:
                yield record
    except csv.Error as error:
        # Also Python's per-field limit (131,072 characters), which we do not raise: changing it
        # is process-wide state.
        raise _failed(f"The ItemReader data is not valid CSV (record {records.line_num}): {error}") from None


def _java_hash_order(headers: tuple[str, ...]) -> list[int]:
    """Column indexes in the order AWS writes a CSV item's keys.

    AWS builds each item as a Java ``HashMap``: its keys come out by hash bucket, not in header
    order (recorded: headers ``0,True,{}`` come out as ``0``, ``{}``, ``True``,
    ``...test_map_item_reader_csv_headers_first_row_typed_headers``). This computes the HashMap
    order itself: String.hashCode over UTF-16 code units, the ``h ^ (h >>> 16)`` spread, the
    table grown from 16 slots while more than 3/4 full, and insertion order within a bucket
    (ours: bins holding 8+ keys become trees in Java, which is not modelled).
    """
    capacity = 16
    while len(headers) > capacity * 3 // 4:
        capacity *= 2
    slots = [(_spread(_java_hash(name)) & (capacity - 1), index) for index, name in enumerate(headers)]
    return [index for _, index in sorted(slots)]


def _java_hash(text: str) -> int:
    value = 0
    for unit in _utf16_units(text):
        value = (31 * value + unit) & 0xFFFFFFFF
    return value


def _utf16_units(text: str) -> Iterator[int]:
    for char in text:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            yield 0xD800 + (code >> 10)
            yield 0xDC00 + (code & 0x3FF)
        else:
            yield code


def _spread(hash_value: int) -> int:
    return hash_value ^ (hash_value >> 16)


def _follow_pointer(document: JSON, tokens: tuple[str, ...]) -> JSON:
    """RFC 6901 evaluation; a pointer that selects nothing fails the read (wording: ours)."""
    value = document
    for token in tokens:
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif (
            isinstance(value, list)
            and token.isdigit()
            and (token == "0" or not token.startswith("0"))
            and int(token) < len(value)
        ):
            value = value[int(token)]
        else:
            pointer = "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)
            raise _failed(f"The ItemsPointer '{pointer}' does not select a value in the ItemReader data")
    return value


def _list_objects(data: str, limit: int | None) -> list[JSON]:
    """A listObjectsV2 listing: one item per object, shaped as AWS passes them (the guide, and
    floci-io/floci#3460's measurements).

    Accepted text (ours): a ListObjectsV2 response object (its ``Contents``; a response without
    ``Contents`` lists nothing, as S3 omits it when empty) or a bare array of its entries. Each
    item is ``{"Etag", "Key", "LastModified", "Size", "StorageClass"}`` in that order (S3's
    ``ETag`` is renamed ``Etag`` and keeps its quotes); ``LastModified`` becomes epoch seconds
    (the guide's example shows ``1668699881``), an integer when whole (ours).
    """
    document = _load(data, "JSON")
    if isinstance(document, dict):
        document = document.get("Contents", [])
    if not isinstance(document, list):
        raise _failed(
            "The ItemReader data for s3:listObjectsV2 must be a ListObjectsV2 response or an array of its Contents"
        )
    items: list[JSON] = []
    for index, entry in enumerate(document if limit is None else document[:limit]):
        if not isinstance(entry, dict):
            raise _failed(f"The s3:listObjectsV2 entry at index {index} is not an object")
        item: dict[str, JSON] = {}
        for name, sources in _LISTING_FIELDS:
            for source in sources:
                if source in entry:
                    item[name] = entry[source]
                    break
        if "LastModified" in item:
            item["LastModified"] = _epoch_seconds(item["LastModified"])
        items.append(item)
    return items


_LISTING_FIELDS: Final = (
    ("Etag", ("ETag", "Etag")),
    ("Key", ("Key",)),
    ("LastModified", ("LastModified",)),
    ("Size", ("Size",)),
    ("StorageClass", ("StorageClass",)),
)


def _epoch_seconds(value: JSON) -> JSON:
    """An RFC 3339 timestamp as epoch seconds; numbers (already epoch) and other text unchanged."""
    if not isinstance(value, str):
        return value
    instant = parse_timestamp(value)
    if instant is None:
        return value
    seconds = instant.astimezone(UTC).timestamp()
    return int(seconds) if seconds.is_integer() else seconds


# --------------------------------------------------------------------------------------------
# What the service fetched, as the text `read` parses (`ItemReader.fetched_text`)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InventoryManifest:
    """An S3 inventory's ``manifest.json`` (Amazon S3 User Guide, "Inventory list"; the guide's
    "S3 inventory manifest" example): the bucket holding its data files, their keys, and the
    columns of their rows."""

    bucket: str
    keys: tuple[str, ...]
    columns: tuple[str, ...]


_S3_BUCKET_ARN: Final = re.compile(r"arn:aws[a-z-]*:s3:::([^/]+)")


def inventory_manifest(text: str) -> InventoryManifest:
    """Parse an S3 inventory ``manifest.json``: ``destinationBucket`` (``arn:aws:s3:::bucket``),
    ``files[].key`` and ``fileSchema`` (``"Bucket, Key, Size"``), in CSV ``fileFormat``.

    The service reads it to know which data files to fetch, then `fetched_text` reads it for the
    columns. The guide reads S3 inventories in CSV format; ORC and Parquet inventories are
    refused with a cause naming the format (wording ours, as for every cause here).

    Raises:
        StatesError: States.ItemReaderFailed: not JSON, or a member missing or of another type.
    """
    document = _load(text, "JSON")
    if not isinstance(document, dict):
        raise _failed("The S3 inventory manifest is not a JSON object")
    file_format = document.get("fileFormat")
    if file_format != "CSV":
        raise _failed(
            f"The S3 inventory manifest's fileFormat is {dumps(file_format)}: only CSV inventories are read"
        )
    destination = document.get("destinationBucket")
    match = _S3_BUCKET_ARN.fullmatch(destination) if isinstance(destination, str) else None
    if match is None:
        raise _failed(
            "The S3 inventory manifest's destinationBucket is not an S3 bucket ARN (arn:aws:s3:::bucket)"
        )
    schema = document.get("fileSchema")
    if not isinstance(schema, str) or not schema.strip():
        raise _failed("The S3 inventory manifest has no fileSchema")
    files = document.get("files")
    if not isinstance(files, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("key"), str) for entry in files
    ):
        raise _failed("The S3 inventory manifest's files must be a list of objects with a key")
    return InventoryManifest(
        bucket=match.group(1),
        keys=tuple(str(entry["key"]) for entry in files if isinstance(entry, dict)),
        columns=tuple(name.strip() for name in schema.split(",")),
    )


def split_read_request(request: JSON) -> tuple[str, JSON]:
    """The source kind and the evaluated Parameters/Arguments of a read's `ServiceCall`
    (`ItemReader.read_request`). Raises ValueError for anything else (a bug)."""
    if (
        isinstance(request, dict)
        and set(request) == {"Source", "Parameters"}
        and request["Source"] in SOURCES
    ):
        return str(request["Source"]), request["Parameters"]
    raise ValueError("not an ItemReader read request")


_FetchedObject = tuple[str, str]  # (key, text)


def _fetched_objects(fetched: JSON) -> list[_FetchedObject]:
    objects = fetched.get("Objects") if isinstance(fetched, dict) else None
    if not isinstance(objects, list):
        raise _failed(
            f"The ItemReader's read answered a value this reader cannot use: {dumps(fetched)[:200]}"
        )
    found: list[_FetchedObject] = []
    for entry in objects:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("Key"), str)
            and isinstance(entry.get("Body"), str)
        ):
            raise _failed("The ItemReader's read answered an object without its Key and Body")
        found.append((str(entry["Key"]), str(entry["Body"])))
    return found


def _flatten_json(reader: ItemReader, objects: list[_FetchedObject]) -> str:
    """Every object's items (an object that does not parse fails the read as one JSON file does:
    the same error and cause, recorded for a file that is not a list,
    ``...test_map_item_reader_json_no_json_list_object``) (its array, or the one ItemsPointer selects) in one JSON document that
    `_parse_json` reads back: the array, under the ItemsPointer's path when there is one."""
    items: list[JSON] = []
    for _, body in objects:
        items.extend(_parse_json(reader, body, None))
    document: JSON = items
    for token in reversed(reader.items_pointer or ()):
        document = {token: document}
    return dumps(document)


def _flatten_jsonl(reader: ItemReader, objects: list[_FetchedObject]) -> str:
    """Every object's lines, one item a line (`_parse_jsonl` reads them back)."""
    lines: list[str] = []
    for _, body in objects:
        lines.extend(dumps(item) for item in _parse_jsonl(reader, body, None))
    return "\n".join(lines)


def _flatten_csv(reader: ItemReader, objects: list[_FetchedObject]) -> str:
    """Every object's rows as one CSV text `_parse_csv` reads back: with FIRST_ROW, each object's
    own header row names its columns (the guide), so the objects that hold rows must name the
    same columns to be written under one header row. Not recorded; ours: objects whose header
    rows name other columns fail the read with a cause that says so (AWS reads each under its
    own header)."""
    given = reader.csv.header_location == "GIVEN"
    header: tuple[str, ...] | None = reader.csv.headers if given else None
    rows: list[list[str]] = []
    for key, body in objects:
        items = _parse_csv(reader, body, None)
        if not items:
            continue
        if header is None:
            header = _csv_header(body, reader.csv.delimiter)
        elif not given and set(_csv_header(body, reader.csv.delimiter)) != set(header):
            raise _failed(
                f"The CSV header row of object {key} names other columns than the first object's:"
                " this server reads a LOAD_AND_FLATTEN listing of CSV objects only when they share"
                " one header row"
            )
        # Each item's values by column name: a header row naming the same columns in another
        # order reads the same items.
        rows.extend(
            [str(item.get(name, "")) if isinstance(item, dict) else "" for name in header] for item in items
        )
    return _csv_text(reader, None if given else header, rows)


def _flatten_unreadable(reader: ItemReader, objects: list[_FetchedObject]) -> str:
    raise _failed(f"This server does not read {reader.input_type} objects in a LOAD_AND_FLATTEN listing")


_Flattener = Callable[[ItemReader, list[_FetchedObject]], str]
_FLATTENERS: Final[Mapping[str, _Flattener]] = {
    "JSON": _flatten_json,
    "JSONL": _flatten_jsonl,
    "CSV": _flatten_csv,
    "MANIFEST": _flatten_unreadable,  # `ItemReader.source` is None: never fetched
    "PARQUET": _flatten_unreadable,  # idem
}
if set(_FLATTENERS) != set(INPUT_TYPES):
    raise RuntimeError(f"every ItemReader InputType needs a flattener: {sorted(_FLATTENERS)}")


def _inventory_text(reader: ItemReader, manifest: InventoryManifest, objects: list[_FetchedObject]) -> str:
    """An S3 inventory's rows as the CSV text `_parse_manifest` reads: its data files' rows
    (comma-separated, no header row: S3 inventory's CSV format), written under the manifest's
    ``fileSchema`` unless the ReaderConfig gives the headers (GIVEN: ours, as `_parse_manifest`).
    A file that is not CSV fails as `_parse_csv` does."""
    rows: list[list[str]] = []
    for _, body in objects:
        rows.extend(_csv_rows(body, ","))
    header = None if reader.csv.header_location == "GIVEN" else manifest.columns
    return _csv_text(reader, header, rows)


def _csv_header(body: str, delimiter: str) -> tuple[str, ...]:
    return tuple(next(_csv_rows(body, delimiter), []))


def _csv_text(reader: ItemReader, header: tuple[str, ...] | None, rows: list[list[str]]) -> str:
    """`rows` (under `header`, if any) as CSV in the reader's delimiter, quoted where needed so
    that `_csv_rows` reads back the same fields."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=reader.csv.delimiter, lineterminator="\n")
    if header is not None and rows:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


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
