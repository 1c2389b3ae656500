"""The compiled model of a state: frozen, slotted, holding compiled expressions only.

The loader builds these once per definition text; evaluation never sees source text. Optional
fields distinguish "absent" (ABSENT: the ASL default applies) from JSON ``null`` (None: for
InputPath/OutputPath/ResultPath, null has its own meaning in ASL).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from interpreter.fields.templates import Template
from interpreter.jsonpath import Path, ReferencePath
from interpreter.jsontypes import ABSENT, JSON, Absent
from interpreter.states.choice import ChoiceRule

if TYPE_CHECKING:  # annotations only: those modules compile their objects, the model just holds them
    from interpreter.fields.numbers import NumberField
    from interpreter.map.batcher import ItemBatcher
    from interpreter.map.reader import ItemReader
    from interpreter.map.selector import FastSelector
    from interpreter.map.writer import ResultWriter


class QueryLanguage(StrEnum):
    """The two query languages of ASL; JSONPath is the default."""

    JSONPATH = "JSONPath"
    JSONATA = "JSONata"


@dataclass(frozen=True, slots=True, kw_only=True)
class Retrier:
    """One element of ``Retry`` (ASL defaults: IntervalSeconds 1, MaxAttempts 3, BackoffRate 2.0)."""

    error_equals: tuple[str, ...]
    interval_seconds: int = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: int | None = None
    jitter_strategy: str = "NONE"


@dataclass(frozen=True, slots=True, kw_only=True)
class Catcher:
    """One element of ``Catch``."""

    error_equals: tuple[str, ...]
    next: str
    result_path: ReferencePath | Absent | None = ABSENT
    output: Template | None = None
    assign: Template | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class State:
    """Fields every state type may carry (the schema decides which a type may really have).

    Attributes:
        input_path / output_path: a compiled path, None for JSON null ({} in ASL), ABSENT for "$".
        result_path: a compiled reference path, None for null (discard the result), ABSENT for "$".
    """

    name: str
    type: str
    query_language: QueryLanguage
    next: str | None = None
    end: bool = False
    input_path: Path | Absent | None = ABSENT
    output_path: Path | Absent | None = ABSENT
    parameters: Template | None = None
    result_selector: Template | None = None
    result_path: ReferencePath | Absent | None = ABSENT
    arguments: Template | None = None
    output: Template | None = None
    assign: Template | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()

    @property
    def is_jsonata(self) -> bool:
        return self.query_language is QueryLanguage.JSONATA


@dataclass(frozen=True, slots=True, kw_only=True)
class PassState(State):
    """Pass: ``Result`` (JSONPath) or ``Output`` (JSONata)."""

    result: JSON = ABSENT


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitState(State):
    """Wait: exactly one of Seconds / SecondsPath / Timestamp / TimestampPath (never sleeps here)."""

    seconds: int | Template | None = None
    seconds_path: Path | None = None
    timestamp: str | Template | None = None
    timestamp_path: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceState(State):
    """Choice: rules in order, then Default."""

    choices: tuple[ChoiceRule, ...] = ()
    default: str | None = None
    rule_outputs: tuple[Template | None, ...] = ()
    rule_assigns: tuple[Template | None, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SucceedState(State):
    """Succeed: ends the (sub-)machine with its input after paths."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FailState(State):
    """Fail: Error/Cause as literals, paths/intrinsics (JSONPath) or JSONata templates."""

    error: Template | None = None
    cause: Template | None = None
    error_path: Template | None = None
    cause_path: Template | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskState(State):
    """Task: the integration named by Resource, run here with its mock.

    The duration fields hold an int (a literal), a compiled JSONata template, or (the ``*Path``
    fields) a compiled path; ``credentials`` is the compiled ``Credentials`` object.
    """

    resource: str = ""
    timeout_seconds: int | Template | None = None
    timeout_seconds_path: Path | None = None
    heartbeat_seconds: int | Template | None = None
    heartbeat_seconds_path: Path | None = None
    credentials: Template | None = None

    @property
    def callback_pattern(self) -> bool:
        """``.sync``, ``.waitForTaskToken`` and Activity tasks (only testable with a mock)."""
        return (
            self.resource.endswith(".waitForTaskToken")
            or ".sync" in self.resource
            or ":activity:" in self.resource
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MapState(State):
    """Map (inline or distributed): the input-side fields, compiled; its processor's states are
    compiled by the loader as states of their own (selectable by ``stateName``).

    Attributes:
        items_path: JSONPath ``ItemsPath`` (ABSENT: "$").
        items: JSONata ``Items`` (None: ``$states.input``).
        item_selector: ``ItemSelector``, or the legacy ``Parameters`` of an ``Iterator`` Map.
        fast_selector: its per-item shortcut, when it has one (`interpreter.map.selector`).
        item_reader / item_batcher: the Distributed Map's reader and batcher (None when absent).
        result_writer: the compiled ``ResultWriter`` (its mocked result is then an object).
        max_concurrency / tolerated_failure_count / tolerated_failure_percentage: literal,
            JSONata or ``*Path`` (None when absent).
        children: the names of every state inside the processor, nested ones included.
    """

    items_path: Path | Absent = ABSENT
    items: Template | None = None
    item_selector: Template | None = None
    fast_selector: FastSelector | None = None
    item_reader: ItemReader | None = None
    item_batcher: ItemBatcher | None = None
    result_writer: ResultWriter | None = None
    max_concurrency: NumberField | None = None
    tolerated_failure_count: NumberField | None = None
    tolerated_failure_percentage: NumberField | None = None
    children: frozenset[str] = frozenset()

    @property
    def has_result_writer(self) -> bool:
        return self.result_writer is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class ParallelState(State):
    """Parallel: its branches' states are compiled by the loader as states of their own.

    Attributes:
        branch_count: the number of ``Branches`` (the mocked result has one item per branch).
        children: the names of every state inside the branches, nested ones included.
    """

    branch_count: int = 0
    children: frozenset[str] = frozenset()


STATE_CLASSES: Mapping[str, type[State]] = {
    "Pass": PassState,
    "Wait": WaitState,
    "Choice": ChoiceState,
    "Succeed": SucceedState,
    "Fail": FailState,
    "Task": TaskState,
    "Map": MapState,
    "Parallel": ParallelState,
}
"""Every ASL state type and its class (``@dataclass(slots=True)`` makes new classes, so
``State.__subclasses__()`` would also list the unslotted originals; this table is the truth)."""
