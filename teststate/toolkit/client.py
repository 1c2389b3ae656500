"""A boto3 Step Functions client served in process: botocore does everything but open a socket.

``inprocess_client()`` returns a real boto3 client: botocore validates the parameters, builds,
signs and serialises every request, and parses every answer, errors included, as it does for
AWS. Only the send is different: a handler on botocore's ``before-send`` event, `WsgiTransport`,
hands the prepared request to the service's WSGI app (`teststate.app.create_app`, the one request
path the server runs too) and returns its answer as a `botocore.awsrequest.AWSResponse`. botocore
sends nothing itself when a ``before-send`` handler returns a response (``Endpoint._do_get_response``
takes the first response a handler returns).

No server, no port, no settings: the URL botocore builds (AWS's, with the ``sync-`` host prefix
it adds for TestState) is only read for the WSGI environment, and the app accepts any Host. Every
operation the app serves works, whatever botocore names it. `route_to_app` does the same to a
client of one's own.

The client's configuration is isolated from the machine's: dummy credentials, the region given,
no AWS config or credentials file read (a stray ``AWS_PROFILE`` cannot break it), no endpoint URL
from the environment, and no retries (an answer from the app is final). The app is built once per
process (`shared_app`) from the ``TESTSTATE_*`` variables, without the server's access log unless
``TESTSTATE_LOG_LEVEL`` asks for it (`inprocess_settings`). `wsgi_environ` and `call_app` are the
WSGI call without botocore (the ``teststate test-state`` command uses them).

`endpoint_client` makes the other clients a test suite needs: for a running server, or for AWS.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote_to_bytes, urlsplit

from botocore.awsrequest import AWSResponse, HeadersDict, _HeaderKey

from teststate.settings import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

__all__ = [
    "DEFAULT_REGION",
    "DUMMY_CREDENTIALS",
    "HANDLER_ID",
    "SERVICE_NAME",
    "AppAnswer",
    "EndpointError",
    "ResponseBody",
    "WsgiTransport",
    "api_headers",
    "call_app",
    "endpoint_client",
    "header_pairs",
    "inprocess_client",
    "inprocess_settings",
    "is_aws_endpoint",
    "route_to_app",
    "shared_app",
    "wsgi_environ",
]

SERVICE_NAME: Final = "stepfunctions"
DEFAULT_REGION: Final = "us-east-1"
DUMMY_CREDENTIALS: Final[Mapping[str, str]] = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
"""Signing needs credentials; the app reads only the region from the signature."""

HANDLER_ID: Final = "teststate-inprocess-send"
"""The ``unique_id`` of the ``before-send`` handler: routing a client twice replaces the route."""


# --------------------------------------------------------------------------------------------
# The WSGI call
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AppAnswer:
    """What the app answered: the status code, the headers in order, the whole body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@lru_cache(maxsize=256)
def _url_environ(url: str) -> Mapping[str, Any]:
    """The part of a WSGI environment a URL decides (a client sends to one URL, so it is cached)."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    return {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if secure else "http",
        "wsgi.multithread": True,  # one app serves every client of the process, from any thread
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if secure else 80)),
        # What an HTTP client sends as Host (urllib3, for botocore): the URL's host and port.
        "HTTP_HOST": parts.netloc.rpartition("@")[2],
        "SCRIPT_NAME": "",
        # PEP 3333: PATH_INFO is the percent-decoded path, its bytes read as latin-1.
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "REMOTE_ADDR": "127.0.0.1",
    }


_ENVIRON_KEYS: Final[dict[str, str | None]] = {}
"""A header's key in the WSGI environment by its name, for the names seen (None: Content-Length,
which the body's length decides)."""
_SINGLE_VALUED: Final = frozenset({"HTTP_HOST", "CONTENT_TYPE"})


def _environ_key(name: str) -> str | None:
    """A header's key in the WSGI environment (CGI's names: ``HTTP_`` but for two; None for
    Content-Length); remembered for the few names a client sends (up to a bound: names are
    caller data)."""
    key: str | None = name.upper().replace("-", "_")
    if key == "CONTENT_LENGTH":
        key = None
    elif key != "CONTENT_TYPE":
        key = "HTTP_" + str(key)
    if len(_ENVIRON_KEYS) < 1024:
        _ENVIRON_KEYS[name] = key
    return key


