"""What a state machine offers to cover, what a test session covered of it, and how to combine sessions.

A definition's `Outline` lists everything that can be covered, read from the definition itself:
its states (nested ones in Map processors and Parallel branches included), each Choice rule and
the Default, each Retry and Catch entry, and every transition (a ``Next``, a Choice rule's
``Next`` or ``Default``, a Catch's ``Next``, and the end of a machine or branch after ``End``, a
Succeed or a Fail state). `Observed` holds what runs showed; it knows nothing of where the facts
came from (TestState answers, `teststate.toolkit.coverage_calls`; execution histories,
`teststate.toolkit.coverage_history`).
`DefinitionCoverage` pairs the two for one definition, identified by its canonical JSON text, and
`CoverageData` is a session's worth, mergeable across sessions and pytest workers (their JSON form
is `teststate.toolkit.coverage_json`'s).

State names are unique in a whole definition, nested states included (AWS refuses a repeat
anywhere in the machine with DUPLICATE_STATE_NAME, `interpreter.schema.transitions`; the
interpreter selects any of them by name), so a state's name identifies it here too, and an
execution history's state names say which Map processor or Parallel branch ran.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, TypeAlias

from interpreter.schema import SINGLE_STATE_NAME
from teststate.toolkit.errors import ToolkitError

__all__ = [
    "SINGLE_STATE_NAME",
    "CatchEntry",
    "CatchRoute",
    "Category",
    "ChoiceBranch",
    "CoverageData",
    "CoverageDataError",
    "CoverageError",
    "DefinitionCoverage",
    "Item",
    "Observed",
    "Outline",
    "Region",
    "RetryEntry",
    "StateOutline",
    "Tally",
    "Transition",
    "UnreadExecution",
    "definition_key",
    "describe",
    "outline_of",
    "quote_name",
]


class CoverageError(ToolkitError):
    """Root of the coverage errors: the recorder, the data and the report."""


class CoverageDataError(CoverageError):
    """Coverage data read from JSON is not in the format `teststate.toolkit.coverage_json.coverage_to_json` writes."""


# ---------------------------------------------------------------------------------------------
# What can be covered


@dataclass(frozen=True, slots=True)
class ChoiceBranch:
    """A Choice state's rule (its index in ``Choices``) or, with ``rule`` None, its ``Default``."""

    state: str
    rule: int | None


@dataclass(frozen=True, slots=True)
class RetryEntry:
    """One element of a state's ``Retry``, by index."""

    state: str
    index: int


@dataclass(frozen=True, slots=True)
class CatchEntry:
    """One element of a state's ``Catch``, by index."""

    state: str
    index: int


@dataclass(frozen=True, slots=True)
class Transition:
    """Leaving ``source`` for ``target``; ``target`` None: the machine (or branch) ends there.

    ``caught`` tells a Catch's transition from the state's own: a Catch to the state that ``Next``
    also names is a different way out. Choice rules (and the Default) that share a ``Next`` are one
    transition; which rule was taken is a `ChoiceBranch`.
    """

    source: str
    target: str | None
    caught: bool = False


Item: TypeAlias = str | ChoiceBranch | RetryEntry | CatchEntry | Transition
"""One coverable thing: a state (its name), a Choice branch, a Retry or Catch entry, a transition."""


class Category(StrEnum):
    """The kinds of coverable things, each with the label the summary and the report print."""

    STATES = "states"
    CHOICE_BRANCHES = "Choice branches"
    RETRIES = "Retry"
    CATCHES = "Catch"
    TRANSITIONS = "transitions"


@dataclass(frozen=True, slots=True)
class CatchRoute:
    """A Catch entry as declared: the errors it catches and where it goes."""

    error_equals: tuple[str, ...]
    next: str


@dataclass(frozen=True, slots=True)
class StateOutline:
    """One state as far as coverage is concerned.

    Attributes:
        region: index in `Outline.regions` of the machine or branch that holds the state.
        choices: the ``Next`` of each Choice rule, in order.
        retry: the ``ErrorEquals`` of each Retry entry, in order.
        inner: the regions the state runs: a Map's processor, a Parallel's branches.
        error: a Fail state's ``Error`` when it is a constant (an execution's history does not
            name the error a Fail state raises inside a Map or Parallel: this does).
    """

    name: str
    type: str
    region: int
    next: str | None = None
    end: bool = False
    choices: tuple[str, ...] = ()
    default: str | None = None
    retry: tuple[tuple[str, ...], ...] = ()
    catch: tuple[CatchRoute, ...] = ()
    inner: tuple[int, ...] = ()
    error: str | None = None

    @property
    def terminal(self) -> bool:
        """The machine or branch ends after this state (End, Succeed, Fail)."""
        return self.end or self.type in ("Succeed", "Fail")

    def choice_branches(self) -> tuple[ChoiceBranch, ...]:
        branches = [ChoiceBranch(self.name, index) for index in range(len(self.choices))]
        if self.default is not None:
            branches.append(ChoiceBranch(self.name, None))
        return tuple(branches)

    def transitions(self) -> tuple[Transition, ...]:
        """Every way out of the state, without repeats, in declaration order."""
        ways: list[Transition] = [Transition(self.name, target) for target in self.choices]
        if self.default is not None:
            ways.append(Transition(self.name, self.default))
        if self.next is not None:
            ways.append(Transition(self.name, self.next))
        if self.terminal:
            ways.append(Transition(self.name, None))
        ways.extend(Transition(self.name, route.next, caught=True) for route in self.catch)
        return tuple(dict.fromkeys(ways))


