"""ItemReader: parameters evaluated, text parsed per InputType as AWS reads the object, MaxItems."""

from __future__ import annotations

import json
from typing import Any

import pytest

from interpreter.errors import (
    ASLError,
    DefinitionError,
    ErrorName,
    ItemReaderDataMissing,
    ItemReaderDataUnsupported,
    StatesError,
)
from interpreter.map.reader import compile_item_reader, parse_json_pointer
from interpreter.schema import validate_single_state
from interpreter.scope import Scope

POINTER = "/States/StateName/ItemReader"
GET = "arn:aws:states:::s3:getObject"
LIST = "arn:aws:states:::s3:listObjectsV2"


def _scope(current: Any = None, variables: dict[str, Any] | None = None) -> Scope:
    current = {"Bucket": "b", "Key": "k"} if current is None else current
    return Scope(current=current, context={}, variables=variables or {}, state_input=current)


def _read(
    config: dict[str, Any],
    data: str | None,
    *,
    resource: str = GET,
    scope: Scope | None = None,
    jsonata: bool = False,
    **fields: Any,
) -> list[Any]:
    declaration = {"Resource": resource, "ReaderConfig": config, **fields}
    return compile_item_reader(declaration, pointer=POINTER, jsonata=jsonata).read(data, scope or _scope())


def _failure(config: dict[str, Any], data: str, **kwargs: Any) -> StatesError:
    with pytest.raises(StatesError) as raised:
        _read(config, data, **kwargs)
    return raised.value


# --------------------------------------------------------------------------------------------
# JSON

JSON_CASES = [
    ("[1, 2, 3]", {}, [1, 2, 3]),  # AWS-REC TestState mapItemReaderData
    ("[]", {}, []),
    (' \n[{"b": 1, "a": 2}]\n', {}, [{"b": 1, "a": 2}]),  # key order kept
    ('{"data": {"rows": [1, 2]}}', {"ItemsPointer": "/data/rows"}, [1, 2]),
    ('{"a/b": [[0], [1, 2]]}', {"ItemsPointer": "/a~1b/1"}, [1, 2]),
    ("[1, 2, 3]", {"ItemsPointer": ""}, [1, 2, 3]),
    ("[1, 2, 3]", {"MaxItems": 2}, [1, 2]),
    ("[1, 2, 3]", {"MaxItems": 1}, [1]),
    ("[1, 2, 3]", {"MaxItems": 0}, [1, 2, 3]),  # 0: no limit (recorded execution)
    ("[1, 2, 3]", {"MaxItems": 10}, [1, 2, 3]),
]


@pytest.mark.parametrize(("data", "config", "expected"), JSON_CASES)
def test_json(data: str, config: dict[str, Any], expected: list[Any]) -> None:
    assert _read({"InputType": "JSON", **config}, data) == expected


@pytest.mark.parametrize(
    ("data", "config", "cause"),
    [
        ('{"Hello": "world"}', {}, "Attempting to map over non-iterable node."),  # recorded execution
        ('"text"', {}, "Attempting to map over non-iterable node."),
        ('{"a": {"b": 1}}', {"ItemsPointer": "/a"}, "Attempting to map over non-iterable node."),
        (
            '{"a": []}',
            {"ItemsPointer": "/b"},
            "The ItemsPointer '/b' does not select a value in the ItemReader data",
        ),
        ("[1, 2", {}, None),
        ("", {}, None),
        ("[NaN]", {}, None),
    ],
)
def test_json_failures(data: str, config: dict[str, Any], cause: str | None) -> None:
    error = _failure({"InputType": "JSON", **config}, data)
    assert error.error == ErrorName.ITEM_READER_FAILED
    if cause is None:
        assert error.cause is not None and error.cause.startswith("The ItemReader data is not valid JSON")
    else:
        assert error.cause == cause


# --------------------------------------------------------------------------------------------
# JSONL


