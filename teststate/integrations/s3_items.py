"""S3 for a Distributed Map: what its ItemReader reads and where its ResultWriter writes.

The Map code calls these; each answers bytes or items, or a failed `CallOutcome` under the AWS SDK
integration's names (``S3.NoSuchKeyException``, ``S3.NoSuchBucketException``), which the Map turns
into its own error (``States.ItemReaderFailed``, ``States.ResultWriterFailed``).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zlib
from dataclasses import dataclass
from typing import Any, Final

from interpreter.errors import StatesError
from interpreter.map.sources import inventory_manifest
from teststate.integrations import transport
from teststate.integrations.aws_sdk import call_aws_sdk, sdk_failure
from teststate.integrations.outcome import CallOutcome
from teststate.integrations.settings import CallSettings

__all__ = [
    "MAX_SOURCE_BYTES",
    "MAX_SOURCE_OBJECTS",
    "READ_RESOURCES",
    "WRITE_RESOURCES",
    "get_object",
    "list_objects",
    "put_object",
    "read_source",
    "write_object",
]

READ_RESOURCES: Final = frozenset({"arn:aws:states:::s3:getObject", "arn:aws:states:::s3:listObjectsV2"})
"""An ItemReader's reads, by their canonical Resource (`interpreter.map.reader.reader_call_resource`)."""
WRITE_RESOURCES: Final = frozenset({"arn:aws:states:::s3:putObject"})
"""A ResultWriter's writes, by their canonical Resource (`interpreter.map.writer.PUT_OBJECT`)."""
MAX_SOURCE_OBJECTS: Final = 10_000
"""The most objects one ItemReader read fetches: a LOAD_AND_FLATTEN listing's objects, an S3
inventory's data files. Not an AWS limit; ours: every object is held in memory and in the
execution's stored signal, so a larger source fails the read (``States.ItemReaderFailed``)."""
MAX_SOURCE_BYTES: Final = 256 * 1024 * 1024
"""The most bytes one ItemReader read holds, all its objects together (an inventory's files
counted gunzipped; each object is also held to `transport.MAX_BODY_BYTES`). Not an AWS limit;
ours, for the same reason."""
_READER_FAILED: Final = "States.ItemReaderFailed"
_WRITER_FAILED: Final = "States.ResultWriterFailed"


def get_object(
    bucket: str, key: str, *, region: str, settings: CallSettings, timeout_seconds: float | None = None
) -> bytes | CallOutcome:
    """The bytes of ``s3://bucket/key`` (an ItemReader's JSON, JSONL, CSV or manifest file)."""
    answer = transport.perform(
        "s3",
        "GetObject",
        {"Bucket": bucket, "Key": key},
        region=region,
        settings=settings,
        timeout_seconds=timeout_seconds,
    )
    if isinstance(answer, transport.Answer):
        return bytes(answer.output.get("Body", b""))
    return sdk_failure("s3", answer)


def _item(entry: dict[str, Any]) -> dict[str, Any]:
    # An ItemReader's listObjectsV2 item (AWS "ItemReader (Map)", "Listing objects"): Etag (sic),
    # Key, LastModified in epoch seconds, Size, StorageClass. Not recorded in the corpus.
    modified = entry.get("LastModified")
    item: dict[str, Any] = {"Etag": entry.get("ETag"), "Key": entry.get("Key")}
    if isinstance(modified, dt.datetime):
        item["LastModified"] = int(modified.timestamp())
    item["Size"] = entry.get("Size")
    item["StorageClass"] = entry.get("StorageClass")
    return {name: value for name, value in item.items() if value is not None}


def list_objects(
    bucket: str,
    prefix: str | None = None,
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None = None,
) -> list[dict[str, Any]] | CallOutcome:
    """Every object under `prefix`, as a Distributed Map's listObjectsV2 ItemReader iterates them."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        request: dict[str, Any] = {"Bucket": bucket}
        if prefix:
            request["Prefix"] = prefix
        if token:
            request["ContinuationToken"] = token
        answer = transport.perform(
            "s3", "ListObjectsV2", request, region=region, settings=settings, timeout_seconds=timeout_seconds
        )
        if not isinstance(answer, transport.Answer):
            return sdk_failure("s3", answer)
        items.extend(_item(entry) for entry in answer.output.get("Contents", []))
        token = answer.output.get("NextContinuationToken")
        if not answer.output.get("IsTruncated") or not token:
            return items


def put_object(
    bucket: str,
    key: str,
    body: bytes,
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None = None,
) -> CallOutcome:
    """Write ``s3://bucket/key`` (a ResultWriter's manifest or results file)."""
    return call_aws_sdk(
        "s3",
        "PutObject",
        {"Bucket": bucket, "Key": key, "Body": body.decode("utf-8")},
        region=region,
        settings=settings,
        timeout_seconds=timeout_seconds,
        credentials_role_arn=None,
    )


