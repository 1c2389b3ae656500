"""A Distributed Map's ItemReader reading several S3 objects from moto in one read: a listing with
``Transformation: LOAD_AND_FLATTEN`` (every listed object's items, flattened) and an S3 inventory
(``InputType: MANIFEST``: its manifest.json, then its gzipped CSV data files), in executions.

The runner makes the read (`teststate.executions.calls.perform` through
`teststate.integrations.s3_items.read_source`), the interpreter parses what was fetched
(`interpreter.map.reader.ItemReader.fetched_text`). The forms follow the developer guide,
"ItemReader (Map)"; where it says nothing, the test says "ours".
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from interpreter.map.reader import compile_item_reader
from interpreter.map.sources import split_read_request
from interpreter.scope import Scope
from teststate.integrations import CallSettings, s3_items

from .support import unique_name
from .test_map_s3 import _distributed, _drive, _map_state, _start, _test_state

LIST = "arn:aws:states:::s3:listObjectsV2"
GET = "arn:aws:states:::s3:getObject"


@pytest.fixture
def bucket(aws: Any) -> str:
    name = unique_name("sources")
    aws("s3").create_bucket(Bucket=name)
    return name


def _put(aws: Any, bucket: str, objects: dict[str, bytes | str]) -> None:
    for key, body in objects.items():
        aws("s3").put_object(Bucket=bucket, Key=key, Body=body)


def _flatten(bucket: str, config: dict[str, Any], prefix: str = "in/") -> dict[str, Any]:
    return {
        "Resource": LIST,
        "ReaderConfig": {"Transformation": "LOAD_AND_FLATTEN", **config},
        "Parameters": {"Bucket": bucket, "Prefix": prefix},
    }


def _run(reader: dict[str, Any], settings: CallSettings, **extra: Any) -> tuple[Any, Any]:
    events, end, made = _drive(_start(_distributed(reader, **extra), settings, {}), settings)
    assert made == 1  # every object is read in the Map Run's one read
    return events, end


def _map_run_failure(reader: dict[str, Any], settings: CallSettings) -> tuple[str, str]:
    events, end = _run(reader, settings)
    assert end.status == "FAILED"
    failed = next(event for event in events if event.type == "MapRunFailed")
    assert (end.error, end.cause) == (failed.details["error"], failed.details["cause"])
    return str(end.error), str(end.cause)


# --- LOAD_AND_FLATTEN -------------------------------------------------------------------------


def test_json_objects_are_flattened_in_listing_order_up_to_max_items(
    bucket: str, settings: CallSettings, aws: Any
) -> None:
    _put(
        aws,
        bucket,
        {
            "in/": b"",  # a console "folder": not read (ours)
            "in/a.json": json.dumps({"rows": [1, 2, 3]}),
            "in/b.json": json.dumps({"rows": [4, 5]}),
            "in/c.json": json.dumps({"rows": [6]}),
            "out/d.json": json.dumps({"rows": [7]}),
        },
    )
    reader = _flatten(bucket, {"InputType": "JSON", "ItemsPointer": "/rows", "MaxItems": 4})
    _, end = _run(reader, settings)
    assert end.status == "SUCCEEDED", end.cause
    assert json.loads(end.output_text or "") == [1, 2, 3, 4]
    _, end = _run({**reader, "ReaderConfig": {**reader["ReaderConfig"], "MaxItems": 0}}, settings)
    assert json.loads(end.output_text or "") == [1, 2, 3, 4, 5, 6]


def test_jsonl_objects_with_an_item_selector(bucket: str, settings: CallSettings, aws: Any) -> None:
    _put(aws, bucket, {"in/1.jsonl": '{"n": 1}\n{"n": 2}\n', "in/2.jsonl": '{"n": 3}'})
    reader = _flatten(bucket, {"InputType": "JSONL"})
    selector = {"ItemSelector": {"value.$": "$$.Map.Item.Value.n", "index.$": "$$.Map.Item.Index"}}
    _, end = _run(reader, settings, **selector)
    assert end.status == "SUCCEEDED", end.cause
    assert json.loads(end.output_text or "") == [
        {"value": 1, "index": 0},
        {"value": 2, "index": 1},
        {"value": 3, "index": 2},
    ]


def test_csv_objects_each_with_its_header_row(bucket: str, settings: CallSettings, aws: Any) -> None:
    _put(
        aws,
        bucket,
        {
            "in/1.csv": 'id,note\n1,"a, quoted\nvalue"\n2,b\n',
            "in/2.csv": "id,note\n3,c\n",
            "in/3.csv": "id,note\n",  # a header and no rows
            "in/4.csv": "id,note\n4\n",  # a short row: "" for the missing column (recorded)
        },
    )
    _, end = _run(_flatten(bucket, {"InputType": "CSV", "MaxItems": 4}), settings)
    assert end.status == "SUCCEEDED", end.cause
    assert json.loads(end.output_text or "") == [
        {"id": "1", "note": "a, quoted\nvalue"},
        {"id": "2", "note": "b"},
        {"id": "3", "note": "c"},
        {"id": "4", "note": ""},
    ]


def test_csv_objects_with_given_headers_and_a_delimiter(
    bucket: str, settings: CallSettings, aws: Any
) -> None:
    _put(aws, bucket, {"in/1.csv": "1;x\n", "in/2.csv": "2;y\n3;z\n"})
    config = {
        "InputType": "CSV",
        "CSVHeaderLocation": "GIVEN",
        "CSVHeaders": ["n", "s"],
        "CSVDelimiter": "SEMICOLON",
    }
    _, end = _run(_flatten(bucket, config), settings)
    assert json.loads(end.output_text or "") == [
        {"n": "1", "s": "x"},
        {"n": "2", "s": "y"},
        {"n": "3", "s": "z"},
    ]


def test_csv_objects_whose_headers_differ_fail_with_a_cause_that_says_so(
    bucket: str, settings: CallSettings, aws: Any
) -> None:
    # Not recorded; ours: AWS reads each object under its own header row, this server writes the
    # flattened rows under one.
    _put(aws, bucket, {"in/1.csv": "a,b\n1,2\n", "in/2.csv": "b,a\n3,4\n", "in/3.csv": "a,c\n5,6\n"})
    error, cause = _map_run_failure(_flatten(bucket, {"InputType": "CSV"}), settings)
    assert error == "States.ItemReaderFailed"
    assert "in/3.csv" in cause and "share one header row" in cause


def test_an_object_that_is_not_a_list_fails_as_one_json_file_does(
    bucket: str, settings: CallSettings, aws: Any
) -> None:
    _put(aws, bucket, {"in/1.json": "[1]", "in/2.json": '{"not": "a list"}'})
    # The recorded cause of a JSON file holding an object
    # (test_base_scenarios/test_map_item_reader_json_no_json_list_object).
    assert _map_run_failure(_flatten(bucket, {"InputType": "JSON"}), settings) == (
        "States.ItemReaderFailed",
        "Attempting to map over non-iterable node.",
    )


def test_an_object_that_is_not_jsonl_fails_as_the_parser_does(
    bucket: str, settings: CallSettings, aws: Any
) -> None:
    _put(aws, bucket, {"in/1.jsonl": "{oops"})
    error, cause = _map_run_failure(_flatten(bucket, {"InputType": "JSONL"}), settings)
    assert error == "States.ItemReaderFailed" and cause.startswith(
        "The ItemReader data is not valid JSONL (line 1)"
    )


def test_an_empty_prefix_reads_no_items(bucket: str, settings: CallSettings) -> None:
    _, end = _run(_flatten(bucket, {"InputType": "JSON"}, prefix="nothing/"), settings)
    assert (end.status, json.loads(end.output_text or "")) == ("SUCCEEDED", [])


def test_a_missing_bucket_is_item_reader_failed_with_s3s_cause(settings: CallSettings) -> None:
    error, cause = _map_run_failure(_flatten(unique_name("absent"), {"InputType": "JSON"}), settings)
    assert error == "States.ItemReaderFailed" and "does not exist" in cause


# --- S3 inventory -----------------------------------------------------------------------------


def _inventory(aws: Any, bucket: str, files: dict[str, bytes], schema: str = "Bucket, Key, Size") -> str:
    """A manifest.json listing `files` (written to `bucket`), in S3 inventory's form; its key."""
    _put(aws, bucket, dict(files))
    manifest = {
        "sourceBucket": "amzn-s3-demo-source-bucket",
        "destinationBucket": f"arn:aws:s3:::{bucket}",
        "version": "2016-11-30",
        "creationTimestamp": "1668560400000",
        "fileFormat": "CSV",
        "fileSchema": schema,
        "files": [{"key": key, "size": len(body), "MD5checksum": "00"} for key, body in files.items()],
    }
    key = "inventory/2024-01-01T00-00Z/manifest.json"
    _put(aws, bucket, {key: json.dumps(manifest, indent=2)})
    return key


