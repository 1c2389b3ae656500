"""A Distributed Map's ItemReader reading several S3 objects through the real server (gunicorn, its
runner process) and a real moto server: a LOAD_AND_FLATTEN listing of JSONL objects, then an S3
inventory of gzipped CSV files, in one execution started and read back with boto3.
"""

from __future__ import annotations

import gzip
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


def _processor(name: str) -> dict[str, Any]:
    # State names are unique across the whole definition, nested ones included.
    return {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": name,
        "States": {name: {"Type": "Pass", "End": True}},
    }


@pytest.fixture(scope="module")
def sfn(moto_url: str) -> Iterator[Any]:
    with sfn_calling_moto(moto_url) as client:
        yield client


def _machine() -> str:
    return json.dumps(
        {
            "StartAt": "Flatten",
            "States": {
                "Flatten": {
                    "Type": "Map",
                    "ItemReader": {
                        "Resource": "arn:aws:states:::s3:listObjectsV2",
                        "ReaderConfig": {
                            "Transformation": "LOAD_AND_FLATTEN",
                            "InputType": "JSONL",
                            "MaxItems": 3,
                        },
                        "Parameters": {"Bucket.$": "$.bucket", "Prefix": "logs/"},
                    },
                    "ItemProcessor": _processor("Line"),
                    "ResultPath": "$.flat",
                    "Next": "Inventory",
                },
                "Inventory": {
                    "Type": "Map",
                    "ItemReader": {
                        "Resource": "arn:aws:states:::s3:getObject",
                        "ReaderConfig": {"InputType": "MANIFEST"},
                        "Parameters": {"Bucket.$": "$.bucket", "Key": "inventory/manifest.json"},
                    },
                    "ItemSelector": {"key.$": "$$.Map.Item.Value.Key"},
                    "ItemProcessor": _processor("Row"),
                    "ResultPath": "$.keys",
                    "End": True,
                },
            },
        }
    )


def test_an_execution_reads_a_flattened_listing_and_an_inventory(sfn: Any, aws: Any) -> None:
    bucket = unique_name("e2e-sources")
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="logs/1.jsonl", Body=b'{"level": "INFO"}\n{"level": "WARN"}\n')
    s3.put_object(Bucket=bucket, Key="logs/2.jsonl", Body=b'{"level": "ERROR"}\n{"level": "INFO"}\n')
    for name, rows in (("a", b'"src","k1","1"\n'), ("b", b'"src","k2","2"\n"src","k3","3"\n')):
        s3.put_object(Bucket=bucket, Key=f"inventory/data/{name}.csv.gz", Body=gzip.compress(rows))
    manifest = {
        "sourceBucket": "src",
        "destinationBucket": f"arn:aws:s3:::{bucket}",
        "version": "2016-11-30",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size",
        "files": [{"key": f"inventory/data/{name}.csv.gz", "size": 1} for name in ("a", "b")],
    }
    s3.put_object(Bucket=bucket, Key="inventory/manifest.json", Body=json.dumps(manifest).encode())
    machine = sfn.create_state_machine(name=unique_name("Sources"), definition=_machine(), roleArn=ROLE)
    started = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], input=json.dumps({"bucket": bucket})
    )
    described = finished(sfn, started["executionArn"], timeout=20.0)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["flat"] == [{"level": "INFO"}, {"level": "WARN"}, {"level": "ERROR"}]
    assert output["keys"] == [{"key": "k1"}, {"key": "k2"}, {"key": "k3"}]
    history = [event["type"] for event in full_history(sfn, started["executionArn"])]
    assert history.count("MapRunStarted") == history.count("MapRunSucceeded") == 2