@dataclass(frozen=True, slots=True)
class Region:
    """The states of one machine: the definition's top level, a Map's processor or a Parallel branch.

    Attributes:
        owner: the Map or Parallel state that runs it (None for the top level).
        label: what it is, for the report (``ItemProcessor``, ``Iterator``, ``Branches[1]``).
    """

    owner: str | None
    label: str
    start_at: str | None
    states: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outline:
    """Everything a definition offers to cover, in declaration order.

    A single-state definition (TestState without ``stateName``) is a machine of one state named
    ``StateName`` (as AWS names it); its ``Next`` leads outside the definition.
    """

    single_state: bool
    comment: str | None
    regions: tuple[Region, ...]
    states: tuple[StateOutline, ...]
    choice_branches: tuple[ChoiceBranch, ...] = ()
    retries: tuple[RetryEntry, ...] = ()
    catches: tuple[CatchEntry, ...] = ()
    transitions: tuple[Transition, ...] = ()
    by_name: Mapping[str, StateOutline] = field(default_factory=dict, compare=False)

    def items(self, category: Category) -> tuple[Item, ...]:
        """The coverable things of one category."""
        if category is Category.STATES:
            return tuple(state.name for state in self.states)
        if category is Category.CHOICE_BRANCHES:
            return self.choice_branches
        if category is Category.RETRIES:
            return self.retries
        if category is Category.CATCHES:
            return self.catches
        return self.transitions


def outline_of(document: Any, *, single_state: bool) -> Outline:
    """The outline of a parsed definition (a whole machine, or one state object).

    The definition is expected to be valid (the service accepted it); what does not have the
    expected shape is left out rather than refused, so that recording never breaks a test.
    """
    regions: list[Region] = []
    states: list[StateOutline] = []
    if single_state:
        _add_region(
            regions,
            states,
            owner=None,
            label="",
            machine={"StartAt": SINGLE_STATE_NAME, "States": {SINGLE_STATE_NAME: document}},
        )
    else:
        _add_region(regions, states, owner=None, label="", machine=document)
    comment = document.get("Comment") if isinstance(document, dict) else None
    return Outline(
        single_state=single_state,
        comment=comment if isinstance(comment, str) else None,
        regions=tuple(regions),
        states=tuple(states),
        choice_branches=tuple(branch for state in states for branch in state.choice_branches()),
        retries=tuple(RetryEntry(state.name, index) for state in states for index in range(len(state.retry))),
        catches=tuple(CatchEntry(state.name, index) for state in states for index in range(len(state.catch))),
        transitions=tuple(dict.fromkeys(way for state in states for way in state.transitions())),
        by_name={state.name: state for state in states},
    )


def _add_region(
    regions: list[Region], states: list[StateOutline], *, owner: str | None, label: str, machine: Any
) -> int:
    """Append the region of `machine` (and, depth first, those of its Map and Parallel states)."""
    index = len(regions)
    declared = machine.get("States") if isinstance(machine, dict) else None
    declared = declared if isinstance(declared, dict) else {}
    start_at = machine.get("StartAt") if isinstance(machine, dict) else None
    regions.append(Region(owner, label, start_at if isinstance(start_at, str) else None, tuple(declared)))
    for name, state in declared.items():
        if isinstance(state, dict):
            _add_state(regions, states, name, state, index)
    return index


