"""Timeouts, unreachable endpoints, the settings switch, names, and the Distributed Map's S3 helpers."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest

from teststate.integrations import (
    CallSettings,
    ServiceCallsDisabled,
    ServiceCallsMisconfigured,
    call,
    get_object,
    list_objects,
    put_object,
)
from teststate.integrations.java_render import hashmap_order, instant_text
from teststate.integrations.naming import SDK_NAME_EXCEPTIONS, sdk_client_name
from teststate.testing import free_loopback_port

from . import support
from .conftest import REGION
from .support import calls_to


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A socket that accepts connections (the kernel's backlog) and never answers."""
    with support.silent_endpoint() as endpoint:
        yield endpoint


def test_a_silent_endpoint_times_out_as_states_timeout(silent_endpoint: str) -> None:
    started = time.monotonic()
    outcome = call(
        "arn:aws:states:::dynamodb:getItem",
        {"TableName": "t", "Key": {"id": {"S": "1"}}},
        region=REGION,
        settings=calls_to(silent_endpoint),
        timeout_seconds=0.5,
    )
    assert (outcome.error, outcome.cause) == ("States.Timeout", None)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("resource", "parameters", "error"),
    [
        ("arn:aws:states:::sqs:sendMessage", {"QueueUrl": "q", "MessageBody": "x"}, "SQS.SdkClientException"),
        ("arn:aws:states:::lambda:invoke", {"FunctionName": "f"}, "Lambda.SdkClientException"),
        ("arn:aws:states:::aws-sdk:s3:listBuckets", {}, "S3.SdkClientException"),
    ],
)
def test_a_refused_connection_is_the_sdk_client_error(resource: str, parameters: Any, error: str) -> None:
    outcome = call(
        resource,
        parameters,
        region=REGION,
        settings=calls_to(f"http://127.0.0.1:{free_loopback_port()}"),
        timeout_seconds=2,
    )
    assert outcome.error == error
    assert (outcome.cause or "").startswith("Unable to execute HTTP request: Connect to http://127.0.0.1:")


def test_settings_switch() -> None:
    assert not CallSettings.from_env({}).enabled
    assert not CallSettings.from_env({"TESTSTATE_SERVICE_CALLS": "0", "AWS_ENDPOINT_URL": "http://x"}).enabled
    with pytest.raises(ServiceCallsMisconfigured, match="AWS_ENDPOINT_URL"):
        CallSettings.from_env({"TESTSTATE_SERVICE_CALLS": "1"})
    with pytest.raises(ServiceCallsMisconfigured, match="not understood"):
        CallSettings.from_env({"TESTSTATE_SERVICE_CALLS": "maybe", "AWS_ENDPOINT_URL": "http://x"})
    real = CallSettings.from_env({"TESTSTATE_SERVICE_CALLS": "aws", "AWS_REGION": "eu-west-1"})
    assert (real.enabled, real.allow_real_aws, real.endpoint_url, real.region) == (
        True,
        True,
        None,
        "eu-west-1",
    )
    one = CallSettings.from_env({"TESTSTATE_SERVICE_CALLS": "1", "AWS_ENDPOINT_URL_SQS": "http://sqs"})
    assert (one.endpoint_for("SQS"), one.endpoint_for("DYNAMODB")) == ("http://sqs", None)
    with pytest.raises(ServiceCallsDisabled):
        call("arn:aws:states:::sqs:sendMessage", {}, region=REGION, settings=CallSettings.from_env({}))


def test_a_service_without_an_endpoint_is_never_called_at_aws() -> None:
    only_sqs = CallSettings.from_env(
        {"TESTSTATE_SERVICE_CALLS": "1", "AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:9"}
    )
    outcome = call(
        "arn:aws:states:::dynamodb:getItem", {"TableName": "t", "Key": {}}, region=REGION, settings=only_sqs
    )
    assert outcome.error == "DynamoDB.SdkClientException"
    assert "AWS_ENDPOINT_URL_DYNAMODB" in (outcome.cause or "")


def test_per_service_endpoint_wins(moto_url: str, aws: Any) -> None:
    queue = aws("sqs").create_queue(QueueName="per-service")["QueueUrl"]
    settings = CallSettings.from_env(
        {
            "TESTSTATE_SERVICE_CALLS": "1",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_loopback_port()}",
            "AWS_ENDPOINT_URL_SQS": moto_url,
        }
    )
    sent = call(
        "arn:aws:states:::sqs:sendMessage",
        {"QueueUrl": queue, "MessageBody": "x"},
        region=REGION,
        settings=settings,
    )
    assert sent.error is None


def test_sdk_client_names_match_botocore_models() -> None:
    # The static table of Java SDK v2 client names that differ from botocore's names, recomputed.
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    computed = {}
    for service in session.get_available_services():
        service_id = loader.load_service_model(service, "service-2")["metadata"]["serviceId"]
        name = sdk_client_name(service_id).lower()
        if name != service.replace("-", ""):
            computed[name] = service
    assert computed == dict(SDK_NAME_EXCEPTIONS)
    assert [sdk_client_name(x) for x in ("DynamoDB", "SFN", "Secrets Manager", "ACM PCA", "S3")] == [
        "DynamoDb",
        "Sfn",
        "SecretsManager",
        "AcmPca",
        "S3",
    ]


def test_java_rendering() -> None:
    # AllHttpHeaders as recorded (test_lambda_task_service/test_invoke_unsupported_param).
    recorded = ["X-Amz-Log-Result", "X-Amz-Executed-Version", "x-amzn-Remapped-Content-Length", "Connection",
                "x-amzn-RequestId", "Content-Length", "Date", "X-Amzn-Trace-Id", "Content-Type"]  # fmt: skip
    assert list(hashmap_order((name, 1) for name in sorted(recorded))) == recorded
    moment = dt.datetime(2024, 3, 6, 10, 29, 14, tzinfo=dt.UTC)
    assert instant_text(moment) == "2024-03-06T10:29:14Z"
    assert instant_text(moment.replace(microsecond=123000)) == "2024-03-06T10:29:14.123Z"
    assert instant_text(moment.replace(microsecond=123400)) == "2024-03-06T10:29:14.123400Z"


def test_distributed_map_s3_helpers(settings: CallSettings, aws: Any) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket="map-items")
    for key in ("in/a.json", "in/b.json", "other/c.json"):
        s3.put_object(Bucket="map-items", Key=key, Body=b"[1, 2]")
    assert get_object("map-items", "in/a.json", region=REGION, settings=settings) == b"[1, 2]"
    items = list_objects("map-items", "in/", region=REGION, settings=settings)
    assert isinstance(items, list)
    assert [item["Key"] for item in items] == ["in/a.json", "in/b.json"]
    assert list(items[0]) == ["Etag", "Key", "LastModified", "Size", "StorageClass"]
    assert isinstance(items[0]["LastModified"], int)
    assert items[0]["Size"] == 6

    written = put_object("map-items", "out/manifest.json", b'{"a":1}', region=REGION, settings=settings)
    assert written.error is None
    assert s3.get_object(Bucket="map-items", Key="out/manifest.json")["Body"].read() == b'{"a":1}'

    missing = get_object("map-items", "none.json", region=REGION, settings=settings)
    assert not isinstance(missing, bytes)
    assert missing.error == "S3.NoSuchKeyException"
    no_bucket = list_objects("no-such-bucket-here", region=REGION, settings=settings)
    assert not isinstance(no_bucket, list)
    assert no_bucket.error == "S3.NoSuchBucketException"
