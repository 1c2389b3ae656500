"""Drawing a state's input and variables from what it reads, steered to a wanted Choice branch.

`documents(reads, ...)` draws `Documents` (the input and the variables of one test) for a
`teststate.toolkit.reads.StateReads`. For a Choice state each example is one of two things:

- A solved input (`solve`): for every branch, the documents that take it, found when the
  strategy is built by the same steps as below with plain values (`KIND_EXAMPLES`) and a fixed
  series of picks, and kept only if the `check` (the interpreter running the state) confirms
  the branch. The first draw of an example names a solved input, or "drawn"; a solved input
  draws nothing more, so once Hypothesis has produced it its tree marks that value as
  exhausted and every new example takes another value of the first draw: the solved inputs
  come first, each once, with at most a few drawn examples between them.
- A drawn example, made in these steps:

1. Every random choice is drawn first: for each field a value of each kind the state needs
   there and a pick, for each And/Or of the rules an operand, and a few keys the state does not
   read. For a Choice state the branch to reach follows from them (see `documents`).
2. Reaching rule *i* means rules *0..i-1* false and rule *i* true; Default means every rule
   false. Each wanted outcome is pushed down the rule's tree (an And is false when its first
   false operand is, the operand picked; an Or is true when its first true operand is ...)
   until it is a wish about one field (`FieldTest`) or two (`Pair`).
3. Each field, shortest paths first, takes the picked one of its candidates that meet every
   wish and every required read. The candidates are the hints of every test on the field
   (values on both sides of each compared literal), the drawn values, and "missing". A field
   that a longer field goes through becomes an object (or array) that the longer one fills.
4. The values are written into the input document (over the unread keys) and the variables.

The `check` confirms the branch; an attempt whose wishes cannot all be met, or whose run goes
elsewhere, is made again with other picks, and when every attempt fails the example is the
branch's solved input (or, when it has none, the last documents built). The draws shrink
towards the first solved input, then towards the first candidate and the first operand.
"""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from hypothesis import strategies as st

from interpreter.jsontypes import ABSENT, JSON, is_number
from teststate.toolkit.reads import (
    KIND_EXAMPLES,
    AllOf,
    AnyOf,
    Branch,
    Condition,
    Constant,
    Field,
    FieldTest,
    Kind,
    Negation,
    Opaque,
    Pair,
    PairOutcome,
    Read,
    StateReads,
    Step,
    conditions_in,
    fits,
    number_hints,
    string_hints,
    timestamp_hints,
)

__all__ = ["ATTEMPTS", "SOLVE_ATTEMPTS", "Documents", "documents", "lookup", "place", "solve"]

ATTEMPTS: Final = 8
"""Attempts of a drawn example at its branch before it falls back on the branch's solved input."""
SOLVE_ATTEMPTS: Final = 64
"""Series of picks `solve` tries for one branch (the second half relaxed: see `_Plan.choose`)."""


@dataclass(frozen=True, slots=True)
class Documents:
    """One test's data: the state input and the workflow variables."""

    input: JSON
    variables: dict[str, JSON]


Check = Callable[[Documents, Branch], bool]
"""Whether running the state with these documents takes that branch."""
KindValues = Callable[[Kind], st.SearchStrategy[JSON]]
"""A strategy of values of each kind."""


class _Infeasible(Exception):
    """The wishes of one attempt cannot all be met with the candidates drawn."""


