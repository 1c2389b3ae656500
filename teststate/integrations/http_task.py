"""HTTP Tasks (``arn:aws:states:::http:invoke``): one HTTPS API call, as AWS makes it.

AWS "Call HTTPS APIs in Step Functions workflows":

- "HTTP Task fields": ``ApiEndpoint`` and ``Method`` (GET, POST, PUT, DELETE, PATCH, OPTIONS,
  HEAD) and ``Authentication.ConnectionArn`` are required; ``Headers``, ``QueryParameters``,
  ``Transform`` (``RequestBodyEncoding`` NONE or URL_ENCODED, ``RequestEncodingOptions.ArrayFormat``
  BRACKETS, COMMAS, INDICES (the default) or REPEAT) and ``RequestBody`` are optional.
- "Merging EventBridge connection and HTTP Task definition data": the connection's headers, query
  string and body parameters are added to the Task's, the connection's value winning on the same
  key; Step Functions adds ``User-Agent: Amazon|StepFunctions|HttpInvoke|<region>``,
  ``Range: bytes=0-262144`` and a ``Content-Type`` (``application/json; charset=UTF-8``, or
  ``application/x-www-form-urlencoded`` with URL_ENCODED) the Task did not set.
- The result: ``Headers`` (each name with its values as a list), ``ResponseBody`` (parsed JSON when
  the response is JSON, else text), ``StatusCode``, ``StatusText``; an answer that is not 2xx fails
  the Task with ``States.Http.StatusCode.<code>``, and no answer within 60 seconds (or no
  connection) with ``States.Http.Socket`` ("HTTP Task errors"). Not recorded; ours: the failure's
  cause is the result it would have had, as JSON text; the Task's own TimeoutSeconds below 60 s is
  ``States.Timeout``.

Safety (ours): nothing is called unless `CallSettings.enabled`; with calls to an emulator
(``TESTSTATE_SERVICE_CALLS=1``) only loopback hosts and the prefixes of ``TESTSTATE_HTTP_ENDPOINTS``
may be called, anything else fails the Task with ``States.Runtime`` (which no Catch handles: a
test must not take a path because a call was refused); redirects are not followed.

`call_http` also answers the exchange (`HttpExchange`) that TestState reports at TRACE, with the
connection's values hidden unless ``revealSecrets``.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from interpreter.jsontypes import ABSENT, dumps, loads
from teststate.integrations.http_connection import Connection, read_connection
from teststate.integrations.outcome import TIMEOUT, CallOutcome, over_quota
from teststate.integrations.settings import HTTP_ENDPOINTS, SWITCH, CallSettings

__all__ = ["SECRET_PLACEHOLDER", "HttpExchange", "call_http"]

_RUNTIME: Final = "States.Runtime"
_SOCKET: Final = "States.Http.Socket"
_STATUS_PREFIX: Final = "States.Http.StatusCode."
_METHODS: Final = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"})
_FIELDS: Final = frozenset(
    {"ApiEndpoint", "Method", "Authentication", "Headers", "QueryParameters", "Transform", "RequestBody"}
)
_ENCODINGS: Final = frozenset({"NONE", "URL_ENCODED"})
_ARRAY_FORMATS: Final = frozenset({"BRACKETS", "COMMAS", "INDICES", "REPEAT"})
_HTTP_TIMEOUT_SECONDS: Final = 60.0
# Ours: the most of a response body read. Any body near it is far over AWS's 256 KiB result
# quota, so a longer one fails as AWS fails a connector's output over that quota.
_MAX_BODY_BYTES: Final = 16 * 1024 * 1024
_JSON_TYPE: Final = "application/json; charset=UTF-8"
_FORM_TYPE: Final = "application/x-www-form-urlencoded"
# Not recorded; ours: what stands for a value the connection added when revealSecrets is false.
SECRET_PLACEHOLDER: Final = "<redacted>"


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """The HTTP exchange of one call as TestState's TRACE reports it (InspectionDataRequest and
    InspectionDataResponse: every member a string).

    Attributes:
        request: the request with the connection's values hidden (`SECRET_PLACEHOLDER`).
        revealed_request: the request as sent.
        response: the response; None when none came.
    """

    request: Mapping[str, str]
    revealed_request: Mapping[str, str]
    response: Mapping[str, str] | None

    def inspection(self, reveal_secrets: bool) -> dict[str, Mapping[str, str]]:
        """``inspectionData``'s ``request`` and ``response``."""
        shown: dict[str, Mapping[str, str]] = {
            "request": self.revealed_request if reveal_secrets else self.request
        }
        if self.response is not None:
            shown["response"] = self.response
        return shown


