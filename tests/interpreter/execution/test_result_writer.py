"""The ResultWriter's composition, without a server: records, transformations, files, manifest, keys.

Pure functions of `interpreter.execution.result_writer` (the AWS developer guide, "ResultWriter
(Map)"), and the engine's suspension for the writes with calls on (no S3 needed: the test reads
the `ServiceCall`s the engine asks for and answers them itself, as the runner would).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from interpreter.errors import ErrorName
from interpreter.execution import ExecutionStart, Finished, HistoryEvent, Suspended, run_execution
from interpreter.execution.model import ServiceCallResult
from interpreter.execution.outcomes import Err
from interpreter.execution.result_writer import (
    ChildRun,
    Destination,
    child_arns,
    child_record,
    destination,
    entries,
    manifest,
    reference,
    render,
    result_files,
)
from interpreter.map.writer import PUT_OBJECT, ResultWriter, writer_call_resource

MAP_RUN = "arn:aws:states:us-east-2:123456789012:mapRun:csvProcess/Map:ad9b5f27-090b-3ac6-9beb-243cd77144a7"
T0 = datetime(2025, 2, 4, 1, 37, 31, 547123, tzinfo=UTC)


def _ok(index: int, output: Any) -> ChildRun:
    return ChildRun(
        index, {"i": index}, output, json.dumps(output, separators=(",", ":")), None, None, T0, T0
    )


def _failed(index: int) -> ChildRun:
    return ChildRun(index, {"i": index}, None, None, "E", "why", T0, T0 + timedelta(milliseconds=5))


CHILDREN = [_ok(0, [1, 2]), _failed(1), _ok(2, {"a": 1})]


def test_the_keys_follow_the_prefix_and_the_map_run_id() -> None:
    run_id = "ad9b5f27-090b-3ac6-9beb-243cd77144a7"
    assert (
        Destination("b", "csvProcessJobs").key(MAP_RUN, "manifest.json")
        == f"csvProcessJobs/{run_id}/manifest.json"
    )
    assert Destination("b", None).key(MAP_RUN, "manifest.json") == f"{run_id}/manifest.json"
    assert Destination("b", "").key(MAP_RUN, "x") == f"{run_id}/x"
    assert Destination("b", "a/b/").key(MAP_RUN, "x") == f"a/b/{run_id}/x"


def test_the_reference_is_the_guides_shape() -> None:
    assert reference(MAP_RUN, Destination("bkt", "p")) == {
        "MapRunArn": MAP_RUN,
        "ResultWriterDetails": {
            "Bucket": "bkt",
            "Key": "p/ad9b5f27-090b-3ac6-9beb-243cd77144a7/manifest.json",
        },
    }


def test_child_arns_are_under_the_map_runs_machine_and_label() -> None:
    execution, name, machine = child_arns(MAP_RUN, 0)
    assert machine == "arn:aws:states:us-east-2:123456789012:stateMachine:csvProcess/Map"
    assert execution == f"arn:aws:states:us-east-2:123456789012:execution:csvProcess/Map:{name}"
    assert child_arns(MAP_RUN, 0) == (execution, name, machine)  # deterministic
    assert child_arns(MAP_RUN, 1)[1] != name


def test_a_record_has_describe_executions_fields_with_millisecond_dates() -> None:
    record = child_record(MAP_RUN, _ok(0, [1, 2]))
    assert record["Input"] == '{"i":0}' and record["Output"] == "[1,2]"
    assert record["StartDate"] == record["StopDate"] == "2025-02-04T01:37:31.547Z"
    failed = child_record(MAP_RUN, _failed(1))
    assert (failed["Error"], failed["Cause"], failed["Status"]) == ("E", "why", "FAILED")
    assert failed["StopDate"] == "2025-02-04T01:37:31.552Z"
    assert list(failed) == sorted(failed)  # alphabetical, as AWS's export


def test_the_transformations() -> None:
    failed = child_record(MAP_RUN, CHILDREN[1])
    none = entries(ResultWriter(transformation="NONE"), MAP_RUN, CHILDREN)
    assert [entry["Status"] for entry in none if isinstance(entry, dict)] == [
        "SUCCEEDED",
        "FAILED",
        "SUCCEEDED",
    ]
    # A failed child is its record under every Transformation (the guide's note).
    assert entries(ResultWriter(transformation="COMPACT"), MAP_RUN, CHILDREN) == [[1, 2], failed, {"a": 1}]
    assert entries(ResultWriter(transformation="FLATTEN"), MAP_RUN, CHILDREN) == [1, 2, failed, {"a": 1}]
    # A writer without a WriterConfig exports the records (NONE).
    assert entries(ResultWriter(resource=PUT_OBJECT), MAP_RUN, CHILDREN) == none


def test_json_and_jsonl_bodies() -> None:
    assert render([1, {"a": [2]}], "JSON") == b'[1,{"a":[2]}]'
    assert render([1, {"a": [2]}], "JSONL") == b'1\n{"a":[2]}\n'
    assert render([], "JSON") == b"[]"


def test_files_by_status_and_the_manifest_lists_their_sizes() -> None:
    where = Destination("bkt", "p")
    writer = ResultWriter(transformation="COMPACT", output_type="JSONL", resource=PUT_OBJECT)
    files = result_files(writer, MAP_RUN, CHILDREN, where)
    assert sorted(files) == ["FAILED", "SUCCEEDED"]
    ((succeeded_key, succeeded_body),) = files["SUCCEEDED"]
    assert succeeded_key.endswith("/SUCCEEDED_0.json") and succeeded_body == b'[1,2]\n{"a":1}\n'
    document = json.loads(manifest(MAP_RUN, where, files))
    assert document["ResultFiles"]["SUCCEEDED"] == [{"Key": succeeded_key, "Size": len(succeeded_body)}]
    assert document["ResultFiles"]["PENDING"] == []
    assert list(document["ResultFiles"]) == ["FAILED", "PENDING", "SUCCEEDED"]
    only_ok = result_files(writer, MAP_RUN, [CHILDREN[0]], where)
    assert list(only_ok) == ["SUCCEEDED"]


def test_the_destination_needs_a_bucket() -> None:
    assert destination({"Bucket": "b", "Prefix": "p"}) == Destination("b", "p")
    assert destination({"Bucket": "b"}) == Destination("b", None)
    for bad in ({}, {"Bucket": ""}, {"Bucket": 3}, {"Bucket": "b", "Prefix": 1}, None):
        failure = destination(bad)
        assert isinstance(failure, Err) and failure.error == ErrorName.RESULT_WRITER_FAILED


def test_the_writer_resource_is_canonical() -> None:
    assert writer_call_resource("arn:aws:states:::s3:putObject") == PUT_OBJECT
    assert writer_call_resource("arn:aws-cn:states:::s3:putObject") == PUT_OBJECT
    assert writer_call_resource("arn:aws:states:::s3:getObject") is None


# --- the engine asks for the writes ---------------------------------------------------------------


def _start(writer: dict[str, Any], calls_on: bool) -> ExecutionStart:
    definition = {
        "StartAt": "Map",
        "States": {
            "Map": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "End": True}},
                },
                "ResultWriter": writer,
                "ResultPath": "$.written",
                "End": True,
            }
        },
    }
    return ExecutionStart(
        definition=json.dumps(definition),
        input_text=json.dumps({"b": "bkt", "items": [1, 2]}),
        execution_arn="arn:aws:states:us-east-1:123456789012:execution:m:e",
        execution_name="e",
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
        state_machine_name="m",
        role_arn="arn:aws:iam::123456789012:role/r",
        start_time=T0,
        service_calls=frozenset({PUT_OBJECT}) if calls_on else frozenset(),
    )


WRITER = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket.$": "$.b", "Prefix": "x"}}


def test_the_engine_writes_the_files_then_the_manifest() -> None:
    start = _start(WRITER, calls_on=True)
    first = list(run_execution(start, ()))[-1]
    assert isinstance(first, Suspended) and [call.resource for call in first.calls] == [PUT_OBJECT]
    sent = json.loads(first.calls[0].parameters_text)
    assert sent["Bucket"] == "bkt"  # rendered from the input
    assert sent["Key"].startswith("x/") and sent["Key"].endswith("/SUCCEEDED_0.json")
    assert [json.loads(record["Input"]) for record in json.loads(sent["Body"])] == [1, 2]
    answer = ServiceCallResult(first.calls[0].key, '{"ETag":"x"}', None, None, T0 + timedelta(seconds=1))
    second = list(run_execution(start, (answer,)))[-1]
    assert isinstance(second, Suspended)
    assert json.loads(second.calls[0].parameters_text)["Key"].endswith("/manifest.json")
    refused = ServiceCallResult(
        second.calls[0].key, None, "S3.AccessDenied", "denied", T0 + timedelta(seconds=2)
    )
    steps = list(run_execution(start, (answer, refused)))
    end = steps[-1]
    assert isinstance(end, Finished) and (end.status, end.error, end.cause) == (
        "FAILED",
        ErrorName.RESULT_WRITER_FAILED,
        "denied",
    )
    failed = [step for step in steps if isinstance(step, HistoryEvent) and step.type == "MapRunFailed"]
    assert failed and failed[0].details == {"error": ErrorName.RESULT_WRITER_FAILED, "cause": "denied"}


def test_with_calls_off_the_reference_is_the_result_and_nothing_is_asked() -> None:
    steps = list(run_execution(_start(WRITER, calls_on=False), ()))
    end = steps[-1]
    assert isinstance(end, Finished) and end.status == "SUCCEEDED"
    written = json.loads(end.output_text or "")["written"]
    started = next(step for step in steps if isinstance(step, HistoryEvent) and step.type == "MapRunStarted")
    assert written == reference(started.details["mapRunArn"], Destination("bkt", "x"))


def test_a_bad_bucket_path_fails_the_map_run_with_its_own_error() -> None:
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket.$": "$.nope"}}
    end = list(run_execution(_start(writer, calls_on=True), ()))[-1]
    assert isinstance(end, Finished) and (end.status, end.error) == ("FAILED", ErrorName.RUNTIME)


def test_an_item_reader_not_read_fails_the_map_run_instead_of_the_engine() -> None:
    # Not the ResultWriter's, but the same Map Run: with calls off, a Distributed Map's
    # ItemReader is not read; ours, its Map Run fails as a failed read does.
    start = _start(WRITER, calls_on=False)
    definition = json.loads(start.definition)
    definition["States"]["Map"]["ItemReader"] = {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "b", "Key": "k"},
    }
    del definition["States"]["Map"]["ItemsPath"]
    fields = {name: getattr(start, name) for name in ("input_text", "execution_arn", "execution_name")}
    unread = ExecutionStart(
        definition=json.dumps(definition),
        state_machine_arn=start.state_machine_arn,
        state_machine_name=start.state_machine_name,
        role_arn=start.role_arn,
        start_time=T0,
        **fields,
    )
    steps = list(run_execution(unread, ()))
    end = steps[-1]
    assert isinstance(end, Finished) and (end.status, end.error) == ("FAILED", ErrorName.ITEM_READER_FAILED)
    assert "service calls are off" in (end.cause or "")
    types = [step.type for step in steps if isinstance(step, HistoryEvent)]
    assert types[2:6] == ["MapStateStarted", "MapRunStarted", "MapRunFailed", "MapStateFailed"]
