"""The EventBridge connection of an HTTP Task: its authorization and the parameters it adds.

AWS "Call HTTPS APIs in Step Functions workflows", "Connectivity for an HTTP Task": an HTTP Task
names an EventBridge connection (``Authentication.ConnectionArn``) that holds the authorization
(API key, basic, OAuth client credentials) and ``InvocationHttpParameters`` (headers, query string
and body parameters added to every request); EventBridge keeps the secret values in Secrets
Manager, in the secret ``SecretArn`` names, which the Task's role reads
(``secretsmanager:GetSecretValue`` on ``events!connection/*``, same page, "IAM permissions to run
an HTTP Task").

`read_connection` reads it as Step Functions does: ``DescribeConnection`` at the endpoint's
EventBridge, then the secret at its Secrets Manager. moto keeps the connection's secret
(``events!connection/<name>/<uuid>/auth``, its keys in snake case: ``api_key_name``,
``invocation_http_parameters``); DescribeConnection on AWS leaves secret values out, moto's
returns them. Both are read, the secret winning, with keys compared without case or underscores.

An OAuth client-credentials connection (``OAuthParameters``; moto's secret has its members at the
top: ``client_parameters.client_secret``, ``o_auth_http_parameters``) is read into an
`OAuthClient`; the HTTP Task gets its token (`teststate.integrations.oauth`) and adds the bearer
authorization header.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from interpreter.jsontypes import loads
from teststate.integrations import transport
from teststate.integrations.oauth import FAILED_AUTHORIZATION, OAuthClient, Token
from teststate.integrations.outcome import TIMEOUT, CallOutcome
from teststate.integrations.settings import CallSettings

__all__ = ["Connection", "read_connection"]

_PREFIX: Final = "Events.ConnectionResource"
_RUNTIME: Final = "States.Runtime"
# EventBridge error codes -> the connection errors AWS names ("Call HTTPS APIs", "Connection
# errors"). Not recorded; ours: which code gives which name, and an unknown one is InternalError.
_CONNECTION_ERRORS: Final[Mapping[str, str]] = {
    "ResourceNotFoundException": "ResourceNotFound",
    "AccessDeniedException": "AccessDenied",
    "ConcurrentModificationException": "ConcurrentModification",
}
_AUTHORIZED: Final = frozenset({"AUTHORIZED"})
_AUTHORIZING: Final = frozenset({"AUTHORIZING", "CREATING", "UPDATING"})


@dataclass(frozen=True, slots=True)
class Connection:
    """What a connection adds to an HTTP Task's request; every value here is a secret.

    Attributes:
        headers: header (name, value) pairs, the authorization header last.
        query: query string (key, value) pairs.
        body: body (key, value) pairs.
        oauth: how to get the access token of an OAuth connection, whose bearer authorization
            header is not among `headers` until `bearing` adds it.
    """

    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    body: tuple[tuple[str, str], ...] = ()
    oauth: OAuthClient | None = None

    def bearing(self, token: Token) -> Connection:
        """The connection with `token` as its authorization header (an OAuth connection)."""
        return dataclasses.replace(self, headers=(*self.headers, ("Authorization", f"Bearer {token.value}")))


def _plain(key: str) -> str:
    return key.replace("_", "").replace("-", "").lower()


def _normalised(value: Any) -> Any:
    """`value` with every object key lower case and without underscores (moto's snake case and
    the API's Pascal case compare equal)."""
    if isinstance(value, dict):
        return {_plain(str(key)): _normalised(member) for key, member in value.items()}
    if isinstance(value, list):
        return [_normalised(member) for member in value]
    return value


def _member(key: str, source: Any) -> Any:
    """What is under `key` in the object `source` or in the objects nested in it, the shallowest
    first: the API nests ``ApiKeyAuthParameters.ApiKeyName`` and
    ``OAuthParameters.ClientParameters.ClientID``, moto's secret has ``api_key_name`` and
    ``client_parameters.client_id``."""
    level = [source]
    while level:
        objects = [member for member in level if isinstance(member, dict)]
        for found in (member.get(key) for member in objects):
            if found is not None:
                return found
        level = [value for member in objects for value in member.values()]
    return None


def _find(key: str, *sources: Any) -> str | None:
    """The first string under `key` (at any depth) in `sources`."""
    for source in sources:
        found = _member(key, source)
        if isinstance(found, str):
            return found
    return None


def _pairs(kind: str, *sources: Any, group: str = "invocationhttpparameters") -> tuple[tuple[str, str], ...]:
    """The pairs of `kind` (``headerparameters``, ...) in the `group` (``InvocationHttpParameters``,
    ``OAuthHttpParameters``) of the first source that has them."""
    for source in sources:
        parameters = _member(group, source)
        listed = parameters.get(kind) if isinstance(parameters, dict) else None
        if isinstance(listed, list):
            return tuple(
                (str(item.get("key", "")), str(item.get("value", "")))
                for item in listed
                if isinstance(item, dict) and item.get("key")
            )
    return ()


def _failure(failure: transport.ServiceFailure | transport.TransportFailure) -> CallOutcome:
    if isinstance(failure, transport.TransportFailure):
        if failure.kind == "timeout":
            return CallOutcome(error=TIMEOUT)
        return CallOutcome(error=f"{_PREFIX}.InternalError", cause=failure.detail)
    name = _CONNECTION_ERRORS.get(failure.code, "InternalError")
    return CallOutcome(error=f"{_PREFIX}.{name}", cause=failure.message or failure.code)


def _connection_name(arn: str) -> tuple[str, str | None] | None:
    """(name, region) of ``arn:<partition>:events:<region>:<account>:connection/<name>/<id>``."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "events":
        return None
    resource = parts[5].split("/")
    if len(resource) < 2 or resource[0] != "connection" or not resource[1]:
        return None
    return resource[1], parts[3] or None


def read_connection(
    connection_arn: str,
    *,
    region: str,
    settings: CallSettings,
    timeout_seconds: float | None,
    credentials_role_arn: str | None,
) -> Connection | CallOutcome:
    """The connection `connection_arn` names, or the outcome that fails the Task."""
    named = _connection_name(connection_arn)
    if named is None:
        # Not recorded; ours: AWS validates the ARN's pattern (EventBridge ConnectionArn).
        return CallOutcome(
            error=_RUNTIME,
            cause=f"The value '{connection_arn}' of 'Authentication.ConnectionArn' is not a connection ARN",
            parameters_rejected=True,
        )
    name, arn_region = named
    options: dict[str, Any] = {
        "region": arn_region or region,
        "settings": settings,
        "timeout_seconds": timeout_seconds,
        "credentials_role_arn": credentials_role_arn,
    }
    described = transport.perform("events", "DescribeConnection", {"Name": name}, **options)
    if not isinstance(described, transport.Answer):
        return _failure(described)
    state = str(described.output.get("ConnectionState", ""))
    if state not in _AUTHORIZED:
        suffix = "AuthInProgress" if state in _AUTHORIZING else "InvalidConnectionState"
        return CallOutcome(
            error=f"{_PREFIX}.{suffix}",
            cause=f"The connection '{connection_arn}' is {state}, not AUTHORIZED",  # ours
        )
    public = _normalised(described.output.get("AuthParameters") or {})
    secret: Any = {}
    secret_arn = described.output.get("SecretArn")
    if isinstance(secret_arn, str) and secret_arn:
        read = transport.perform("secretsmanager", "GetSecretValue", {"SecretId": secret_arn}, **options)
        if isinstance(read, transport.Answer) and isinstance(read.output.get("SecretString"), str):
            try:
                secret = _normalised(loads(read.output["SecretString"]))
            except ValueError:
                secret = {}
    authorization = str(described.output.get("AuthorizationType", ""))
    return _connection(connection_arn, authorization, secret, public)


def _oauth(connection_arn: str, secret: Any, public: Any) -> OAuthClient | CallOutcome:
    endpoint = _find("authorizationendpoint", secret, public)
    client_id, client_secret = _find("clientid", secret, public), _find("clientsecret", secret)
    if not endpoint or client_id is None or client_secret is None:
        # Not recorded; ours: EventBridge requires all three (CreateConnectionOAuthRequestParameters).
        return CallOutcome(
            error=FAILED_AUTHORIZATION,
            cause=f"The connection '{connection_arn}' has no AuthorizationEndpoint, ClientID or ClientSecret",
        )
    group = "oauthhttpparameters"
    return OAuthClient(
        connection_arn=connection_arn,
        endpoint=endpoint,
        method=(_find("httpmethod", secret, public) or "POST").upper(),  # ours: POST when unsaid
        client_id=client_id,
        client_secret=client_secret,
        headers=_pairs("headerparameters", secret, public, group=group),
        query=_pairs("querystringparameters", secret, public, group=group),
        body=_pairs("bodyparameters", secret, public, group=group),
    )


def _connection(
    connection_arn: str, authorization: str, secret: Any, public: Any
) -> Connection | CallOutcome:
    headers = list(_pairs("headerparameters", secret, public))
    oauth: OAuthClient | None = None
    if authorization == "API_KEY":
        key, value = _find("apikeyname", secret, public), _find("apikeyvalue", secret, public)
        if key:
            headers.append((key, value or ""))
    elif authorization == "BASIC":
        user, password = _find("username", secret, public), _find("password", secret, public)
        token = base64.b64encode(f"{user or ''}:{password or ''}".encode()).decode("ascii")
        headers.append(("Authorization", f"Basic {token}"))
    elif authorization == "OAUTH_CLIENT_CREDENTIALS":
        client = _oauth(connection_arn, secret, public)
        if isinstance(client, CallOutcome):
            return client
        oauth = client
    return Connection(
        headers=tuple(headers),
        query=_pairs("querystringparameters", secret, public),
        body=_pairs("bodyparameters", secret, public),
        oauth=oauth,
    )
