"""Strategies for fuzz/test_service_calls_props.py: hostile Tasks that really call something.

The values aim at the paths of issue 15 where a Task leaves the interpreter: HTTP Tasks
(``http:invoke``), the Step Functions of this server (``aws-sdk:sfn:*``, ``states:startExecution``
with ``.sync`` / ``.sync:2``), the AWS SDK and optimized integrations (to moto), a Task's
``Credentials``, and a Distributed Map's ItemReader and ResultWriter. Each strategy mixes values a
user would write (the names of real resources, made by the test's fixtures and passed in as a
`Targets`) with hostile ones: wrong types, huge and deep values, unknown members, odd strings for
URLs, methods, headers, ARNs, names, buckets and keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from hypothesis import strategies as st

__all__ = [
    "HTTP_ROUTES",
    "Targets",
    "hostile",
    "item_readers",
    "machine_states",
    "odd_strings",
    "result_writers",
    "task_states",
]

ROLE: Final = "arn:aws:iam::123456789012:role/fuzz"
# Routes of the test's local HTTP server (fuzz/test_service_calls_props.py `_Handler`).
HTTP_ROUTES: Final = (
    "/ok",
    "/text",
    "/empty",
    "/badjson",
    "/bytes",
    "/big",
    "/redirect",
    "/status/404",
    "/status/500",
    "/status/204",
    "/status/301",
    "/close",
    "/headers",
)
INSPECTION_LEVELS: Final = ("INFO", "DEBUG", "TRACE")
SFN_ACTIONS: Final = (
    "startExecution",
    "startSyncExecution",
    "describeExecution",
    "describeStateMachine",
    "listStateMachines",
    "listExecutions",
    "getExecutionHistory",
    "stopExecution",
    "sendTaskSuccess",
    "sendTaskFailure",
    "sendTaskHeartbeat",
    "createStateMachine",
    "tagResource",
    "validateStateMachineDefinition",
    "describeMapRun",
    "redriveExecution",
    "noSuchAction",
    "StartExecution",
)
NESTED: Final = (
    "arn:aws:states:::states:startExecution",
    "arn:aws:states:::states:startExecution.sync",
    "arn:aws:states:::states:startExecution.sync:2",
    "arn:aws:states:::states:startExecution.waitForTaskToken",
)
OTHER_RESOURCES: Final = (
    "arn:aws:states:::aws-sdk:s3:getObject",
    "arn:aws:states:::aws-sdk:s3:putObject",
    "arn:aws:states:::aws-sdk:s3:listObjectsV2",
    "arn:aws:states:::aws-sdk:dynamodb:getItem",
    "arn:aws:states:::dynamodb:getItem",
    "arn:aws:states:::dynamodb:putItem",
    "arn:aws:states:::sqs:sendMessage",
    "arn:aws:states:::sns:publish",
    "arn:aws:states:::events:putEvents",
    "arn:aws:states:::aws-sdk:sts:getCallerIdentity",
    "arn:aws:states:::aws-sdk:noservice:doIt",
)


@dataclass(frozen=True, slots=True)
class Targets:
    """Real resources the fixtures made, for the plausible half of every draw.

    Attributes:
        http: the local HTTP server's base URL (``http://127.0.0.1:<port>``).
        connection: an EventBridge connection ARN (API_KEY) in moto.
        bucket: a bucket holding the reader's objects (keys in `keys`).
        keys: the bucket's object keys (JSON, JSONL, CSV, text, a manifest, ...).
        prefixes: prefixes of the bucket to list.
        queue: an SQS queue URL.
        table: a DynamoDB table name (hash key ``id``, a string).
        machines: ARNs of state machines of the service (a Pass, a Fail, one that starts a
            failing child with ``.sync``, one that starts that one with ``.sync:2``).
    """

    http: str
    connection: str
    bucket: str
    keys: tuple[str, ...]
    prefixes: tuple[str, ...]
    queue: str
    table: str
    machines: tuple[str, ...]


ODD: Final = (
    "",
    " ",
    "\x00",
    "\ud800",
    "é",
    "😀",
    "\r\nX-Injected: 1",
    "a" * 3000,
    "../../etc/passwd",
    "%00%zz",
    "{}",
    "[]",
    "null",
    "$",
    "$.",
    "$$",
    "{% %}",
    "{% $states.input %}",
    "States.Format(",
    "http://",
    "https://",
    "http://127.0.0.1:1/",
    "http://127.0.0.1:0/",
    "http://[::1",
    "http://[::1]:1/",
    "http://localhost:99999/",
    "http://user:pass@127.0.0.1:1/",
    "ftp://127.0.0.1/",
    "file:///etc/passwd",
    "://",
    "//127.0.0.1/x",
    "https://example.com/",
    "arn:",
    "arn:aws:",
    "arn:aws:states:::",
    "arn:aws:states:us-east-1:123456789012:stateMachine:",
    "arn:aws:states:us-east-1:123456789012:stateMachine:nope",
    "arn:aws:states:us-east-1:123456789012:execution:nope:x",
    "arn:aws:states:us-east-1:000000000000:stateMachine:other",
    "arn:aws:iam::123456789012:role/",
    "arn:aws:iam::123456789012:role/" + "r" * 300,
    "arn:aws:events:us-east-1:123456789012:connection/nope/x",
    "arn:aws:lambda:us-east-1:123456789012:function:f",
    "GET",
    "get",
    "G ET",
    "TRACE",
    "CONNECT",
    "X-Header",
    "Content-Length",
    "Host",
    "Transfer-Encoding",
    "Bucket",
    "s3://bucket/key",
    "a/",
    "/",
    "..",
    "UPPER_Bucket!",
)


def odd_strings() -> st.SearchStrategy[str]:
    """Strings that parsers of URLs, methods, headers, ARNs and names trip on."""
    return st.one_of(st.sampled_from(ODD), st.text(max_size=20))


def _deep(depth: int, leaf: Any) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"d": value}
    return value


def hostile() -> st.SearchStrategy[Any]:
    """Any JSON value, often a wrong type: small trees, huge strings and arrays, deep nesting."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        odd_strings(),
    )
    small = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_strings(), inner, max_size=3),
        max_leaves=6,
    )
    return st.one_of(
        small,
        small,
        st.builds(_deep, st.integers(min_value=1, max_value=150), scalars),
        st.integers(min_value=1, max_value=200_000).map(lambda n: "x" * n),
        st.integers(min_value=1, max_value=20_000).map(lambda n: list(range(n))),
    )


