"""What the service fetched for a Distributed Map's ItemReader, as the text the reader parses.

How a source is fetched (`SOURCES`: one object, a listing, a flattened listing, an S3
inventory), the parameters of a read's `ServiceCall` (`split_read_request`), an S3 inventory's
``manifest.json`` (`inventory_manifest`), and the fetched objects turned into one text of the
reader's InputType (`fetched_text`, which `interpreter.map.reader.ItemReader.fetched_text`
answers with). The service side of the read is `teststate.integrations.s3_items`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from interpreter.jsontypes import JSON, dumps
from interpreter.map.formats import (
    INPUT_TYPES,
    csv_rows,
    failed,
    load,
    parse_csv,
    parse_json,
    parse_jsonl,
)

if TYPE_CHECKING:
    from interpreter.map.reader import ItemReader

__all__ = [
    "SOURCES",
    "InventoryManifest",
    "fetched_text",
    "inventory_manifest",
    "split_read_request",
]

SOURCES: Final = ("OBJECT", "LISTING", "FLATTEN", "S3_INVENTORY")
"""How the service fetches a reader's source (`ItemReader.source`): one object's text (getObject of
a JSON, JSONL or CSV file), a listing (listObjectsV2), every listed object's text (listObjectsV2
with LOAD_AND_FLATTEN), or an S3 inventory (getObject of its manifest.json, then its data files).
The service's answer for each is `ItemReader.fetched_text`'s argument."""


# --------------------------------------------------------------------------------------------
# What the service fetched, as the text `read` parses (`ItemReader.fetched_text`)
# --------------------------------------------------------------------------------------------


def fetched_text(reader: ItemReader, fetched: JSON) -> str:
    """The ``mapItemReaderData`` text standing for what the service fetched for `reader`
    (`teststate.integrations.s3_items.read_source`'s result): `ItemReader.read` parses it to the items
    AWS reads from that source, here and in the Map's own evaluations.

    An object's text stays as read; a listing becomes its JSON. A LOAD_AND_FLATTEN read
    (``{"Objects": [{"Key", "Body"}, ...]}``, in listing order) is parsed object by object
    as the InputType says and flattened into one text of that type (the guide, "ItemReader
    (Map)", Transformation LOAD_AND_FLATTEN: the items of every listed object). An S3
    inventory (``{"Manifest": <manifest.json text>, "Objects": [...]}``: its data files,
    gunzipped) becomes the CSV rows the MANIFEST parser (`interpreter.map.formats`) reads,
    under the manifest's ``fileSchema`` as the header row unless the ReaderConfig gives the
    headers.
    The ``Objects`` form is ours and internal: AWS documents no form of ``mapItemReaderData``
    for several objects, so TestState's stays one object's content.

    Raises:
        StatesError: an object does not parse as the InputType (the parsers' causes), or the
            read's answer has not the source's shape (States.ItemReaderFailed).
    """
    source = reader.source
    if source == "OBJECT" and isinstance(fetched, str):
        return fetched
    if source == "LISTING":
        return dumps(fetched)
    objects = _fetched_objects(fetched)
    if source == "FLATTEN":
        return _FLATTENERS[reader.input_type or "JSON"](reader, objects)
    if source == "S3_INVENTORY" and isinstance(fetched, dict) and isinstance(fetched.get("Manifest"), str):
        manifest = inventory_manifest(fetched["Manifest"])
        return _inventory_text(reader, manifest, objects)
    raise failed(f"The ItemReader's read answered a value this reader cannot use: {dumps(fetched)[:200]}")


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
    document = load(text, "JSON")
    if not isinstance(document, dict):
        raise failed("The S3 inventory manifest is not a JSON object")
    file_format = document.get("fileFormat")
    if file_format != "CSV":
        raise failed(
            f"The S3 inventory manifest's fileFormat is {dumps(file_format)}: only CSV inventories are read"
        )
    destination = document.get("destinationBucket")
    match = _S3_BUCKET_ARN.fullmatch(destination) if isinstance(destination, str) else None
    if match is None:
        raise failed(
            "The S3 inventory manifest's destinationBucket is not an S3 bucket ARN (arn:aws:s3:::bucket)"
        )
    schema = document.get("fileSchema")
    if not isinstance(schema, str) or not schema.strip():
        raise failed("The S3 inventory manifest has no fileSchema")
    files = document.get("files")
    if not isinstance(files, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("key"), str) for entry in files
    ):
        raise failed("The S3 inventory manifest's files must be a list of objects with a key")
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
        raise failed(f"The ItemReader's read answered a value this reader cannot use: {dumps(fetched)[:200]}")
    found: list[_FetchedObject] = []
    for entry in objects:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("Key"), str)
            and isinstance(entry.get("Body"), str)
        ):
            raise failed("The ItemReader's read answered an object without its Key and Body")
        found.append((str(entry["Key"]), str(entry["Body"])))
    return found


def _flatten_json(reader: ItemReader, objects: list[_FetchedObject]) -> str:
    """Every object's items (an object that does not parse fails the read as one JSON file does:
    the same error and cause, recorded for a file that is not a list,
    ``...test_map_item_reader_json_no_json_list_object``) (its array, or the one ItemsPointer selects) in one JSON document that
    `parse_json` reads back: the array, under the ItemsPointer's path when there is one."""
    items: list[JSON] = []
    for _, body in objects:
        items.extend(parse_json(reader, body, None))
    document: JSON = items
    for token in reversed(reader.items_pointer or ()):
        document = {token: document}
    return dumps(document)


def _flatten_jsonl(reader: ItemReader, objects: list[_FetchedObject]) -> str:
    """Every object's lines, one item a line (`parse_jsonl` reads them back)."""
    lines: list[str] = []
    for _, body in objects:
        lines.extend(dumps(item) for item in parse_jsonl(reader, body, None))
    return "\n".join(lines)


def _flatten_csv(reader: ItemReader, objects: list[_FetchedObject]) -> str:
    """Every object's rows as one CSV text `parse_csv` reads back: with FIRST_ROW, each object's
    own header row names its columns (the guide), so the objects that hold rows must name the
    same columns to be written under one header row. Not recorded; ours: objects whose header
    rows name other columns fail the read with a cause that says so (AWS reads each under its
    own header)."""
    given = reader.csv.header_location == "GIVEN"
    header: tuple[str, ...] | None = reader.csv.headers if given else None
    rows: list[list[str]] = []
    for key, body in objects:
        items = parse_csv(reader, body, None)
        if not items:
            continue
        if header is None:
            header = _csv_header(body, reader.csv.delimiter)
        elif not given and set(_csv_header(body, reader.csv.delimiter)) != set(header):
            raise failed(
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
    raise failed(f"This server does not read {reader.input_type} objects in a LOAD_AND_FLATTEN listing")


_Flattener = Callable[["ItemReader", list[_FetchedObject]], str]
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
    """An S3 inventory's rows as the CSV text the MANIFEST parser (`interpreter.map.formats`)
    reads: its data files' rows (comma-separated, no header row: S3 inventory's CSV format),
    written under the manifest's ``fileSchema`` unless the ReaderConfig gives the headers
    (GIVEN: ours, as that parser).
    A file that is not CSV fails as `parse_csv` does."""
    rows: list[list[str]] = []
    for _, body in objects:
        rows.extend(csv_rows(body, ","))
    header = None if reader.csv.header_location == "GIVEN" else manifest.columns
    return _csv_text(reader, header, rows)


def _csv_header(body: str, delimiter: str) -> tuple[str, ...]:
    return tuple(next(csv_rows(body, delimiter), []))


def _csv_text(reader: ItemReader, header: tuple[str, ...] | None, rows: list[list[str]]) -> str:
    """`rows` (under `header`, if any) as CSV in the reader's delimiter, quoted where needed so
    that `csv_rows` reads back the same fields."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=reader.csv.delimiter, lineterminator="\n")
    if header is not None and rows:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
