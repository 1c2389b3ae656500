"""One botocore call to the configured endpoint, and what came back: an answer or a failure.

Clients are made once per (service, region, endpoint, timeout, credentials) and reused. Every call
is made once (retries off: a Task's Retry is the state machine's business) and bounded by the
caller's timeout on connect and on every read. botocore does not validate parameters on our side
(the service does, as AWS's Java SDK leaves it to the service: a null ``Item`` reaches DynamoDB and
comes back as its ValidationException, test_task_service_dynamodb/test_invalid_param).

The raw response headers (their wire spelling, repeated headers kept) are taken from the HTTP
response by an ``after-call`` hook: Step Functions reports them in ``SdkHttpMetadata``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import botocore.config
import botocore.exceptions
import botocore.parsers
import botocore.response
import botocore.session
from botocore import xform_name

from teststate.integrations.settings import CallSettings

__all__ = ["Answer", "ServiceFailure", "TransportFailure", "perform"]

_RAW_HEADERS: Final = "TeststateRawHeaders"
_DEFAULT_TIMEOUT_SECONDS: Final = 60.0  # botocore's own connect/read default
MAX_BODY_BYTES: Final = 256 * 1024 * 1024
"""The largest streamed body (an S3 object an ItemReader or a getObject Task reads) a call reads.
Not an AWS limit; ours: the server holds a body in memory, so a huge object fails the call (an
``<Service>.SdkClientException``; an ItemReader's read: ``States.ItemReaderFailed``) rather than
the process."""


class _BodyTooLarge(Exception):
    """A streamed body is larger than `MAX_BODY_BYTES`."""


_SESSION: Final = botocore.session.get_session()


@dataclass(frozen=True, slots=True)
class Answer:
    """A successful response: botocore's parsed output (payload streams read) and its HTTP side."""

    output: dict[str, Any]
    status: int
    headers: tuple[tuple[str, str], ...]
    request_id: str


@dataclass(frozen=True, slots=True)
class ServiceFailure:
    """The service answered with an error."""

    code: str
    query_code: str | None
    message: str | None
    status: int
    headers: tuple[tuple[str, str], ...]
    request_id: str


@dataclass(frozen=True, slots=True)
class TransportFailure:
    """No answer: timed out, unreachable, no credentials, no endpoint, or parameters not sendable."""

    kind: Literal["timeout", "client", "parameters"]
    detail: str


def _capture_headers(http_response: Any, parsed: Any, **_: Any) -> None:
    raw = getattr(http_response, "raw", None)
    headers = getattr(raw, "headers", None) or getattr(http_response, "headers", {})
    if isinstance(parsed, dict):
        metadata = parsed.setdefault("ResponseMetadata", {})
        metadata[_RAW_HEADERS] = tuple((str(name), str(value)) for name, value in headers.items())


@functools.lru_cache(maxsize=256)
def _client(
    service: str,
    region: str,
    endpoint: str | None,
    timeout: float,
    credentials: tuple[str, str, str | None] | None,
) -> Any:
    config = botocore.config.Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"total_max_attempts": 1},
        parameter_validation=False,
        user_agent_extra="teststate",
    )
    keys: dict[str, Any] = {}
    if credentials is not None:
        keys = {
            "aws_access_key_id": credentials[0],
            "aws_secret_access_key": credentials[1],
            "aws_session_token": credentials[2],
        }
    client = _SESSION.create_client(service, region_name=region, endpoint_url=endpoint, config=config, **keys)
    client.meta.events.register("after-call", _capture_headers)
    return client


def env_name(service: str) -> str:
    """botocore's ``AWS_ENDPOINT_URL_<SERVICE>`` suffix of `service` (its serviceId, upper case)."""
    service_id = _SESSION.get_service_model(service).service_id
    return str(service_id).replace(" ", "_").upper()


def endpoint_of(service: str, settings: CallSettings) -> str | Literal[False] | None:
    """The endpoint `service` is called at; None: AWS itself (allowed); False: nowhere allowed."""
    endpoint = settings.endpoint_for(env_name(service))
    if endpoint is None and not settings.allow_real_aws:
        return False
    return endpoint