def _maybe(members: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """An object with each of `members` present or not, sometimes with an unknown member added."""
    return st.fixed_dictionaries({}, optional={**members, "Unknown": hostile(), "bucket": odd_strings()})


def _either(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(plausible, plausible, hostile())


def _urls(targets: Targets) -> st.SearchStrategy[Any]:
    routes = st.sampled_from(HTTP_ROUTES)
    return _either(
        st.one_of(
            routes.map(lambda route: targets.http + route),
            st.tuples(routes, odd_strings()).map(lambda pair: f"{targets.http}{pair[0]}?q={pair[1]}"),
            odd_strings().map(lambda tail: targets.http + "/" + tail),
        )
    )


def http_parameters(targets: Targets, *, shaped: bool = False) -> st.SearchStrategy[Any]:
    """Parameters of an ``http:invoke`` Task (AWS "Call HTTPS APIs"), or a hostile value."""
    methods = st.sampled_from(("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"))
    headers = st.dictionaries(odd_strings(), _either(odd_strings()), max_size=3)
    transform = _maybe(
        {
            "RequestBodyEncoding": _either(st.sampled_from(("NONE", "URL_ENCODED"))),
            "RequestEncodingOptions": _maybe(
                {"ArrayFormat": _either(st.sampled_from(("BRACKETS", "COMMAS", "REPEAT", "INDICES")))}
            ),
        }
    )
    plausible = st.fixed_dictionaries(
        {
            "ApiEndpoint": _urls(targets),
            "Method": _either(methods),
            "Authentication": _either(
                st.fixed_dictionaries({"ConnectionArn": _either(st.just(targets.connection))})
            ),
        },
        optional={
            "Headers": _either(headers),
            "QueryParameters": _either(st.dictionaries(odd_strings(), hostile(), max_size=3)),
            "RequestBody": hostile(),
            "Transform": _either(transform),
            "Unknown": hostile(),
        },
    )
    return plausible if shaped else st.one_of(plausible, plausible, plausible, hostile())


def _arns(targets: Targets) -> st.SearchStrategy[Any]:
    return _either(st.sampled_from(targets.machines))


def sfn_parameters(targets: Targets, *, shaped: bool = False) -> st.SearchStrategy[Any]:
    """Parameters of ``aws-sdk:sfn:*`` and ``states:startExecution`` Tasks, or a hostile value."""
    plausible = _maybe(
        {
            "StateMachineArn": _arns(targets),
            "ExecutionArn": _arns(targets),
            "Input": _either(st.sampled_from(("{}", '{"a": 1}', "[1]"))),
            "Name": _either(st.text(alphabet="abcXYZ-_09", min_size=1, max_size=12)),
            "TaskToken": odd_strings(),
            "Output": hostile(),
            "Error": hostile(),
            "Cause": hostile(),
            "MaxResults": _either(st.integers(min_value=-1, max_value=1001)),
            "Definition": _either(st.just('{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}')),
            "RoleArn": _either(st.just(ROLE)),
            "TraceHeader": hostile(),
            "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": st.just("$$.Execution.Id"),
        }
    )
    return plausible if shaped else st.one_of(plausible, plausible, plausible, hostile())


def other_parameters(targets: Targets, *, shaped: bool = False) -> st.SearchStrategy[Any]:
    """Parameters of the S3 / DynamoDB / SQS / SNS / EventBridge / STS Tasks, or a hostile value."""
    plausible = _maybe(
        {
            "Bucket": _either(st.just(targets.bucket)),
            "Key": _either(st.sampled_from(targets.keys)),
            "Body": hostile(),
            "Prefix": _either(st.sampled_from(targets.prefixes)),
            "TableName": _either(st.just(targets.table)),
            "Key ": hostile(),
            "Item": _either(st.just({"id": {"S": "x"}})),
            "QueueUrl": _either(st.just(targets.queue)),
            "MessageBody": hostile(),
            "TopicArn": odd_strings(),
            "Message": hostile(),
            "Entries": _either(st.just([{"Source": "fuzz", "DetailType": "t", "Detail": "{}"}])),
        }
    )
    return plausible if shaped else st.one_of(plausible, plausible, plausible, hostile())


def credentials(*, shaped: bool = False) -> st.SearchStrategy[Any]:
    """A Task's ``Credentials`` (AWS "Task", Credentials): a role ARN, a path to one, or junk
    (not when `shaped`: an object with a role)."""
    role = st.fixed_dictionaries({"RoleArn": _either(st.just("arn:aws:iam::123456789012:role/other"))})
    if shaped:
        return st.one_of(role, st.just({"RoleArn.$": "$.role"}))
    return st.one_of(role, st.just({"RoleArn.$": "$.role"}), hostile())


def task_states(targets: Targets, *, shaped: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """A Task state (JSONPath ``Parameters`` or JSONata ``Arguments``) calling one of the resources;
    `shaped`: its parameters and Credentials objects (hostile values inside), so that
    CreateStateMachine accepts most of them."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        kind = draw(st.sampled_from(("http", "http", "sdk", "nested", "other")))
        if kind == "http":
            resource, parameters = (
                "arn:aws:states:::http:invoke",
                draw(http_parameters(targets, shaped=shaped)),
            )
        elif kind == "sdk":
            action = draw(st.sampled_from(SFN_ACTIONS))
            resource, parameters = (
                f"arn:aws:states:::aws-sdk:sfn:{action}",
                draw(sfn_parameters(targets, shaped=shaped)),
            )
        elif kind == "nested":
            resource, parameters = draw(st.sampled_from(NESTED)), draw(sfn_parameters(targets, shaped=shaped))
        else:
            resource, parameters = (
                draw(st.sampled_from(OTHER_RESOURCES)),
                draw(other_parameters(targets, shaped=shaped)),
            )
        state: dict[str, Any] = {"Type": "Task", "Resource": resource}
        jsonata = draw(st.booleans())
        if jsonata:
            state["QueryLanguage"] = "JSONata"
        if shaped or draw(st.integers(min_value=0, max_value=9)):
            state["Arguments" if jsonata else "Parameters"] = parameters
        if draw(st.integers(min_value=0, max_value=3)) == 0:
            state["Credentials"] = draw(credentials(shaped=shaped))
        if draw(st.booleans()) or (shaped and resource.endswith(".waitForTaskToken")):
            # In an execution a token nobody sends waits until the Task's timeout (a year without
            # one, on AWS too): the timeout bounds it (the clock is virtual).
            state["TimeoutSeconds"] = draw(st.integers(min_value=1, max_value=5))
        return state

    return build()


def item_readers(targets: Targets, *, shaped: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """An ItemReader of every InputType / Transformation / ManifestType, with a hostile ReaderConfig."""
    config = _maybe(
        {
            "InputType": _either(st.sampled_from(("CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"))),
            "Transformation": _either(st.sampled_from(("NONE", "LOAD_AND_FLATTEN"))),
            "ManifestType": _either(st.sampled_from(("S3_INVENTORY", "ATHENA_DATA"))),
            "CSVHeaderLocation": _either(st.sampled_from(("FIRST_ROW", "GIVEN"))),
            "CSVHeaders": _either(st.lists(odd_strings(), max_size=3)),
            "CSVDelimiter": _either(st.sampled_from(("COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"))),
            "MaxItems": _either(st.integers(min_value=-1, max_value=100_000_001)),
            "ItemsPointer": _either(st.sampled_from(("", "/rows", "/rows/0", "/~2", "/missing"))),
        }
    )
    parameters = _maybe(
        {
            "Bucket": _either(st.just(targets.bucket)),
            "Key": _either(st.sampled_from(targets.keys)),
            "Prefix": _either(st.sampled_from(targets.prefixes)),
            "VersionId": odd_strings(),
            "MaxKeys": hostile(),
        }
    )
    resources = st.sampled_from(
        (
            "arn:aws:states:::s3:getObject",
            "arn:aws:states:::s3:listObjectsV2",
            "arn:aws:states:::s3:listObjectsV2",
            "arn:aws:states:::aws-sdk:s3:getObject",
            "arn:aws:states:::s3:noSuchAction",
        )
    )
    return st.fixed_dictionaries(
        {"Resource": resources},
        optional={
            "ReaderConfig": config if shaped else _either(config),
            "Parameters": parameters if shaped else _either(parameters),
        },
    )


def result_writers(targets: Targets, *, shaped: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """A ResultWriter: a Bucket / Prefix with a WriterConfig, often hostile."""
    parameters = _maybe(
        {"Bucket": _either(st.just(targets.bucket)), "Prefix": _either(st.sampled_from(("out", "out/", "")))}
    )
    config = _maybe(
        {
            "OutputType": _either(st.sampled_from(("JSON", "JSONL"))),
            "Transformation": _either(st.sampled_from(("NONE", "COMPACT", "FLATTEN"))),
        }
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "Resource": _either(st.sampled_from(("arn:aws:states:::s3:putObject",))),
            "Parameters": parameters if shaped else _either(parameters),
            "WriterConfig": config if shaped else _either(config),
        },
    )


def map_state(
    targets: Targets, *, processor_task: bool, shaped: bool = False
) -> st.SearchStrategy[dict[str, Any]]:
    """A Distributed Map reading with an ItemReader, sometimes writing with a ResultWriter; its
    iterations a Pass or (`processor_task`) a Task of `task_states`."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        inner: dict[str, Any] = {"Type": "Pass", "End": True}
        if processor_task and draw(st.booleans()):
            inner = {**draw(task_states(targets, shaped=shaped)), "End": True}
        state: dict[str, Any] = {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {
                    "Mode": "DISTRIBUTED",
                    "ExecutionType": draw(st.sampled_from(("STANDARD", "EXPRESS"))),
                },
                "StartAt": "Inner",
                "States": {"Inner": inner},
            },
            "ItemReader": draw(item_readers(targets, shaped=shaped)),
        }
        if draw(st.booleans()):
            state["ResultWriter"] = draw(result_writers(targets, shaped=shaped))
        if draw(st.booleans()):
            state["ToleratedFailurePercentage"] = draw(st.integers(min_value=0, max_value=100))
        if draw(st.booleans()):
            state["MaxConcurrency"] = draw(st.integers(min_value=1, max_value=3))
        return state

    return build()


def machine_states(targets: Targets) -> st.SearchStrategy[list[dict[str, Any]]]:
    """One to three states for an execution: calling Tasks and Distributed Maps, each sometimes
    with a Retry and a Catch-all (the chain is wired by the test)."""
    one = st.one_of(
        task_states(targets, shaped=True),
        task_states(targets, shaped=True),
        map_state(targets, processor_task=True, shaped=True),
    )

    @st.composite
    def decorate(draw: st.DrawFn) -> dict[str, Any]:
        state: dict[str, Any] = draw(one)
        if draw(st.booleans()):
            state["Retry"] = [
                {
                    "ErrorEquals": ["States.ALL"],
                    "MaxAttempts": draw(st.integers(min_value=1, max_value=2)),
                    "IntervalSeconds": 1,
                }
            ]
        if draw(st.booleans()):
            state["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]
        return state

    return st.lists(decorate(), min_size=1, max_size=3)
