"""Properties of Tasks that really call something (issue 15), under hostile parameters.

Real components only: a moto server (`tests.moto_server`) holding a bucket of reader objects, a
queue, a table and an EventBridge connection; a local HTTP server in a thread (`_Handler`: JSON,
text, invalid UTF-8, a closed connection, redirects, odd statuses) for HTTP Tasks; this service as
an in-process app with calls on (``TESTSTATE_SERVICE_CALLS`` given as `CallSettings`, as
tests/integrations/test_map_s3.py does) for most examples, and the real gunicorn server
(`teststate.testing.start_server`) for a smaller sample.

- TestState of a Task calling ``http:invoke``, ``aws-sdk:sfn:*``, ``states:startExecution[.sync|
  .sync:2]`` or an S3 / DynamoDB / SQS / SNS / EventBridge / STS action, with hostile Parameters or
  Arguments and Credentials, at every inspectionLevel, with and without revealSecrets; and of a
  Distributed Map whose ItemReader really reads (no ``mapItemReaderData``), of every InputType,
  Transformation and ManifestType with a hostile ReaderConfig: the answer is a 200 of TestState's
  output shape, or a 4xx with ``__type`` and ``message``; never a 5xx.
- Executions whose states make such calls, Distributed Maps with ItemReader and ResultWriter, and
  chains of executions starting executions (``.sync`` waiting on a child that fails): each ends
  (SUCCEEDED / FAILED / TIMED_OUT / ABORTED) within `EXECUTION_DEADLINE_SECONDS`, its history is
  well formed (ids 1..n, previous ids earlier, one terminal event, last) and DescribeExecution
  agrees with it; the children they start end too; no API call answers a 5xx.

The regression tests at the end are the minimal examples of bugs these properties found (a
required URI member missing, an answer botocore cannot parse, a lone surrogate in a cause), fixed
since.
"""

from __future__ import annotations

import gzip
import http.client
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from fuzz.conftest import PROFILE, REQUESTS
from fuzz.history_checks import check_history
from fuzz.service_call_strategies import (
    INSPECTION_LEVELS,
    ROLE,
    Targets,
    hostile,
    machine_states,
    map_state,
    task_states,
)
from teststate import create_app

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

EXECUTION_DEADLINE_SECONDS: Final = 30.0
HTTP_TIMEOUT_SECONDS: Final = 90.0
SLOW_ANSWER_SECONDS: Final = 30.0  # a TestState answer slower than this counts as a hang
ENDED: Final = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
_names = itertools.count()


def _examples(count: int) -> int:
    """`count` examples (at most the profile's), twenty times as many under ``long``."""
    if PROFILE == "long":
        return count * 20
    return min(settings().max_examples, count)


def _model() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """TestState's output members, its status values and its inspectionData members (botocore)."""
    import botocore.session

    output = botocore.session.get_session().get_service_model("stepfunctions").operation_model("TestState")
    shape: Any = output.output_shape
    return (
        frozenset(shape.members),
        frozenset(shape.members["status"].enum),
        frozenset(shape.members["inspectionData"].members),
    )


OUTPUT_MEMBERS, STATUSES, INSPECTION_MEMBERS = _model()


