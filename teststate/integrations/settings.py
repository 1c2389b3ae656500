"""Whether Tasks may call real services, and where: read once from the environment.

Nothing reaches a service unless ``TESTSTATE_SERVICE_CALLS`` turns calls on, and nothing reaches
real AWS unless it says so in as many words:

- unset, empty, ``0``, ``off``, ``false``: calls are off (an unmocked Task keeps asking for a mock);
- ``1``, ``on``, ``true``: calls go to an AWS-compatible endpoint (moto, LocalStack, ...) named by
  ``AWS_ENDPOINT_URL`` or by a per-service ``AWS_ENDPOINT_URL_<SERVICE>`` (botocore's names: the
  service id in capitals with spaces as underscores, e.g. ``AWS_ENDPOINT_URL_DYNAMODB``,
  ``AWS_ENDPOINT_URL_SFN``); with neither set, `CallSettings.from_env` refuses with
  `ServiceCallsMisconfigured`, so a forgotten variable cannot send a test's writes to AWS;
- ``aws``: calls are on and a service without a configured endpoint is reached at AWS itself.

Credentials are botocore's own (environment, profile, instance role); the region is
``TESTSTATE_SERVICE_REGION``, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION`` (the caller may still pass
the Task's own region per call).

HTTP Tasks (``arn:aws:states:::http:invoke``) call any URL their ``ApiEndpoint`` names, so they get
a guard of their own: with ``TESTSTATE_SERVICE_CALLS=1`` only loopback hosts (``localhost``,
127.0.0.0/8, ``::1``) and the URL prefixes listed, comma-separated, in ``TESTSTATE_HTTP_ENDPOINTS``
(``http://api.test:8080,https://example.internal/v1/``) may be called; ``aws`` allows any URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

__all__ = ["HTTP_ENDPOINTS", "SWITCH", "CallSettings", "ServiceCallsMisconfigured"]

SWITCH: Final = "TESTSTATE_SERVICE_CALLS"
"""The variable that turns real service calls on."""
HTTP_ENDPOINTS: Final = "TESTSTATE_HTTP_ENDPOINTS"
"""The variable listing the URL prefixes HTTP Tasks may call besides loopback hosts."""

_ENDPOINT: Final = "AWS_ENDPOINT_URL"
_ENDPOINT_PREFIX: Final = "AWS_ENDPOINT_URL_"
# botocore's own switch to ignore every configured endpoint (botocore configprovider,
# "ignore_configured_endpoint_urls"): honoured so that a shell set up for AWS stays set up for AWS.
_IGNORE_ENDPOINTS: Final = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
_OFF: Final = frozenset({"", "0", "off", "false", "no"})
_ON: Final = frozenset({"1", "on", "true", "yes"})
_REAL_AWS: Final = "aws"


class ServiceCallsMisconfigured(ValueError):
    """The environment asks for service calls but does not say where they may go."""


@dataclass(frozen=True, slots=True)
class CallSettings:
    """Where real service calls go.

    Attributes:
        enabled: calls are on (``TESTSTATE_SERVICE_CALLS``).
        endpoint_url: ``AWS_ENDPOINT_URL``, the endpoint of every service without its own.
        region: the default region of calls (None: the caller's or botocore's).
        allow_real_aws: ``TESTSTATE_SERVICE_CALLS=aws``: a service without an endpoint is AWS itself.
        service_endpoints: ``(<SERVICE>, AWS_ENDPOINT_URL_<SERVICE>)`` pairs, ``<SERVICE>`` upper
            case, sorted (a tuple, so that the settings, and the server settings holding them,
            stay hashable: in-process apps are cached by their settings).
        http_endpoints: ``TESTSTATE_HTTP_ENDPOINTS``, the URL prefixes an HTTP Task may call
            besides loopback hosts (any URL when `allow_real_aws`).
    """

    enabled: bool
    endpoint_url: str | None
    region: str | None
    allow_real_aws: bool = False
    service_endpoints: tuple[tuple[str, str], ...] = ()
    http_endpoints: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> CallSettings:
        """Settings from `env` (``os.environ`` at server start); raises `ServiceCallsMisconfigured`."""
        switch = (env.get(SWITCH) or "").strip().lower()
        region = _first(env, "TESTSTATE_SERVICE_REGION", "AWS_REGION", "AWS_DEFAULT_REGION")
        if switch in _OFF:
            return cls(enabled=False, endpoint_url=None, region=region)
        if switch not in _ON and switch != _REAL_AWS:
            raise ServiceCallsMisconfigured(
                f"{SWITCH}={env.get(SWITCH)!r} is not understood: use 1 (calls to the endpoint in "
                f"{_ENDPOINT} or {_ENDPOINT_PREFIX}<SERVICE>), aws (calls may reach real AWS) or 0 (off)"
            )
        ignore = (env.get(_IGNORE_ENDPOINTS) or "").strip().lower() == "true"
        endpoint = None if ignore else (env.get(_ENDPOINT) or "").strip() or None
        per_service = {} if ignore else _service_endpoints(env)
        allow_real_aws = switch == _REAL_AWS
        if not allow_real_aws and endpoint is None and not per_service:
            raise ServiceCallsMisconfigured(
                f"{SWITCH}={env.get(SWITCH)} turns service calls on, but neither {_ENDPOINT} nor any "
                f"{_ENDPOINT_PREFIX}<SERVICE> names an endpoint: set one (for example "
                f"{_ENDPOINT}=http://127.0.0.1:5000 for moto), or set {SWITCH}=aws to call real AWS"
            )
        return cls(
            enabled=True,
            endpoint_url=endpoint,
            region=region,
            allow_real_aws=allow_real_aws,
            service_endpoints=tuple(sorted(per_service.items())),
            http_endpoints=_http_endpoints(env),
        )

    def endpoint_for(self, env_name: str) -> str | None:
        """The endpoint of the service whose botocore env name is `env_name` (e.g. ``DYNAMODB``)."""
        return dict(self.service_endpoints).get(env_name) or self.endpoint_url


def _first(env: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = (env.get(name) or "").strip()
        if value:
            return value
    return None


def _service_endpoints(env: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in env.items():
        if name.startswith(_ENDPOINT_PREFIX) and value.strip():
            found[name.removeprefix(_ENDPOINT_PREFIX).upper()] = value.strip()
    return found


def _http_endpoints(env: Mapping[str, str]) -> tuple[str, ...]:
    listed = (prefix.strip() for prefix in (env.get(HTTP_ENDPOINTS) or "").split(","))
    found = tuple(prefix for prefix in listed if prefix)
    for prefix in found:
        if not prefix.lower().startswith(("http://", "https://")):
            raise ServiceCallsMisconfigured(
                f"{HTTP_ENDPOINTS} lists {prefix!r}: each entry must be a URL prefix starting with "
                "http:// or https://"
            )
    return found