@pytest.mark.parametrize(
    ("data", "config", "expected"),
    [
        ('{"a": 1}\n{"a": 2}\n', {}, [{"a": 1}, {"a": 2}]),
        ('{"a": 1}\r\n\r\n  \n[2]\n"x"', {}, [{"a": 1}, [2], "x"]),  # CRLF, blank lines, any value
        ('"a\u2028b"\n1', {}, ["a\u2028b", 1]),  # raw U+2028 inside a string is not a line break
        ("", {}, []),
        ("1\n2\n3\n4", {"MaxItems": 2}, [1, 2]),
    ],
)
def test_jsonl(data: str, config: dict[str, Any], expected: list[Any]) -> None:
    assert _read({"InputType": "JSONL", **config}, data) == expected


def test_jsonl_bad_line_names_the_line() -> None:
    error = _failure({"InputType": "JSONL"}, '1\n{"a":\n3')
    assert error.error == ErrorName.ITEM_READER_FAILED
    assert error.cause is not None and "JSONL (line 2)" in error.cause


# --------------------------------------------------------------------------------------------
# CSV

# The CSV file of LocalStack's AWS-validated tests (test_map_item_reader_base_csv_headers_*).
LS_ROWS = "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"
FIRST_ROW = {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}


def _given(*headers: str, **extra: Any) -> dict[str, Any]:
    return {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": list(headers), **extra}


CSV_CASES = [
    (
        "Col1,Col2,Col3\n" + LS_ROWS,
        FIRST_ROW,
        [
            {"Col1": "Value1", "Col2": "Value2", "Col3": "Value3"},
            {"Col1": "Value4", "Col2": "Value5", "Col3": "Value6"},
            {"Col1": "", "Col2": "", "Col3": ""},  # the extra column is ignored
            {"Col1": "true", "Col2": "1", "Col3": "'HelloWorld'"},  # values stay strings
            {"Col1": "Null", "Col2": "None", "Col3": ""},
            {"Col1": "   ", "Col2": "", "Col3": ""},  # a short row is padded with ""
        ],
    ),
    (
        LS_ROWS,
        _given("H1", "H2", "H3"),
        [
            {"H1": "Value1", "H2": "Value2", "H3": "Value3"},
            {"H1": "Value4", "H2": "Value5", "H3": "Value6"},
            {"H1": "", "H2": "", "H3": ""},
            {"H1": "true", "H2": "1", "H3": "'HelloWorld'"},
            {"H1": "Null", "H2": "None", "H3": ""},
            {"H1": "   ", "H2": "", "H3": ""},
        ],
    ),
    (
        LS_ROWS,
        _given("H1"),
        [{"H1": "Value1"}, {"H1": "Value4"}, {"H1": ""}, {"H1": "true"}, {"H1": "Null"}, {"H1": "   "}],
    ),
    # An empty header name is a key like any other.
    ("H1,\nValue4,Value5,Value6\n", FIRST_ROW, [{"": "Value5", "H1": "Value4"}]),
    # RFC 4180 quoting: delimiter, line break and doubled quote inside a quoted field; CRLF.
    ('a,b\r\n"x,y","say ""hi""\r\nthere"\r\n', FIRST_ROW, [{"a": "x,y", "b": 'say "hi"\r\nthere'}]),
    ("\ufeffa,b\n1,2", FIRST_ROW, [{"a": "1", "b": "2"}]),  # BOM dropped, no final newline
    ("a,b\n\n1,2\n\n", FIRST_ROW, [{"a": "1", "b": "2"}]),  # empty lines skipped
    ("", FIRST_ROW, []),
    ("a,b\n", FIRST_ROW, []),
    ("", _given("a"), []),
    ("a|b\n1|2,3", {**FIRST_ROW, "CSVDelimiter": "PIPE"}, [{"a": "1", "b": "2,3"}]),
    ("a;b\n1;2", {**FIRST_ROW, "CSVDelimiter": "SEMICOLON"}, [{"a": "1", "b": "2"}]),
    ("a b\n1 2", {**FIRST_ROW, "CSVDelimiter": "SPACE"}, [{"a": "1", "b": "2"}]),
    ("a\tb\n1\t2", {**FIRST_ROW, "CSVDelimiter": "TAB"}, [{"a": "1", "b": "2"}]),
    (
        "Col1,Col2\nV1,V2\nV3,V4\nV5,V6\nV7,V8\n",
        {**FIRST_ROW, "MaxItems": 2},
        [
            {"Col1": "V1", "Col2": "V2"},
            {"Col1": "V3", "Col2": "V4"},
        ],
    ),
    (
        "Col1,Col2\nV1,V2\nV3,V4\n",
        {**FIRST_ROW, "MaxItems": 0},
        [{"Col1": "V1", "Col2": "V2"}, {"Col1": "V3", "Col2": "V4"}],
    ),
]


@pytest.mark.parametrize(("data", "config", "expected"), CSV_CASES)
def test_csv(data: str, config: dict[str, Any], expected: list[Any]) -> None:
    assert _read(config, data) == expected


@pytest.mark.parametrize(
    ("headers", "order"),
    [
        # Recorded (executions/test_base_scenarios/test_map_item_reader_csv_headers_first_row_typed_headers):
        # "0,True,{}" comes out as 0, {}, True.
        (["0", "True", "{}"], ["0", "{}", "True"]),
        (["H1", ""], ["", "H1"]),
        (["Col1", "Col2", "Col3"], ["Col1", "Col2", "Col3"]),
        (["b", "a"], ["a", "b"]),  # one-letter keys hash to their code point: slots 2 and 1
        (["q", "a"], ["q", "a"]),  # 113 & 15 == 97 & 15 == 1: one bucket, insertion order
    ],
)
def test_csv_keys_come_out_in_java_hashmap_order(headers: list[str], order: list[str]) -> None:
    data = ",".join(headers) + "\n" + ",".join(str(i) for i in range(len(headers))) + "\n"
    [item] = _read(FIRST_ROW, data)
    assert list(item) == order


def test_csv_hashmap_order_grows_the_table() -> None:
    # 13 keys exceed 16 * 3/4: the table doubles to 32 slots, so "a" (97 & 31 == 1) comes before
    # "p" (112 & 31 == 16) although both sit in slot 1 / 0 of a 16-slot table.
    headers = [chr(c) for c in range(ord("p"), ord("p") + 12)] + ["a"]
    data = ",".join(headers) + "\n" + ",".join("x" for _ in headers) + "\n"
    [item] = _read(FIRST_ROW, data)
    expected = sorted(headers, key=lambda name: ((ord(name) ^ (ord(name) >> 16)) & 31, headers.index(name)))
    assert list(item) == expected
    assert next(iter(item)) == "a"


@pytest.mark.parametrize(
    ("data", "config", "cause"),
    [
        (LS_ROWS, _given("H1", "H1", "H3"), "CSV headers cannot contain duplicates."),  # recorded
        ("a,a\n1,2", FIRST_ROW, "CSV headers cannot contain duplicates."),
    ],
)
def test_csv_duplicate_headers(data: str, config: dict[str, Any], cause: str) -> None:
    error = _failure(config, data)
    assert (error.error, error.cause) == (ErrorName.ITEM_READER_FAILED, cause)


@pytest.mark.parametrize("data", ['a,b\n1,"2\n', 'a,b\n"1"x,2\n'])
def test_csv_bad_quoting_fails_the_read(data: str) -> None:
    error = _failure(FIRST_ROW, data)
    assert error.error == ErrorName.ITEM_READER_FAILED
    assert error.cause is not None and error.cause.startswith("The ItemReader data is not valid CSV")


def test_csv_header_over_10_kib_fails() -> None:
    header = ",".join(f"column{i:05d}" for i in range(1000))
    error = _failure(FIRST_ROW, header + "\n" + "1\n")
    assert error.error == ErrorName.ITEM_READER_FAILED


def test_csv_many_tiny_rows_stay_linear() -> None:
    data = "a\n" + "1\n" * 130_000
    assert len(_read(FIRST_ROW, data)) == 130_000


# --------------------------------------------------------------------------------------------
# MANIFEST, PARQUET, listObjectsV2


def test_manifest_rows_are_csv_rows() -> None:
    inventory = "Bucket,Key,Size\nbkt,a.txt,3\nbkt,b.txt,4\n"
    items = _read({"InputType": "MANIFEST", "ManifestType": "S3_INVENTORY"}, inventory)
    assert items == [
        {"Bucket": "bkt", "Key": "a.txt", "Size": "3"},
        {"Bucket": "bkt", "Key": "b.txt", "Size": "4"},
    ]
    given = _read(
        {"InputType": "MANIFEST", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["Bucket", "Key"]}, "bkt,a\n"
    )
    assert given == [{"Bucket": "bkt", "Key": "a"}]


def test_parquet_is_a_request_error() -> None:
    with pytest.raises(ItemReaderDataUnsupported) as raised:
        _read({"InputType": "PARQUET"}, "PAR1")
    assert isinstance(raised.value, ASLError)
    assert "PARQUET" in str(raised.value)


LISTING = {
    "Contents": [
        {
            "Key": "a.txt",
            "LastModified": "2022-11-17T15:44:41.000Z",
            "ETag": '"05704fbd"',
            "Size": 34910,
            "StorageClass": "STANDARD",
        },
        {
            "Key": "b.txt",
            "LastModified": "2022-11-17T15:44:41.5Z",
            "ETag": '"aa"',
            "Size": 1,
            "StorageClass": "GLACIER",
        },
    ],
    "KeyCount": 2,
}


@pytest.mark.parametrize(
    ("data", "config", "expected"),
    [
        (
            json.dumps(LISTING),
            {},
            [
                {
                    "Etag": '"05704fbd"',
                    "Key": "a.txt",
                    "LastModified": 1668699881,
                    "Size": 34910,
                    "StorageClass": "STANDARD",
                },
                {
                    "Etag": '"aa"',
                    "Key": "b.txt",
                    "LastModified": 1668699881.5,
                    "Size": 1,
                    "StorageClass": "GLACIER",
                },
            ],
        ),
        (
            json.dumps(LISTING["Contents"][:1]),
            {},
            [
                {
                    "Etag": '"05704fbd"',
                    "Key": "a.txt",
                    "LastModified": 1668699881,
                    "Size": 34910,
                    "StorageClass": "STANDARD",
                },
            ],
        ),
        (
            json.dumps(LISTING),
            {"MaxItems": 1},
            [
                {
                    "Etag": '"05704fbd"',
                    "Key": "a.txt",
                    "LastModified": 1668699881,
                    "Size": 34910,
                    "StorageClass": "STANDARD",
                },
            ],
        ),
        ('{"KeyCount": 0}', {}, []),
        ('[{"Key": "k", "LastModified": 1668699881}]', {}, [{"Key": "k", "LastModified": 1668699881}]),
        # LOAD_AND_FLATTEN: the data stands for the listed objects' content.
        (
            '{"a": 1}\n{"a": 2}',
            {"Transformation": "LOAD_AND_FLATTEN", "InputType": "JSONL"},
            [{"a": 1}, {"a": 2}],
        ),
    ],
)
def test_list_objects(data: str, config: dict[str, Any], expected: list[Any]) -> None:
    assert _read(config, data, resource=LIST, Parameters={"Bucket.$": "$.Bucket"}) == expected


@pytest.mark.parametrize("data", ['"x"', "[1]", "not json"])
def test_list_objects_failures(data: str) -> None:
    error = _failure({}, data, resource=LIST)
    assert error.error == ErrorName.ITEM_READER_FAILED


# --------------------------------------------------------------------------------------------
# Parameters / Arguments, MaxItems(Path), missing data


def test_missing_data_is_a_request_error_with_the_documented_message() -> None:
    with pytest.raises(ItemReaderDataMissing) as raised:
        _read({"InputType": "JSON"}, None)
    assert str(raised.value) == (
        "This offline TestState server cannot read the ItemReader's source: specify "
        "stateConfiguration.mapItemReaderData"
    )


def test_parameters_are_evaluated_and_a_missing_path_fails_the_state() -> None:
    reader = compile_item_reader(
        {
            "Resource": GET,
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Nope"},
        },
        pointer=POINTER,
        jsonata=False,
    )
    with pytest.raises(StatesError) as raised:
        reader.read("[1]", _scope())
    assert raised.value.error == ErrorName.RUNTIME
    assert "'Key.$'" in (raised.value.cause or "")
    ok = compile_item_reader(
        {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket.$": "$.Bucket"}},
        pointer=POINTER,
        jsonata=False,
    )
    assert ok.evaluate_arguments(_scope()) == {"Bucket": "b"}


def test_jsonata_arguments_and_max_items() -> None:
    reader = compile_item_reader(
        {
            "Resource": GET,
            "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.n %}"},
            "Arguments": {"Bucket": "{% $states.input.Bucket %}"},
        },
        pointer=POINTER,
        jsonata=True,
    )
    scope = _scope({"Bucket": "b", "n": 2})
    assert reader.evaluate_arguments(scope) == {"Bucket": "b"}
    assert reader.read("[1, 2, 3]", scope) == [1, 2]
    with pytest.raises(StatesError) as raised:
        reader.read("[1, 2, 3]", _scope({"Bucket": "b", "n": -1}))
    assert raised.value.error == ErrorName.QUERY_EVALUATION_ERROR


@pytest.mark.parametrize(
    ("value", "expected", "cause"),
    [
        (2, [1, 2], None),
        (0, [1, 2, 3], None),  # 0: no limit (recorded execution)
        (100_000_001, [1, 2, 3], None),  # not an error (recorded execution): clipped to 100,000,000
        (2.0, [1, 2], None),
        (-1, None, "field MaxItems must be positive"),  # recorded execution
        (1.5, None, "The MaxItemsPath field refers to value '1.5' which is not a valid integer: $.max"),
        # A string holding an integer counts (recorded execution: test_assign_reference_variables/
        # test_reference_in_map_state_max_items_path__MAP_STATE_REFERENCE_IN_MAX_ITEMS_PATH).
        ("2", [1, 2], None),
        ("two", None, "The MaxItemsPath field refers to value 'two' which is not a valid integer: $.max"),
    ],
)
def test_max_items_path(value: Any, expected: list[Any] | None, cause: str | None) -> None:
    scope = _scope({"max": value})
    config = {"InputType": "JSON", "MaxItemsPath": "$.max"}
    if expected is not None:
        assert _read(config, "[1, 2, 3]", scope=scope) == expected
    else:
        error = _failure(config, "[1, 2, 3]", scope=scope)
        assert (error.error, error.cause) == (ErrorName.ITEM_READER_FAILED, cause)


def test_max_items_path_missing_and_variable() -> None:
    error = _failure({"InputType": "JSON", "MaxItemsPath": "$.nope"}, "[1]")
    assert (error.error, error.cause) == (
        ErrorName.RUNTIME,
        "The MaxItemsPath parameter does not reference an input value: $.nope",
    )
    scope = _scope(variables={"maxItems": 1})
    assert _read({"InputType": "JSON", "MaxItemsPath": "$maxItems"}, "[1, 2]", scope=scope) == [1]


def test_the_reader_is_immutable_and_reusable() -> None:
    reader = compile_item_reader(
        {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}}, pointer=POINTER, jsonata=False
    )
    assert reader.read("[1]", _scope()) == reader.read("[1]", _scope()) == [1]
    with pytest.raises(AttributeError):
        reader.action = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("", ()), ("/", ("",)), ("/a/b", ("a", "b")), ("/a~1b/~0", ("a/b", "~")), ("/~01", ("~1",))],
)
def test_json_pointer(text: str, tokens: tuple[str, ...]) -> None:
    assert parse_json_pointer(text, "/p") == tokens