@dataclass(frozen=True, slots=True)
class _Task:
    endpoint: str
    method: str
    connection_arn: str
    headers: tuple[tuple[str, str], ...]
    query: tuple[tuple[str, str], ...]
    body: Any
    encoding: str
    array_format: str


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None

    def record(self) -> dict[str, str]:
        return {
            "protocol": "HTTP/1.1",  # ours: the protocol the request was made with
            "method": self.method,
            "url": self.url,
            "headers": _header_text(self.headers),
            "body": self.body or "",
        }


@dataclass(frozen=True, slots=True)
class _Response:
    version: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: str

    def record(self) -> dict[str, str]:
        return {
            "protocol": self.version,
            "statusCode": str(self.status),
            "statusMessage": self.reason,
            "headers": _header_text(self.headers),
            "body": self.body,
        }


def _header_text(headers: Iterable[tuple[str, str]]) -> str:
    # Not recorded; ours: the headers as one string, "[Name: value, Name: value]" (the form
    # Java's HTTP clients print a header array in).
    return "[" + ", ".join(f"{name}: {value}" for name, value in headers) + "]"


def _rejected(cause: str) -> CallOutcome:
    return CallOutcome(error=_RUNTIME, cause=cause, parameters_rejected=True)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else dumps(value)


def _pairs_of(value: Any, field: str) -> tuple[tuple[str, str], ...] | CallOutcome:
    if value is ABSENT or value is None:
        return ()
    if not isinstance(value, dict):
        return _rejected(f"The field '{field}' must be an object")
    pairs: list[tuple[str, str]] = []
    for key, member in value.items():
        for item in member if isinstance(member, list) else [member]:
            pairs.append((str(key), _text(item)))
    return tuple(pairs)


def _task(parameters: Any) -> _Task | CallOutcome:
    """The Task's parameters checked (AWS "HTTP Task fields"); the words of each refusal are ours."""
    if not isinstance(parameters, dict):
        return _rejected("The parameters of an HTTP Task must be an object")
    unknown = sorted(set(parameters) - _FIELDS)
    if unknown:
        return _rejected(f"The field '{unknown[0]}' is not supported by HTTP Tasks")
    endpoint, method = parameters.get("ApiEndpoint"), parameters.get("Method")
    authentication = parameters.get("Authentication")
    if not isinstance(endpoint, str) or not endpoint:
        return _rejected("The field 'ApiEndpoint' is required and must be a string")
    if not isinstance(method, str) or method not in _METHODS:
        return _rejected(f"The field 'Method' must be one of {sorted(_METHODS)}")
    arn = authentication.get("ConnectionArn") if isinstance(authentication, dict) else None
    if not isinstance(arn, str) or not arn:
        return _rejected("The field 'Authentication.ConnectionArn' is required and must be a string")
    transform = parameters.get("Transform") or {}
    options = transform.get("RequestEncodingOptions") if isinstance(transform, dict) else None
    encoding = transform.get("RequestBodyEncoding", "NONE") if isinstance(transform, dict) else None
    array_format = (options or {}).get("ArrayFormat", "INDICES") if isinstance(options or {}, dict) else None
    encoding = encoding if isinstance(encoding, str) else None
    array_format = array_format if isinstance(array_format, str) else None
    if encoding not in _ENCODINGS or array_format not in _ARRAY_FORMATS:  # both str or None here
        return _rejected(
            "The field 'Transform' must have a RequestBodyEncoding of NONE or URL_ENCODED and an "
            f"ArrayFormat of {sorted(_ARRAY_FORMATS)}"
        )
    headers = _pairs_of(parameters.get("Headers", ABSENT), "Headers")
    query = _pairs_of(parameters.get("QueryParameters", ABSENT), "QueryParameters")
    if isinstance(headers, CallOutcome):
        return headers
    if isinstance(query, CallOutcome):
        return query
    return _Task(
        endpoint=endpoint,
        method=str(method),
        connection_arn=arn,
        headers=headers,
        query=query,
        body=parameters.get("RequestBody", ABSENT),
        encoding=str(encoding),
        array_format=str(array_format),
    )


