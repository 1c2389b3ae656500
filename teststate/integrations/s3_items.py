"""S3 for a Distributed Map: what its ItemReader reads and where its ResultWriter writes.

The Map code calls these; each answers bytes or items, or a failed `CallOutcome` under the AWS SDK
integration's names (``S3.NoSuchKeyException``, ``S3.NoSuchBucketException``), which the Map turns
into its own error (``States.ItemReaderFailed``, ``States.ResultWriterFailed``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from teststate.integrations import transport
from teststate.integrations.aws_sdk import call_aws_sdk, sdk_failure
from teststate.integrations.outcome import CallOutcome
from teststate.integrations.settings import CallSettings

__all__ = ["get_object", "list_objects", "put_object"]


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