def _manifest_reader(bucket: str, key: str, **config: Any) -> dict[str, Any]:
    return {
        "Resource": GET,
        "ReaderConfig": {"InputType": "MANIFEST", **config},
        "Parameters": {"Bucket": bucket, "Key": key},
    }


def test_an_inventory_reads_its_two_gzipped_files(bucket: str, settings: CallSettings, aws: Any) -> None:
    files = {
        "inventory/data/1.csv.gz": gzip.compress(b'"src","a.txt","3"\n"src","b, c.txt","4"\n'),
        "inventory/data/2.csv.gz": gzip.compress(b'"src","d.txt","5"\n'),
    }
    key = _inventory(aws, bucket, files)
    _, end = _run(_manifest_reader(bucket, key), settings)
    assert end.status == "SUCCEEDED", end.cause
    # Each row an item whose members are the fileSchema's columns, values as strings (the guide's
    # example item: "Size": "3399671").
    assert json.loads(end.output_text or "") == [
        {"Bucket": "src", "Key": "a.txt", "Size": "3"},
        {"Bucket": "src", "Key": "b, c.txt", "Size": "4"},
        {"Bucket": "src", "Key": "d.txt", "Size": "5"},
    ]
    _, end = _run(_manifest_reader(bucket, key, MaxItems=2, ManifestType="S3_INVENTORY"), settings)
    assert [item["Key"] for item in json.loads(end.output_text or "")] == ["a.txt", "b, c.txt"]