# ------------------------------------------------------------------------------------------
# Which URLs may be called
# ------------------------------------------------------------------------------------------
def _loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _under(url: str, prefix: str) -> bool:
    """Is `url` `prefix` itself or below it (a prefix ``http://a.test`` does not cover
    ``http://a.test.evil``)?"""
    if not url.lower().startswith(prefix.lower()):
        return False
    rest = url[len(prefix) :]
    return not rest or prefix.endswith("/") or rest[0] in "/?#"


def refusal(endpoint: str, settings: CallSettings) -> str | None:
    """Why `endpoint` may not be called under `settings` (None: it may)."""
    try:
        parts = urllib.parse.urlsplit(endpoint)
        _ = parts.port  # raises for a port that is not a number
    except ValueError:
        return f"The ApiEndpoint '{endpoint}' is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"The ApiEndpoint '{endpoint}' is not an http or https URL"
    if settings.allow_real_aws or _loopback(parts.hostname):
        return None
    if any(_under(endpoint, prefix) for prefix in settings.http_endpoints):
        return None
    return (
        f"The ApiEndpoint '{endpoint}' was not called: with {SWITCH}=1 an HTTP Task may only call "
        f"loopback hosts and the URL prefixes listed in {HTTP_ENDPOINTS} ({SWITCH}=aws allows any URL)"
    )


# ------------------------------------------------------------------------------------------
# The request
# ------------------------------------------------------------------------------------------
def _form_pairs(key: str, value: Any, array_format: str) -> list[tuple[str, str]]:
    """AWS "Applying URL-encoding on the request body": nested objects as ``key[member]``, arrays
    per ArrayFormat (``a[]=x``, ``a=x,y``, ``a[0]=x``, ``a=x&a=y``)."""
    if isinstance(value, dict):
        return [
            pair
            for name, member in value.items()
            for pair in _form_pairs(f"{key}[{name}]", member, array_format)
        ]
    if isinstance(value, list):
        if array_format == "COMMAS":
            return [(key, ",".join(_scalar(item) for item in value))]
        pairs: list[tuple[str, str]] = []
        for index, item in enumerate(value):
            name = {"BRACKETS": f"{key}[]", "INDICES": f"{key}[{index}]"}.get(array_format, key)
            pairs.extend(_form_pairs(name, item, array_format))
        return pairs
    return [(key, _scalar(value))]


