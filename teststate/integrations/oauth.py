"""The access token of an OAuth client-credentials connection: asked for, kept, refreshed.

EventBridge User Guide, "Authorization methods for connections": "For OAuth authorization,
EventBridge also exchanges your client ID and secret for an access token and then manages it
securely"; it refreshes the token "when a 401 or 407 response is returned" and "proactively
during an HTTPS invocation, if the token is about to expire (within 60 seconds)". The
connection's ``OAuthParameters`` hold the ``AuthorizationEndpoint``, its ``HttpMethod`` (GET,
POST or PUT), the ``ClientParameters`` (``ClientID``, ``ClientSecret``) and the
``OAuthHttpParameters`` sent with the token request (API reference,
CreateConnectionOAuthRequestParameters).

Not recorded; ours: the token request itself, in the common client-credentials form (RFC 6749
section 4.4): the HttpMethod to the AuthorizationEndpoint, with ``Authorization: Basic
base64(ClientID:ClientSecret)`` and ``Accept: application/json`` (winning over a parameter of
the same name), the OAuthHttpParameters' headers and query string, and their
body parameters form-encoded (POST and PUT); the answer is a JSON object with ``access_token``
and, optionally, ``expires_in`` (seconds) and ``token_type``. The invocation then carries
``Authorization: Bearer <access_token>``, whatever the ``token_type``.

Tokens are kept per connection (its ARN and every OAuth parameter: an updated connection asks
anew) in one small, thread-safe cache per server process.
"""

from __future__ import annotations

import base64
import http.client
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from interpreter.jsontypes import loads
from teststate.integrations import http_wire
from teststate.integrations.outcome import TIMEOUT, CallOutcome
from teststate.integrations.settings import CallSettings

__all__ = ["EARLY_REFRESH_SECONDS", "OAuthClient", "Token", "TokenCache", "access_token"]

EARLY_REFRESH_SECONDS: Final = 60.0
"""A token this close to its expiry is refreshed before it is used (EventBridge User Guide,
"Authorization methods for connections")."""
_MAX_TOKENS: Final = 256  # ours: the connections whose tokens one server process keeps
_METHODS_WITH_BODY: Final = frozenset({"POST", "PUT"})
_FORM_TYPE: Final = "application/x-www-form-urlencoded"
# Not recorded; ours. When EventBridge cannot get a token the connection is DEAUTHORIZED (User
# Guide, "Connection states"), and a Task using it fails as on a connection in any state but
# AUTHORIZED (`teststate.integrations.http_connection`).
FAILED_AUTHORIZATION: Final = "Events.ConnectionResource.InvalidConnectionState"
_RUNTIME: Final = "States.Runtime"


@dataclass(frozen=True, slots=True)
class OAuthClient:
    """What a connection's ``OAuthParameters`` say about getting a token; every value a secret.

    Attributes:
        connection_arn: the connection's ARN.
        endpoint: ``AuthorizationEndpoint``.
        method: ``HttpMethod``: GET, POST or PUT.
        client_id: ``ClientParameters.ClientID``.
        client_secret: ``ClientParameters.ClientSecret``.
        headers: ``OAuthHttpParameters.HeaderParameters`` (key, value) pairs.
        query: ``OAuthHttpParameters.QueryStringParameters`` pairs.
        body: ``OAuthHttpParameters.BodyParameters`` pairs.
    """

    connection_arn: str
    endpoint: str
    method: str
    client_id: str
    client_secret: str
    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    body: tuple[tuple[str, str], ...] = ()

    def request(self) -> http_wire.Request:
        """The token request (ours, see the module's docstring)."""
        url = self.endpoint
        if self.query:
            url += ("&" if urllib.parse.urlsplit(url).query else "?") + urllib.parse.urlencode(self.query)
        body = urllib.parse.urlencode(self.body) if self.method in _METHODS_WITH_BODY else None
        credentials = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode("ascii")
        fixed = [("Accept", "application/json"), ("Authorization", f"Basic {credentials}")]
        if body is not None:
            fixed.insert(0, ("Content-Type", _FORM_TYPE))
        names = {name.lower() for name, _ in fixed}
        headers = [(name, value) for name, value in self.headers if name.lower() not in names]
        return http_wire.Request(method=self.method, url=url, headers=(*headers, *fixed), body=body)