def test_an_inventory_whose_listed_file_is_missing(bucket: str, settings: CallSettings, aws: Any) -> None:
    key = _inventory(aws, bucket, {"inventory/data/1.csv.gz": gzip.compress(b'"src","a","1"\n')})
    aws("s3").delete_object(Bucket=bucket, Key="inventory/data/1.csv.gz")
    error, cause = _map_run_failure(_manifest_reader(bucket, key), settings)
    assert error == "States.ItemReaderFailed" and "does not exist" in cause


def test_an_inventory_file_that_is_not_gzip(bucket: str, settings: CallSettings, aws: Any) -> None:
    # Not recorded; ours: S3 inventory's CSV files are GZIP-compressed, another file is refused.
    key = _inventory(aws, bucket, {"inventory/data/1.csv": b'"src","a","1"\n'})
    error, cause = _map_run_failure(_manifest_reader(bucket, key), settings)
    assert error == "States.ItemReaderFailed" and "is not GZIP-compressed CSV" in cause


def test_a_manifest_that_is_not_json_or_not_csv(bucket: str, settings: CallSettings, aws: Any) -> None:
    _put(aws, bucket, {"m/bad.json": "{nope", "m/orc.json": json.dumps({"fileFormat": "ORC"})})
    error, cause = _map_run_failure(_manifest_reader(bucket, "m/bad.json"), settings)
    assert error == "States.ItemReaderFailed" and cause.startswith("The ItemReader data is not valid JSON")
    error, cause = _map_run_failure(_manifest_reader(bucket, "m/orc.json"), settings)
    assert error == "States.ItemReaderFailed" and "only CSV inventories are read" in cause


