"""One HTTP exchange of an HTTP Task, and which URLs may be called at all.

Both an HTTP Task's API request (`teststate.integrations.http_task`) and an OAuth connection's
token request (`teststate.integrations.oauth`) are sent by `send`: once, no redirect followed,
bounded by the caller's seconds on connect and on every read, the body read up to
`MAX_BODY_BYTES`.

Safety (ours): with calls to an emulator (``TESTSTATE_SERVICE_CALLS=1``) only loopback hosts and
the prefixes of ``TESTSTATE_HTTP_ENDPOINTS`` may be called (`refusal`); with
``TESTSTATE_SERVICE_CALLS=aws`` any http or https URL.
"""

from __future__ import annotations

import http.client
import ipaddress
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from teststate.integrations.settings import HTTP_ENDPOINTS, SWITCH, CallSettings

__all__ = ["MAX_BODY_BYTES", "BodyTooLarge", "Request", "Response", "header_text", "refusal", "send"]

# Ours: the most of a response body read. Any body near it is far over AWS's 256 KiB result
# quota, so a longer one fails as AWS fails a connector's output over that quota.
MAX_BODY_BYTES: Final = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as sent (or as TRACE shows it)."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None

    def record(self) -> dict[str, str]:
        """TestState's ``inspectionData.request``."""
        return {
            "protocol": "HTTP/1.1",  # ours: the protocol the request was made with
            "method": self.method,
            "url": self.url,
            "headers": header_text(self.headers),
            "body": self.body or "",
        }


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP response, its body decoded as UTF-8 (invalid bytes replaced)."""

    version: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: str

    def record(self) -> dict[str, str]:
        """TestState's ``inspectionData.response``."""
        return {
            "protocol": self.version,
            "statusCode": str(self.status),
            "statusMessage": self.reason,
            "headers": header_text(self.headers),
            "body": self.body,
        }


def header_text(headers: Iterable[tuple[str, str]]) -> str:
    """The headers as one string. Not recorded; ours: ``[Name: value, Name: value]`` (the form
    Java's HTTP clients print a header array in)."""
    return "[" + ", ".join(f"{name}: {value}" for name, value in headers) + "]"


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


def refusal(endpoint: str, settings: CallSettings, field: str = "ApiEndpoint") -> str | None:
    """Why `endpoint` may not be called under `settings` (None: it may); `field` names where the
    URL came from (the Task's ``ApiEndpoint``, a connection's ``AuthorizationEndpoint``)."""
    try:
        parts = urllib.parse.urlsplit(endpoint)
        _ = parts.port  # raises for a port that is not a number
    except ValueError:
        return f"The {field} '{endpoint}' is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"The {field} '{endpoint}' is not an http or https URL"
    if settings.allow_real_aws or _loopback(parts.hostname):
        return None
    if any(_under(endpoint, prefix) for prefix in settings.http_endpoints):
        return None
    return (
        f"The {field} '{endpoint}' was not called: with {SWITCH}=1 an HTTP Task may only call "
        f"loopback hosts and the URL prefixes listed in {HTTP_ENDPOINTS} ({SWITCH}=aws allows any URL)"
    )


# ------------------------------------------------------------------------------------------
# The exchange
# ------------------------------------------------------------------------------------------
class BodyTooLarge(Exception):
    """The response body is longer than `MAX_BODY_BYTES`."""


def send(request: Request, seconds: float) -> Response:
    """Send `request` once (no redirect followed), waiting at most `seconds` to connect and for
    every read; raises TimeoutError, OSError, HTTPException, ValueError (a header that cannot be
    sent) or `BodyTooLarge`."""
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
        data = answer.read(MAX_BODY_BYTES + 1) if request.method != "HEAD" else b""
        if len(data) > MAX_BODY_BYTES:
            raise BodyTooLarge
        return Response(
            version="HTTP/1.0" if answer.version == 10 else "HTTP/1.1",
            status=answer.status,
            reason=answer.reason,
            headers=tuple((str(name), str(value)) for name, value in answer.getheaders()),
            body=data.decode("utf-8", errors="replace"),
        )
    finally:
        connection.close()
