"""S3 for a Distributed Map: what its ItemReader reads and where its ResultWriter writes.

The Map code calls these; each answers bytes or items, or a failed `CallOutcome` under the AWS SDK
integration's names (``S3.NoSuchKeyException``, ``S3.NoSuchBucketException``), which the Map turns
into its own error (``States.ItemReaderFailed``, ``States.ResultWriterFailed``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from teststate.integrations import transport
from teststate.integrations.aws_sdk import call_aws_sdk, sdk_failure
from teststate.integrations.outcome import CallOutcome
from teststate.integrations.settings import CallSettings

__all__ = [
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
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None = None,
) -> CallOutcome:
    """An ItemReader's read with its evaluated Parameters/Arguments (``Bucket`` and ``Key``, or
    ``Bucket`` and ``Prefix``): getObject's result is the object's text, listObjectsV2's the
    listing's items, which the interpreter parses as it parses ``mapItemReaderData``
    (`interpreter.map.reader.ItemReader.read`). A failed call keeps the AWS SDK integration's
    names (``S3.NoSuchKeyException``); the Map reports it as ``States.ItemReaderFailed``.
    """
    fields = parameters if isinstance(parameters, dict) else {}
    bucket, key, prefix = fields.get("Bucket"), fields.get("Key"), fields.get("Prefix")
    if not isinstance(bucket, str) or not bucket:
        # Not recorded; ours: S3 would refuse the request, so the read fails.
        return CallOutcome(error=_READER_FAILED, cause="The ItemReader's parameters must name a Bucket")
    if resource.endswith(":listObjectsV2"):
        listing = list_objects(
            bucket,
            prefix if isinstance(prefix, str) else None,
            region=region,
            settings=settings,
            timeout_seconds=timeout_seconds,
        )
        return listing if isinstance(listing, CallOutcome) else CallOutcome(result=listing)
    if not isinstance(key, str) or not key:
        return CallOutcome(error=_READER_FAILED, cause="The ItemReader's parameters must name a Key")
    body = get_object(bucket, key, region=region, settings=settings, timeout_seconds=timeout_seconds)
    if isinstance(body, CallOutcome):
        return body
    try:
        return CallOutcome(result=body.decode("utf-8"))
    except UnicodeDecodeError as err:
        # Not recorded; ours: a text reader's object that is not UTF-8 cannot be read.
        return CallOutcome(
            error=_READER_FAILED, cause=f"The object s3://{bucket}/{key} is not UTF-8 text: {err}"
        )


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