# --- what is not read, and the bounds -----------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        (
            {
                "Resource": GET,
                "ReaderConfig": {"InputType": "PARQUET"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            },
            "this server cannot read PARQUET data: Parquet is a binary columnar format",
        ),
        (
            {
                "Resource": LIST,
                "ReaderConfig": {"InputType": "PARQUET", "Transformation": "LOAD_AND_FLATTEN"},
                "Parameters": {"Bucket": "b"},
            },
            "this server cannot read PARQUET data",
        ),
        (
            {
                "Resource": GET,
                "ReaderConfig": {"InputType": "CSV", "ManifestType": "ATHENA_DATA"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            },
            "this server does not read Athena data manifests (ManifestType ATHENA_DATA)",
        ),
    ],
)
def test_sources_this_server_does_not_read(
    reader: dict[str, Any], expected: str, settings: CallSettings
) -> None:
    events, end, made = _drive(_start(_distributed(reader), settings, {}), settings)
    assert (end.status, end.error, made) == ("FAILED", "States.ItemReaderFailed", 0)
    assert (end.cause or "").startswith(f"The ItemReader's source was not read: {expected}")
    assert [event.type for event in events][-2:] == ["MapStateFailed", "ExecutionFailed"]


def test_a_listing_beyond_the_object_bound(
    bucket: str, settings: CallSettings, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not an AWS limit; ours (s3_items.MAX_SOURCE_OBJECTS, 10,000), lowered here to 2.
    monkeypatch.setattr(s3_items, "MAX_SOURCE_OBJECTS", 2)
    _put(aws, bucket, {f"in/{n}.json": "[1]" for n in range(3)})
    error, cause = _map_run_failure(_flatten(bucket, {"InputType": "JSON"}), settings)
    assert error == "States.ItemReaderFailed"
    assert "has 3 objects, more than the 2 objects" in cause and "MAX_SOURCE_OBJECTS" in cause


def test_a_listing_beyond_the_byte_bound(
    bucket: str, settings: CallSettings, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not an AWS limit; ours (s3_items.MAX_SOURCE_BYTES, 256 MiB), lowered here to 10 bytes.
    monkeypatch.setattr(s3_items, "MAX_SOURCE_BYTES", 10)
    _put(aws, bucket, {"in/a.json": "[1, 2]", "in/b.json": "[3, 4]"})
    error, cause = _map_run_failure(_flatten(bucket, {"InputType": "JSON"}), settings)
    assert error == "States.ItemReaderFailed"
    assert "larger than the 10 bytes" in cause and "MAX_SOURCE_BYTES" in cause


def test_an_inventory_beyond_the_bounds(
    bucket: str, settings: CallSettings, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small gzip file may hold a large text: the bound counts the gunzipped bytes.
    body = gzip.compress(b'"src","key","1"\n' * 1000)
    key = _inventory(aws, bucket, {"inventory/data/1.csv.gz": body, "inventory/data/2.csv.gz": body})
    monkeypatch.setattr(s3_items, "MAX_SOURCE_BYTES", 20_000)
    assert len(body) < 20_000
    error, cause = _map_run_failure(_manifest_reader(bucket, key), settings)
    assert error == "States.ItemReaderFailed" and "larger than the 20000 bytes" in cause
    monkeypatch.setattr(s3_items, "MAX_SOURCE_OBJECTS", 1)
    error, cause = _map_run_failure(_manifest_reader(bucket, key), settings)
    assert error == "States.ItemReaderFailed" and "has 2 data files, more than the 1 objects" in cause


# --- the fetched form, parsed by the interpreter ------------------------------------------------


def _reader(config: dict[str, Any], resource: str = LIST) -> Any:
    declaration = {"Resource": resource, "ReaderConfig": config, "Parameters": {"Bucket": "b"}}
    return compile_item_reader(declaration, pointer="/States/Map/ItemReader", jsonata=False)


_SCOPE = Scope(current={}, context={}, variables={}, state_input={})


@pytest.mark.parametrize(
    ("config", "bodies"),
    [
        (
            {"InputType": "CSV", "CSVDelimiter": "TAB"},
            ['a\tb\n"x\ty"\t"q""uote"\n', 'a\tb\n\ufeff\n"line\nbreak"\t2\n'],
        ),
        ({"InputType": "CSV"}, ["\ufeffa\n\n1\n", 'a\n""\n']),
        ({"InputType": "JSON", "ItemsPointer": "/0/x"}, ['[{"x": [1]}]', '[{"x": ["\u2028", {"y": null}]}]']),
        ({"InputType": "JSONL"}, ['"\u2028"\n\n[1]\r\n', "2"]),
    ],
)
def test_the_flattened_text_reads_back_as_every_objects_items(
    config: dict[str, Any], bodies: list[str]
) -> None:
    reader = _reader({"Transformation": "LOAD_AND_FLATTEN", **config})
    one_by_one = [item for body in bodies for item in reader.read(body, _SCOPE)]
    fetched = {"Objects": [{"Key": f"k{n}", "Body": body} for n, body in enumerate(bodies)]}
    text = reader.fetched_text(fetched)
    assert reader.read(text, _SCOPE) == one_by_one
    assert reader.read(reader.fetched_text(fetched), _SCOPE) == reader.read(text, _SCOPE)


def test_a_read_request_names_its_source() -> None:
    assert _reader({"Transformation": "LOAD_AND_FLATTEN", "InputType": "JSON"}).source == "FLATTEN"
    assert _reader({}).source == "LISTING"
    assert _reader({"InputType": "MANIFEST"}, GET).source == "S3_INVENTORY"
    assert _reader({"InputType": "JSONL"}, GET).source == "OBJECT"
    assert _reader({"InputType": "PARQUET"}, GET).source is None
    reader = _reader({"InputType": "MANIFEST"}, GET)
    assert split_read_request(reader.read_request({"Bucket": "b"})) == ("S3_INVENTORY", {"Bucket": "b"})


# --- TestState without mapItemReaderData --------------------------------------------------------


def test_teststate_reads_a_flattened_listing_and_an_inventory(
    bucket: str, settings: CallSettings, aws: Any
) -> None:
    # TestState reads the ItemReader's sources as an execution's Map Run does when the request
    # has no mapItemReaderData: every listed object's items, every inventory file's rows.
    _put(aws, bucket, {"in/1.json": '[{"v": 1}, {"v": 2}]', "in/2.json": '[{"v": 3}]'})
    files = {"inventory/data/1.csv.gz": gzip.compress(b'"src","a.txt","3"\n')}
    key = _inventory(aws, bucket, files)
    for reader, items in (
        (_flatten(bucket, {"InputType": "JSON"}), [{"v": 1}, {"v": 2}, {"v": 3}]),
        (_manifest_reader(bucket, key), [{"Bucket": "src", "Key": "a.txt", "Size": "3"}]),
    ):
        request = {
            "definition": _map_state(reader, ItemSelector={"item.$": "$$.Map.Item.Value"}),
            "input": "{}",
            "inspectionLevel": "DEBUG",
            "mock": {"result": "[]"},
        }
        status, answer = _test_state(settings, request)
        assert status == 200, answer
        assert answer["status"] == "SUCCEEDED", answer
        assert json.loads(answer["inspectionData"]["afterItemSelector"]) == [{"item": item} for item in items]