# --------------------------------------------------------------------------------------------
# The local HTTP server an HTTP Task calls
# --------------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    """Answers by path (fuzz.service_call_strategies.HTTP_ROUTES); anything else is JSON."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(length, 1 << 22))
        route = urlsplit(self.path).path
        status, kind, body, extra = 200, "application/json", b'{"ok": true}', [("X-Echo", "one")]
        if route == "/close":
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        if route == "/text":
            kind, body = "text/plain; charset=utf-8", "plain wörds".encode()
        elif route == "/empty":
            body = b""
        elif route == "/badjson":
            body = b'{"ok": tru'
        elif route == "/bytes":
            body = b"\xff\xfe\x00\x80 not utf-8"
        elif route == "/big":
            body = json.dumps({"rows": ["y" * 100] * 30_000}).encode()
        elif route == "/redirect":
            status, extra = 302, [("Location", "/ok")]
        elif route.startswith("/status/"):
            status = int(route.rsplit("/", 1)[1])
            if status in (204, 304):
                body = b""
        elif route == "/headers":
            extra = [("X-Odd", 'a, b; c="d"'), ("X-Odd", "twice"), ("Set-Cookie", "k=v; Path=/")]
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def http_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------------------------
# moto, and what lives in it
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from tests.moto_server import CREDENTIALS, MotoDidNotStart, moto_available, moto_server

    if not moto_available():
        pytest.skip("moto[server] is in the test extra")
    with pytest.MonkeyPatch.context() as patch:
        # botocore (the service's and ours) resolves credentials from the environment.
        for name, value in CREDENTIALS.items():
            patch.setenv(name, value)
        try:
            with moto_server() as url:
                yield url
        except MotoDidNotStart as err:
            pytest.fail(str(err))


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def _objects(bucket: str) -> dict[str, bytes]:
    """The reader's objects: each InputType's good and bad forms, an S3 inventory and an Athena
    manifest (the developer guide, "ItemReader (Map)")."""
    inventory = {"inv/data/1.csv.gz": gzip.compress(b'"src","a.txt","3"\n"src","b, c.txt","4"\n')}
    manifest = {
        "sourceBucket": "src",
        "destinationBucket": f"arn:aws:s3:::{bucket}",
        "version": "2016-11-30",
        "creationTimestamp": "1668560400000",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size",
        "files": [{"key": key, "size": len(body), "MD5checksum": "00"} for key, body in inventory.items()],
    }
    odd_manifest = {**manifest, "files": [{"key": "../../nope"}, {"size": 3}, "x", None]}
    return {
        "data/rows.json": json.dumps({"rows": [{"a": 1}, {"a": 2}]}).encode(),
        "data/list.json": b"[1, 2, 3]",
        "data/lines.jsonl": b'{"a": 1}\n{"a": 2}\n',
        "data/table.csv": b"h1,h2\n1,2\n3,4\n",
        "data/text.txt": b"not json at all",
        "data/bytes.bin": b"\xff\xfe\x00\x80",
        "data/empty": b"",
        "data/deep.json": _deep_json(50_000).encode(),
        "inv/data/2.csv": b'"src","plain","1"\n',
        "inv/manifest.json": json.dumps(manifest).encode(),
        "inv/odd-manifest.json": json.dumps(odd_manifest).encode(),
        "athena/manifest.csv": f"s3://{bucket}/data/table.csv\ns3://nope/x\n".encode(),
        **inventory,
    }


@dataclass(frozen=True, slots=True)
class World:
    """What moto holds for the examples (machines are per service: see `_targets`)."""

    moto: str
    http: str
    connection: str
    bucket: str
    keys: tuple[str, ...]
    queue: str
    table: str


@pytest.fixture(scope="module")
def world(moto_url: str, http_api: str) -> World:
    from tests.integrations.support import create_table, unique_name
    from tests.moto_server import clients

    aws = clients(moto_url)
    bucket = unique_name("fuzz")
    aws("s3").create_bucket(Bucket=bucket)
    objects = _objects(bucket)
    for key, body in objects.items():
        aws("s3").put_object(Bucket=bucket, Key=key, Body=body)
    connection = aws("events").create_connection(
        Name=unique_name("api"),
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"},
            "InvocationHttpParameters": {
                "HeaderParameters": [{"Key": "X-Tenant", "Value": "t", "IsValueSecret": True}],
                "QueryStringParameters": [{"Key": "region", "Value": "eu", "IsValueSecret": False}],
                "BodyParameters": [{"Key": "source", "Value": "sfn", "IsValueSecret": False}],
            },
        },
    )["ConnectionArn"]
    queue = aws("sqs").create_queue(QueueName=unique_name("queue"))["QueueUrl"]
    return World(
        moto=moto_url,
        http=http_api,
        connection=str(connection),
        bucket=bucket,
        keys=(*objects, "nothing/here", ""),
        queue=str(queue),
        table=create_table(aws),
    )