def wsgi_environ(
    method: str, url: str, headers: Iterable[tuple[str, str | bytes]], body: bytes
) -> WSGIEnvironment:
    """The WSGI environment of one request, as a server would build it from the same bytes.

    Arguments:
        method: the HTTP method.
        url: the full URL: scheme, server name and port, path, query.
        headers: name and value pairs (bytes values are read as latin-1, as on the wire);
            Content-Length is always `body`'s length.
        body: the whole body.
    """
    environ: WSGIEnvironment = dict(_url_environ(url))
    environ["REQUEST_METHOD"] = method
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.errors"] = sys.stderr  # read now: pytest swaps it between tests
    keys = _ENVIRON_KEYS
    for name, value in headers:
        key = keys[name] if name in keys else _environ_key(name)
        if key is None:
            continue
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        previous = environ.get(key)
        # A repeated header is one value, joined with commas (RFC 9110, "Field Order"); a Host
        # header replaces the URL's, and the body's Content-Type is one value.
        environ[key] = text if previous is None or key in _SINGLE_VALUED else f"{previous},{text}"
    return environ


def call_app(app: WSGIApplication, environ: WSGIEnvironment) -> AppAnswer:
    """Call a WSGI app and collect its whole answer (closing its iterable, as PEP 3333 asks)."""
    started: list[tuple[str, list[tuple[str, str]]]] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        # Nothing is sent before the app returns, so a later call (with exc_info) just replaces.
        started.append((status, headers))
        return written.append

    result = app(environ, start_response)
    try:
        parts = result if type(result) is list else list(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not started:
        raise RuntimeError("the WSGI app returned without calling start_response")
    status, headers = started[-1]
    if written:
        parts = [*written, *parts]
    body = parts[0] if len(parts) == 1 else b"".join(parts)
    return AppAnswer(int(status[:3]), headers, body)


# --------------------------------------------------------------------------------------------
# The botocore side
# --------------------------------------------------------------------------------------------
class ResponseBody:
    """The answer's body as botocore reads a response's ``raw`` (urllib3's ``stream``/``read``)."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        data, self._data = self._data, b""
        if data:
            yield data

    def read(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        size = len(self._data) if amt is None else amt
        data, self._data = self._data[:size], self._data[size:]
        return data


def _request_body(body: Any) -> bytes:
    """An `AWSPreparedRequest`'s body as bytes (botocore's JSON protocol sends bytes already)."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    data = body.read()  # a streaming body: a file-like object
    return data.encode() if isinstance(data, str) else bytes(data)


def header_pairs(headers: Any) -> Iterable[tuple[str, str | bytes]]:
    """A prepared request's headers as (name, value) pairs, as ``headers.items()`` gives them.

    botocore's `HeadersDict` is a ``MutableMapping`` whose ``items()`` makes a key object and
    hashes its lower-cased name per header, to look up the value it is iterating over (~7 us for
    the eight headers of a call, a tenth of what the app costs). Its store, a dict of
    ``_HeaderKey`` (the name as given) to value, is read directly instead; anything else, or a
    store that is not what botocore makes, gets ``items()`` (fuzz/test_fast_inprocess_props.py:
    the same pairs, in the same order).
    """
    if type(headers) is HeadersDict:
        store = vars(headers).get("_dict")
        if type(store) is dict:
            pairs = [
                (key._key, value)
                for key, value in store.items()
                if type(key) is _HeaderKey and type(key._key) is str
            ]
            if len(pairs) == len(store):
                return pairs
    items: Iterable[tuple[str, str | bytes]] = headers.items()
    return items


