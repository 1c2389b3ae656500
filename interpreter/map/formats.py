"""A Distributed Map's ItemReader formats: the text of a source, parsed to its items.

One parser per ``ReaderConfig.InputType`` (JSON, JSONL, CSV, MANIFEST, PARQUET; a table checked
at import), the listObjectsV2 listing parser, and what they share: JSON loading with Jackson's
messages, lazy CSV records, RFC 6901 pointers into a JSON file, and States.ItemReaderFailed
(`failed`). `interpreter.map.reader.ItemReader.read` chooses the parser; the rules' sources
("the guide", "recorded", floci-io/floci#3460, "ours") are the ones `interpreter.map.reader`'s
docstring lists.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC
from itertools import islice
from typing import TYPE_CHECKING, Final

from interpreter.errors import ErrorName, ItemReaderDataUnsupported, StatesError
from interpreter.json_errors import json_error_message
from interpreter.jsontypes import JSON, loads, utf8_size
from interpreter.timestamps import parse_timestamp

if TYPE_CHECKING:
    from interpreter.map.reader import ItemReader

__all__ = [
    "INPUT_TYPES",
    "MAX_CSV_HEADER_BYTES",
    "PARSERS",
    "csv_rows",
    "failed",
    "list_objects",
    "load",
    "parse_csv",
    "parse_json",
    "parse_jsonl",
]

# The ReaderConfig InputType values the guide lists.
INPUT_TYPES: Final = ("CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")
MAX_CSV_HEADER_BYTES: Final = 10 * 1024  # the guide: "Step Functions supports CSV headers of up to 10 KiB"

_ItemsParser = Callable[["ItemReader", str, "int | None"], "list[JSON]"]


def failed(cause: str) -> StatesError:
    # The error AWS names for a Map that could not read its items (developer guide, "Error
    # handling in Step Functions", error names: States.ItemReaderFailed).
    return StatesError(ErrorName.ITEM_READER_FAILED, cause)


# --------------------------------------------------------------------------------------------
# Parsers, one per InputType (a table checked at import)
# --------------------------------------------------------------------------------------------


def parse_json(reader: ItemReader, data: str, limit: int | None) -> list[JSON]:
    """A JSON file: an array of items, or the array ItemsPointer selects inside it (the guide)."""
    document = load(data, "JSON")
    if reader.items_pointer is not None:
        document = _follow_pointer(document, reader.items_pointer)
    if not isinstance(document, list):
        # Recorded: a JSON file holding an object fails the Map with this cause
        # (``...test_map_item_reader_json_no_json_list_object``).
        raise failed("Attempting to map over non-iterable node.")
    return document if limit is None else document[:limit]


def parse_jsonl(reader: ItemReader, data: str, limit: int | None) -> list[JSON]:
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
        items.append(load(line, f"JSONL (line {number})"))
    return items


def parse_csv(reader: ItemReader, data: str, limit: int | None) -> list[JSON]:
    """Delimited text: each row becomes an object of header -> string value (the guide).

    Recorded (``...test_map_item_reader_csv_*``): every value stays a string (``1``, ``true``,
    ``{}`` included); a row shorter than the header gives "" for the missing columns; extra
    columns are ignored; duplicate headers fail the Map with "CSV headers cannot contain
    duplicates."; an empty header name is a key like any other. Ours: quoting follows RFC 4180
    (delimiters, line breaks and doubled quotes inside quoted fields); a quoted field left open
    at the end of the data fails; empty lines are skipped and a leading byte-order mark is
    dropped.
    """
    rows = csv_rows(data, reader.csv.delimiter)
    if reader.csv.header_location == "GIVEN":
        headers: tuple[str, ...] = reader.csv.headers
    else:
        first = next(rows, None)
        if first is None:
            return []
        headers = tuple(first)
        size = sum(utf8_size(name) for name in headers) + len(headers) - 1
        if size > MAX_CSV_HEADER_BYTES:
            raise failed(
                f"The CSV header is {size} bytes, more than the {MAX_CSV_HEADER_BYTES} bytes supported."
            )  # wording not recorded; ours
    if len(set(headers)) < len(headers):
        raise failed("CSV headers cannot contain duplicates.")  # recorded
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
    return parse_csv(reader, data, limit)


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


PARSERS: Final[Mapping[str, _ItemsParser]] = {
    "JSON": parse_json,
    "JSONL": parse_jsonl,
    "CSV": parse_csv,
    "MANIFEST": _parse_manifest,
    "PARQUET": _parse_parquet,
}
if set(PARSERS) != set(INPUT_TYPES):
    raise RuntimeError(f"every ItemReader InputType needs a parser: {sorted(PARSERS)}")


def load(text: str, what: str) -> JSON:
    try:
        return loads(text)
    except ValueError as error:
        # Our wording around the parser's message, which is Jackson's as everywhere else.
        raise failed(f"The ItemReader data is not valid {what}: {json_error_message(text, error)}") from None


def csv_rows(data: str, delimiter: str) -> Iterator[list[str]]:
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
        raise failed(f"The ItemReader data is not valid CSV (record {records.line_num}): {error}") from None


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
            raise failed(f"The ItemsPointer '{pointer}' does not select a value in the ItemReader data")
    return value


def list_objects(data: str, limit: int | None) -> list[JSON]:
    """A listObjectsV2 listing: one item per object, shaped as AWS passes them (the guide, and
    floci-io/floci#3460's measurements).

    Accepted text (ours): a ListObjectsV2 response object (its ``Contents``; a response without
    ``Contents`` lists nothing, as S3 omits it when empty) or a bare array of its entries. Each
    item is ``{"Etag", "Key", "LastModified", "Size", "StorageClass"}`` in that order (S3's
    ``ETag`` is renamed ``Etag`` and keeps its quotes); ``LastModified`` becomes epoch seconds
    (the guide's example shows ``1668699881``), an integer when whole (ours).
    """
    document = load(data, "JSON")
    if isinstance(document, dict):
        document = document.get("Contents", [])
    if not isinstance(document, list):
        raise failed(
            "The ItemReader data for s3:listObjectsV2 must be a ListObjectsV2 response or an array of its Contents"
        )
    items: list[JSON] = []
    for index, entry in enumerate(document if limit is None else document[:limit]):
        if not isinstance(entry, dict):
            raise failed(f"The s3:listObjectsV2 entry at index {index} is not an object")
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