# --------------------------------------------------------------------------------------------
# The service: in process, or the real server
# --------------------------------------------------------------------------------------------
class Api(Protocol):
    def __call__(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]: ...


def _checked(operation: str, status: int, raw: bytes) -> tuple[int, dict[str, Any]]:
    """The answer, after the rule every answer keeps: no 5xx; a 4xx has ``__type`` and ``message``."""
    if status >= 500:
        REQUESTS["5xx"] += 1
    assert status < 500, (operation, status, raw[:2000])
    payload = json.loads(raw)
    assert isinstance(payload, dict), payload
    if status != 200:
        assert 400 <= status < 500, (status, payload)
        assert isinstance(payload.get("__type"), str) and payload["__type"], payload
        assert isinstance(payload.get("message"), str), payload
    return status, payload


def _headers(operation: str) -> dict[str, str]:
    return {"X-Amz-Target": f"AWSStepFunctions.{operation}", "Content-Type": "application/x-amz-json-1.0"}


def inprocess_api(directory: Path, moto: str) -> Api:
    from teststate.integrations import CallSettings

    calls = CallSettings.from_env(
        {"TESTSTATE_SERVICE_CALLS": "1", "AWS_ENDPOINT_URL": moto, "AWS_REGION": "us-east-1"}
    )
    app = create_app(
        {"TESTING": False, "TESTSTATE_SERVICE_CALLS": calls, "TESTSTATE_DATA_DIR": str(directory)}
    )
    client = app.test_client()

    def call(operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        answer = client.post("/", data=json.dumps(body), headers=_headers(operation))
        REQUESTS["flask"] += 1
        return _checked(operation, answer.status_code, answer.get_data())

    return call


def http_api_of(url: str) -> Api:
    address = urlsplit(url)

    def call(operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        connection = http.client.HTTPConnection(
            address.hostname or "", address.port, timeout=HTTP_TIMEOUT_SECONDS
        )
        try:
            connection.request("POST", "/", body=json.dumps(body), headers=_headers(operation))
            answer = connection.getresponse()
            raw = answer.read()
        finally:
            connection.close()
        REQUESTS["http"] += 1
        return _checked(operation, answer.status, raw)

    return call


CHILD_OK: Final = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
CHILD_FAIL: Final = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "bad"}}}


def _start_of(arn: str, resource: str) -> dict[str, Any]:
    return {
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {"StateMachineArn": arn, "Input": {"from.$": "$$.Execution.Id"}},
                "End": True,
            }
        },
    }


def _create(api: Api, name: str, definition: dict[str, Any], kind: str = "STANDARD") -> str:
    status, answer = api(
        "CreateStateMachine",
        {"name": name, "definition": json.dumps(definition), "roleArn": ROLE, "type": kind},
    )
    assert status == 200, answer
    return str(answer["stateMachineArn"])


def _targets(api: Api, world: World) -> Targets:
    """The world's resources and a chain of machines in `api`'s service: a Pass, a Fail, one
    that waits (``.sync``) on the Fail, one that waits (``.sync:2``) on that one, one that starts
    the Pass and goes on (request-response), and an EXPRESS Pass."""
    prefix = f"t{next(_names)}"
    ok = _create(api, f"{prefix}-ok", CHILD_OK)
    fail = _create(api, f"{prefix}-fail", CHILD_FAIL)
    middle = _create(api, f"{prefix}-middle", _start_of(fail, "arn:aws:states:::states:startExecution.sync"))
    top = _create(api, f"{prefix}-top", _start_of(middle, "arn:aws:states:::states:startExecution.sync:2"))
    starter = _create(api, f"{prefix}-starter", _start_of(ok, "arn:aws:states:::states:startExecution"))
    express = _create(api, f"{prefix}-express", CHILD_OK, "EXPRESS")
    return Targets(
        http=world.http,
        connection=world.connection,
        bucket=world.bucket,
        keys=world.keys,
        prefixes=("data/", "inv/", "athena/", "", "nothing/"),
        queue=world.queue,
        table=world.table,
        machines=(ok, fail, middle, top, starter, express),
    )