def documents(
    reads: StateReads,
    *,
    targets: tuple[int, ...],
    values: KindValues,
    extras: st.SearchStrategy[dict[str, JSON]],
    check: Check | None = None,
) -> st.SearchStrategy[Documents]:
    """Documents that meet `reads`, each reaching one of the branches `targets` (indexes into
    ``reads.branches``; empty for a state that is not a Choice).

    With a `check`, every target that some input reaches has a solved input (`solve`), and the
    first draw of an example is an index into them or one more for "drawn". The solved inputs
    are leaves of Hypothesis's tree of choices (nothing is drawn after that index), so each is
    generated once and the tree then marks its index exhausted: every later example takes one
    of the indexes not yet generated or "drawn", which puts all the solved inputs among the
    first examples (measured with the 10-rule Choice states of tests/toolkit/test_strategies.py,
    500 seeds each in JSONPath and JSONata: every branch reached by the 17th example on average
    and by the 55th at the latest, of Hypothesis's default 100). This holds when the test draws
    nothing else (as with `test_state_requests`); anything else the test draws (other
    arguments, ``st.data()``) gives each solved input many leaves, and each one becomes only
    likely.

    A drawn example draws every random choice first (a value of each kind for every field, a
    pick among the fitting candidates, an operand for every And/Or), and its branch is derived
    from them by a stable hash: Hypothesis makes many examples by mutating earlier ones while
    keeping their first choices, so a branch drawn first would stay the same for runs of them.
    """
    layout = _Layout.of(reads)
    solved: tuple[tuple[int, Documents], ...] = ()
    if check is not None:
        found = ((target, _solve(layout, reads, target, check)) for target in targets)
        solved = tuple((target, docs) for target, docs in found if docs is not None)
    return _documents(layout, reads, targets, _materials(layout, values, extras), check, solved)


def solve(reads: StateReads, target: int, check: Check) -> Documents | None:
    """Documents that take branch `target` of `reads` by the `check`, or None when none is found
    (a rule that an earlier one shadows, or a condition not understood that the tries miss).

    Each try plans the wishes as a drawn example does (earlier rules false, this one true) with
    the fields' hints and `KIND_EXAMPLES` for values, no unread keys, and a series of picks: the
    first try takes the first fitting candidate of every field and the first operand of every
    And/Or; the others come from a random generator seeded with the try's number, so the
    result is the same in every run. The second half of the tries also takes candidates that
    miss a wish (the model of a condition may be wrong: the check has the last word).
    """
    return _solve(_Layout.of(reads), reads, target, check)