class WsgiTransport:
    """A ``before-send`` handler: the request goes to a WSGI app, its answer back to botocore.

    The service's own app, as `create_app` made it (`_plain_service_app`), answers an API call
    (``POST /``) from the request's parts (`teststate.app.ServiceApp.answer_call`): the WSGI
    environment it would build and read back is skipped, and the answer is the same
    (fuzz/test_fast_inprocess_props.py). Any other app, or any other request, goes through WSGI.
    """

    __slots__ = ("app",)

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        """Answer one `botocore.awsrequest.AWSPreparedRequest`."""
        url: str = request.url
        method: str = request.method
        pairs = header_pairs(request.headers)
        body = _request_body(request.body)
        service = _plain_service_app(self.app)
        if service is not None and method == "POST" and _url_environ(url)["PATH_INFO"] == "/":
            target, authorization = api_headers(pairs)
            answer = service.answer_call(target, authorization, body)
            return AWSResponse(url, answer.status, answer.headers, ResponseBody(answer.body))
        called = call_app(self.app, wsgi_environ(method, url, pairs, body))
        return AWSResponse(url, called.status, called.headers, ResponseBody(called.body))


_TARGET_KEY: Final = "HTTP_X_AMZ_TARGET"
_AUTHORIZATION_KEY: Final = "HTTP_AUTHORIZATION"


def api_headers(headers: Iterable[tuple[str, str | bytes]]) -> tuple[Any, Any]:
    """The ``X-Amz-Target`` and ``Authorization`` values `wsgi_environ` would put in the WSGI
    environment for these headers (None: absent), read the same way (names mapped alike, bytes
    read as latin-1, repeats joined with commas)."""
    target: Any = None
    authorization: Any = None
    keys = _ENVIRON_KEYS
    for name, value in headers:
        key = keys[name] if name in keys else _environ_key(name)
        if key == _TARGET_KEY:
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            target = text if target is None else f"{target},{text}"
        elif key == _AUTHORIZATION_KEY:
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            authorization = text if authorization is None else f"{authorization},{text}"
    return target, authorization


def _plain_service_app(app: Any) -> Any:
    """`app` if it is the service's app answering as `teststate.app.is_plain_service_app` says,
    else None (`teststate.app` is imported when first needed: it brings Flask)."""
    check = _PLAIN_CHECK[0] if _PLAIN_CHECK else _plain_check()
    return app if check(app) else None


_PLAIN_CHECK: list[Any] = []


def _plain_check() -> Any:
    from teststate.app import is_plain_service_app

    _PLAIN_CHECK[:] = [is_plain_service_app]
    return is_plain_service_app


def route_to_app(client: Any, app: WSGIApplication) -> Any:
    """Send every request of a botocore client to `app` instead of the network; returns `client`.

    The client keeps its own configuration (region, credentials, host prefix, retries); routing
    it again replaces the app.
    """
    events = client.meta.events
    # botocore keeps the first handler registered under a unique id: unregister it first.
    events.unregister("before-send", unique_id=HANDLER_ID)
    events.register("before-send", WsgiTransport(app), unique_id=HANDLER_ID)
    return client


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------
_lock: Final = threading.Lock()
_apps: dict[Settings | None, WSGIApplication] = {}


def _boto3() -> Any:
    try:
        import boto3
    except ImportError as error:  # boto3 comes with the toolkit extra, not with the service
        raise ImportError("teststate's clients need boto3: pip install 'teststate[toolkit]'") from error
    return boto3


@lru_cache(maxsize=1)
def _session() -> Any:
    """One boto3 session for every in-process client (it caches the service model: a client
    then costs a few milliseconds), reading no AWS configuration of the machine."""
    import botocore.session

    # Overrides of botocore's session variables (name: config key, environment variables,
    # default, conversion): no profile, and no config or credentials file.
    isolated = {
        "profile": (None, None, None, None),
        "config_file": (None, None, os.devnull, None),
        "credentials_file": (None, None, os.devnull, None),
    }
    return _boto3().session.Session(botocore_session=botocore.session.Session(isolated))


def inprocess_settings(env: Mapping[str, str]) -> Settings:
    """The settings of an app answering in process: the ``TESTSTATE_*`` variables of `env`, with
    no access log unless ``TESTSTATE_LOG_LEVEL`` asks for one (the access log is a server's
    record; in process, the caller holds every answer).

    Raises:
        teststate.settings.SettingsError: a variable holds an unusable value.
    """
    settings = Settings.from_env(env)
    if not env.get("TESTSTATE_LOG_LEVEL", "").strip():
        settings = dataclasses.replace(settings, log_level="warning")
    return settings