@dataclass(frozen=True, slots=True)
class Service:
    api: Api
    targets: Targets


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, world: World) -> Service:
    api = inprocess_api(tmp_path_factory.mktemp("calls") / "data", world.moto)
    return Service(api=api, targets=_targets(api, world))


_real: dict[str, Service] = {}


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory, world: World) -> Iterator[Service]:
    """The real gunicorn server, calls on to moto (README, "Calling real services")."""
    from tests.conftest import START_TIMEOUT_SECONDS
    from tests.moto_server import service_call_env
    from teststate.testing import ServerDidNotStart, start_server

    env = {
        "TESTSTATE_DATA_DIR": str(tmp_path_factory.mktemp("calls-http") / "data"),
        "TESTSTATE_MAX_REQUESTS": "0",
        **service_call_env(world.moto),
    }
    try:
        running = start_server(workers=2, env=env, start_timeout=START_TIMEOUT_SECONDS)
    except ServerDidNotStart as err:
        pytest.fail(str(err))
    with running:
        api = http_api_of(running.url)
        yield Service(api=api, targets=_targets(api, world))


# --------------------------------------------------------------------------------------------
# TestState
# --------------------------------------------------------------------------------------------
def _check_test_state(status: int, answer: dict[str, Any]) -> None:
    if status != 200:
        event(f"TestState refused: {answer['__type']}")
        return
    assert set(answer) <= OUTPUT_MEMBERS, answer
    assert answer.get("status") in STATUSES, answer
    for member in ("output", "error", "cause", "nextState"):
        assert isinstance(answer.get(member, ""), str), (member, answer)
    inspection = answer.get("inspectionData", {})
    assert isinstance(inspection, dict) and set(inspection) <= INSPECTION_MEMBERS, inspection
    if "output" in answer:
        json.loads(answer["output"])
    event(f"TestState {answer['status']} {answer.get('error', '')}")