def _read_streams(output: dict[str, Any]) -> dict[str, Any]:
    """`output` with its streamed members read (at most `MAX_BODY_BYTES` each: `_BodyTooLarge`)."""
    limit = MAX_BODY_BYTES
    read: dict[str, Any] = {}
    for key, value in output.items():
        if not isinstance(value, botocore.response.StreamingBody):
            read[key] = value
            continue
        body = value.read(limit + 1)
        value.close()
        if len(body) > limit:
            raise _BodyTooLarge(f"The answer's {key} is larger than the {limit} bytes this server reads")
        read[key] = body
    return read


def _assumed(role_arn: str, region: str, endpoint: str | None, timeout: float) -> tuple[str, str, str | None]:
    """Credentials of `role_arn`, assumed through STS at the endpoint (a Task's ``Credentials``)."""
    sts = _client("sts", region, endpoint, timeout, None)
    answer = sts.assume_role(RoleArn=role_arn, RoleSessionName="teststate")
    found = answer["Credentials"]
    return (found["AccessKeyId"], found["SecretAccessKey"], found.get("SessionToken"))


def perform(
    service: str,
    operation: str,
    parameters: Mapping[str, Any],
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None,
    credentials_role_arn: str | None = None,
) -> Answer | ServiceFailure | TransportFailure:
    """Call `operation` (botocore's name, e.g. ``GetItem``) of `service` once; never raises for I/O."""
    endpoint = endpoint_of(service, settings)
    if endpoint is False:
        return TransportFailure(
            "client",
            f"No endpoint is configured for {service}: set AWS_ENDPOINT_URL_{env_name(service)} or "
            "AWS_ENDPOINT_URL (TESTSTATE_SERVICE_CALLS=aws lets calls reach AWS itself)",
        )
    timeout = timeout_seconds if timeout_seconds is not None else _DEFAULT_TIMEOUT_SECONDS
    started = time.monotonic()
    try:
        credentials = None
        if credentials_role_arn is not None:
            # STS at its own endpoint (AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL), not the service's.
            sts_endpoint = endpoint_of("sts", settings)
            if sts_endpoint is False:
                return TransportFailure(
                    "client", "No endpoint is configured for sts to assume the Task's role"
                )
            credentials = _assumed(credentials_role_arn, region, sts_endpoint, timeout)
        client = _client(service, region, endpoint, timeout, credentials)
        output = _read_streams(getattr(client, xform_name(operation))(**parameters))
    except botocore.exceptions.ClientError as error:
        return _service_failure(error.response)
    except _BodyTooLarge as error:
        return TransportFailure("client", str(error))
    except (botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError):
        return TransportFailure("timeout", "")
    except botocore.exceptions.EndpointConnectionError as error:
        return TransportFailure(
            "client", f"Unable to execute HTTP request: Connect to {error.kwargs.get('endpoint_url')} failed"
        )
    except botocore.exceptions.NoCredentialsError:
        return TransportFailure("client", "Unable to load credentials from any of the providers in the chain")
    except botocore.exceptions.BotoCoreError as error:
        return TransportFailure("client", f"Unable to execute HTTP request: {error}")
    except botocore.parsers.ResponseParserError as error:
        # An answer botocore cannot read (an emulator's HTML error page). Not recorded; ours: the
        # SDK's client exception for a body it cannot unmarshall.
        return TransportFailure("client", f"Unable to unmarshall response: {error}")
    except KeyError as error:
        # A required URI member is missing (botocore's serializer; its validation is off).
        return TransportFailure("parameters", f"Missing required parameter in input: {error}")
    except (TypeError, ValueError, AttributeError) as error:
        # Raised while botocore serialises parameters of the wrong JSON type for their shape.
        return TransportFailure("parameters", str(error))
    if time.monotonic() - started > timeout:
        return TransportFailure("timeout", "")
    metadata = output.pop("ResponseMetadata", {})
    return Answer(
        output=output,
        status=int(metadata.get("HTTPStatusCode", 200)),
        headers=tuple(metadata.get(_RAW_HEADERS, ())),
        request_id=str(metadata.get("RequestId", "")),
    )


def _service_failure(response: Mapping[str, Any]) -> ServiceFailure:
    error = response.get("Error", {})
    metadata = response.get("ResponseMetadata", {})
    message = error.get("Message") or error.get("message")
    return ServiceFailure(
        code=str(error.get("Code", "")),
        query_code=error.get("QueryErrorCode"),
        message=str(message) if message is not None else None,
        status=int(metadata.get("HTTPStatusCode", 400)),
        headers=tuple(metadata.get(_RAW_HEADERS, ())),
        request_id=str(metadata.get("RequestId", "")),
    )
