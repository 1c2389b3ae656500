"""The bounds on one state's evaluation, chosen per call through `World.limits`.

No definition or input may keep a worker busy for long or make it use unbounded memory. Every
evaluator reads its bounds from here; the defaults are the ones documented in the README
("Bounds"). A caller (the service, a test) picks others by building a `World` with its own
`Limits`; nothing here is global or mutable.

This module imports nothing from the interpreter, so `scope` can hold a `Limits` without an
import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class JsonataLimits:
    """Bounds on one JSONata evaluation; over any of them the state fails with
    ``States.QueryEvaluationError``.

    Attributes:
        timeout_ms: budget of one evaluation in the evaluating thread's CPU time (so that a
            loaded machine does not fail a state; `interpreter.time_budget`), checked at every
            evaluation step and handed to the regular-expression engine as its own timeout (a
            user regex may not backtrack for longer than what is left of it).
        max_depth: deepest nesting of evaluation steps (a non-tail recursion of depth N uses
            about 5 N steps).
        max_sequence_items: most items any intermediate array may hold, ``$range`` and the
            range operator ``[a..b]`` included. The reference implementation caps ranges at
            1e7 (D2014), but the library's built-in functions loop in Python without passing
            the time check (``$sum([1..10000000])`` takes ~20 s, ``$map`` with a built-in
            function ~11 us per item), so a smaller cap is what keeps them within the time
            budget. Step Functions payloads (256 KiB) cannot carry arrays this large anyway.
        max_string_length: longest intermediate string; functions whose result size follows
            from their arguments (``$pad``, ``$join``, ``$replace``) check it before they
            allocate.
        max_picture_length: longest picture string of ``$formatNumber``, ``$formatInteger``,
            ``$parseInteger``, ``$fromMillis``, ``$toMillis`` and ``$now`` (the library
            parses pictures character by character in Python: a 10,000,000-character one took
            22 s in ``$toMillis``; real pictures are a few dozen characters).
    """

    timeout_ms: int = 1000
    max_depth: int = 500
    max_sequence_items: int = 100_000
    max_string_length: int = 10_000_000
    max_picture_length: int = 10_000


@dataclass(frozen=True, slots=True, kw_only=True)
class IntrinsicLimits:
    """Bounds on intrinsic functions (``States.*``); over them the state fails with
    ``States.IntrinsicFailure``.

    The first two are AWS's documented limits; the nesting limit (AWS: "You can nest up to 10
    intrinsic functions within a field") is a rule of the definition, checked when the
    definition is loaded, so it is not configurable here.

    Attributes:
        max_range_items: most items ``States.ArrayRange`` may produce (AWS: "The newly
            generated array can't contain more than 1000 items").
        max_codec_input: longest input of ``States.Base64Encode``, ``States.Base64Decode``
            and ``States.Hash`` (AWS: 10,000 characters).
        max_string_length: longest string ``States.Format`` and ``States.JsonToString`` may
            build, measured before it is built (ours: about four times the 256 KiB payload
            quota, so a result that could still fit in a state's output is never refused, and
            a merely large one fails as AWS fails it, on the output's size).
    """

    max_range_items: int = 1000
    max_codec_input: int = 10_000
    max_string_length: int = 1_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class JsonPathLimits:
    """Bounds on one JSONPath query (recursive descent ``..`` and ``=~`` filters); over
    them the state fails with ``States.Runtime``.

    Attributes:
        timeout_ms: budget of one query in the querying thread's CPU time, also the regex
            engine's timeout.
        max_steps: most values a query may visit or collect while walking descendants
            (``$..*..*`` on a deep document visits quadratically many).
    """

    timeout_ms: int = 1000
    max_steps: int = 1_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Every bound of the core, grouped by the evaluator that enforces it."""

    jsonata: JsonataLimits = field(default_factory=JsonataLimits)
    intrinsics: IntrinsicLimits = field(default_factory=IntrinsicLimits)
    jsonpath: JsonPathLimits = field(default_factory=JsonPathLimits)