def _solve(layout: _Layout, reads: StateReads, target: int, check: Check) -> Documents | None:
    for attempt in range(SOLVE_ATTEMPTS):
        material = _plain_material(layout, attempt)
        plan = _Plan(layout, material, 0)
        try:
            plan.wish_for(reads, target)
            chosen = plan.choose(relaxed=attempt >= SOLVE_ATTEMPTS // 2)
        except _Infeasible:
            continue
        docs = _build(chosen, material.extras)
        if check(docs, reads.branches[target]):
            return docs
    return None


def _plain_material(layout: _Layout, attempt: int) -> _Material:
    """The choices of `solve`'s try number `attempt`: picks 0 first, then seeded ones."""
    generator = random.Random(attempt)  # a fixed series of picks, not secrecy

    def pick() -> int:
        return generator.randrange(2**16) if attempt else 0

    plain = {
        field: tuple(value for kind in layout.kinds[field] for value in KIND_EXAMPLES[kind])
        for field in layout.fields
    }
    picks = {field: pick() for field in layout.fields}
    return _Material(plain, picks, tuple(pick() for _ in layout.deciders), {})


@dataclass(frozen=True, slots=True)
class _Layout:
    """What is fixed for a state: its fields (shortest first), the kinds and hints of each, and
    the And/Or nodes of its rules (numbered in order)."""

    fields: tuple[Field, ...]
    kinds: Mapping[Field, tuple[Kind, ...]]
    hints: Mapping[Field, tuple[JSON, ...]]
    deciders: Mapping[int, int]  # id of an And/Or node -> its number

    @staticmethod
    def of(reads: StateReads) -> _Layout:
        kinds: dict[Field, list[Kind]] = {}
        hints: dict[Field, list[JSON]] = {}
        deciders: dict[int, int] = {}
        all_reads = [*reads.reads, *(read for branch in reads.branches for read in branch.reads)]
        for read in all_reads:
            kinds.setdefault(read.field, []).append(read.kind)
        for branch in reads.branches:
            for condition in conditions_in(branch.condition) if branch.condition is not None else []:
                if isinstance(condition, Opaque):
                    for read in condition.reads:
                        kinds.setdefault(read.field, []).append(read.kind)
                for field, condition_hints in _noted(condition):
                    hints.setdefault(field, []).extend(condition_hints)
                if isinstance(condition, (AllOf, AnyOf)):
                    deciders[id(condition)] = len(deciders)
        fields = sorted(set(kinds) | set(hints), key=lambda f: (f.root, len(f.steps), str(f)))
        return _Layout(
            tuple(fields),
            {field: tuple(dict.fromkeys(kinds.get(field, [Kind.ANY]))) for field in fields},
            {field: tuple(hints.get(field, ())) for field in fields},
            deciders,
        )


def _noted(condition: Condition) -> list[tuple[Field, tuple[JSON, ...]]]:
    """The fields a condition tests, with its hints for each."""
    if isinstance(condition, FieldTest):
        return [(condition.field, condition.hints)]
    if isinstance(condition, Pair):
        return [(condition.left, condition.hints), (condition.right, condition.hints)]
    if isinstance(condition, Opaque):
        return [(read.field, _as_kind(read.kind, condition.hints)) for read in condition.reads]
    return []


def _as_kind(kind: Kind, hints: tuple[JSON, ...]) -> tuple[JSON, ...]:
    """An expression not understood, by the literals it has: a field it uses as an array (``$sum``,
    ``$count`` ...) also gets arrays of them (one of each, and all of them together)."""
    if kind not in (Kind.ARRAY, Kind.NUMBER_ARRAY) or not hints:
        return hints
    scalars = [hint for hint in hints if kind is Kind.ARRAY or is_number(hint)]
    return (*hints, *([hint] for hint in scalars), scalars)


@dataclass(frozen=True, slots=True)
class _Material:
    """Every random choice of one example."""

    values: Mapping[Field, tuple[JSON, ...]]  # a value of each kind the field needs
    picks: Mapping[Field, int]  # which fitting candidate to take
    deciders: tuple[int, ...]  # which operand decides each And/Or
    extras: Mapping[str, JSON]  # keys the state does not read

    def digest(self) -> int:
        """A hash of the material that is the same in every process (unlike ``hash``)."""
        text = repr(
            (
                sorted((str(f), repr(v)) for f, v in self.values.items()),
                sorted((str(f), p) for f, p in self.picks.items()),
                self.deciders,
                repr(self.extras),
            )
        )
        return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest())


_PICKS: Final = st.integers(0, 2**16 - 1)


@st.composite
def _materials(
    draw: st.DrawFn, layout: _Layout, values: KindValues, extras: st.SearchStrategy[dict[str, JSON]]
) -> _Material:
    drawn: dict[Field, tuple[JSON, ...]] = {}
    picks: dict[Field, int] = {}
    for field in layout.fields:
        drawn[field] = tuple(draw(values(kind), label=f"{field} ({kind})") for kind in layout.kinds[field])
        picks[field] = draw(_PICKS, label=f"{field} (pick)")
    deciders = tuple(draw(_PICKS, label="deciding operand") for _ in layout.deciders)
    return _Material(drawn, picks, deciders, draw(extras, label="unread keys"))


@st.composite
def _documents(
    draw: st.DrawFn,
    layout: _Layout,
    reads: StateReads,
    targets: tuple[int, ...],
    materials: st.SearchStrategy[_Material],
    check: Check | None,
    solved: tuple[tuple[int, Documents], ...],
) -> Documents:
    if solved:
        slot = draw(st.integers(0, len(solved)), label="a solved input, or drawn")
        if slot < len(solved):
            return copy.deepcopy(solved[slot][1])  # a fresh copy: a test may change what it gets
    material = draw(materials)
    target = targets[material.digest() % len(targets)] if targets else None
    last: Documents | None = None
    for attempt in range(ATTEMPTS):
        plan = _Plan(layout, material, attempt)
        try:
            plan.wish_for(reads, target)
            chosen = plan.choose(relaxed=attempt == ATTEMPTS - 1)
        except _Infeasible:
            continue
        last = _build(chosen, material.extras)
        if target is None or check is None or check(last, reads.branches[target]):
            return last
    fallback = dict(solved).get(target) if target is not None else None
    if fallback is not None:
        return copy.deepcopy(fallback)
    if last is None:  # unreachable: the relaxed attempt never raises
        raise RuntimeError("no attempt produced documents")
    return last