def _request(state: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    request: dict[str, Any] = {
        "definition": json.dumps(state),
        "input": json.dumps(
            data.draw(
                st.one_of(
                    st.just({"role": "arn:aws:iam::123456789012:role/x"}), hostile().map(lambda v: {"v": v})
                ),
                label="input",
            )
        ),
        "roleArn": ROLE,
        "inspectionLevel": data.draw(st.sampled_from(INSPECTION_LEVELS), label="inspectionLevel"),
    }
    if data.draw(st.booleans(), label="revealSecrets"):
        request["revealSecrets"] = True
    return request


def _send_test_state(api: Api, request: dict[str, Any]) -> None:
    note(json.dumps(request)[:20_000])
    started = time.monotonic()
    status, answer = api("TestState", request)
    assert time.monotonic() - started < SLOW_ANSWER_SECONDS, "the answer took too long"
    _check_test_state(status, answer)


@settings(max_examples=_examples(120), suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_teststate_of_a_calling_task_answers_200_or_a_4xx(service: Service, data: st.DataObject) -> None:
    state = {**data.draw(task_states(service.targets), label="task"), "End": True}
    _send_test_state(service.api, _request(state, data))


def _map_request(targets: Targets, data: st.DataObject) -> dict[str, Any]:
    shaped = data.draw(st.booleans(), label="shaped")
    state = {**data.draw(map_state(targets, processor_task=False, shaped=shaped), label="map"), "End": True}
    request = _request(state, data)
    if data.draw(st.booleans(), label="mocked result"):
        request["mock"] = {"result": "[]"}
    return request


@settings(max_examples=_examples(80), suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_teststate_of_a_reading_map_answers_200_or_a_4xx(service: Service, data: st.DataObject) -> None:
    _send_test_state(service.api, _map_request(service.targets, data))


@settings(max_examples=_examples(15), suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_teststate_over_http_answers_200_or_a_4xx(real_server: Service, data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="map"):
        request = _map_request(real_server.targets, data)
    else:
        request = _request({**data.draw(task_states(real_server.targets), label="task"), "End": True}, data)
    _send_test_state(real_server.api, request)


# --------------------------------------------------------------------------------------------
# Executions
# --------------------------------------------------------------------------------------------
def _machine(states: list[dict[str, Any]]) -> dict[str, Any]:
    """`states` chained S0 -> S1 -> ..., a Catch's ``Next`` a Pass named Caught."""
    names = [f"S{index}" for index in range(len(states))]
    chained: dict[str, Any] = {}
    for index, (name, state) in enumerate(zip(names, states, strict=True)):
        ending = {"End": True} if index == len(states) - 1 else {"Next": names[index + 1]}
        chained[name] = {**state, **ending}
    if any("Catch" in state for state in states):
        chained["Caught"] = {"Type": "Pass", "End": True}
    return {"StartAt": names[0], "States": chained}


def _history(api: Api, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        body: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        if token:
            body["nextToken"] = token
        status, page = api("GetExecutionHistory", body)
        assert status == 200, page
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def _ended(api: Api, arn: str) -> dict[str, Any]:
    """DescribeExecution once the execution has ended; fails after the deadline."""
    deadline = time.monotonic() + EXECUTION_DEADLINE_SECONDS
    while True:
        status, describe = api("DescribeExecution", {"executionArn": arn})
        assert status == 200, describe
        if describe["status"] != "RUNNING":
            return describe
        assert time.monotonic() < deadline, f"{arn} still RUNNING after {EXECUTION_DEADLINE_SECONDS} s"
        time.sleep(0.01)


def check_execution(api: Api, arn: str) -> str:
    """Wait for `arn` to end; check its history against DescribeExecution; its status."""
    describe = _ended(api, arn)
    assert describe["status"] in ENDED, describe
    events = _history(api, arn)
    check_history(events, describe["status"])
    details: dict[str, Any] = next(
        (value for key, value in events[-1].items() if key.endswith("EventDetails")), {}
    )
    if describe["status"] == "SUCCEEDED":
        assert details.get("output") == describe.get("output"), (details, describe)
    elif describe["status"] == "FAILED":
        assert (details.get("error"), details.get("cause")) == (describe.get("error"), describe.get("cause"))
    return str(describe["status"])


def _children_end(service: Service, seen: set[str]) -> None:
    """Every execution of the known machines (the children the examples start) ends, well formed."""
    for machine in service.targets.machines:
        if machine.endswith("-express"):
            continue  # AWS lists no EXPRESS executions (StateMachineTypeNotSupported)
        status, listed = service.api("ListExecutions", {"stateMachineArn": machine, "maxResults": 1000})
        assert status == 200, listed
        for item in listed["executions"]:
            if item["executionArn"] not in seen:
                check_execution(service.api, item["executionArn"])
                seen.add(item["executionArn"])


def run_case(service: Service, definition: dict[str, Any], input_value: Any, *, express: bool) -> None:
    api = service.api
    note(json.dumps(definition)[:20_000])
    name = f"run-{next(_names)}"
    status, created = api(
        "CreateStateMachine",
        {
            "name": name,
            "definition": json.dumps(definition),
            "roleArn": ROLE,
            "type": "EXPRESS" if express else "STANDARD",
        },
    )
    if status != 200:
        event(f"CreateStateMachine refused: {created['message'][:60]}")
        return
    arn = created["stateMachineArn"]
    text = json.dumps(input_value)
    if express:
        status, answer = api("StartSyncExecution", {"stateMachineArn": arn, "input": text})
        assert status == 200, answer
        assert answer["status"] in {"SUCCEEDED", "FAILED", "TIMED_OUT"}, answer
        event(f"sync {answer['status']}")
    else:
        status, started = api("StartExecution", {"stateMachineArn": arn, "input": text})
        assert status == 200, started
        event(f"execution {check_execution(api, started['executionArn'])}")
    _children_end(service, _SEEN.setdefault(id(service), set()))


_SEEN: dict[int, set[str]] = {}


def _execution_inputs() -> st.SearchStrategy[Any]:
    return st.one_of(st.just({"role": "arn:aws:iam::123456789012:role/x"}), hostile().map(lambda v: {"v": v}))


@settings(max_examples=_examples(25), suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_calling_execution_ends_well_formed(service: Service, data: st.DataObject) -> None:
    states = data.draw(machine_states(service.targets), label="states")
    express = data.draw(st.integers(min_value=0, max_value=4), label="express") == 0
    run_case(service, _machine(states), data.draw(_execution_inputs(), label="input"), express=express)


@settings(max_examples=_examples(6), suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_calling_execution_ends_well_formed_over_http(
    real_server: Service, data: st.DataObject
) -> None:
    states = data.draw(machine_states(real_server.targets), label="states")
    run_case(real_server, _machine(states), data.draw(_execution_inputs(), label="input"), express=False)


def test_a_sync_chain_on_a_failing_child_fails_every_level(service: Service) -> None:
    """top --.sync:2--> middle --.sync--> fail: each level ends FAILED, histories well formed."""
    top = service.targets.machines[3]
    status, started = service.api("StartExecution", {"stateMachineArn": top, "input": "{}"})
    assert status == 200, started
    assert check_execution(service.api, started["executionArn"]) == "FAILED"
    _children_end(service, _SEEN.setdefault(id(service), set()))


# --------------------------------------------------------------------------------------------
# Regressions: the minimal examples of bugs the properties found
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def raw_api(tmp_path_factory: pytest.TempPathFactory, world: World) -> Api:
    """An in-process service, calls on to moto, whose answers are not checked: a regression test
    sees the 5xx."""
    from teststate.integrations import CallSettings

    calls = CallSettings.from_env({"TESTSTATE_SERVICE_CALLS": "1", "AWS_ENDPOINT_URL": world.moto})
    directory = tmp_path_factory.mktemp("calls-raw") / "data"
    client = create_app(
        {"TESTING": False, "TESTSTATE_SERVICE_CALLS": calls, "TESTSTATE_DATA_DIR": str(directory)}
    ).test_client()

    def call(operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        answer = client.post("/", data=json.dumps(body), headers=_headers(operation))
        return answer.status_code, dict(json.loads(answer.get_data()))

    return call


def _one_task(api: Api, state: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """TestState of `state` (made an End state) at DEBUG."""
    request = {"definition": json.dumps({**state, "End": True}), "input": "{}", "roleArn": ROLE}
    return api("TestState", {**request, "inspectionLevel": "DEBUG"})


def test_an_sdk_call_missing_a_required_uri_member_fails_the_state(raw_api: Api) -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "Parameters": {}}
    status, answer = _one_task(raw_api, state)
    assert status == 200, answer
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Runtime"), answer


def test_an_unparsable_service_answer_fails_the_state(raw_api: Api) -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "Parameters": {"Message": "x"}}
    status, answer = _one_task(raw_api, state)
    assert status == 200, answer
    assert answer["status"] == "FAILED" and answer["error"] == "SNS.SdkClientException", answer


def test_a_cause_holding_a_lone_surrogate_ends_the_execution(service: Service) -> None:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
        "Parameters": {"Bucket": "\ud800", "Key": "k"},
        "End": True,
    }
    arn = _create(service.api, f"surrogate-{next(_names)}", {"StartAt": "S", "States": {"S": state}})
    status, started = service.api("StartExecution", {"stateMachineArn": arn, "input": "{}"})
    assert status == 200, started
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        _, describe = service.api("DescribeExecution", {"executionArn": started["executionArn"]})
        if describe["status"] != "RUNNING":
            break
        time.sleep(0.02)
    assert describe["status"] == "FAILED", describe
