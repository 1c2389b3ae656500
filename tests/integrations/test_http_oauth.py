"""HTTP Tasks through an OAuth client-credentials EventBridge connection.

A real HTTP server (``http.server`` in a thread, on a free loopback port) is both the connection's
authorization endpoint, which checks the client's Basic credentials and the connection's
``OAuthHttpParameters`` and issues numbered tokens, and the API, which wants ``Authorization:
Bearer <a token it issued and has not revoked>``. The connection lives in the session's moto
server; TestState requests go through an in-process app calling on to moto, one execution runs
in the real gunicorn server. Nothing in between is mocked.

AWS (EventBridge User Guide, "Authorization methods for connections"): the client ID and secret
are exchanged for a token, refreshed on a 401 or 407 answer and when within 60 seconds of its
expiry. Not recorded; ours (`teststate/integrations/oauth.py`): the token request's form (Basic
client credentials, the parameters as form body and query string, a JSON answer with
``access_token`` and ``expires_in``), one more request after a fresh token, and the error of a
token that cannot be had, ``Events.ConnectionResource.InvalidConnectionState``.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.executions_support import finished
from tests.moto_server import service_call_env
from teststate.integrations import CallSettings
from teststate.integrations.http_task import SECRET_PLACEHOLDER
from teststate.integrations.oauth import OAuthClient, Token, TokenCache
from teststate.testing import ServerDidNotStart, start_server

from .conftest import REGION
from .support import in_process_test_state, serving, silent_endpoint, unique_name

ROLE = "arn:aws:iam::123456789012:role/sfn"
RESOURCE = "arn:aws:states:::http:invoke"
CLIENT_ID = "client-7"
CLIENT_SECRET = "client-s3cret"
FAILED_AUTHORIZATION = "Events.ConnectionResource.InvalidConnectionState"
LONG_LIVED, SHORT_LIVED = 3600, 30  # seconds; a token within 60 s of expiry is refreshed


class _Endpoints(BaseHTTPRequestHandler):
    """``/token/<lifetime>`` issues tokens (``/token/refuse`` answers 400, ``/token/empty`` a JSON
    object without a token); ``/api/...`` echoes the request when its bearer is valid, else
    answers 401, as ``/api/deny`` always does."""

    server: _Server

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        parts = urlsplit(self.path)
        if parts.path.startswith("/token/"):
            status, answer = self._token(parts.path.removeprefix("/token/"), parts.query, body)
        else:
            status, answer = self._api(parts.path, body)
        data = json.dumps(answer).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _token(self, lifetime: str, query: str, body: str) -> tuple[int, dict[str, Any]]:
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode("ascii")
        asked = {
            "method": self.command,
            "authorization": self.headers.get("Authorization"),
            "audience": self.headers.get("X-Audience"),
            "query": parse_qsl(query),
            "body": parse_qsl(body),
            "content_type": self.headers.get("Content-Type"),
        }
        with self.server.lock:
            self.server.token_requests.append(asked)
            if lifetime == "refuse" or asked["authorization"] != f"Basic {basic}":
                return 400, {"error": "invalid_client"}
            if lifetime == "empty":
                return 200, {"token_type": "Bearer"}
            if asked["query"] != [("tenant", "t-1")] or asked["audience"] != "orders":
                return 400, {"error": "invalid_request"}
            if self.command == "POST" and asked["body"] != [
                ("grant_type", "client_credentials"),
                ("scope", "orders.read"),
            ]:
                return 400, {"error": "invalid_grant"}
            token = f"token-{len(self.server.issued) + 1}"
            self.server.issued.append(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": int(lifetime)}

    def _api(self, path: str, body: str) -> tuple[int, dict[str, Any]]:
        bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        with self.server.lock:
            self.server.api_requests.append(
                {"path": path, "headers": dict(self.headers.items()), "body": body, "bearer": bearer}
            )
            valid = bearer in self.server.issued and bearer not in self.server.revoked and path != "/api/deny"
        if not valid:
            return 401, {"message": "Unauthorized"}
        return 200, {"path": path, "bearer": bearer}

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Server(ThreadingHTTPServer):
    lock: threading.Lock
    token_requests: list[dict[str, Any]]
    issued: list[str]
    revoked: set[str]
    api_requests: list[dict[str, Any]]


@pytest.fixture(scope="module")
def running() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Endpoints)
    server.lock = threading.Lock()
    server.token_requests, server.issued, server.revoked, server.api_requests = [], [], set(), []
    with serving(server):
        yield server


@pytest.fixture
def endpoints(running: _Server) -> _Server:
    """The server, its records emptied (tokens issued before stay valid)."""
    with running.lock:
        running.token_requests.clear()
        running.api_requests.clear()
    return running


def _url(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _connection(
    aws: Any, authorization_endpoint: str, *, method: str = "POST", client_secret: str = CLIENT_SECRET
) -> str:
    """A new OAuth connection (its own token) whose token request carries a header, a query
    parameter and two body parameters, and whose invocations carry a header of their own."""
    created = aws("events").create_connection(
        Name=unique_name("oauth"),
        AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters={
            "OAuthParameters": {
                "AuthorizationEndpoint": authorization_endpoint,
                "HttpMethod": method,
                "ClientParameters": {"ClientID": CLIENT_ID, "ClientSecret": client_secret},
                "OAuthHttpParameters": {
                    "HeaderParameters": [{"Key": "X-Audience", "Value": "orders", "IsValueSecret": False}],
                    "QueryStringParameters": [{"Key": "tenant", "Value": "t-1", "IsValueSecret": True}],
                    "BodyParameters": [
                        {"Key": "grant_type", "Value": "client_credentials", "IsValueSecret": False},
                        {"Key": "scope", "Value": "orders.read", "IsValueSecret": False},
                    ],
                },
            },
            "InvocationHttpParameters": {
                "HeaderParameters": [{"Key": "X-Tenant", "Value": "tenant-7", "IsValueSecret": False}]
            },
        },
    )
    return str(created["ConnectionArn"])


@pytest.fixture
def test_state(settings: CallSettings) -> Any:
    sender = in_process_test_state(settings)

    def send(definition: dict[str, Any], **members: Any) -> dict[str, Any]:
        return sender({"definition": json.dumps(definition), "roleArn": ROLE, "input": "{}", **members})

    return send


def _task(api: str, connection: str, method: str = "GET", **members: Any) -> dict[str, Any]:
    parameters = {"ApiEndpoint": api, "Method": method, "Authentication": {"ConnectionArn": connection}}
    return {"Type": "Task", "Resource": RESOURCE, "Parameters": parameters, "End": True, **members}


def test_a_call_carries_the_bearer_token(test_state: Any, aws: Any, endpoints: _Server) -> None:
    connection = _connection(aws, f"{_url(endpoints)}/token/{LONG_LIVED}")
    answer = test_state(_task(f"{_url(endpoints)}/api/orders", connection))
    assert answer["status"] == "SUCCEEDED", answer
    [asked] = endpoints.token_requests
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode("ascii")
    assert asked == {
        "method": "POST",
        "authorization": f"Basic {basic}",
        "audience": "orders",
        "query": [("tenant", "t-1")],
        "body": [("grant_type", "client_credentials"), ("scope", "orders.read")],
        "content_type": "application/x-www-form-urlencoded",
    }
    [called] = endpoints.api_requests
    token = called["bearer"]
    assert token in endpoints.issued
    assert json.loads(answer["output"])["ResponseBody"] == {"path": "/api/orders", "bearer": token}
    assert called["headers"]["X-Tenant"] == "tenant-7"  # the connection's invocation header too
    # The authorization header comes last, after the connection's other headers.
    assert list(called["headers"])[-1] == "Authorization"


def test_a_get_token_request_sends_no_body(test_state: Any, aws: Any, endpoints: _Server) -> None:
    connection = _connection(aws, f"{_url(endpoints)}/token/{LONG_LIVED}", method="GET")
    answer = test_state(_task(f"{_url(endpoints)}/api/orders", connection))
    assert answer["status"] == "SUCCEEDED", answer
    [asked] = endpoints.token_requests
    assert (asked["method"], asked["body"], asked["content_type"]) == ("GET", [], None)


def test_the_token_is_kept_across_calls(test_state: Any, aws: Any, endpoints: _Server) -> None:
    connection = _connection(aws, f"{_url(endpoints)}/token/{LONG_LIVED}")
    for _ in range(3):
        assert test_state(_task(f"{_url(endpoints)}/api/orders", connection))["status"] == "SUCCEEDED"
    assert len(endpoints.token_requests) == 1
    assert len({called["bearer"] for called in endpoints.api_requests}) == 1
    # Another connection has a token of its own.
    other = _connection(aws, f"{_url(endpoints)}/token/{LONG_LIVED}")
    assert test_state(_task(f"{_url(endpoints)}/api/orders", other))["status"] == "SUCCEEDED"
    assert len(endpoints.token_requests) == 2


def test_a_token_about_to_expire_is_refreshed(test_state: Any, aws: Any, endpoints: _Server) -> None:
    # Each token expires within 60 s of being issued, so each call asks for a new one.
    connection = _connection(aws, f"{_url(endpoints)}/token/{SHORT_LIVED}")
    for _ in range(2):
        assert test_state(_task(f"{_url(endpoints)}/api/orders", connection))["status"] == "SUCCEEDED"
    assert len(endpoints.token_requests) == 2
    first, second = (called["bearer"] for called in endpoints.api_requests)
    assert first != second


def test_a_401_gets_one_fresh_token_and_one_more_request(
    test_state: Any, aws: Any, endpoints: _Server
) -> None:
    connection = _connection(aws, f"{_url(endpoints)}/token/{LONG_LIVED}")
    assert test_state(_task(f"{_url(endpoints)}/api/orders", connection))["status"] == "SUCCEEDED"
    [kept] = [called["bearer"] for called in endpoints.api_requests]
    with endpoints.lock:
        endpoints.revoked.add(kept)
    answer = test_state(_task(f"{_url(endpoints)}/api/orders", connection))
    assert answer["status"] == "SUCCEEDED", answer
    bearers = [called["bearer"] for called in endpoints.api_requests]
    assert bearers[:2] == [kept, kept] and len(bearers) == 3 and bearers[2] != kept
    assert len(endpoints.token_requests) == 2
    assert json.loads(answer["output"])["ResponseBody"]["bearer"] == bearers[2]


def test_a_401_to_a_fresh_token_is_the_tasks_answer(test_state: Any, aws: Any, endpoints: _Server) -> None:
    # The API refuses every token (/api/deny): one refresh, one more request, then the 401
    # fails the Task.
    connection = _connection(aws, f"{_url(endpoints)}/token/{LONG_LIVED}")
    answer = test_state(_task(f"{_url(endpoints)}/api/deny", connection))
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Http.StatusCode.401"), answer
    assert len(endpoints.token_requests) == 2
    assert len(endpoints.api_requests) == 2


@pytest.mark.parametrize("route", ["refuse", "empty"])
def test_a_token_that_cannot_be_had_fails_the_task_and_is_caught(
    test_state: Any, aws: Any, endpoints: _Server, route: str
) -> None:
    connection = _connection(aws, f"{_url(endpoints)}/token/{route}")
    task = _task(
        f"{_url(endpoints)}/api/orders",
        connection,
        Catch=[{"ErrorEquals": [FAILED_AUTHORIZATION], "Next": "Unauthorized"}],
    )
    answer = test_state(task, inspectionLevel="DEBUG")
    assert (answer["status"], answer["nextState"]) == ("CAUGHT_ERROR", "Unauthorized"), answer
    caught = json.loads(answer["output"])
    assert caught["Error"] == FAILED_AUTHORIZATION
    assert connection in caught["Cause"]
    assert endpoints.api_requests == []  # the API is not called without a token


def test_wrong_client_credentials_fail_the_task(test_state: Any, aws: Any, endpoints: _Server) -> None:
    connection = _connection(aws, f"{_url(endpoints)}/token/{LONG_LIVED}", client_secret="wrong")
    answer = test_state(_task(f"{_url(endpoints)}/api/orders", connection))
    assert (answer["status"], answer["error"]) == ("FAILED", FAILED_AUTHORIZATION), answer
    assert "400" in answer["cause"]


def test_an_unreachable_token_endpoint_fails_the_task(test_state: Any, aws: Any, endpoints: _Server) -> None:
    from teststate.testing import free_loopback_port

    connection = _connection(aws, f"http://127.0.0.1:{free_loopback_port()}/token")
    answer = test_state(_task(f"{_url(endpoints)}/api/orders", connection))
    assert (answer["status"], answer["error"]) == ("FAILED", FAILED_AUTHORIZATION), answer


def test_a_silent_token_endpoint_times_the_task_out(test_state: Any, aws: Any, endpoints: _Server) -> None:
    # The token request spends the Task's own TimeoutSeconds: States.Timeout, never a hang.
    with silent_endpoint() as silent:
        connection = _connection(aws, f"{silent}/token")
        answer = test_state(_task(f"{_url(endpoints)}/api/orders", connection, TimeoutSeconds=1))
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Timeout"), answer
    assert endpoints.api_requests == []


def test_trace_shows_the_api_request_with_the_bearer_hidden(
    test_state: Any, aws: Any, endpoints: _Server
) -> None:
    connection = _connection(aws, f"{_url(endpoints)}/token/{LONG_LIVED}")
    task = _task(f"{_url(endpoints)}/api/orders", connection)
    answer = test_state(task, inspectionLevel="TRACE")
    assert answer["status"] == "SUCCEEDED", answer
    request = answer["inspectionData"]["request"]
    token = endpoints.api_requests[0]["bearer"]
    assert request["url"] == f"{_url(endpoints)}/api/orders"  # the API's request, not the token's
    assert request["headers"].endswith(
        f"X-Tenant: {SECRET_PLACEHOLDER}, Authorization: {SECRET_PLACEHOLDER}]"
    )
    assert token not in json.dumps(request)  # (the API's answer echoes it: the response shows it)
    assert CLIENT_SECRET not in json.dumps(answer)
    revealed = test_state(task, inspectionLevel="TRACE", revealSecrets=True)["inspectionData"]["request"]
    assert revealed["headers"].endswith(f"X-Tenant: tenant-7, Authorization: Bearer {token}]")


def test_a_token_endpoint_outside_the_allowed_ones_is_refused(
    test_state: Any, aws: Any, endpoints: _Server
) -> None:
    connection = _connection(aws, "https://auth.example.com/oauth2/token")
    task = _task(
        f"{_url(endpoints)}/api/orders",
        connection,
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Elsewhere"}],
    )
    answer = test_state(task)
    # States.Runtime, as for an ApiEndpoint outside them: no Catch takes it.
    assert (answer["status"], answer["error"]) == ("FAILED", "States.Runtime"), answer
    assert "AuthorizationEndpoint 'https://auth.example.com/oauth2/token'" in answer["cause"]
    assert "TESTSTATE_HTTP_ENDPOINTS" in answer["cause"]
    assert endpoints.api_requests == []


def test_an_execution_calls_with_the_bearer_token(moto_url: str, aws: Any, endpoints: _Server) -> None:
    import boto3
    from botocore.config import Config

    connection = _connection(aws, f"{_url(endpoints)}/token/{LONG_LIVED}")
    api = f"{_url(endpoints)}/api"
    first = _task(f"{api}/first", connection, ResultSelector={"bearer.$": "$.ResponseBody.bearer"})
    del first["End"]
    definition = {
        "StartAt": "First",
        "States": {
            "First": {**first, "ResultPath": "$.first", "Next": "Second"},
            "Second": _task(
                f"{api}/second",
                connection,
                "POST",
                ResultSelector={"bearer.$": "$.ResponseBody.bearer"},
                ResultPath="$.second",
            ),
        },
    }
    try:
        server = start_server(workers=1, env=service_call_env(moto_url), start_timeout=30)
    except ServerDidNotStart as err:
        pytest.fail(str(err))
    with server:
        sfn = boto3.client(
            "stepfunctions",
            region_name=REGION,
            endpoint_url=server.url,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(inject_host_prefix=False, retries={"max_attempts": 0}),
        )
        machine = sfn.create_state_machine(
            name=unique_name("oauth"), definition=json.dumps(definition), roleArn=ROLE
        )
        started = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")
        described = finished(sfn, started["executionArn"], timeout=20.0)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    [token] = {called["bearer"] for called in endpoints.api_requests}
    assert output == {"first": {"bearer": token}, "second": {"bearer": token}}
    assert [urlsplit(called["path"]).path for called in endpoints.api_requests] == [
        "/api/first",
        "/api/second",
    ]
    assert len(endpoints.token_requests) == 1  # one token for both states


# --------------------------------------------------------------------------------------------
# The token cache alone (a clock of our own)
# --------------------------------------------------------------------------------------------
def _client(n: int) -> OAuthClient:
    return OAuthClient(
        connection_arn=f"arn:aws:events:{REGION}:123456789012:connection/c{n}/id",
        endpoint="http://127.0.0.1:9/token",
        method="POST",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )


def test_the_cache_refreshes_within_60_seconds_of_expiry_and_stays_small() -> None:
    now = [1000.0]
    cache = TokenCache(limit=2, clock=lambda: now[0])
    expiring, lasting = Token("a", expires_at=1061.0), Token("b", expires_at=None)
    cache.keep(_client(1), expiring)
    cache.keep(_client(2), lasting)
    assert cache.usable(_client(1)) == expiring  # 61 s left
    now[0] = 1001.0
    assert cache.usable(_client(1)) is None  # 60 s left: refreshed before use
    assert cache.usable(_client(2)) == lasting  # no expires_in: kept until refused
    cache.discard(_client(2), Token("other", expires_at=None))  # not the kept one: no effect
    assert cache.usable(_client(2)) == lasting
    cache.keep(_client(3), Token("c", expires_at=None))  # full: the expired token goes first
    assert (cache.usable(_client(2)), cache.usable(_client(3))) == (lasting, Token("c", None))
    cache.keep(_client(4), Token("d", expires_at=None))  # full again: the oldest goes
    assert cache.usable(_client(2)) is None
    cache.discard(_client(4), Token("d", expires_at=None))
    assert cache.usable(_client(4)) is None