class _Plan:
    """The wishes of one attempt, field by field."""

    def __init__(self, layout: _Layout, material: _Material, attempt: int) -> None:
        self.layout = layout
        self.material = material
        self.attempt = attempt
        self.wishes: dict[Field, list[Callable[[JSON], bool]]] = {}
        self.pairs: list[tuple[Field, Field, PairOutcome, bool]] = []
        self.preferred: set[Field] = set()  # fields better present (reads that are not required)
        self.preferred_kinds: dict[Field, list[Kind]] = {}  # kinds an Opaque condition uses them as

    def wish_for(self, reads: StateReads, target: int | None) -> None:
        for read in reads.reads:
            self.read(read)
        if target is None:
            return
        for branch in reads.branches[:target]:
            if branch.condition is not None:
                self.want(branch.condition, False)
        chosen = reads.branches[target]
        if chosen.condition is not None:
            self.want(chosen.condition, True)
        for read in chosen.reads:
            self.read(read)

    def read(self, read: Read) -> None:
        if read.required:
            kind = read.kind
            self.wishes.setdefault(read.field, []).append(lambda value: fits(kind, value))
        else:
            self.preferred.add(read.field)

    def want(self, condition: Condition, wanted: bool) -> None:
        """Push the wish "`condition` evaluates to `wanted`" down to the fields."""
        if isinstance(condition, FieldTest):
            outcome = condition.outcome
            self.wishes.setdefault(condition.field, []).append(lambda value: outcome(value) is wanted)
        elif isinstance(condition, Pair):
            self.pairs.append((condition.left, condition.right, condition.outcome, wanted))
        elif isinstance(condition, (AllOf, AnyOf)):
            operands = condition.operands
            # And is true (Or false) when every operand is; otherwise the first operand with the
            # other value decides, and the operands after it are never evaluated.
            if wanted is isinstance(condition, AllOf):
                for operand in operands:
                    self.want(operand, wanted)
            elif operands:
                seed = self.material.deciders[self.layout.deciders[id(condition)]]
                decider = (seed + self.attempt) % len(operands)
                for operand in operands[:decider]:
                    self.want(operand, not wanted)
                self.want(operands[decider], wanted)
        elif isinstance(condition, Negation):
            self.want(condition.operand, not wanted)
        elif isinstance(condition, Constant) and condition.value is not wanted:
            raise _Infeasible
        elif isinstance(condition, Opaque):
            # Nothing to push: values of the kinds its expression uses, and the check decides.
            for read in condition.reads:
                self.preferred_kinds.setdefault(read.field, []).append(read.kind)

    def choose(self, *, relaxed: bool) -> dict[Field, JSON]:
        """A value (or ABSENT) for every field, shortest paths first."""
        chosen: dict[Field, JSON] = {}
        for field in self.layout.fields:
            candidates = self._candidates(field, chosen)
            fitting = [value for value in candidates if self._fits(field, value, chosen)]
            if field in self.preferred:
                fitting = [value for value in fitting if value is not ABSENT] or fitting
            for kind in self.preferred_kinds.get(field, ()):
                fitting = [value for value in fitting if fits(kind, value)] or fitting
            if not fitting:
                if not relaxed:
                    raise _Infeasible
                fitting = candidates
            # Another attempt takes another candidate (7919 is prime: the picks do not cycle early).
            chosen[field] = fitting[(self.material.picks[field] + 7919 * self.attempt) % len(fitting)]
        return chosen

    def _candidates(self, field: Field, chosen: Mapping[Field, JSON]) -> list[JSON]:
        if any(field.is_below(other) and value is ABSENT for other, value in chosen.items()):
            return [ABSENT]  # something it goes through is missing
        below = [other for other in self.layout.fields if other.is_below(field)]
        if below:
            next_steps = [other.steps[len(field.steps)] for other in below]
            container: JSON = [] if all(isinstance(step, int) for step in next_steps) else {}
            return [container] if not field.steps else [container, ABSENT]
        candidates = [*self.layout.hints[field], *self.material.values[field]]
        for left, right, _, _ in self.pairs:
            other = right if field == left else left if field == right else None
            if other is not None and chosen.get(other, ABSENT) is not ABSENT:
                candidates.extend(_near(chosen[other]))
        if field.steps or field.root != "input":
            candidates.append(ABSENT)
        return _unique(candidates)

    def _fits(self, field: Field, value: JSON, chosen: Mapping[Field, JSON]) -> bool:
        if not self._wished(field, value):
            return False
        for left, right, outcome, wanted in self.pairs:
            if field not in (left, right):
                continue
            other = right if field == left else left
            if other in chosen:
                partners = [chosen[other]]
            else:  # look ahead: the other field must still have a value that fits with this one
                partners = [
                    candidate
                    for candidate in [
                        *self.layout.hints[other],
                        *self.material.values[other],
                        *_near(value),
                        ABSENT,
                    ]
                    if self._wished(other, candidate)
                ]
            pairs = ((value, partner) if field == left else (partner, value) for partner in partners)
            if not any(outcome(a, b) is wanted for a, b in pairs):
                return False
        return True

    def _wished(self, field: Field, value: JSON) -> bool:
        return all(wish(value) for wish in self.wishes.get(field, ()))