def _add_state(
    regions: list[Region], states: list[StateOutline], name: str, state: dict[str, Any], region: int
) -> None:
    state_type = state.get("Type")
    position = len(states)
    states.append(StateOutline(name=name, type=str(state_type), region=region))  # replaced below
    inner: list[int] = []
    if state_type == "Map":
        for label in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(label), dict):
                inner.append(_add_region(regions, states, owner=name, label=label, machine=state[label]))
    elif state_type == "Parallel":
        branches = state.get("Branches")
        for number, branch in enumerate(branches if isinstance(branches, list) else []):
            inner.append(
                _add_region(regions, states, owner=name, label=f"Branches[{number}]", machine=branch)
            )
    choices = state.get("Choices") if state_type == "Choice" else None
    states[position] = StateOutline(
        name=name,
        type=str(state_type),
        region=region,
        next=_text(state.get("Next")),
        end=state.get("End") is True,
        choices=tuple(
            rule["Next"]
            for rule in (choices if isinstance(choices, list) else [])
            if isinstance(rule, dict) and isinstance(rule.get("Next"), str)
        ),
        default=_text(state.get("Default")) if state_type == "Choice" else None,
        retry=tuple(_errors(entry) for entry in _entries(state.get("Retry"))),
        catch=tuple(
            CatchRoute(_errors(entry), entry["Next"])
            for entry in _entries(state.get("Catch"))
            if isinstance(entry.get("Next"), str)
        ),
        inner=tuple(inner),
        error=_text(state.get("Error")) if state_type == "Fail" else None,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _entries(value: Any) -> list[dict[str, Any]]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _errors(entry: dict[str, Any]) -> tuple[str, ...]:
    names = entry.get("ErrorEquals")
    return tuple(name for name in names if isinstance(name, str)) if isinstance(names, list) else ()


def definition_key(text: str) -> str:
    """The identity of a definition: its canonical JSON text (keys sorted, no white space), so
    that copies differing only in layout or key order count as one. Text that is not JSON is its
    own key."""
    try:
        document = json.loads(text)
    except ValueError:
        return text
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# What was covered


@dataclass(frozen=True, slots=True)
class Observed:
    """What runs of one definition showed.

    Attributes:
        calls: how many TestState calls were recorded.
        executions: how many executions' histories were read.
        unattributed: decisions (a TestState call's, or one Choice, Retry or Catch of an
            execution) whose Choice rule, Retry or Catch entry could not be told from what was
            recorded (the state and transition still count).
    """

    calls: int = 0
    executions: int = 0
    states: frozenset[str] = frozenset()
    choice_branches: frozenset[ChoiceBranch] = frozenset()
    retries: frozenset[RetryEntry] = frozenset()
    catches: frozenset[CatchEntry] = frozenset()
    transitions: frozenset[Transition] = frozenset()
    unattributed: int = 0

    def merge(self, other: Observed) -> Observed:
        """Both observations together."""
        return Observed(
            calls=self.calls + other.calls,
            executions=self.executions + other.executions,
            states=self.states | other.states,
            choice_branches=self.choice_branches | other.choice_branches,
            retries=self.retries | other.retries,
            catches=self.catches | other.catches,
            transitions=self.transitions | other.transitions,
            unattributed=self.unattributed + other.unattributed,
        )

    def items(self, category: Category) -> frozenset[Item]:
        """The things of one category that were seen."""
        if category is Category.STATES:
            return self.states
        if category is Category.CHOICE_BRANCHES:
            return self.choice_branches
        if category is Category.RETRIES:
            return self.retries
        if category is Category.CATCHES:
            return self.catches
        return self.transitions


@dataclass(frozen=True, slots=True)
class Tally:
    """``covered`` of ``total`` things."""

    covered: int
    total: int

    def __str__(self) -> str:
        return f"{self.covered}/{self.total}"

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.covered + other.covered, self.total + other.total)


@dataclass(frozen=True, slots=True)
class DefinitionCoverage:
    """One definition's outline and what was observed of it.

    Attributes:
        definition: the definition's text as first recorded (its layout is kept for display).
        key: its identity, `definition_key` of the text.
    """

    definition: str
    key: str
    outline: Outline
    observed: Observed

    @classmethod
    def of(
        cls, definition: str, *, single_state: bool, observed: Observed | None = None
    ) -> DefinitionCoverage:
        """The coverage of a definition text (nothing observed unless `observed` is given)."""
        try:
            document: Any = json.loads(definition)
        except ValueError:
            document = None
        return cls(
            definition=definition,
            key=definition_key(definition),
            outline=outline_of(document, single_state=single_state),
            observed=observed if observed is not None else Observed(),
        )

    @property
    def digest(self) -> str:
        """A short, stable name for the definition: the start of its key's SHA-256."""
        return hashlib.sha256(self.key.encode("utf-8", "surrogatepass")).hexdigest()[:10]

    @property
    def title(self) -> str:
        """The definition's ``Comment``, else what it starts with."""
        outline = self.outline
        if outline.comment:
            return outline.comment
        if outline.single_state:
            kind = outline.states[0].type if outline.states else "?"
            return f"single {kind} state"
        return f"StartAt {outline.regions[0].start_at}" if outline.regions else "definition"

    def is_covered(self, item: Item) -> bool:
        """Whether `item` was seen (whatever its category)."""
        observed = self.observed
        if isinstance(item, str):
            return item in observed.states
        if isinstance(item, ChoiceBranch):
            return item in observed.choice_branches
        if isinstance(item, RetryEntry):
            return item in observed.retries
        if isinstance(item, CatchEntry):
            return item in observed.catches
        return item in observed.transitions

    def tally(self, category: Category) -> Tally:
        possible = self.outline.items(category)
        return Tally(sum(1 for item in possible if self.is_covered(item)), len(possible))

    def missed(self, category: Category) -> tuple[Item, ...]:
        """The things of one category that were never seen, in declaration order."""
        return tuple(item for item in self.outline.items(category) if not self.is_covered(item))

    def merge(self, other: DefinitionCoverage) -> DefinitionCoverage:
        """Both observations of this definition (`other` must have the same key)."""
        if other.key != self.key:
            raise ValueError("only the coverage of the same definition can be merged")
        return DefinitionCoverage(
            self.definition, self.key, self.outline, self.observed.merge(other.observed)
        )


