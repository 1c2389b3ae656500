"""A Distributed Map's ResultWriter through the real server (gunicorn, its runner process) and a real
moto server: the execution's files are read back from moto with boto3 and checked against the
execution's own history and output. Nothing is mocked in between.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.executions_support import finished, full_history
from tests.integrations.conftest import _credentials
from tests.integrations.support import unique_name
from tests.moto_server import sfn_calling_moto

__all__ = ["_credentials"]  # a fixture, used by name

ROLE = "arn:aws:iam::123456789012:role/sfn"


@pytest.fixture(scope="module")
def sfn(moto_url: str) -> Iterator[Any]:
    with sfn_calling_moto(moto_url) as client:
        yield client


def _machine(bucket: str) -> str:
    return json.dumps(
        {
            "StartAt": "Map",
            "States": {
                "Map": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        "StartAt": "Check",
                        "States": {
                            "Check": {
                                "Type": "Choice",
                                "Choices": [{"Variable": "$.fail", "IsPresent": True, "Next": "Broken"}],
                                "Default": "Done",
                            },
                            "Broken": {"Type": "Fail", "Error": "Item.Broken", "Cause": "bad item"},
                            "Done": {"Type": "Pass", "End": True},
                        },
                    },
                    "ToleratedFailureCount": 1,
                    "ResultWriter": {
                        "Resource": "arn:aws:states:::s3:putObject",
                        "Parameters": {"Bucket": bucket, "Prefix": "runs"},
                        "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"},
                    },
                    "ResultPath": "$.export",
                    "End": True,
                }
            },
        }
    )


def test_an_execution_exports_its_map_runs_results(sfn: Any, aws: Any) -> None:
    bucket = unique_name("e2e-results")
    aws("s3").create_bucket(Bucket=bucket)
    machine = sfn.create_state_machine(name=unique_name("Export"), definition=_machine(bucket), roleArn=ROLE)
    items = [{"n": 1}, {"n": 2, "fail": True}, {"n": 3}]
    started = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], input=json.dumps({"items": items})
    )
    described = finished(sfn, started["executionArn"], timeout=20.0)
    assert described["status"] == "SUCCEEDED", described
    history = full_history(sfn, started["executionArn"])
    map_run = next(event for event in history if event["type"] == "MapRunStarted")
    map_run_arn = map_run["mapRunStartedEventDetails"]["mapRunArn"]
    run_id = map_run_arn.rsplit(":", 1)[1]
    export = json.loads(described["output"])["export"]
    assert export == {
        "MapRunArn": map_run_arn,
        "ResultWriterDetails": {"Bucket": bucket, "Key": f"runs/{run_id}/manifest.json"},
    }
    s3 = aws("s3")
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"runs/{run_id}/manifest.json")["Body"].read())
    assert manifest["MapRunArn"] == map_run_arn and manifest["DestinationBucket"] == bucket
    succeeded = s3.get_object(Bucket=bucket, Key=f"runs/{run_id}/SUCCEEDED_0.json")["Body"].read()
    assert succeeded == b'{"n":1}\n{"n":3}\n'  # COMPACT, JSONL
    assert manifest["ResultFiles"]["SUCCEEDED"] == [
        {"Key": f"runs/{run_id}/SUCCEEDED_0.json", "Size": len(succeeded)}
    ]
    failed_lines = (
        s3.get_object(Bucket=bucket, Key=f"runs/{run_id}/FAILED_0.json")["Body"].read().splitlines()
    )
    (failed,) = [json.loads(line) for line in failed_lines]
    assert (failed["Status"], failed["Error"], json.loads(failed["Input"])) == (
        "FAILED",
        "Item.Broken",
        items[1],
    )
    assert failed["ExecutionArn"].startswith(map_run_arn.split(":mapRun:")[0] + ":execution:")
