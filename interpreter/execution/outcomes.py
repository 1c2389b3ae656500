"""What a (sub-)machine or state run ends with, and the exceptions that unwind an execution.

`Ok`/`Err` are returned by the stepper (`interpreter.execution.runner.Runner.machine`) and the
state handlers (`tasks`, `maps`, `parallel`); `Suspend`, `Abort` and `TimedOut` unwind the whole
execution to `interpreter.execution.engine`, which turns them into its last steps.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from interpreter.execution.model import HistoryEvent, ServiceCall, StopRequest
from interpreter.jsontypes import JSON

Gen = Generator[HistoryEvent, None, Any]
"""A stepper generator: yields history events, returns `Ok` or `Err`."""


@dataclass(frozen=True, slots=True)
class Ok:
    """A (sub-)machine's or state's success: its output (value and text) and the variables."""

    output: JSON
    output_text: str
    variables: Mapping[str, JSON]
    next_state: str | None = None


@dataclass(frozen=True, slots=True)
class Err:
    """A (sub-)machine's or state's failure."""

    error: str | None
    cause: str | None


class Suspend(Exception):
    """Raised at a suspension point whose signal has not arrived yet."""

    def __init__(
        self, tokens: tuple[str, ...], wake_at: datetime | None, calls: tuple[ServiceCall, ...] = ()
    ) -> None:
        self.tokens = tokens
        self.wake_at = wake_at
        self.calls = calls


class Abort(Exception):
    """A StopRequest arrived."""

    def __init__(self, stop: StopRequest) -> None:
        self.stop = stop


class TimedOut(Exception):
    """The execution's clock reached the definition's ``TimeoutSeconds``."""


@dataclass(frozen=True, slots=True)
class Entered:
    """A state's Entered event: its id (causes name it), time and event prefix."""

    event_id: int
    prev: int
    time: datetime
    prefix: str
