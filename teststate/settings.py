"""The server's configuration: every bound and knob in one frozen value, read from the environment.

`Settings.from_env(os.environ)` is the one place environment variables are read. The console
script uses it for gunicorn (bind address, workers, timeouts, slow clients, recycling),
`create_app` for the app's own bounds (body size, JSON depth, request budget, log level). Every
default is documented in the README ("Bounds" and "Configuration"); a bad value stops the server
at start with a message naming the variable, never silently falls back to the default.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from interpreter.jsontypes import MAX_JSON_DEPTH
from interpreter.limits import IntrinsicLimits, JsonataLimits, JsonPathLimits, Limits
from teststate.integrations.settings import CallSettings, ServiceCallsMisconfigured

__all__ = [
    "CLOCKS",
    "ENV_NAMES",
    "LEGACY_MOCK_CONFIG",
    "LOG_LEVELS",
    "MAX_ACTIVITY_POLL_SECONDS",
    "SERVICE_CALL_VARIABLES",
    "Settings",
    "SettingsError",
]

# Levels of `TESTSTATE_LOG_LEVEL`: payloads are logged only at "debug" (they are sensitive).
LOG_LEVELS: Final[Mapping[str, int]] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


_CORE_DEFAULTS: Final = Limits()

# How an execution's clock runs: "virtual" (Wait states, retry backoffs and timeouts advance it
# without sleeping) or "real" (they take the time they say).
CLOCKS: Final = ("virtual", "real")
# AWS Step Functions Local's variable for the mock configuration file (LocalStack reads it too).
LEGACY_MOCK_CONFIG: Final = "SFN_MOCK_CONFIG"
# The TESTSTATE_ variables of real service calls, read together (with botocore's AWS_ENDPOINT_URL,
# AWS_ENDPOINT_URL_<SERVICE>, AWS_REGION) by `teststate.integrations.CallSettings.from_env`.
SERVICE_CALL_VARIABLES: Final = (
    "TESTSTATE_SERVICE_CALLS",
    "TESTSTATE_SERVICE_REGION",
    "TESTSTATE_HTTP_ENDPOINTS",
)
_CALLS_OFF: Final = CallSettings(enabled=False, endpoint_url=None, region=None)


class SettingsError(ValueError):
    """An environment variable holds a value the server cannot use."""


MAX_ACTIVITY_POLL_SECONDS: Final = 60.0
"""The longest GetActivityTask holds a poll (API reference, GetActivityTask)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Every configurable bound of the server, with its default.

    Attributes:
        host: address to bind; loopback unless told otherwise (nothing is exposed by default).
        port: TCP port to bind.
        workers: gunicorn worker processes (gevent workers: `teststate.worker.TestStateWorker`).
        worker_timeout: seconds a worker may stay silent (one request) before gunicorn kills and
            replaces it. The request budget stops a state long before; this is the last resort for
            a worker stuck in code that signals cannot interrupt.
        graceful_timeout: seconds gunicorn waits on SIGTERM for in-flight requests to finish.
        client_timeout: seconds a client has to send one whole request (head and body), counted
            from the moment the connection opened or the previous answer was sent; a connection
            that takes longer (idle, stalled in its head, trickling its body) is closed. It is
            also how long an idle kept-alive connection is kept, and how long a client may take
            to read its answer.
        max_requests: requests a worker serves before it is replaced (0 = never).
        max_requests_jitter: random extra requests per worker, so workers do not restart together.
        request_budget_seconds: wall clock one state evaluation may take before it fails with
            ``States.Timeout`` (0 = no budget).
        max_body_bytes: largest request body accepted (AWS: 1 MB per request, headers included).
        max_json_depth: deepest nesting of arrays/objects in the request body.
        log_level: ``debug`` (access lines and payloads), ``info`` (access lines), ``warning``,
            ``error``.
        jsonata_* / jsonpath_* / intrinsic_max_string_length: the core's own bounds
            (`interpreter.limits`), handed to every run through `limits`. AWS's documented
            intrinsic limits (ArrayRange 1,000 items, codec input 10,000 characters) are AWS's
            behaviour, not a knob, and stay fixed.
        activity_poll_seconds: how long GetActivityTask holds a poll without a task, 0 to 60
            (AWS's 60); a value that is not a number in that range reads as 60.
        service_calls: whether and where Tasks without a mock call real services
            (``TESTSTATE_SERVICE_CALLS`` and the endpoint variables, `SERVICE_CALL_VARIABLES`);
            off by default.
    """

    host: str = "127.0.0.1"
    port: int = 8083
    workers: int = 2
    # "The TestState API can run for up to five minutes" (AWS Step Functions API reference,
    # "TestState"); kept above that so a configured budget of up to 5 minutes is never cut short
    # by gunicorn.
    worker_timeout: int = 330
    graceful_timeout: int = 30
    # Long enough for a test suite's pause between two calls on a kept-alive connection and for a
    # 1 MiB body over a slow link; short enough that a stalled connection is soon gone.
    client_timeout: int = 10
    max_requests: int = 10_000
    max_requests_jitter: int = 1_000
    request_budget_seconds: float = 10.0
    # 1 MiB (AWS's request quota) plus room for the JSON framing around a 1 MiB definition, so a
    # definition one character too long still gets AWS's model message rather than a 413.
    max_body_bytes: int = 1_048_576 + 65_536
    # Jackson's default StreamReadConstraints.maxNestingDepth (AWS's limit is not recorded; we
    # assume its parser is Jackson); far below the process's recursion limit (10,000 once jsonata
    # is imported).
    max_json_depth: int = MAX_JSON_DEPTH
    log_level: str = "info"
    # Executions: where state machines and executions are kept ("" = a fresh temporary directory
    # per server), how their clock runs, and the mock configuration file (also read from
    # SFN_MOCK_CONFIG, Step Functions Local's name, when TESTSTATE_MOCK_CONFIG is unset).
    data_dir: str = ""
    clock: str = "virtual"
    mock_config: str = ""
    # The core's own defaults (interpreter.limits), so they are stated in one place.
    jsonata_timeout_ms: int = _CORE_DEFAULTS.jsonata.timeout_ms
    jsonata_max_depth: int = _CORE_DEFAULTS.jsonata.max_depth
    jsonata_max_sequence_items: int = _CORE_DEFAULTS.jsonata.max_sequence_items
    jsonata_max_string_length: int = _CORE_DEFAULTS.jsonata.max_string_length
    jsonpath_timeout_ms: int = _CORE_DEFAULTS.jsonpath.timeout_ms
    jsonpath_max_steps: int = _CORE_DEFAULTS.jsonpath.max_steps
    intrinsic_max_string_length: int = _CORE_DEFAULTS.intrinsics.max_string_length
    activity_poll_seconds: float = MAX_ACTIVITY_POLL_SECONDS
    service_calls: CallSettings = _CALLS_OFF

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Settings from ``TESTSTATE_*`` variables; unset or empty ones keep their default.

        Raises:
            SettingsError: a value is not of the right type or out of range.
        """
        values: dict[str, Any] = {}
        for name, variable in ENV_NAMES.items():
            text = env.get(variable)
            if text is None or text.strip() == "":
                continue
            values[name] = _PARSERS[name](variable, text.strip())
        if "mock_config" not in values and (env.get(LEGACY_MOCK_CONFIG) or "").strip():
            values["mock_config"] = env[LEGACY_MOCK_CONFIG].strip()
        try:
            values["service_calls"] = CallSettings.from_env(env)
        except ServiceCallsMisconfigured as err:
            raise SettingsError(str(err)) from None
        return cls(**values).checked()

    def checked(self) -> Settings:
        """This value, after the cross-field and range checks.

        Raises:
            SettingsError: a bound is out of range.
        """
        if not self.host:
            raise SettingsError("TESTSTATE_HOST must not be empty")
        if not 0 <= self.port <= 65_535:
            raise SettingsError("TESTSTATE_PORT must be between 0 and 65535")
        for name in (
            "workers",
            "worker_timeout",
            "graceful_timeout",
            "client_timeout",
            "max_body_bytes",
            "max_json_depth",
            *_CORE_BOUNDS,
        ):
            if getattr(self, name) < 1:
                raise SettingsError(f"{ENV_NAMES[name]} must be at least 1")
        for name in ("max_requests", "max_requests_jitter"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{ENV_NAMES[name]} must not be negative")
        if not math.isfinite(self.request_budget_seconds) or self.request_budget_seconds < 0:
            raise SettingsError("TESTSTATE_REQUEST_BUDGET_SECONDS must be a finite number >= 0")
        if self.request_budget_seconds >= self.worker_timeout:
            # gunicorn would kill the worker before the budget could answer States.Timeout.
            raise SettingsError("TESTSTATE_REQUEST_BUDGET_SECONDS must be below TESTSTATE_WORKER_TIMEOUT")
        if self.clock not in CLOCKS:
            raise SettingsError(f"TESTSTATE_CLOCK must be one of {', '.join(CLOCKS)}")
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"TESTSTATE_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        return self

    @property
    def limits(self) -> Limits:
        """The core's bounds, as every run receives them (``World.limits``)."""
        return Limits(
            jsonata=JsonataLimits(
                timeout_ms=self.jsonata_timeout_ms,
                max_depth=self.jsonata_max_depth,
                max_sequence_items=self.jsonata_max_sequence_items,
                max_string_length=self.jsonata_max_string_length,
            ),
            intrinsics=IntrinsicLimits(max_string_length=self.intrinsic_max_string_length),
            jsonpath=JsonPathLimits(timeout_ms=self.jsonpath_timeout_ms, max_steps=self.jsonpath_max_steps),
        )

    @property
    def logging_level(self) -> int:
        """`log_level` as a `logging` level number."""
        return LOG_LEVELS[self.log_level]


def _integer(variable: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise SettingsError(f"{variable} must be an integer, got {text!r}") from None


def _number(variable: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SettingsError(f"{variable} must be a number, got {text!r}") from None


def _text(variable: str, text: str) -> str:
    return text


def _activity_poll(variable: str, text: str) -> float:
    """GetActivityTask's hold: 0 to `MAX_ACTIVITY_POLL_SECONDS` (API reference, GetActivityTask:
    AWS holds a poll up to 60 s); anything else reads as that maximum (README, Configuration)."""
    try:
        seconds = float(text)
    except ValueError:
        return MAX_ACTIVITY_POLL_SECONDS
    return (
        seconds
        if math.isfinite(seconds) and 0 <= seconds <= MAX_ACTIVITY_POLL_SECONDS
        else MAX_ACTIVITY_POLL_SECONDS
    )


def _level(variable: str, text: str) -> str:
    return text.lower()


ENV_NAMES: Final[Mapping[str, str]] = {
    "host": "TESTSTATE_HOST",
    "port": "TESTSTATE_PORT",
    "workers": "TESTSTATE_WORKERS",
    "worker_timeout": "TESTSTATE_WORKER_TIMEOUT",
    "graceful_timeout": "TESTSTATE_GRACEFUL_TIMEOUT",
    "client_timeout": "TESTSTATE_CLIENT_TIMEOUT",
    "max_requests": "TESTSTATE_MAX_REQUESTS",
    "max_requests_jitter": "TESTSTATE_MAX_REQUESTS_JITTER",
    "request_budget_seconds": "TESTSTATE_REQUEST_BUDGET_SECONDS",
    "max_body_bytes": "TESTSTATE_MAX_BODY_BYTES",
    "max_json_depth": "TESTSTATE_MAX_JSON_DEPTH",
    "log_level": "TESTSTATE_LOG_LEVEL",
    "data_dir": "TESTSTATE_DATA_DIR",
    "clock": "TESTSTATE_CLOCK",
    "mock_config": "TESTSTATE_MOCK_CONFIG",
    "jsonata_timeout_ms": "TESTSTATE_JSONATA_TIMEOUT_MS",
    "jsonata_max_depth": "TESTSTATE_JSONATA_MAX_DEPTH",
    "jsonata_max_sequence_items": "TESTSTATE_JSONATA_MAX_SEQUENCE_ITEMS",
    "jsonata_max_string_length": "TESTSTATE_JSONATA_MAX_STRING_LENGTH",
    "jsonpath_timeout_ms": "TESTSTATE_JSONPATH_TIMEOUT_MS",
    "jsonpath_max_steps": "TESTSTATE_JSONPATH_MAX_STEPS",
    "intrinsic_max_string_length": "TESTSTATE_INTRINSIC_MAX_STRING_LENGTH",
    "activity_poll_seconds": "TESTSTATE_ACTIVITY_POLL_SECONDS",
}
_CORE_BOUNDS: Final = (
    "jsonata_timeout_ms",
    "jsonata_max_depth",
    "jsonata_max_sequence_items",
    "jsonata_max_string_length",
    "jsonpath_timeout_ms",
    "jsonpath_max_steps",
    "intrinsic_max_string_length",
)
_PARSERS: Final[Mapping[str, Callable[[str, str], Any]]] = {
    "host": _text,
    "port": _integer,
    "workers": _integer,
    "worker_timeout": _integer,
    "graceful_timeout": _integer,
    "client_timeout": _integer,
    "max_requests": _integer,
    "max_requests_jitter": _integer,
    "request_budget_seconds": _number,
    "max_body_bytes": _integer,
    "max_json_depth": _integer,
    "log_level": _level,
    "data_dir": _text,
    "clock": _level,
    "mock_config": _text,
    **dict.fromkeys(_CORE_BOUNDS, _integer),
    "activity_poll_seconds": _activity_poll,
}
# Checked at import: every setting has exactly one variable and one parser (but service_calls,
# read from several variables at once by `CallSettings.from_env`).
if not set(ENV_NAMES) == set(_PARSERS) == {f.name for f in fields(Settings)} - {"service_calls"}:
    raise RuntimeError("every setting needs exactly one environment variable and one parser")
