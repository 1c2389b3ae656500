"""How executions' history events and signals are stored (JSON text) and answered (API form).

An event is stored as its API structure with the timestamp as ISO-8601 text, compact and
ASCII-only (a lone surrogate in a string survives as an escape; SQLite text must be UTF-8), so
that two runs of the same execution give byte-identical texts: the runner compares them to check
that a re-run reproduces what was stored. The API answers timestamps as epoch seconds (AWS JSON
1.0 encodes timestamps as numbers).

A signal is stored as ``{"kind": ..., "at": <ISO-8601>, ...}`` and decoded into the engine's
signal values through one table, checked at import.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from interpreter.execution.model import (
    HistoryEvent,
    Signal,
    StopRequest,
    TaskFailure,
    TaskHeartbeat,
    TaskSuccess,
    TimerFired,
)

__all__ = ["decode_signal", "encode_event", "encode_signal", "epoch", "event_for_api"]

# Members of event details that carry execution data (GetExecutionHistory includeExecutionData).
_DATA_MEMBERS: Final = frozenset({"input", "output"})


def epoch(moment: datetime) -> float:
    """A timestamp as the API answers it: epoch seconds, millisecond precision."""
    return round(moment.timestamp(), 3)


def encode_event(event: HistoryEvent) -> str:
    """The stored text of `event` (deterministic: equal events give equal texts)."""
    body = event.to_api()
    body["timestamp"] = event.timestamp.isoformat()
    return json.dumps(body, separators=(",", ":"), sort_keys=True)


def event_for_api(text: str, *, include_data: bool = True) -> dict[str, Any]:
    """A stored event as GetExecutionHistory answers it (without input and output members when
    `include_data` is False)."""
    body: dict[str, Any] = json.loads(text)
    body["timestamp"] = epoch(datetime.fromisoformat(body["timestamp"]))
    if not include_data:
        for key, value in body.items():
            if key.endswith("EventDetails") and isinstance(value, dict):
                body[key] = {name: item for name, item in value.items() if name not in _DATA_MEMBERS}
    return body


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
}
if set(SIGNAL_KINDS) != {"success", "failure", "heartbeat", "stop", "timer"}:
    raise RuntimeError("every signal of the engine needs exactly one stored kind")