@pytest.mark.parametrize("text", ["a", "/a~2", "/~", 3])
def test_bad_json_pointer(text: Any) -> None:
    with pytest.raises(DefinitionError):
        parse_json_pointer(text, "/p")


def test_bad_max_items_path_is_a_definition_error() -> None:
    with pytest.raises(DefinitionError) as raised:
        compile_item_reader(
            {"Resource": GET, "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.a["}},
            pointer=POINTER,
            jsonata=False,
        )
    assert raised.value.pointer == POINTER + "/ReaderConfig/MaxItemsPath"


# --------------------------------------------------------------------------------------------
# Schema (interpreter/schema/distributed_map.py checks the three objects' fields)

MAP = {
    "Type": "Map",
    "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True}},
    },
    "End": True,
}


def _schema_message(extra: dict[str, Any], *, jsonata: bool = False) -> str | None:
    state = {**MAP, **extra, **({"QueryLanguage": "JSONata"} if jsonata else {})}
    try:
        validate_single_state(state)
    except DefinitionError as error:
        return error.message
    return None


S = "SCHEMA_VALIDATION_FAILED: "
R = "/States/StateName/ItemReader"
SCHEMA_CASES = [
    (
        {
            "ItemReader": {
                "Resource": GET,
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        },
        False,
        None,
    ),
    ({"ItemReader": {"Resource": LIST, "Parameters": {"Bucket.$": "$.b"}}}, False, None),
    (
        {
            "ItemReader": {
                "Resource": "arn:aws-us-gov:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSONL"},
            }
        },
        False,
        None,
    ),
    (
        {
            "ItemReader": {
                "Resource": GET,
                "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% 3 %}"},
                "Arguments": {"Bucket": "{% $states.input.b %}"},
            }
        },
        True,
        None,
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.n"}}},
        False,
        None,
    ),
    ({"ItemReader": []}, False, S + "Expected value of type [OBJECT] at " + R),
    (
        {"ItemReader": {"ReaderConfig": {"InputType": "JSON"}}},
        False,
        S + "These fields are required: [Resource] at " + R,
    ),
    ({"ItemReader": {"Resource": GET, "Foo": 1}}, False, S + "Field 'Foo' is not supported at " + R),
    ({"ItemReader": {"Resource": GET}}, False, S + "These fields are required: [ReaderConfig] at " + R),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {}}},
        False,
        S + "These fields are required: [InputType] at " + R + "/ReaderConfig",
    ),
    (
        {"ItemReader": {"Resource": "arn:aws:states:::s3:putObject", "ReaderConfig": {"InputType": "JSON"}}},
        False,
        S
        + "Value should be one of the following: [arn:aws:states:::s3:getObject, arn:aws:states:::s3:listObjectsV2]"
        " at " + R + "/Resource",
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "XML"}}},
        False,
        S
        + "Value should be one of the following: [CSV, JSON, JSONL, MANIFEST, PARQUET] at "
        + R
        + "/ReaderConfig/InputType",
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "LAST"}}},
        False,
        S
        + "Value should be one of the following: [FIRST_ROW, GIVEN] at "
        + R
        + "/ReaderConfig/CSVHeaderLocation",
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "CSV", "CSVDelimiter": ","}}},
        False,
        S
        + "Value should be one of the following: [COMMA, PIPE, SEMICOLON, SPACE, TAB] at "
        + R
        + "/ReaderConfig/CSVDelimiter",
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN"}}},
        False,
        S + "These fields are required: [CSVHeaders] at " + R + "/ReaderConfig",
    ),
    (
        {
            "ItemReader": {
                "Resource": GET,
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a", 1]},
            }
        },
        False,
        S + "Expected value of type [STRING] at " + R + "/ReaderConfig/CSVHeaders[1]",
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "JSON", "MaxItems": -1}}},
        False,
        S + "Minimum value is 0 at " + R + "/ReaderConfig/MaxItems",
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "JSON", "MaxItems": 100_000_001}}},
        False,
        S + "Maximum value is 100000000 at " + R + "/ReaderConfig/MaxItems",
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "JSON", "MaxItems": 1.5}}},
        False,
        S + "Expected value of type Integer at " + R + "/ReaderConfig/MaxItems",
    ),
    (
        {
            "ItemReader": {
                "Resource": GET,
                "ReaderConfig": {"InputType": "JSON", "MaxItems": 1, "MaxItemsPath": "$.n"},
            }
        },
        False,
        S
        + "There should only be one of the following fields: [MaxItems, MaxItemsPath] at "
        + R
        + "/ReaderConfig",
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.n"}}},
        True,
        S
        + "The QueryLanguage is set to 'JSONata', but field 'MaxItemsPath' is only supported for the 'JSONPath'"
        " QueryLanguage at " + R + "/ReaderConfig",
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}, "Arguments": {}}},
        False,
        S
        + "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for the 'JSONata'"
        " QueryLanguage at " + R,
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "JSON", "ItemsPointer": "items"}}},
        False,
        S + "Value is not a valid JSON Pointer at " + R + "/ReaderConfig/ItemsPointer",
    ),
    (
        {"ItemReader": {"Resource": GET, "ReaderConfig": {"InputType": "MANIFEST", "ManifestType": "CSV"}}},
        False,
        S
        + "Value should be one of the following: [ATHENA_DATA, S3_INVENTORY] at "
        + R
        + "/ReaderConfig/ManifestType",
    ),
    (
        {"ItemReader": {"Resource": LIST, "ReaderConfig": {"Transformation": "LOAD_AND_FLATTEN"}}},
        False,
        S + "These fields are required: [InputType] at " + R + "/ReaderConfig",
    ),
    # Batcher
    ({"ItemBatcher": {"MaxItemsPerBatch": 10, "BatchInput": {"a.$": "$.x"}}}, False, None),
    ({"ItemBatcher": {"MaxInputBytesPerBatchPath": "$.n"}}, False, None),
    ({"ItemBatcher": {"MaxItemsPerBatch": "{% 2 %}", "BatchInput": "{% $states.input %}"}}, True, None),
    (
        {"ItemBatcher": {"BatchInput": {}}},
        False,
        S
        + "This object should have at least one of the following fields: [MaxItemsPerBatch, MaxItemsPerBatchPath,"
        " MaxInputBytesPerBatch, MaxInputBytesPerBatchPath] at /States/StateName/ItemBatcher",
    ),
    (
        {"ItemBatcher": {"MaxItemsPerBatch": 0}},
        False,
        S + "Minimum value is 1 at /States/StateName/ItemBatcher/MaxItemsPerBatch",
    ),
    (
        {"ItemBatcher": {"MaxInputBytesPerBatch": 262_145}},
        False,
        S + "Maximum value is 262144 at /States/StateName/ItemBatcher/MaxInputBytesPerBatch",
    ),
    (
        {"ItemBatcher": {"MaxItemsPerBatch": 1, "MaxItemsPerBatchPath": "$.n"}},
        False,
        S + "There should only be one of the following fields: [MaxItemsPerBatch, MaxItemsPerBatchPath]"
        " at /States/StateName/ItemBatcher",
    ),
    (
        {"ItemBatcher": {"MaxItemsPerBatch": 1, "Size": 1}},
        False,
        S + "Field 'Size' is not supported at /States/StateName/ItemBatcher",
    ),
    (
        {"ItemBatcher": {"MaxItemsPerBatchPath": "$.n"}},
        True,
        S
        + "The QueryLanguage is set to 'JSONata', but field 'MaxItemsPerBatchPath' is only supported for the 'JSONPath'"
        " QueryLanguage at /States/StateName/ItemBatcher",
    ),
    # Writer
    (
        {
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "b", "Prefix": "p"},
                "WriterConfig": {"OutputType": "JSONL", "Transformation": "COMPACT"},
            }
        },
        False,
        None,
    ),
    ({"ResultWriter": {"WriterConfig": {"Transformation": "FLATTEN"}}}, False, None),
    (
        {"ResultWriter": {}},
        False,
        S + "These fields are required: [Resource] at /States/StateName/ResultWriter",
    ),
    (
        {"ResultWriter": {"Resource": GET}},
        False,
        S
        + "Value should be one of the following: [arn:aws:states:::s3:putObject] at /States/StateName/ResultWriter/Resource",
    ),
    (
        {
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "WriterConfig": {"Transformation": "ZIP"},
            }
        },
        False,
        S
        + "Value should be one of the following: [NONE, COMPACT, FLATTEN] at /States/StateName/ResultWriter/WriterConfig/Transformation",
    ),
    (
        {"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "WriterConfig": {"Format": "x"}}},
        False,
        S + "Field 'Format' is not supported at /States/StateName/ResultWriter/WriterConfig",
    ),
]


@pytest.mark.parametrize(("extra", "jsonata", "message"), SCHEMA_CASES)
def test_schema(extra: dict[str, Any], jsonata: bool, message: str | None) -> None:
    assert _schema_message(extra, jsonata=jsonata) == message


def test_inline_map_accepts_distributed_fields() -> None:
    inline = {**MAP, "ItemProcessor": {**MAP["ItemProcessor"], "ProcessorConfig": {"Mode": "INLINE"}}}
    validate_single_state({**inline, "ItemBatcher": {"MaxItemsPerBatch": 2}})