def shared_app(settings: Settings | None = None) -> WSGIApplication:
    """The app in-process clients share: one per `settings` (None: `inprocess_settings` of the
    environment, read once), created on first use."""
    app = _apps.get(settings)
    if app is None:
        with _lock:
            app = _apps.get(settings)
            if app is None:
                from teststate.app import create_app

                effective = settings if settings is not None else inprocess_settings(os.environ)
                app = _apps[settings] = create_app(settings=effective)
    return app


def inprocess_client(
    *, region: str = DEFAULT_REGION, app: WSGIApplication | None = None, settings: Settings | None = None
) -> Any:
    """A boto3 Step Functions client whose requests the service answers in this process.

    Arguments:
        region: the client's region (the region of the ARNs in the answers).
        app: the WSGI app to call; by default the shared one (`shared_app`).
        settings: the shared app's settings (bounds, log level), instead of the environment's.

    Returns:
        A ``botocore.client.BaseClient`` for ``stepfunctions`` (``SFNClient`` in type stubs).

    Raises:
        TypeError: both `app` and `settings` are given.
    """
    if app is not None and settings is not None:
        raise TypeError("inprocess_client: give app or settings, not both")
    from botocore.config import Config

    target = app if app is not None else shared_app(settings)
    config = Config(retries={"total_max_attempts": 1}, ignore_configured_endpoint_urls=True)
    with _lock:  # botocore sessions are not meant to create clients from several threads at once
        client = _session().client(SERVICE_NAME, region_name=region, config=config, **DUMMY_CREDENTIALS)
    return route_to_app(client, target)


# --------------------------------------------------------------------------------------------
# A client for an endpoint: the real server, another local one, or AWS
# --------------------------------------------------------------------------------------------
class EndpointError(ValueError):
    """An endpoint URL that no client can use (the message says why)."""


# Step Functions' endpoints (AWS General Reference, "AWS Step Functions endpoints and quotas"):
# states.<region>.amazonaws.com, states-fips.<region>..., .amazonaws.com.cn in China; botocore
# puts ``sync-`` before the host for TestState.
_AWS_HOST: Final = re.compile(
    r"(?:sync-)?states(?:-fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.(?:amazonaws\.com(?:\.cn)?|api\.aws)"
)


def _aws_host(url: str) -> re.Match[str] | None:
    """`url`'s host matched as one of AWS's Step Functions hosts (None: not AWS's).

    Raises:
        EndpointError: `url` is not an http(s) URL with a host.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"not an endpoint URL: {url!r} (expected http(s)://host[:port])")
    return _AWS_HOST.fullmatch(parts.hostname) if parts.scheme == "https" else None


def is_aws_endpoint(url: str) -> bool:
    """Is `url` one of AWS's own Step Functions endpoints (https)?

    Raises:
        EndpointError: `url` is not an http(s) URL with a host.
    """
    return _aws_host(url) is not None


def endpoint_client(url: str, *, region: str | None = None) -> Any:
    """A boto3 Step Functions client for an endpoint, configured as that endpoint needs.

    - AWS itself (`is_aws_endpoint`): configured as for AWS: the machine's credentials and
      configuration (profile, retries), the region of the endpoint, botocore's ``sync-`` host
      prefix kept (a ``sync-`` in the URL is taken off, botocore puts it back).
    - Anything else (the real server, another local emulator): dummy credentials, no host prefix
      (its Host would not resolve), no retries, no AWS configuration of the machine read.

    Arguments:
        url: the endpoint URL.
        region: the client's region; by default the endpoint's (AWS), else us-east-1.

    Raises:
        EndpointError: `url` is not an http(s) URL with a host.
    """
    from botocore.config import Config

    aws = _aws_host(url)
    if aws is not None:
        boto3 = _boto3()
        host = aws.group(0)
        if host.startswith("sync-"):
            url = url.replace(host, host.removeprefix("sync-"), 1)
        # boto3's default session: the machine's profile, credentials and retry settings.
        return boto3.client(SERVICE_NAME, region_name=region or aws.group("region"), endpoint_url=url)
    config = Config(inject_host_prefix=False, retries={"total_max_attempts": 1})
    with _lock:
        return _session().client(
            SERVICE_NAME,
            region_name=region or DEFAULT_REGION,
            endpoint_url=url,
            config=config,
            **DUMMY_CREDENTIALS,
        )