@dataclass(frozen=True, slots=True)
class Token:
    """An access token.

    Attributes:
        value: ``access_token``.
        expires_at: when it expires (`time.monotonic` seconds); None when the answer said not.
    """

    value: str
    expires_at: float | None

    def fresh(self, now: float) -> bool:
        """May the token be used at `now` without refreshing it first?"""
        return self.expires_at is None or self.expires_at - now > EARLY_REFRESH_SECONDS


class TokenCache:
    """Tokens by `OAuthClient`, safe to use from several threads; at most `limit` kept."""

    def __init__(self, limit: int = _MAX_TOKENS, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[OAuthClient, Token] = {}

    def now(self) -> float:
        """The cache's clock."""
        return self._clock()

    def usable(self, client: OAuthClient) -> Token | None:
        """The token kept for `client`, when it is not about to expire."""
        with self._lock:
            token = self._tokens.get(client)
        return token if token is not None and token.fresh(self._clock()) else None

    def keep(self, client: OAuthClient, token: Token) -> None:
        """Keep `token` for `client`, dropping expired tokens, then the oldest, when full."""
        with self._lock:
            self._tokens.pop(client, None)
            if len(self._tokens) >= self._limit:
                now = self._clock()
                for stale in [key for key, kept in self._tokens.items() if not kept.fresh(now)]:
                    del self._tokens[stale]
            while len(self._tokens) >= self._limit:
                del self._tokens[next(iter(self._tokens))]
            self._tokens[client] = token

    def discard(self, client: OAuthClient, token: Token) -> None:
        """Forget `token` (refused by the API), unless another thread has replaced it already."""
        with self._lock:
            if self._tokens.get(client) == token:
                del self._tokens[client]


_TOKENS: Final = TokenCache()


def _failed(client: OAuthClient, reason: str) -> CallOutcome:
    return CallOutcome(
        error=FAILED_AUTHORIZATION,
        cause=f"The connection '{client.connection_arn}' could not be authorized: {reason}",  # ours
    )


def _token(client: OAuthClient, response: http_wire.Response, now: float) -> Token | CallOutcome:
    """The token in a 2xx answer of the authorization endpoint."""
    try:
        answer: Any = loads(response.body)
    except ValueError:
        answer = None
    value = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(value, str) or not value:
        return _failed(client, "the AuthorizationEndpoint's answer has no access_token")
    lifetime = answer.get("expires_in")
    if isinstance(lifetime, str):
        try:
            lifetime = float(lifetime)
        except ValueError:
            lifetime = None
    if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)):
        return Token(value=value, expires_at=None)
    return Token(value=value, expires_at=now + float(lifetime))


def access_token(
    client: OAuthClient,
    *,
    settings: CallSettings,
    seconds: float,
    bounded: bool,
    refused: Token | None = None,
    cache: TokenCache = _TOKENS,
) -> Token | CallOutcome:
    """A token for `client`: the one kept, unless about to expire or `refused` (the API answered
    401 or 407 to it), else a new one from the authorization endpoint, waited for at most
    `seconds`. The failure is the outcome that fails the Task: ``States.Timeout`` when the
    Task's own timeout (`bounded`) ran out, ``States.Runtime`` (no Catch takes it) for an
    endpoint that may not be called, else `FAILED_AUTHORIZATION`."""
    if refused is not None:
        cache.discard(client, refused)
    kept = cache.usable(client)
    if kept is not None:
        return kept
    denied = http_wire.refusal(client.endpoint, settings, field="AuthorizationEndpoint")
    if denied is not None:
        return CallOutcome(error=_RUNTIME, cause=denied)
    asked_at = cache.now()
    try:
        response = http_wire.send(client.request(), seconds)
    except TimeoutError:
        return (
            CallOutcome(error=TIMEOUT) if bounded else _failed(client, "the AuthorizationEndpoint timed out")
        )
    except (OSError, ValueError, http_wire.BodyTooLarge, http.client.HTTPException) as error:
        return _failed(client, f"the AuthorizationEndpoint could not be called: {error!r}")
    if not 200 <= response.status < 300:
        return _failed(
            client, f"the AuthorizationEndpoint answered {response.status} {response.reason}".rstrip()
        )
    token = _token(client, response, asked_at)
    if isinstance(token, Token):
        cache.keep(client, token)
    return token
