"""A Distributed Map's ItemReader reading a real S3 object or listing from moto, in executions.

The engine asks for the read (`Suspended.calls`, the ItemReader's Resource), the runner makes it
(`teststate.executions.calls.perform`, through `teststate.integrations.s3_items`) and the engine
parses the object's text as TestState parses ``mapItemReaderData``. Where the corpus recorded the
case (``executions/test_base_scenarios/test_map_item_reader_*``), its definition and its recorded
outcome are used with an object written to match it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from interpreter.execution import ExecutionStart, Finished, HistoryEvent, Signal, Suspended, run_execution
from teststate.executions import calls
from teststate.integrations import CallSettings, transport

from .conftest import REGION
from .support import unique_name

ARN = f"arn:aws:states:{REGION}:123456789012:execution:machine:run"
CORPUS = Path(__file__).parents[1] / "conformance" / "corpus" / "executions" / "test_base_scenarios"


def _start(definition: str, settings: CallSettings, input_value: Any) -> ExecutionStart:
    return ExecutionStart(
        definition=definition,
        input_text=json.dumps(input_value),
        execution_arn=ARN,
        execution_name="run",
        state_machine_arn=f"arn:aws:states:{REGION}:123456789012:stateMachine:machine",
        state_machine_name="machine",
        role_arn="arn:aws:iam::123456789012:role/r",
        start_time=datetime.now(UTC).replace(microsecond=0),
        service_calls=calls.callable_resources(definition, settings),
    )


def _drive(start: ExecutionStart, settings: CallSettings) -> tuple[list[HistoryEvent], Finished, int]:
    """Run to the end, making each call asked for; the events, the end and the number of calls."""
    signals: list[Signal] = []
    made = 0
    while True:
        steps = list(run_execution(start, tuple(signals)))
        last = steps[-1]
        if isinstance(last, Suspended) and last.calls:
            for result in calls.perform(last.calls, settings):
                made += 1
                body = json.loads(json.dumps(calls.encode_result(result)))  # as stored
                signals.append(calls.decode_result(body, datetime.fromisoformat(body["at"])))
            continue
        assert isinstance(last, Finished)
        return [step for step in steps if isinstance(step, HistoryEvent)], last, made


def _case(name: str) -> dict[str, Any]:
    return dict(json.loads((CORPUS / f"{name}.json").read_text()))


@pytest.fixture(scope="module")
def bucket(aws: Any) -> str:
    name = unique_name("bucket")
    aws("s3").create_bucket(Bucket=name)
    return name


def _distributed(reader: dict[str, Any], **extra: Any) -> str:
    return json.dumps(
        {
            "StartAt": "Map",
            "States": {
                "Map": {
                    "Type": "Map",
                    "ItemReader": reader,
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Pass",
                        "States": {"Pass": {"Type": "Pass", "End": True}},
                    },
                    **extra,
                    "End": True,
                }
            },
        }
    )


def test_the_recorded_json_reader_reads_its_object(bucket: str, settings: CallSettings, aws: Any) -> None:
    case = _case("test_map_item_reader_base_json")
    expected = json.loads(case["expect"]["output"])
    aws("s3").put_object(Bucket=bucket, Key="file.json", Body=json.dumps(expected).encode())
    start = _start(case["definition"], settings, {"Bucket": bucket, "Key": "file.json"})
    events, end, made = _drive(start, settings)
    assert end.status == "SUCCEEDED" and made == 1
    assert json.loads(end.output_text or "") == expected
    recorded = [event["type"] for event in case["expect"]["history"]["events"]]
    assert [event.type for event in events] == recorded
    started = next(event for event in events if event.type == "MapStateStarted")
    assert dict(started.details) == {"length": 0}  # recorded: the read is in the Map Run


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("test_map_item_reader_json_no_json_list_object", b'{"not": "a list"}'),
        ("test_map_item_reader_csv_max_items_paths__-1", b"a,b\n1,2\n"),
    ],
)
def test_recorded_reader_failures_fail_the_map_run(
    name: str, body: bytes, bucket: str, settings: CallSettings, aws: Any
) -> None:
    case = _case(name)
    input_value = {**json.loads(case["input"]), "Bucket": bucket}
    aws("s3").put_object(Bucket=bucket, Key=input_value["Key"], Body=body)
    events, end, _ = _drive(_start(case["definition"], settings, input_value), settings)
    recorded = case["expect"]["history"]["events"]
    assert [event.type for event in events] == [event["type"] for event in recorded]
    failed = next(event for event in recorded if event["type"] == "MapRunFailed")
    ours = next(event for event in events if event.type == "MapRunFailed")
    assert dict(ours.details) == failed["mapRunFailedEventDetails"]
    assert (end.error, end.cause) == (
        failed["mapRunFailedEventDetails"]["error"],
        failed["mapRunFailedEventDetails"]["cause"],
    )


def test_a_csv_object_with_given_headers(bucket: str, settings: CallSettings, aws: Any) -> None:
    aws("s3").put_object(Bucket=bucket, Key="rows.csv", Body=b"1,x\n2,y\n3,z\n")
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {
            "InputType": "CSV",
            "CSVHeaderLocation": "GIVEN",
            "CSVHeaders": ["n", "s"],
            "MaxItems": 2,
        },
        "Parameters": {"Bucket.$": "$.b", "Key": "rows.csv"},
    }
    _, end, _ = _drive(_start(_distributed(reader), settings, {"b": bucket}), settings)
    assert end.status == "SUCCEEDED"
    assert json.loads(end.output_text or "") == [{"n": "1", "s": "x"}, {"n": "2", "s": "y"}]


def test_a_jsonl_object_through_jsonata_arguments(bucket: str, settings: CallSettings, aws: Any) -> None:
    aws("s3").put_object(Bucket=bucket, Key="lines.jsonl", Body=b'{"a":1}\n{"a":2}\n')
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSONL"},
        "Arguments": {"Bucket": "{% $states.input.b %}", "Key": "lines.jsonl"},
    }
    definition = json.loads(_distributed(reader))
    definition["QueryLanguage"] = "JSONata"
    _, end, _ = _drive(_start(json.dumps(definition), settings, {"b": bucket}), settings)
    assert end.status == "SUCCEEDED"
    assert json.loads(end.output_text or "") == [{"a": 1}, {"a": 2}]


def test_a_listing_under_a_prefix(settings: CallSettings, aws: Any) -> None:
    name = unique_name("listing")
    s3 = aws("s3")
    s3.create_bucket(Bucket=name)
    for key in ("in/a.txt", "in/b.txt", "out/c.txt"):
        s3.put_object(Bucket=name, Key=key, Body=b"12345")
    reader = {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket": name, "Prefix": "in/"},
    }
    _, end, _ = _drive(_start(_distributed(reader), settings, {}), settings)
    assert end.status == "SUCCEEDED"
    items = json.loads(end.output_text or "")
    assert [item["Key"] for item in items] == ["in/a.txt", "in/b.txt"]
    # AWS's item shape (developer guide, "ItemReader (Map)"): Etag (sic), epoch-second LastModified.
    assert list(items[0]) == ["Etag", "Key", "LastModified", "Size", "StorageClass"]
    assert items[0]["Size"] == 5 and isinstance(items[0]["LastModified"], int)


@pytest.mark.parametrize(
    "config",
    [
        {"InputType": "JSON"},
        {"InputType": "JSON", "ItemsPointer": "/rows/0"},
        {"InputType": "JSONL"},
        {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
    ],
)
def test_a_missing_object_is_item_reader_failed_and_caught(
    config: dict[str, Any], bucket: str, settings: CallSettings
) -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": config,
        "Parameters": {"Bucket": bucket, "Key": "absent.json"},
    }
    definition = json.loads(
        _distributed(reader, Catch=[{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "Caught"}])
    )
    definition["States"]["Map"].pop("End")
    definition["States"]["Map"]["Next"] = "Done"
    definition["States"]["Done"] = {"Type": "Succeed"}
    definition["States"]["Caught"] = {"Type": "Pass", "End": True}
    events, end, _ = _drive(_start(json.dumps(definition), settings, {}), settings)
    assert end.status == "SUCCEEDED"
    failed = next(event for event in events if event.type == "MapRunFailed")
    assert failed.details["error"] == "States.ItemReaderFailed"
    assert "does not exist" in str(failed.details.get("cause", ""))
    # The catcher's output is the Map Run's error and cause (S3's), whatever the reader parses.
    assert json.loads(end.output_text or "") == {
        "Error": failed.details["error"],
        "Cause": failed.details["cause"],
    }


def test_a_retried_map_reads_again(bucket: str, settings: CallSettings, aws: Any) -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": bucket, "Key": "never.json"},
    }
    retry = [{"ErrorEquals": ["States.ItemReaderFailed"], "MaxAttempts": 2, "IntervalSeconds": 1}]
    _, end, made = _drive(_start(_distributed(reader, Retry=retry), settings, {}), settings)
    assert (end.status, end.error, made) == ("FAILED", "States.ItemReaderFailed", 3)


def test_with_calls_off_nothing_is_read(bucket: str) -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": bucket, "Key": "file.json"},
    }
    off = CallSettings(enabled=False, endpoint_url=None, region=None)
    assert calls.callable_resources(_distributed(reader), off) == frozenset()


def test_the_reader_is_a_callable_resource(settings: CallSettings) -> None:
    reader = {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "b"}}
    assert calls.callable_resources(_distributed(reader), settings) == {"arn:aws:states:::s3:listObjectsV2"}


# --- TestState: a Map with an ItemReader and no mapItemReaderData reads S3 when calls are on ---


def _map_state(reader: dict[str, Any], **extra: Any) -> str:
    machine = json.loads(_distributed(reader, **extra))
    return json.dumps(machine["States"]["Map"])


def _test_state(settings: CallSettings | None, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    from teststate import create_app

    config: dict[str, Any] = {"TESTING": False}
    if settings is not None:
        config["TESTSTATE_SERVICE_CALLS"] = settings
    answer = (
        create_app(config)
        .test_client()
        .post(
            "/",
            data=json.dumps(body),
            headers={
                "X-Amz-Target": "AWSStepFunctions.TestState",
                "Content-Type": "application/x-amz-json-1.0",
            },
        )
    )
    return answer.status_code, dict(json.loads(answer.data))


def test_teststate_reads_the_object_when_no_reader_data_is_given(
    bucket: str, settings: CallSettings, aws: Any
) -> None:
    aws("s3").put_object(Bucket=bucket, Key="ts.json", Body=b'{"rows": [{"a": 1}, {"a": 2}, {"a": 3}]}')
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON", "ItemsPointer": "/rows", "MaxItems": 2},
        "Parameters": {"Bucket.$": "$.b", "Key": "ts.json"},
    }
    request = {
        "definition": _map_state(reader),
        "input": json.dumps({"b": bucket}),
        "inspectionLevel": "DEBUG",
        "mock": {"result": "[1, 2]"},
    }
    status, answer = _test_state(settings, request)
    assert status == 200, answer
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["inspectionData"]["afterItemsPointer"]) == [{"a": 1}, {"a": 2}]
    # The same request given the object's text as mapItemReaderData answers the same.
    text = aws("s3").get_object(Bucket=bucket, Key="ts.json")["Body"].read().decode()
    given = {**request, "stateConfiguration": {"mapItemReaderData": text}}
    assert _test_state(settings, given) == (status, answer)


def test_teststate_lists_a_prefix(settings: CallSettings, aws: Any) -> None:
    name = unique_name("tslisting")
    aws("s3").create_bucket(Bucket=name)
    aws("s3").put_object(Bucket=name, Key="p/one", Body=b"1")
    reader = {
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket": name, "Prefix": "p/"},
    }
    request = {
        "definition": _map_state(reader, ItemSelector={"key.$": "$$.Map.Item.Value.Key"}),
        "input": "{}",
        "inspectionLevel": "DEBUG",
        "mock": {"result": "[]"},
    }
    status, answer = _test_state(settings, request)
    assert status == 200, answer
    assert json.loads(answer["inspectionData"]["afterItemSelector"]) == [{"key": "p/one"}]


def test_teststate_a_missing_object_is_item_reader_failed(bucket: str, settings: CallSettings) -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
        "Parameters": {"Bucket": bucket, "Key": "nothing.csv"},
    }
    catch = [{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "Caught"}]
    machine = {
        "StartAt": "Map",
        "States": {
            "Map": {**json.loads(_map_state(reader, Catch=catch)), "End": True},
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    request = {
        "definition": json.dumps(machine),
        "stateName": "Map",
        "input": "{}",
        "mock": {"result": "[]"},
    }
    status, answer = _test_state(settings, request)
    assert status == 200, answer
    assert (answer["status"], answer["error"], answer["nextState"]) == (
        "CAUGHT_ERROR",
        "States.ItemReaderFailed",
        "Caught",
    )
    assert "does not exist" in answer["cause"]


def test_teststate_with_calls_off_still_asks_for_reader_data(bucket: str) -> None:
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": bucket, "Key": "ts.json"},
    }
    request = {"definition": _map_state(reader), "input": "{}", "mock": {"result": "[]"}}
    status, answer = _test_state(None, request)
    assert status == 400 and answer["__type"].endswith("ValidationException")
    assert "mapItemReaderData" in answer["message"]


def test_an_object_beyond_the_body_bound_is_item_reader_failed(
    bucket: str, settings: CallSettings, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not an AWS limit; ours (transport.MAX_BODY_BYTES): the server never holds more of a body in
    # memory, so a larger object fails the read instead of the process. Lowered here to 1000 bytes.
    monkeypatch.setattr(transport, "MAX_BODY_BYTES", 1000)
    aws("s3").put_object(Bucket=bucket, Key="big.json", Body=json.dumps(list(range(1000))))
    reader = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": bucket, "Key": "big.json"},
    }
    events, end, _ = _drive(_start(_distributed(reader), settings, {}), settings)
    assert end.status == "FAILED"
    failed = next(event for event in events if event.type == "MapRunFailed")
    assert failed.details["error"] == "States.ItemReaderFailed"
    assert "larger than the 1000 bytes this server reads" in str(failed.details.get("cause", ""))
