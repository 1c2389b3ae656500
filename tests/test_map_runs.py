"""DescribeMapRun, ListMapRuns and UpdateMapRun through the real server (gunicorn, boto3).

A Distributed Map over inline items whose iterations fail on ``{"ok": false}``: tolerated
(ToleratedFailurePercentage), the Map Run SUCCEEDED with its failures counted; beyond the
threshold, the Map Run FAILED. The counts are AWS's members (API reference, DescribeMapRun,
MapRunItemCounts); how they split when iterations run one after another here is ours
(`teststate.operations.map_runs`). Not recorded; ours: ListMapRuns answers newest first, and
UpdateMapRun without any member to change is a ValidationException.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import START_TIMEOUT_SECONDS
from teststate.testing import ServerDidNotStart, start_server

pytestmark = pytest.mark.e2e

ROLE = "arn:aws:iam::123456789012:role/StepFunctionsLocal"


def _processor(prefix: str) -> dict[str, Any]:
    """Each iteration fails (``Item.Broken``) unless its item says ``"ok": true``; state names
    start with `prefix` (they are unique within a machine)."""
    return {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": f"{prefix}Check",
        "States": {
            f"{prefix}Check": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.ok %}", "Next": f"{prefix}Done"}],
                "Default": f"{prefix}Broken",
            },
            f"{prefix}Done": {"Type": "Pass", "End": True},
            f"{prefix}Broken": {"Type": "Fail", "Error": "Item.Broken", "Cause": "not ok"},
        },
    }


def _map(
    items: list[dict[str, Any]], next_state: str | None, prefix: str = "", **fields: Any
) -> dict[str, Any]:
    """A Distributed Map over inline `items` (``Items``: the machines are JSONata)."""
    state: dict[str, Any] = {
        "Type": "Map",
        "Items": items,
        "ItemProcessor": _processor(prefix),
        **fields,
    }
    if next_state is None:
        state["End"] = True
    else:
        state["Next"] = next_state
    return state


OK, BAD = {"ok": True}, {"ok": False}
# 4 items, 1 failing: 25% tolerated by 30%; MaxConcurrency 2 evaluated as given.
TOLERATED = {
    "QueryLanguage": "JSONata",
    "StartAt": "Fan",
    "States": {"Fan": _map([OK, BAD, OK, OK], None, ToleratedFailurePercentage=30, MaxConcurrency=2)},
}
# 3 items, 2 failing: more than ToleratedFailureCount 1.
BEYOND = {
    "QueryLanguage": "JSONata",
    "StartAt": "Fan",
    "States": {"Fan": _map([OK, BAD, BAD], None, ToleratedFailureCount=1)},
}
# Two Distributed Maps one after the other.
TWO = {
    "QueryLanguage": "JSONata",
    "StartAt": "First",
    "States": {
        "First": _map([OK], "Second", Output="{% $states.input %}"),
        "Second": _map([OK, OK, OK], None, "Two"),
    },
}


@pytest.fixture(scope="module")
def sfn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import boto3
    from botocore.config import Config

    data: Path = tmp_path_factory.mktemp("map_runs")
    try:
        running = start_server(
            workers=2, env={"TESTSTATE_DATA_DIR": str(data)}, start_timeout=START_TIMEOUT_SECONDS
        )
    except ServerDidNotStart as err:
        pytest.fail(str(err))
    with running:
        yield boto3.client(
            "stepfunctions",
            region_name="us-east-1",
            endpoint_url=running.url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 0}, read_timeout=60),
        )


def _run(sfn: Any, name: str, definition: dict[str, Any]) -> str:
    """Create the machine, start an execution and wait for its end; its ARN."""
    machine = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
    arn = str(sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"])
    deadline = time.monotonic() + 30
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        if time.monotonic() > deadline:
            pytest.fail(f"{arn} still running")
        time.sleep(0.05)
    return arn


def _map_run_arns(sfn: Any, arn: str) -> list[str]:
    """The mapRunArn of each MapRunStarted, in history order."""
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["mapRunStartedEventDetails"]["mapRunArn"] for e in events if e["type"] == "MapRunStarted"]


def _error(sfn: Any, operation: str, **request: Any) -> tuple[str, str]:
    with pytest.raises(sfn.exceptions.ClientError) as caught:
        getattr(sfn, operation)(**request)
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(error["Code"]), str(error["Message"])


def _counts(**given: int) -> dict[str, int]:
    counts = dict.fromkeys(
        ("pending", "running", "succeeded", "failed", "timedOut", "aborted", "total", "resultsWritten"), 0
    )
    counts.update(failuresNotRedrivable=0, pendingRedrive=0)
    counts.update(given)
    return counts


def test_a_tolerated_map_run_succeeds_with_its_failures_counted(sfn: Any) -> None:
    arn = _run(sfn, "tolerated", TOLERATED)
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
    (map_run_arn,) = _map_run_arns(sfn, arn)
    described = sfn.describe_map_run(mapRunArn=map_run_arn)
    assert described["mapRunArn"] == map_run_arn
    assert described["executionArn"] == arn
    assert described["status"] == "SUCCEEDED"
    assert described["stopDate"] >= described["startDate"]
    assert described["maxConcurrency"] == 2
    assert described["toleratedFailurePercentage"] == 30.0
    assert described["toleratedFailureCount"] == 0
    expected = _counts(succeeded=3, failed=1, total=4, resultsWritten=4)
    assert described["itemCounts"] == expected
    assert described["executionCounts"] == expected
    assert described["redriveCount"] == 0


def test_a_map_run_beyond_its_threshold_fails(sfn: Any) -> None:
    arn = _run(sfn, "beyond", BEYOND)
    assert sfn.describe_execution(executionArn=arn)["status"] == "FAILED"
    (map_run_arn,) = _map_run_arns(sfn, arn)
    described = sfn.describe_map_run(mapRunArn=map_run_arn)
    assert described["status"] == "FAILED"
    assert "stopDate" in described
    assert described["toleratedFailureCount"] == 1
    assert described["maxConcurrency"] == 0  # not declared: no limit
    # All three ran (the second failure breaches the threshold on the last item).
    assert described["itemCounts"] == _counts(succeeded=1, failed=2, total=3)
    assert described["executionCounts"] == _counts(succeeded=1, failed=2, total=3)


def test_list_map_runs_newest_first_and_paged(sfn: Any) -> None:
    arn = _run(sfn, "two-maps", TWO)
    first, second = _map_run_arns(sfn, arn)
    listed = sfn.list_map_runs(executionArn=arn)
    assert [item["mapRunArn"] for item in listed["mapRuns"]] == [second, first]
    assert "nextToken" not in listed
    machine_arn = sfn.describe_execution(executionArn=arn)["stateMachineArn"]
    for item in listed["mapRuns"]:
        assert item["executionArn"] == arn
        assert item["stateMachineArn"] == machine_arn
        assert item["stopDate"] >= item["startDate"]
    page = sfn.list_map_runs(executionArn=arn, maxResults=1)
    assert [item["mapRunArn"] for item in page["mapRuns"]] == [second]
    page = sfn.list_map_runs(executionArn=arn, maxResults=1, nextToken=page["nextToken"])
    assert [item["mapRunArn"] for item in page["mapRuns"]] == [first]
    assert "nextToken" not in page
    assert sfn.describe_map_run(mapRunArn=second)["itemCounts"]["total"] == 3
    assert sfn.describe_map_run(mapRunArn=first)["itemCounts"]["total"] == 1
    # A token is tied to its execution (`teststate.operations.common.read_page_token`).
    other = _run(sfn, "two-maps-again", TWO)
    token = sfn.list_map_runs(executionArn=arn, maxResults=1)["nextToken"]
    assert _error(sfn, "list_map_runs", executionArn=other, nextToken=token)[0] == "InvalidToken"


def test_list_map_runs_of_unknown_or_malformed_executions(sfn: Any) -> None:
    missing = "arn:aws:states:us-east-1:123456789012:execution:nothing:here"
    assert _error(sfn, "list_map_runs", executionArn=missing) == (
        "ExecutionDoesNotExist",
        f"Execution Does Not Exist: '{missing}'",
    )
    assert _error(sfn, "list_map_runs", executionArn="not-an-arn")[0] == "InvalidArn"


def test_unknown_and_malformed_map_run_arns(sfn: Any) -> None:
    arn = _run(sfn, "for-unknown", TOLERATED)
    (real,) = _map_run_arns(sfn, arn)
    unknown = real[:-4] + ("0000" if not real.endswith("0000") else "1111")
    assert _error(sfn, "describe_map_run", mapRunArn=unknown) == (
        "ResourceNotFound",
        f"Resource not found: '{unknown}'",
    )
    assert _error(sfn, "update_map_run", mapRunArn=unknown, maxConcurrency=1)[0] == "ResourceNotFound"
    for malformed in ("not-an-arn", "arn:aws:states:us-east-1:123456789012:mapRun:nolabel"):
        assert _error(sfn, "describe_map_run", mapRunArn=malformed)[0] == "InvalidArn"
    execution = arn  # an ARN of another resource type
    assert _error(sfn, "describe_map_run", mapRunArn=execution)[0] == "InvalidArn"


def test_update_map_run_validates_and_stores(sfn: Any) -> None:
    arn = _run(sfn, "updated", TOLERATED)
    (map_run_arn,) = _map_run_arns(sfn, arn)
    code, _ = _error(sfn, "update_map_run", mapRunArn=map_run_arn)
    assert code == "ValidationException"  # nothing to change (ours)
    import botocore.exceptions

    # Client-side validation off: the server itself refuses out-of-range members.
    raw = _raw_client(sfn)
    for bad in ({"maxConcurrency": -1}, {"toleratedFailurePercentage": 101}, {"toleratedFailureCount": -2}):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            raw.update_map_run(mapRunArn=map_run_arn, **bad)
        assert caught.value.response["Error"]["Code"] == "ValidationException"
    sfn.update_map_run(mapRunArn=map_run_arn, maxConcurrency=7)
    sfn.update_map_run(mapRunArn=map_run_arn, toleratedFailureCount=3, toleratedFailurePercentage=12.5)
    described = sfn.describe_map_run(mapRunArn=map_run_arn)
    assert (
        described["maxConcurrency"],
        described["toleratedFailureCount"],
        described["toleratedFailurePercentage"],
    ) == (7, 3, 12.5)
    # The run itself is as it ran.
    assert described["status"] == "SUCCEEDED"
    assert described["itemCounts"]["failed"] == 1


def _raw_client(sfn: Any) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=sfn.meta.endpoint_url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 0}, parameter_validation=False),
    )


# Its child workflows wait for a task token nobody sends: the Map Run runs until the execution is
# stopped. ItemBatcher: 3 items in 2 child workflows (2 + 1).
WAITING = {
    "QueryLanguage": "JSONata",
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "Items": [1, 2, 3],
            "ItemBatcher": {"MaxItemsPerBatch": 2},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Wait",
                "States": {
                    "Wait": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        "Arguments": {"QueueUrl": "q", "MessageBody": "{% $states.context.Task.Token %}"},
                        "End": True,
                    }
                },
            },
            "End": True,
        }
    },
}


def test_a_running_map_run_then_aborted_with_its_execution(sfn: Any) -> None:
    machine = sfn.create_state_machine(name="waiting", definition=json.dumps(WAITING), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    deadline = time.monotonic() + 30
    while not _map_run_arns(sfn, arn):
        if time.monotonic() > deadline:
            pytest.fail("no MapRunStarted")
        time.sleep(0.05)
    (map_run_arn,) = _map_run_arns(sfn, arn)
    described = sfn.describe_map_run(mapRunArn=map_run_arn)
    assert described["status"] == "RUNNING"
    assert "stopDate" not in described
    # The first batch (2 items) runs; the last item waits its turn (one child at a time here).
    assert described["itemCounts"] == _counts(pending=1, running=2, total=3)
    assert described["executionCounts"] == _counts(running=1, total=1)
    assert "stopDate" not in sfn.list_map_runs(executionArn=arn)["mapRuns"][0]
    sfn.stop_execution(executionArn=arn)
    described = sfn.describe_map_run(mapRunArn=map_run_arn)
    assert described["status"] == "ABORTED"
    stopped = sfn.describe_execution(executionArn=arn)["stopDate"]
    assert described["stopDate"] == stopped
    assert described["itemCounts"] == _counts(pending=1, aborted=2, total=3)
    assert described["executionCounts"] == _counts(aborted=1, total=1)
    assert sfn.list_map_runs(executionArn=arn)["mapRuns"][0]["stopDate"] == stopped