def _near(value: JSON) -> list[JSON]:
    """Values equal to and just around another field's value (for the ``*Path`` comparisons)."""
    if isinstance(value, str):
        return [*string_hints(value), *timestamp_hints(value)[2:]]
    if is_number(value):
        return number_hints(value)
    return [value]


def _unique(values: list[JSON]) -> list[JSON]:
    seen: set[str] = set()
    unique: list[JSON] = []
    for value in values:
        key = "ABSENT" if value is ABSENT else repr((type(value).__name__, value))
        if key not in seen:
            seen.add(key)
            unique.append(value)
    return unique


def _build(chosen: Mapping[Field, JSON], extras: Mapping[str, JSON]) -> Documents:
    """Write the chosen values into the input (over a few unread keys) and the variables."""
    whole = chosen.get(Field("input", ()), ABSENT)
    document: JSON = whole
    if whole is ABSENT or isinstance(whole, dict):
        read_keys = {field.steps[0] for field in chosen if field.root == "input" and field.steps}
        document = {key: value for key, value in extras.items() if key not in read_keys}
    variables: JSON = {}
    for field in sorted(chosen, key=lambda f: len(f.steps)):
        value = chosen[field]
        if value is ABSENT or not field.steps:
            continue
        if field.root == "input":
            document = place(document, field.steps, value)
        elif field.root == "variables":
            variables = place(variables, field.steps, value)
    return Documents(document, dict(variables))


def place(document: JSON, steps: tuple[Step, ...], value: JSON) -> JSON:
    """A copy of `document` with `value` at `steps`, objects and arrays made (or replacing what
    is not one) on the way; an array is padded with nulls up to the index."""
    if not steps:
        return value
    head, rest = steps[0], steps[1:]
    if isinstance(head, int):
        items = list(document) if isinstance(document, list) else []
        size = head + 1 if head >= 0 else -head
        items.extend([None] * (size - len(items)))
        items[head] = place(items[head], rest, value)
        return items
    members = dict(document) if isinstance(document, dict) else {}
    members[head] = place(members.get(head), rest, value)
    return members


def lookup(document: JSON, steps: tuple[Step, ...]) -> JSON:
    """The value at `steps` in `document`, or ABSENT."""
    for step in steps:
        in_list = (
            isinstance(step, int) and isinstance(document, list) and -len(document) <= step < len(document)
        )
        if not (in_list or (isinstance(step, str) and isinstance(document, dict) and step in document)):
            return ABSENT
        document = document[step]
    return document