@dataclass(frozen=True, slots=True)
class UnreadExecution:
    """An execution whose history could not be read, so that it covered nothing: still running
    when the coverage was taken, an EXPRESS execution (no history kept), an endpoint gone."""

    execution_arn: str
    reason: str


@dataclass(frozen=True, slots=True)
class CoverageData:
    """The coverage of every definition a session (or several, merged) exercised, in the order
    first seen, and the executions it started but could not read."""

    definitions: tuple[DefinitionCoverage, ...] = ()
    unread: tuple[UnreadExecution, ...] = ()

    def __iter__(self) -> Iterator[DefinitionCoverage]:
        return iter(self.definitions)

    def merge(self, other: CoverageData) -> CoverageData:
        """Both sessions' coverage: definitions with the same key are merged, the others kept."""
        unread = {item.execution_arn: item for item in (*self.unread, *other.unread)}
        return CoverageData(tuple(_merged(self.definitions, other.definitions)), tuple(unread.values()))

    def total(self, category: Category) -> Tally:
        """The tally of one category over every definition."""
        tally = Tally(0, 0)
        for coverage in self.definitions:
            tally = tally + coverage.tally(category)
        return tally


def _merged(
    first: Iterable[DefinitionCoverage], second: Iterable[DefinitionCoverage]
) -> list[DefinitionCoverage]:
    by_key: dict[str, DefinitionCoverage] = {}
    for coverage in (*first, *second):
        known = by_key.get(coverage.key)
        by_key[coverage.key] = coverage if known is None else known.merge(coverage)
    return list(by_key.values())


# ---------------------------------------------------------------------------------------------
# Words


def quote_name(name: str) -> str:
    """A state name as the summary and the report print it: as it is when that cannot be misread,
    else in double quotes with JSON's escapes, and every character that does not print (control
    and format characters, lone surrogates) as a ``\\u`` escape."""
    if (
        name
        and name.isprintable()
        and name == name.strip()
        and "->" not in name
        and not _ODD.intersection(name)
    ):
        return name
    return '"' + "".join(_escaped(char) for char in name) + '"'


_ODD: Final = frozenset('"\\,()[]')
_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def describe(outline: Outline, item: Item) -> str:
    """One coverable thing in words: ``Route rule 1 -> Work``, ``Work Catch[0] [States.ALL] -> Recover``."""
    if isinstance(item, str):
        return quote_name(item)
    if isinstance(item, Transition):
        end = "(end)" if item.target is None else quote_name(item.target)
        arrow = "-(catch)->" if item.caught else "->"
        return f"{quote_name(item.source)} {arrow} {end}"
    state = outline.by_name.get(item.state)
    name = quote_name(item.state)
    if isinstance(item, ChoiceBranch):
        return f"{name} {_branch_words(state, item.rule)}"
    if isinstance(item, RetryEntry):
        retry = state.retry if state is not None else ()
        errors = retry[item.index] if item.index < len(retry) else ()
        return f"{name} Retry[{item.index}] [{', '.join(quote_name(error) for error in errors)}]"
    catch = state.catch if state is not None else ()
    if item.index >= len(catch):
        return f"{name} Catch[{item.index}]"
    route = catch[item.index]
    errors_text = ", ".join(quote_name(error) for error in route.error_equals)
    return f"{name} Catch[{item.index}] [{errors_text}] -> {quote_name(route.next)}"


def _branch_words(state: StateOutline | None, rule: int | None) -> str:
    if rule is None:
        default = state.default if state is not None else None
        return f"Default -> {quote_name(default or '?')}"
    choices = state.choices if state is not None else ()
    return f"rule {rule} -> {quote_name(choices[rule] if rule < len(choices) else '?')}"
