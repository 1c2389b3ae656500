"""A Distributed Map's ResultWriter exporting its children's results to a real S3 (moto), in executions.

The engine composes the files and asks for each write (`Suspended.calls`, the canonical putObject
Resource); the runner's call path (`teststate.executions.calls.perform`, through
`teststate.integrations.s3_items`) makes them; the tests read the objects back with boto3. The
corpus has no recorded ResultWriter execution: the expectations follow the AWS developer guide,
"ResultWriter (Map)" ("Contents of the ResultWriter field", "Exporting to Amazon S3"); where the
guide does not say, the module `interpreter.execution.result_writer` names our choice ("ours").
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from interpreter.execution import ExecutionStart, Finished, HistoryEvent, Signal, Suspended, run_execution
from teststate.executions import calls
from teststate.integrations import CallSettings

from .conftest import REGION
from .support import unique_name

ARN = f"arn:aws:states:{REGION}:123456789012:execution:machine:run"
ISO_MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
RECORD_KEYS = [
    "ExecutionArn",
    "Input",
    "InputDetails",
    "Name",
    "Output",
    "OutputDetails",
    "RedriveCount",
    "RedriveStatus",
    "RedriveStatusReason",
    "StartDate",
    "StateMachineArn",
    "Status",
    "StopDate",
]


def _start(definition: dict[str, Any], settings: CallSettings, input_value: Any) -> ExecutionStart:
    text = json.dumps(definition)
    return ExecutionStart(
        definition=text,
        input_text=json.dumps(input_value),
        execution_arn=ARN + unique_name(""),  # a map run id of its own for every execution
        execution_name="run",
        state_machine_arn=f"arn:aws:states:{REGION}:123456789012:stateMachine:machine",
        state_machine_name="machine",
        role_arn="arn:aws:iam::123456789012:role/r",
        start_time=datetime(2025, 2, 4, 1, 37, 31, 547000, tzinfo=UTC),
        service_calls=calls.callable_resources(text, settings),
    )


def _drive(
    start: ExecutionStart, settings: CallSettings, signals: list[Signal] | None = None
) -> tuple[list[HistoryEvent], Finished, int]:
    """Run to the end, making each call asked for (stored and read back as the runner does);
    the events, the end and the number of calls made."""
    signals = [] if signals is None else signals
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


def _machine(writer: dict[str, Any] | None, *, failing: bool = False, **extra: Any) -> dict[str, Any]:
    """A Distributed Map over ``$.items``; each child answers ``{"doubled": [n, n]}``-like output
    (or fails, for an item with ``fail``)."""
    processor: dict[str, Any] = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Pass",
                "Parameters": {"n.$": "$.n", "pair.$": "States.Array($.n, $.n)"},
                "End": True,
            }
        },
    }
    if failing:
        processor["StartAt"] = "Check"
        processor["States"]["Check"] = {
            "Type": "Choice",
            "Choices": [{"Variable": "$.fail", "IsPresent": True, "Next": "Broken"}],
            "Default": "Work",
        }
        processor["States"]["Broken"] = {"Type": "Fail", "Error": "Item.Broken", "Cause": "bad item"}
    state: dict[str, Any] = {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, **extra}
    if writer is not None:
        state["ResultWriter"] = writer
    state["End"] = True
    return {"StartAt": "Map", "States": {"Map": state}}


def _s3_writer(bucket: str, prefix: str | None = None, **config: str) -> dict[str, Any]:
    parameters: dict[str, Any] = {"Bucket": bucket}
    if prefix is not None:
        parameters["Prefix"] = prefix
    writer: dict[str, Any] = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": parameters}
    if config:
        writer["WriterConfig"] = config
    return writer


def _object(aws: Any, bucket: str, key: str) -> bytes:
    return bytes(aws("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def _keys(aws: Any, bucket: str) -> list[str]:
    listing = aws("s3").list_objects_v2(Bucket=bucket)
    return sorted(entry["Key"] for entry in listing.get("Contents", []))


def _map_run_arn(events: list[HistoryEvent]) -> str:
    started = next(event for event in events if event.type == "MapRunStarted")
    return str(started.details["mapRunArn"])


@pytest.fixture
def bucket(aws: Any) -> str:
    name = unique_name("results")
    aws("s3").create_bucket(Bucket=name)
    return name


ITEMS = {"items": [{"n": 1}, {"n": 2}]}


def test_an_export_with_a_prefix_writes_the_manifest_and_the_records(
    bucket: str, settings: CallSettings, aws: Any
) -> None:
    events, end, made = _drive(_start(_machine(_s3_writer(bucket, "jobs")), settings, ITEMS), settings)
    assert end.status == "SUCCEEDED"
    assert made == 2  # SUCCEEDED_0.json, then manifest.json
    map_run = _map_run_arn(events)
    run_id = map_run.rsplit(":", 1)[1]
    # The Map's result is the reference, not the results (the guide, "Exporting to Amazon S3").
    assert json.loads(end.output_text or "") == {
        "MapRunArn": map_run,
        "ResultWriterDetails": {"Bucket": bucket, "Key": f"jobs/{run_id}/manifest.json"},
    }
    assert _keys(aws, bucket) == [f"jobs/{run_id}/SUCCEEDED_0.json", f"jobs/{run_id}/manifest.json"]
    results_body = _object(aws, bucket, f"jobs/{run_id}/SUCCEEDED_0.json")
    manifest = json.loads(_object(aws, bucket, f"jobs/{run_id}/manifest.json"))
    assert list(manifest) == ["DestinationBucket", "MapRunArn", "ResultFiles"]
    assert manifest == {
        "DestinationBucket": bucket,
        "MapRunArn": map_run,
        "ResultFiles": {
            "FAILED": [],
            "PENDING": [],
            "SUCCEEDED": [{"Key": f"jobs/{run_id}/SUCCEEDED_0.json", "Size": len(results_body)}],
        },
    }
    records = json.loads(results_body)
    assert len(records) == 2
    head = map_run.split(":mapRun:")[0]
    machine_label = map_run.split(":mapRun:")[1].rsplit(":", 1)[0]
    for item, record in zip(ITEMS["items"], records, strict=True):
        assert list(record) == RECORD_KEYS
        assert record["ExecutionArn"] == f"{head}:execution:{machine_label}:{record['Name']}"
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", record["Name"])
        assert json.loads(record["Input"]) == item
        assert json.loads(record["Output"]) == {"n": item["n"], "pair": [item["n"], item["n"]]}
        assert record["InputDetails"] == record["OutputDetails"] == {"Included": True}
        assert (record["RedriveCount"], record["RedriveStatus"]) == (0, "NOT_REDRIVABLE")
        assert record["RedriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"
        assert record["StateMachineArn"] == f"{head}:stateMachine:{machine_label}"
        assert record["Status"] == "SUCCEEDED"
        assert record["StartDate"] == record["StopDate"] == "2025-02-04T01:37:31.547Z"
        assert ISO_MILLIS.fullmatch(record["StartDate"])
    assert records[0]["Name"] != records[1]["Name"]
    # The history is a Distributed Map's: the export happens inside the Map Run.
    assert [event.type for event in events][2:6] == [
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
    ]


def test_without_a_prefix_the_files_are_under_the_map_run_id(
    bucket: str, settings: CallSettings, aws: Any
) -> None:
    events, end, _ = _drive(_start(_machine(_s3_writer(bucket)), settings, ITEMS), settings)
    run_id = _map_run_arn(events).rsplit(":", 1)[1]
    assert json.loads(end.output_text or "")["ResultWriterDetails"] == {
        "Bucket": bucket,
        "Key": f"{run_id}/manifest.json",
    }
    assert _keys(aws, bucket) == [f"{run_id}/SUCCEEDED_0.json", f"{run_id}/manifest.json"]


def test_jsonata_arguments_and_result_path_work_on_the_reference(
    bucket: str, settings: CallSettings, aws: Any
) -> None:
    writer = {
        "Resource": "arn:aws:states:::s3:putObject",
        "Arguments": {"Bucket": "{% $states.input.bucket %}", "Prefix": "out/"},
    }
    machine = _machine(writer)
    machine["QueryLanguage"] = "JSONata"
    state = machine["States"]["Map"]
    del state["ItemsPath"]
    state["Items"] = "{% $states.input.items %}"
    state["ItemProcessor"]["States"]["Work"] = {"Type": "Pass", "End": True}
    state["Output"] = {"manifest": "{% $states.result.ResultWriterDetails.Key %}"}
    events, end, _ = _drive(_start(machine, settings, {**ITEMS, "bucket": bucket}), settings)
    run_id = _map_run_arn(events).rsplit(":", 1)[1]
    # Ours: a Prefix that ends in "/" is not given a second one.
    assert json.loads(end.output_text or "") == {"manifest": f"out/{run_id}/manifest.json"}
    records = json.loads(_object(aws, bucket, f"out/{run_id}/SUCCEEDED_0.json"))
    assert [json.loads(record["Output"]) for record in records] == ITEMS["items"]


def test_tolerated_failures_go_to_the_failed_file(bucket: str, settings: CallSettings, aws: Any) -> None:
    machine = _machine(_s3_writer(bucket, "p"), failing=True, ToleratedFailurePercentage=100)
    items = {"items": [{"n": 1}, {"n": 2, "fail": True}, {"n": 3}]}
    events, end, made = _drive(_start(machine, settings, items), settings)
    assert end.status == "SUCCEEDED" and made == 3
    run_id = _map_run_arn(events).rsplit(":", 1)[1]
    succeeded = f"p/{run_id}/SUCCEEDED_0.json"
    failed_key = f"p/{run_id}/FAILED_0.json"
    manifest = json.loads(_object(aws, bucket, f"p/{run_id}/manifest.json"))
    sizes = {key: len(_object(aws, bucket, key)) for key in (succeeded, failed_key)}
    assert manifest["ResultFiles"] == {
        "FAILED": [{"Key": failed_key, "Size": sizes[failed_key]}],
        "PENDING": [],
        "SUCCEEDED": [{"Key": succeeded, "Size": sizes[succeeded]}],
    }
    assert [json.loads(record["Input"])["n"] for record in json.loads(_object(aws, bucket, succeeded))] == [
        1,
        3,
    ]
    (failed,) = json.loads(_object(aws, bucket, failed_key))
    # A failed child has Error and Cause instead of Output (alphabetical, as the other fields).
    assert list(failed)[:3] == ["Cause", "Error", "ExecutionArn"] and "Output" not in failed
    assert (failed["Error"], failed["Cause"], failed["Status"]) == ("Item.Broken", "bad item", "FAILED")
    assert json.loads(failed["Input"]) == {"n": 2, "fail": True}
    assert failed["RedriveStatus"] == "REDRIVABLE" and "RedriveStatusReason" not in failed


def test_compact_jsonl_writes_the_outputs_a_line_each(bucket: str, settings: CallSettings, aws: Any) -> None:
    writer = _s3_writer(bucket, "c", Transformation="COMPACT", OutputType="JSONL")
    events, end, _ = _drive(_start(_machine(writer), settings, ITEMS), settings)
    assert end.status == "SUCCEEDED"
    run_id = _map_run_arn(events).rsplit(":", 1)[1]
    body = _object(aws, bucket, f"c/{run_id}/SUCCEEDED_0.json").decode()
    assert body == '{"n":1,"pair":[1,1]}\n{"n":2,"pair":[2,2]}\n'


def test_flatten_json_flattens_array_outputs_in_the_file(
    bucket: str, settings: CallSettings, aws: Any
) -> None:
    machine = _machine(_s3_writer(bucket, "f", Transformation="FLATTEN", OutputType="JSON"))
    machine["States"]["Map"]["ItemProcessor"]["States"]["Work"]["OutputPath"] = "$.pair"
    events, _, _ = _drive(_start(machine, settings, ITEMS), settings)
    run_id = _map_run_arn(events).rsplit(":", 1)[1]
    assert json.loads(_object(aws, bucket, f"f/{run_id}/SUCCEEDED_0.json")) == [1, 1, 2, 2]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"Transformation": "COMPACT", "OutputType": "JSON"}, [[1, 1], {"n": 2}, [3, 3]]),
        ({"Transformation": "FLATTEN", "OutputType": "JSONL"}, [1, 1, {"n": 2}, 3, 3]),
    ],
)
def test_a_writer_config_alone_shapes_the_result_and_writes_nothing(
    config: dict[str, str], expected: list[Any], settings: CallSettings
) -> None:
    machine = _machine({"WriterConfig": config})
    work = machine["States"]["Map"]["ItemProcessor"]["States"]["Work"]
    work["OutputPath"] = "$.pair"
    items = {"items": [{"n": 1}, {"n": 2, "scalar": True}, {"n": 3}]}
    # The second child answers an object: only arrays are flattened.
    machine["States"]["Map"]["ItemProcessor"]["StartAt"] = "Which"
    machine["States"]["Map"]["ItemProcessor"]["States"]["Which"] = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.scalar", "IsPresent": True, "Next": "Scalar"}],
        "Default": "Work",
    }
    machine["States"]["Map"]["ItemProcessor"]["States"]["Scalar"] = {
        "Type": "Pass",
        "Parameters": {"n.$": "$.n"},
        "End": True,
    }
    start = _start(machine, settings, items)
    assert start.service_calls == frozenset()
    _, end, made = _drive(start, settings)
    assert (end.status, made) == ("SUCCEEDED", 0)
    assert json.loads(end.output_text or "") == expected


def test_a_writer_config_none_alone_gives_the_records(settings: CallSettings) -> None:
    machine = _machine({"WriterConfig": {"Transformation": "NONE", "OutputType": "JSON"}}, failing=True)
    machine["States"]["Map"]["ToleratedFailureCount"] = 1
    _, end, _ = _drive(_start(machine, settings, {"items": [{"n": 1}, {"n": 2, "fail": True}]}), settings)
    records = json.loads(end.output_text or "")
    assert [record["Status"] for record in records] == ["SUCCEEDED", "FAILED"]
    assert list(records[0]) == RECORD_KEYS
    assert records[1]["Error"] == "Item.Broken"


def test_a_missing_bucket_is_result_writer_failed_and_caught(settings: CallSettings) -> None:
    machine = _machine(
        _s3_writer(unique_name("absent")),
        Catch=[{"ErrorEquals": ["States.ResultWriterFailed"], "Next": "Caught"}],
    )
    del machine["States"]["Map"]["End"]
    machine["States"]["Map"]["Next"] = "Done"
    machine["States"]["Done"] = {"Type": "Succeed"}
    machine["States"]["Caught"] = {"Type": "Pass", "End": True}
    events, end, made = _drive(_start(machine, settings, ITEMS), settings)
    assert (end.status, made) == ("SUCCEEDED", 1)  # the results file was refused: no manifest
    failed = next(event for event in events if event.type == "MapRunFailed")
    assert failed.details["error"] == "States.ResultWriterFailed"
    assert "bucket does not exist" in str(failed.details["cause"])
    assert "MapRunSucceeded" not in [event.type for event in events]
    assert json.loads(end.output_text or "") == {
        "Error": "States.ResultWriterFailed",
        "Cause": failed.details["cause"],
    }


def test_a_retried_map_writes_again_and_then_fails(settings: CallSettings) -> None:
    retry = [{"ErrorEquals": ["States.ResultWriterFailed"], "MaxAttempts": 1, "IntervalSeconds": 1}]
    machine = _machine(_s3_writer(unique_name("absent")), Retry=retry)
    events, end, made = _drive(_start(machine, settings, ITEMS), settings)
    assert (end.status, end.error, made) == ("FAILED", "States.ResultWriterFailed", 2)
    assert [event.type for event in events].count("MapRunStarted") == 2


def test_a_resumed_execution_does_not_write_again(bucket: str, settings: CallSettings, aws: Any) -> None:
    start = _start(_machine(_s3_writer(bucket, "r")), settings, ITEMS)
    # The runner stops after the results file was written and its result stored.
    first = list(run_execution(start, ()))[-1]
    assert isinstance(first, Suspended)
    (result,) = calls.perform(first.calls, settings)
    signals: list[Signal] = [result]
    written = first.calls[0]
    key = json.loads(written.parameters_text)["Key"]
    aws("s3").delete_object(Bucket=bucket, Key=key)  # were it written again, it would reappear
    resumed = list(run_execution(start, tuple(signals)))[-1]
    assert isinstance(resumed, Suspended)
    assert [json.loads(call.parameters_text)["Key"] for call in resumed.calls] == [
        key.replace("SUCCEEDED_0.json", "manifest.json")
    ]
    _, end, made = _drive(start, settings, signals)
    assert end.status == "SUCCEEDED" and made == 1
    assert _keys(aws, bucket) == [key.replace("SUCCEEDED_0.json", "manifest.json")]
    # Run again with every result stored: the same end, and no call asked for.
    again = list(run_execution(start, tuple(signals)))[-1]
    assert isinstance(again, Finished) and again.output_text == end.output_text


def test_with_calls_off_the_result_is_the_reference_and_nothing_is_written(bucket: str, aws: Any) -> None:
    off = CallSettings(enabled=False, endpoint_url=None, region=None)
    start = _start(_machine(_s3_writer(bucket, "off")), off, ITEMS)
    assert start.service_calls == frozenset()
    events, end, made = _drive(start, off)
    assert (end.status, made) == ("SUCCEEDED", 0)
    run_id = _map_run_arn(events).rsplit(":", 1)[1]
    assert json.loads(end.output_text or "")["ResultWriterDetails"]["Key"] == f"off/{run_id}/manifest.json"
    assert _keys(aws, bucket) == []


def test_the_writer_is_a_callable_resource(settings: CallSettings) -> None:
    writer = {"Resource": "arn:aws-us-gov:states:::s3:putObject", "Parameters": {"Bucket": "b"}}
    assert calls.callable_resources(json.dumps(_machine(writer)), settings) == {
        "arn:aws:states:::s3:putObject"
    }
