"""What an expression can see while one state runs.

A `Scope` is frozen: each step of a state's data flow makes a new one with `with_current`,
`with_result` or `with_error_output`. The clock and the random source are injected through
`World` so a run is deterministic when the caller fixes them (no global clock, no sleeping).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from interpreter.jsontypes import ABSENT, JSON
from interpreter.limits import Limits


@dataclass(frozen=True, slots=True, kw_only=True)
class World:
    """The outside world as the interpreter may see it: one instant, one random source, and
    the bounds on evaluation (`Limits`, README "Bounds") the caller grants this run."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The OS's random source by default: unseeded, so nothing to initialise per run (a seeded
    # Mersenne Twister costs ~15 us to set up, more than a whole Pass state); a caller that wants
    # reproducible runs passes its own seeded ``random.Random``.
    rng: random.Random = field(default_factory=random.SystemRandom)
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """Everything an expression may read.

    Attributes:
        current: what ``$`` denotes for a JSONPath expression at this step (the raw input for
            InputPath, the effective input for Parameters, the result for ResultSelector ...).
        context: the context object, ``$$`` in JSONPath and ``$states.context`` in JSONata.
        variables: workflow variables, ``$name`` in both languages.
        state_input: the state's raw input, ``$states.input`` in JSONata.
        result: ``$states.result`` (JSONata), ABSENT until the state's work produced one.
        error_output: ``$states.errorOutput`` (JSONata), only inside a Catcher.
        world: the injected clock and random source.
    """

    current: JSON
    context: JSON
    variables: Mapping[str, JSON]
    state_input: JSON
    result: JSON = ABSENT
    error_output: JSON = ABSENT
    world: World = field(default_factory=World)

    # Each step makes a new scope: built directly, not with dataclasses.replace (several times
    # slower, and this runs for every step of every state and every Map item).
    def with_current(self, value: JSON) -> Scope:
        """The same scope with ``$`` bound to `value`."""
        return Scope(
            current=value,
            context=self.context,
            variables=self.variables,
            state_input=self.state_input,
            result=self.result,
            error_output=self.error_output,
            world=self.world,
        )

    def with_result(self, value: JSON) -> Scope:
        """The same scope with ``$states.result`` bound (and ``$`` too, for ResultSelector)."""
        return Scope(
            current=value,
            context=self.context,
            variables=self.variables,
            state_input=self.state_input,
            result=value,
            error_output=self.error_output,
            world=self.world,
        )

    def with_error_output(self, value: JSON) -> Scope:
        """The same scope inside a Catcher: ``$states.errorOutput`` bound, ``$`` too."""
        return Scope(
            current=value,
            context=self.context,
            variables=self.variables,
            state_input=self.state_input,
            result=self.result,
            error_output=value,
            world=self.world,
        )

    def with_context(self, context: JSON) -> Scope:
        """The same scope with another context object (a Map item's, with ``Map.Item``)."""
        return Scope(
            current=self.current,
            context=context,
            variables=self.variables,
            state_input=self.state_input,
            result=self.result,
            error_output=self.error_output,
            world=self.world,
        )