def _scalar(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return dumps(value)
    return value if isinstance(value, str) else dumps(value)


def _merged(
    task: Iterable[tuple[str, str]], added: Iterable[tuple[str, str]], fold: bool
) -> list[tuple[str, str]]:
    """`task` pairs then `added` ones, an added key replacing the Task's (case-insensitive for headers)."""
    added = list(added)
    replaced = {key.lower() if fold else key for key, _ in added}
    kept = [(key, value) for key, value in task if (key.lower() if fold else key) not in replaced]
    return kept + added


def _body(task: _Task, added: tuple[tuple[str, str], ...]) -> str | None:
    body = task.body
    if task.method in ("GET", "HEAD"):
        added = ()  # ours: the connection's body parameters go with a body only
    if body is ABSENT and not added:
        return None
    if isinstance(body, str) and task.encoding == "NONE":
        return body  # ours: a text body is sent as it is (the connection's parameters cannot join it)
    document = dict(body) if isinstance(body, dict) else ({} if body is ABSENT or body is None else body)
    if isinstance(document, dict):
        document.update(added)
    if task.encoding == "URL_ENCODED":
        if not isinstance(document, dict):
            return urllib.parse.quote_plus(_scalar(document))
        pairs = [
            pair for key, value in document.items() for pair in _form_pairs(key, value, task.array_format)
        ]
        return urllib.parse.urlencode(pairs)
    return dumps(document)


def _request(task: _Task, connection: Connection, region: str, *, reveal: bool) -> _Request:
    def secret(pairs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return pairs if reveal else tuple((key, SECRET_PLACEHOLDER) for key, _ in pairs)

    query = _merged(task.query, secret(connection.query), fold=False)
    url = task.endpoint
    if query:
        url += ("&" if urllib.parse.urlsplit(url).query else "?") + urllib.parse.urlencode(query)
    content_type = _FORM_TYPE if task.encoding == "URL_ENCODED" else _JSON_TYPE
    headers = list(task.headers)
    names = {name.lower() for name, _ in headers}
    if task.encoding == "URL_ENCODED":
        headers = [(name, value) for name, value in headers if name.lower() != "content-type"]
        names.discard("content-type")
    for name, value in (
        ("Content-Type", content_type),
        ("User-Agent", f"Amazon|StepFunctions|HttpInvoke|{region}"),
        ("Range", "bytes=0-262144"),
    ):
        if name.lower() not in names:
            headers.append((name, value))
    headers = _merged(headers, secret(connection.headers), fold=True)
    return _Request(
        method=task.method, url=url, headers=tuple(headers), body=_body(task, secret(connection.body))
    )


# ------------------------------------------------------------------------------------------
# The exchange
# ------------------------------------------------------------------------------------------
class _BodyTooLarge(Exception):
    """The response body is longer than `_MAX_BODY_BYTES`."""


def _send(request: _Request, seconds: float) -> _Response:
    """Send `request` once (no redirect followed); raises OSError, HTTPException or
    `_BodyTooLarge`."""
    parts = urllib.parse.urlsplit(request.url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=seconds)
    try:
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        connection.putrequest(request.method, path, skip_accept_encoding=True)
        payload = request.body.encode("utf-8") if request.body is not None else None
        for name, value in request.headers:
            connection.putheader(name, value)
        if payload is not None:
            connection.putheader("Content-Length", str(len(payload)))
        connection.endheaders(payload)
        answer = connection.getresponse()
        data = answer.read(_MAX_BODY_BYTES + 1) if request.method != "HEAD" else b""
        if len(data) > _MAX_BODY_BYTES:
            raise _BodyTooLarge
        return _Response(
            version="HTTP/1.0" if answer.version == 10 else "HTTP/1.1",
            status=answer.status,
            reason=answer.reason,
            headers=tuple((str(name), str(value)) for name, value in answer.getheaders()),
            body=data.decode("utf-8", errors="replace"),
        )
    finally:
        connection.close()


def _result(response: _Response) -> dict[str, Any]:
    headers: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    content_type = ""
    for name, value in response.headers:
        headers.setdefault(spelling.setdefault(name.lower(), name), []).append(value)
        if name.lower() == "content-type":
            content_type = value.lower()
    body: Any = response.body
    if "json" in content_type and body.strip():
        with contextlib.suppress(ValueError):  # ours: a body that says JSON and is not stays text
            body = loads(body)
    return {
        "Headers": headers,
        "ResponseBody": body,
        "StatusCode": response.status,
        "StatusText": response.reason,
    }


def call_http(
    parameters: Any,
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None,
    credentials_role_arn: str | None,
) -> tuple[CallOutcome, HttpExchange | None]:
    """Call the HTTP Task with its effective `parameters`; the outcome, and the exchange when a
    request was sent. Never raises for anything the network or the endpoint does."""
    task = _task(parameters)
    if isinstance(task, CallOutcome):
        return task, None
    refused = refusal(task.endpoint, settings)
    if refused is not None:
        return CallOutcome(error=_RUNTIME, cause=refused), None
    connection = read_connection(
        task.connection_arn,
        region=region,
        settings=settings,
        timeout_seconds=timeout_seconds,
        credentials_role_arn=credentials_role_arn,
    )
    if isinstance(connection, CallOutcome):
        return connection, None
    sent = _request(task, connection, region, reveal=True)
    shown = _request(task, connection, region, reveal=False)
    bounded = timeout_seconds is not None and timeout_seconds < _HTTP_TIMEOUT_SECONDS
    seconds = (
        min(timeout_seconds, _HTTP_TIMEOUT_SECONDS) if timeout_seconds is not None else _HTTP_TIMEOUT_SECONDS
    )
    try:
        response = _send(sent, seconds)
    except TimeoutError:
        failed = CallOutcome(error=TIMEOUT) if bounded else CallOutcome(error=_SOCKET, cause="Read timed out")
        return failed, HttpExchange(shown.record(), sent.record(), None)
    except ValueError as error:
        # http.client refuses a header name or value that cannot be sent (a line break, ...).
        return _rejected(str(error)), None
    except _BodyTooLarge:
        return over_quota("http"), HttpExchange(shown.record(), sent.record(), None)
    except (OSError, http.client.HTTPException) as error:
        cause = f"Unable to execute HTTP request: {error}"  # ours
        return CallOutcome(error=_SOCKET, cause=cause), HttpExchange(shown.record(), sent.record(), None)
    exchange = HttpExchange(shown.record(), sent.record(), response.record())
    result = _result(response)
    if not 200 <= response.status < 300:
        return CallOutcome(error=f"{_STATUS_PREFIX}{response.status}", cause=dumps(result)), exchange
    return CallOutcome(result=result), exchange