def read_source(
    resource: str,
    parameters: Any,
    *,
    source: str | None = None,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None = None,
) -> CallOutcome:
    """An ItemReader's read with its evaluated Parameters/Arguments (``Bucket`` and ``Key``, or
    ``Bucket`` and ``Prefix``), as its `source` says (`interpreter.map.sources.SOURCES`; None:
    as the resource says, one object or a listing):

    - ``OBJECT``: getObject's result is the object's text;
    - ``LISTING``: listObjectsV2's, the listing's items;
    - ``FLATTEN`` (listObjectsV2 with LOAD_AND_FLATTEN): every listed object's text, in listing
      order, as ``{"Objects": [{"Key", "Body"}, ...]}``;
    - ``S3_INVENTORY`` (getObject of a MANIFEST): the manifest's text and its data files' text
      (gunzipped), as ``{"Manifest", "Objects": [...]}``.

    The interpreter parses each (`interpreter.map.reader.ItemReader.fetched_text`), as it parses
    ``mapItemReaderData``. A failed call keeps the AWS SDK integration's names
    (``S3.NoSuchKeyException``); the Map reports it as ``States.ItemReaderFailed``, as it does a
    source beyond `MAX_SOURCE_OBJECTS` or `MAX_SOURCE_BYTES`.
    """
    fields = parameters if isinstance(parameters, dict) else {}
    bucket, key, prefix = fields.get("Bucket"), fields.get("Key"), fields.get("Prefix")
    if not isinstance(bucket, str) or not bucket:
        # Not recorded; ours: S3 would refuse the request, so the read fails.
        return CallOutcome(error=_READER_FAILED, cause="The ItemReader's parameters must name a Bucket")
    kind = source or ("LISTING" if resource.endswith(":listObjectsV2") else "OBJECT")
    call = _Call(region, settings, timeout_seconds)
    if kind in ("LISTING", "FLATTEN"):
        listing = list_objects(
            bucket,
            prefix if isinstance(prefix, str) else None,
            region=region,
            settings=settings,
            timeout_seconds=timeout_seconds,
        )
        if isinstance(listing, CallOutcome):
            return listing
        if kind == "LISTING":
            return CallOutcome(result=listing)
        return _read_listed(bucket, listing, call)
    if not isinstance(key, str) or not key:
        return CallOutcome(error=_READER_FAILED, cause="The ItemReader's parameters must name a Key")
    text = _text(bucket, key, call)
    if kind == "OBJECT" or isinstance(text, CallOutcome):
        return text if isinstance(text, CallOutcome) else CallOutcome(result=text)
    return _read_inventory(text, call)


@dataclass(frozen=True, slots=True)
class _Call:
    """The settings of one read's calls (each object read through `get_object`)."""

    region: str
    settings: CallSettings
    timeout_seconds: float | None

    def get(self, bucket: str, key: str) -> bytes | CallOutcome:
        return get_object(
            bucket, key, region=self.region, settings=self.settings, timeout_seconds=self.timeout_seconds
        )


def _text(bucket: str, key: str, call: _Call) -> str | CallOutcome:
    """The text of ``s3://bucket/key``, or the read's failure."""
    body = call.get(bucket, key)
    return body if isinstance(body, CallOutcome) else _decoded(bucket, key, body)


def _decoded(bucket: str, key: str, body: bytes) -> str | CallOutcome:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        # Not recorded; ours: a text reader's object that is not UTF-8 cannot be read.
        return CallOutcome(
            error=_READER_FAILED, cause=f"The object s3://{bucket}/{key} is not UTF-8 text: {err}"
        )


def _too_many(count: int, what: str) -> CallOutcome | None:
    if count <= MAX_SOURCE_OBJECTS:
        return None
    return CallOutcome(
        error=_READER_FAILED,
        cause=f"The ItemReader's source has {count} {what}, more than the {MAX_SOURCE_OBJECTS}"
        " objects this server reads in one read (MAX_SOURCE_OBJECTS)",
    )


