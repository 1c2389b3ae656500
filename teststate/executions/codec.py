"""How executions' history events and signals are stored (JSON text) and answered (API form).

An event is stored as GetExecutionHistory answers it: its API structure with the timestamp as
epoch seconds to the millisecond (AWS JSON 1.0 encodes timestamps as numbers), compact, keys
sorted, so that two runs of the same execution give byte-identical texts: the runner compares
them to check that a re-run reproduces what was stored. It is encoded once, by orjson (UTF-8; a
10,000-item Map's 40,000 events in about 75 ms, against 200 ms for the standard library), or by
the standard library, ASCII-only, for a value orjson refuses (a lone surrogate, which SQLite's
UTF-8 text cannot hold, survives as an escape; an integer beyond 64 bits): the same event always
takes the same path, so its text is still deterministic. A page of history is then decoded in one
call (`events_for_api`) with nothing to convert. Events stored by earlier versions (timestamp as
ISO-8601 text) are still read, and still compare equal (`same_event`).

A signal is stored as ``{"kind": ..., "at": <ISO-8601>, ...}`` and decoded into the engine's
signal values through one table, checked at import.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from interpreter.execution.model import (
    ActivityStarted,
    HistoryEvent,
    ServiceCallResult,
    Signal,
    StopRequest,
    TaskFailure,
    TaskHeartbeat,
    TaskSuccess,
    TimerFired,
)

__all__ = [
    "decode_signal",
    "encode_event",
    "encode_signal",
    "epoch",
    "event_for_api",
    "events_for_api",
    "now",
    "same_event",
]

# Members of event details that carry execution data (GetExecutionHistory includeExecutionData).
_DATA_MEMBERS: Final = frozenset({"input", "output"})


def now() -> datetime:
    """Now, to the millisecond (AWS's timestamps have millisecond precision): the time of every
    event, signal and call result the service records."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def epoch(moment: datetime) -> float:
    """A timestamp as the API answers it: epoch seconds, millisecond precision."""
    return round(moment.timestamp(), 3)


def encode_event(event: HistoryEvent) -> str:
    """The stored text of `event` (deterministic: equal events give equal texts)."""
    body = event.to_api()
    body["timestamp"] = _epoch_of(event.timestamp)
    return _encode(body)


class _LastEpoch:
    """`epoch` of the last timestamp encoded: an execution's events mostly share theirs (every
    event of a virtual-clock Map has its state's time), and ``datetime.timestamp`` costs about
    as much as encoding the rest of a small event. One tuple, replaced whole: threads may share
    it."""

    last: tuple[datetime | None, float] = (None, 0.0)


def _epoch_of(moment: datetime) -> float:
    known, value = _LastEpoch.last
    if known is not None and known == moment:
        return value
    value = epoch(moment)
    _LastEpoch.last = (moment, value)
    return value


def _encode(body: Mapping[str, Any]) -> str:
    try:
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except orjson.JSONEncodeError:  # a lone surrogate, or an integer beyond 64 bits
        return json.dumps(body, separators=(",", ":"), sort_keys=True)


def _decode(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # an escaped lone surrogate (`_encode`'s other path)
        return json.loads(text)


def _api_form(body: dict[str, Any], include_data: bool) -> dict[str, Any]:
    timestamp = body["timestamp"]
    if isinstance(timestamp, str):  # stored by an earlier version: ISO-8601 text
        body["timestamp"] = epoch(datetime.fromisoformat(timestamp))
    if not include_data:
        for key, value in body.items():
            if key.endswith("EventDetails") and isinstance(value, dict):
                body[key] = {name: item for name, item in value.items() if name not in _DATA_MEMBERS}
    return body


def event_for_api(text: str, *, include_data: bool = True) -> dict[str, Any]:
    """A stored event as GetExecutionHistory answers it (without input and output members when
    `include_data` is False)."""
    body: dict[str, Any] = _decode(text)
    return _api_form(body, include_data)


def events_for_api(texts: Sequence[str], *, include_data: bool = True) -> list[dict[str, Any]]:
    """`event_for_api` of each stored event, decoded in one call (a page of history)."""
    try:
        bodies: list[dict[str, Any]] = orjson.loads("[" + ",".join(texts) + "]")
    except orjson.JSONDecodeError:
        return [event_for_api(text, include_data=include_data) for text in texts]
    return [_api_form(body, include_data) for body in bodies]


def same_event(text: str, stored: str) -> bool:
    """Is `text` (an event re-run now) the `stored` one? Byte-identical, or identical once a text
    stored by an earlier version is put in today's form."""
    return text == stored or text == _encode(event_for_api(stored))


def encode_signal(kind: str, at: datetime, **members: str | None) -> dict[str, Any]:
    """A signal as stored: its `kind` (a key of `SIGNAL_KINDS`), arrival time and members."""
    if kind not in SIGNAL_KINDS:
        raise ValueError(f"unknown signal kind {kind!r}")
    return {"kind": kind, "at": at.isoformat(), **members}


def decode_signal(body: Mapping[str, Any]) -> Signal:
    """The engine's signal value for a stored signal."""
    return SIGNAL_KINDS[body["kind"]](body, datetime.fromisoformat(body["at"]))


SIGNAL_KINDS: Final[Mapping[str, Callable[[Mapping[str, Any], datetime], Signal]]] = {
    "success": lambda body, at: TaskSuccess(body["token"], body["output"], at),
    "failure": lambda body, at: TaskFailure(body["token"], body.get("error"), body.get("cause"), at),
    "heartbeat": lambda body, at: TaskHeartbeat(body["token"], at),
    "stop": lambda body, at: StopRequest(body.get("error"), body.get("cause"), at),
    "timer": lambda body, at: TimerFired(at),
    # A service call's result (`teststate.executions.calls.encode_result`).
    "call": lambda body, at: ServiceCallResult(
        body["key"],
        body.get("result"),
        body.get("error"),
        body.get("cause"),
        at,
        rejected=bool(body.get("rejected", False)),
    ),
    # A worker took an activity's task (`teststate.executions.activities.started_signal`).
    "activity_started": lambda body, at: ActivityStarted(body["token"], body.get("workerName"), at),
}
if set(SIGNAL_KINDS) != {"success", "failure", "heartbeat", "stop", "timer", "call", "activity_started"}:
    raise RuntimeError("every signal of the engine needs exactly one stored kind")