def _too_large() -> CallOutcome:
    return CallOutcome(
        error=_READER_FAILED,
        cause=f"The ItemReader's source is larger than the {MAX_SOURCE_BYTES} bytes this server"
        " reads in one read (MAX_SOURCE_BYTES)",
    )


def _read_listed(bucket: str, listing: list[dict[str, Any]], call: _Call) -> CallOutcome:
    """Every listed object's text, in listing order (LOAD_AND_FLATTEN). Not recorded; ours: a
    zero-byte key ending in ``/`` (a console "folder") holds no data and is not read."""
    keys = [
        str(entry["Key"])
        for entry in listing
        if isinstance(entry.get("Key"), str) and not (entry["Key"].endswith("/") and entry.get("Size") == 0)
    ]
    refused = _too_many(len(keys), "objects")
    if refused is not None:
        return refused
    if sum(int(entry.get("Size") or 0) for entry in listing) > MAX_SOURCE_BYTES:
        return _too_large()  # known from the listing: nothing is read
    objects: list[dict[str, str]] = []
    total = 0
    for key in keys:
        text = _text(bucket, key, call)
        if isinstance(text, CallOutcome):
            return text
        total += len(text.encode("utf-8"))
        if total > MAX_SOURCE_BYTES:
            return _too_large()
        objects.append({"Key": key, "Body": text})
    return CallOutcome(result={"Objects": objects})


def _read_inventory(manifest_text: str, call: _Call) -> CallOutcome:
    """An S3 inventory: its manifest (`interpreter.map.sources.inventory_manifest`), then each
    data file it lists, in the manifest's ``destinationBucket``, gunzipped (S3 inventory's CSV
    files are GZIP-compressed: Amazon S3 User Guide, "Inventory list")."""
    try:
        manifest = inventory_manifest(manifest_text)
    except StatesError as err:
        return CallOutcome(error=err.error, cause=err.cause)
    refused = _too_many(len(manifest.keys), "data files")
    if refused is not None:
        return refused
    objects: list[dict[str, str]] = []
    total = 0
    for key in manifest.keys:
        body = call.get(manifest.bucket, key)
        if isinstance(body, CallOutcome):
            return body
        data = _gunzipped(manifest.bucket, key, body, MAX_SOURCE_BYTES - total)
        if isinstance(data, CallOutcome):
            return data
        total += len(data)
        text = _decoded(manifest.bucket, key, data)
        if isinstance(text, CallOutcome):
            return text
        objects.append({"Key": key, "Body": text})
    return CallOutcome(result={"Manifest": manifest_text, "Objects": objects})


def _gunzipped(bucket: str, key: str, body: bytes, room: int) -> bytes | CallOutcome:
    """`body` decompressed (every gzip member), at most `room` bytes of it (`MAX_SOURCE_BYTES`:
    a small file may hold a large text). Not recorded; ours: a file that is not gzip fails."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            data = stream.read(room + 1)
    except (OSError, EOFError, zlib.error) as err:
        return CallOutcome(
            error=_READER_FAILED,
            cause=f"The S3 inventory file s3://{bucket}/{key} is not GZIP-compressed CSV: {err}",
        )
    if len(data) > room:
        return _too_large()
    return data


def write_object(
    parameters: Any,
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None = None,
) -> CallOutcome:
    """One file of a ResultWriter's export (``Bucket``, ``Key`` and the text ``Body``, composed by
    `interpreter.execution.result_writer`): its result is the object's place and ETag (what the
    engine keeps of it), a failure S3's (``S3.NoSuchBucketException``, ...), which the Map reports
    as ``States.ResultWriterFailed``."""
    fields = parameters if isinstance(parameters, dict) else {}
    bucket, key, body = fields.get("Bucket"), fields.get("Key"), fields.get("Body")
    if not isinstance(bucket, str) or not isinstance(key, str) or not isinstance(body, str):
        # The engine composes these: only a bug gets here.
        return CallOutcome(
            error=_WRITER_FAILED, cause="A ResultWriter's write needs a Bucket, a Key and a Body"
        )
    written = put_object(
        bucket, key, body.encode("utf-8"), region=region, settings=settings, timeout_seconds=timeout_seconds
    )
    if written.failed:
        return written
    answer = written.result if isinstance(written.result, dict) else {}
    return CallOutcome(result={"Bucket": bucket, "Key": key, "ETag": answer.get("ETag")})
