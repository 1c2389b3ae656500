"""Bounded evaluation: for each bound of the core, just under it succeeds and just over it fails
fast with the documented error, whatever the definition or input (README "Bounds").

"Fast" is checked against the bound itself: a pathological case must end within `SLACK` times
its time budget (it would otherwise run for minutes or hours, or exhaust memory).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from interpreter.errors import ExpressionError, StatesError
from interpreter.intrinsics import compile_intrinsic
from interpreter.jsonata.expression import compile_jsonata, evaluate_field
from interpreter.jsonpath import compile_path
from interpreter.limits import IntrinsicLimits, JsonataLimits, JsonPathLimits, Limits
from interpreter.regexes import MAX_REGEX_PROGRAM, compile_user_regex
from interpreter.scope import Scope, World
from interpreter.time_budget import TimeBudget

SLACK = 3  # a failure must come within this multiple of the time bound that stopped it
NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
CATASTROPHIC = "a" * 42 + "!"  # (a|aa)+$ backtracks ~fib(42) times on it: hours on `re`


def scope(current: Any = None, limits: Limits | None = None) -> Scope:
    world = World(now=NOW, rng=random.Random(1), limits=limits or Limits())
    return Scope(current=current, context={}, variables={}, state_input=current, world=world)


def jsonata_limits(**fields: Any) -> Limits:
    return Limits(jsonata=JsonataLimits(**fields))


def jsonata(expr: str, limits: Limits | None = None, current: Any = None) -> Any:
    """Evaluate through `evaluate_field`, with the limits the World carries."""
    return evaluate_field(compile_jsonata("{% " + expr + " %}"), scope(current, limits), "Output")


def jsonata_failure(expr: str, limits: Limits | None = None, current: Any = None) -> str:
    with pytest.raises(StatesError) as caught:
        jsonata(expr, limits, current)
    assert caught.value.error == "States.QueryEvaluationError"
    return caught.value.cause


class Timer:
    """The CPU time this thread spent in a `with` block: what the time bounds count
    (`interpreter.time_budget`), so that a loaded machine does not move it."""

    def __enter__(self) -> Timer:
        self.started = time.thread_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.thread_time() - self.started


@pytest.fixture
def timer() -> Iterator[Callable[[], Timer]]:
    yield Timer


# --- the time bounds count CPU time ---------------------------------------------------------


def _spin(seconds: float) -> None:
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


def test_a_time_budget_counts_this_threads_cpu_time_not_the_wall_clock() -> None:
    # A thread that waits (for the GIL, for a CPU on a loaded machine, here for a sleep) spends
    # none of its budget: the same evaluation must not fail because the machine was busy.
    budget = TimeBudget(50)
    time.sleep(0.1)
    assert not budget.spent()
    assert budget.regex_timeout() > 0.02  # a share of the ~50 ms left, not the sliver
    _spin(0.06)
    assert budget.spent()
    assert budget.regex_timeout() == 0.001  # spent: a cheap match may still run


def test_busy_threads_beside_an_evaluation_do_not_spend_its_budget() -> None:
    # Three threads spinning beside the query take most of the GIL: its wall time is then
    # several times its cost, which would overrun the budget given below on the wall clock
    # (it did, every time, before the bounds counted CPU time).
    document = [{"a": i, "n": deep_document(20)} for i in range(300)]
    relaxed = Limits(jsonpath=JsonPathLimits(timeout_ms=60_000))
    started = time.thread_time()
    for _ in range(3):
        path("$..a", document, relaxed)
    cost = (time.thread_time() - started) / 3
    bound = Limits(jsonpath=JsonPathLimits(timeout_ms=max(1, round(cost * 2000))))
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            pass

    neighbours = [threading.Thread(target=busy, daemon=True) for _ in range(3)]
    for neighbour in neighbours:
        neighbour.start()
    try:
        assert len(path("$..a", document, bound)) == 300 * 21
    finally:
        stop.set()
        for neighbour in neighbours:
            neighbour.join()


# --- the limits travel with the World -------------------------------------------------------


def test_world_carries_the_default_limits() -> None:
    limits = World().limits
    assert limits == Limits()
    assert limits.jsonata == JsonataLimits(
        timeout_ms=1000,
        max_depth=500,
        max_sequence_items=100_000,
        max_string_length=10_000_000,
        max_picture_length=10_000,
    )
    assert limits.intrinsics == IntrinsicLimits(
        max_range_items=1000, max_codec_input=10_000, max_string_length=1_000_000
    )
    assert limits.jsonpath == JsonPathLimits(timeout_ms=1000, max_steps=1_000_000)


def test_an_explicit_jsonata_limit_overrides_the_worlds() -> None:
    expr = compile_jsonata("{% $count([1..10]) %}")
    tight = scope(limits=jsonata_limits(max_sequence_items=5))
    assert expr.evaluate(tight, JsonataLimits()) == 10
    with pytest.raises(StatesError):
        expr.evaluate(tight)


# --- JSONata: time, depth, sequences, strings -----------------------------------------------

RUNAWAY = "($f := function($n){$f($n + 1)}; $f(0))"  # endless tail call


@pytest.mark.parametrize("timeout_ms", [300, 1000])
def test_time_bound(timeout_ms: int, timer: Callable[[], Timer]) -> None:
    limits = jsonata_limits(timeout_ms=timeout_ms)
    assert jsonata("$sum($map([1..2000], function($v){ $v }))", limits) == 2001000
    with timer() as clock:
        cause = jsonata_failure(RUNAWAY, limits)
    assert f"D1012: Evaluation timeout after {timeout_ms} milliseconds" in cause
    assert clock.elapsed < SLACK * timeout_ms / 1000


def test_depth_bound(timer: Callable[[], Timer]) -> None:
    recursion = "($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(%d))"
    limits = jsonata_limits(max_depth=200)
    assert jsonata(recursion % 20, limits) == 20
    with timer() as clock:
        cause = jsonata_failure(recursion % 100_000, limits)
    assert "D1011: Stack overflow" in cause
    assert clock.elapsed < SLACK


def test_deep_recursion_at_the_default_depth_ends_as_a_failed_state(timer: Callable[[], Timer]) -> None:
    with timer() as clock:
        cause = jsonata_failure("($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(1000000))")
    assert "D1011" in cause
    assert clock.elapsed < SLACK


@pytest.mark.parametrize("expr", ["[1..%d]", "$range(1, %d, 1)", "$split($pad('', %d, 'a'), '')"])
def test_sequence_bound(expr: str) -> None:
    limits = jsonata_limits(max_sequence_items=1000)
    assert len(jsonata(expr % 1000, limits)) == 1000
    assert "D2014" in jsonata_failure(expr % 1001, limits)


@pytest.mark.parametrize("size", [10**9, 10**7 + 1])
def test_a_huge_range_fails_at_once_in_the_reference_words(size: int, timer: Callable[[], Timer]) -> None:
    with timer() as clock:
        cause = jsonata_failure(f"[1..{size}]")
    assert cause.endswith(
        "D2014: The size of the sequence allocated by the range operator (..) must not exceed 1e7.  "
        f"Attempted to allocate {size}."
    )
    assert clock.elapsed < SLACK


def test_a_range_between_our_bound_and_the_reference_cap_fails_in_our_words() -> None:
    assert jsonata_failure("[1..100001]").endswith(
        "D2014: The size of the sequence allocated (100001 items) must not exceed 100000 items in this implementation"
    )


@pytest.mark.parametrize(
    ("at_bound", "over"),
    [
        ("$pad('x', 1000)", "$pad('x', 1001)"),
        ("$pad('x', -1000)", "$pad('x', -1001)"),
        ("$pad('x', 1000, 'abc')", "$pad('x', 1001, 'abc')"),
        (
            "$join([$pad('', 500, 'a'), $pad('', 500, 'b')])",
            "$join([$pad('', 500, 'a'), $pad('', 501, 'b')])",
        ),
        (
            "$join([$pad('', 499, 'a'), $pad('', 500, 'b')], '-')",
            "$join([$pad('', 500, 'a'), $pad('', 500, 'b')], '-')",
        ),
        ("$replace($pad('', 1000, 'a'), 'a', 'b')", "$replace($pad('', 1001, 'a'), 'a', 'b')"),
        ("$replace($pad('', 500, 'a'), 'a', 'bb')", "$replace($pad('', 501, 'a'), 'a', 'bb')"),
        ("$replace($pad('', 500, 'a'), /a/, 'bb')", "$replace($pad('', 501, 'a'), /a/, 'bb')"),
        (
            "$replace($pad('', 500, 'a'), /a/, function($m){ 'bb' })",
            "$replace($pad('', 501, 'a'), /a/, function($m){ 'bb' })",
        ),
        ("$replace($pad('', 1000, 'a'), /aaaa/, 'b')", "$replace($pad('', 1000, 'a'), /aaaa/, 'bbbbb')"),
        ("$pad('x', 500) & $pad('y', 500)", "$pad('x', 500) & $pad('y', 501)"),
    ],
)
def test_string_bound(at_bound: str, over: str) -> None:
    """Exactly at the bound succeeds; one character more fails. The library allocated before
    any check (and `$replace` counts what its matches remove as well as what they add)."""
    limits = jsonata_limits(max_string_length=1000)
    assert len(jsonata(at_bound, limits)) in (1000, 250)
    assert "D2014: The length of the string" in jsonata_failure(over, limits)


@pytest.mark.parametrize(
    "expr",
    [
        "$pad('x', 1e10)",
        "$pad('x', -1e10, 'abc')",
        "$join($map([1..20], function($v){ $s }), '')",
        "$join([$s, $s], ',')",
        "$replace($s, 'a', $s)",
        "$replace($s, /a/, 'bb')",
        "$count($split($pad('', 9999999, 'a'), ''))",
    ],
)
def test_huge_allocations_fail_before_allocating(expr: str, timer: Callable[[], Timer]) -> None:
    with timer() as clock:
        cause = jsonata_failure("($s := $pad('', 9999999, 'a'); " + expr + ")")
    assert "D2014" in cause
    assert clock.elapsed < SLACK


@pytest.mark.parametrize(
    ("call", "picture"),
    [
        ("$formatInteger(7, $p)", "000"),
        ("$formatNumber(7, $p)", "000"),
        ("$parseInteger('7', $p)", "000"),
        ("$fromMillis(0, $p)", "[Y]"),
        ("$toMillis('2020', $p)", "[Y]"),
        ("$now($p)", "[Y]"),
    ],
)
def test_picture_bound(call: str, picture: str, timer: Callable[[], Timer]) -> None:
    limits = jsonata_limits(max_picture_length=3)
    assert jsonata(
        f"($p := '{picture}'; $string({call}))", limits
    )  # the library parses pictures per character
    assert "more than the 3 this implementation allows" in jsonata_failure(
        f"($p := '{picture} '; {call})", limits
    )
    with timer() as clock:  # a 10,000,000-character picture took 22 s in $toMillis
        assert "The picture string of $" in jsonata_failure(f"($p := $pad('', 9999999, '0'); {call})")
    assert clock.elapsed < SLACK


def test_literal_replace_is_linear_and_inserts_the_text_as_it_is() -> None:
    # jsonata-js: a string pattern inserts the replacement verbatim ($0 is no reference there).
    assert jsonata("$replace('abcabc', 'b', '[$0]')") == "a[$0]ca[$0]c"
    assert jsonata("$replace('abcabc', 'b', 'x', 1)") == "axcabc"
    assert jsonata("$replace('abcabc', 'b', 'x', 0)") == "abcabc"
    started = time.monotonic()
    assert (
        len(jsonata("$replace($pad('', 9999999, 'a'), 'a', 'b')", jsonata_limits(timeout_ms=5000))) == 9999999
    )
    assert time.monotonic() - started < SLACK * 5


def test_integers_cannot_grow_without_end(timer: Callable[[], Timer]) -> None:
    assert jsonata("$reduce([1..5], function($a, $b){ $a * $a }, 3)") == 3**32
    with timer() as clock:
        cause = jsonata_failure("$reduce([1..60], function($a, $b){ $a * $a }, 3)")
    assert "D1001: Number out of range" in cause
    assert clock.elapsed < SLACK


# --- JSONata: regular expressions ---------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        f'$match("{CATASTROPHIC}", /(a|aa)+$/)',
        f'$contains("{CATASTROPHIC}", /(a|aa)+$/)',
        f'$replace("{CATASTROPHIC}", /(a|aa)+$/, "x")',
        f'$split("{CATASTROPHIC}", /(a|aa)+$/)',
        f'/(a|aa)+$/("{CATASTROPHIC}")',
        f'($r := /(a|a)+$/i; $map(["{CATASTROPHIC}"], function($s){{ $match($s, $r) }}))',
    ],
)
def test_a_catastrophic_regex_is_stopped_within_the_time_bound(expr: str, timer: Callable[[], Timer]) -> None:
    limits = jsonata_limits(timeout_ms=500)
    with timer() as clock:
        cause = jsonata_failure(expr, limits)
    assert "D1012: Evaluation timeout after 500 milliseconds: the regular expression /(a|" in cause
    assert "could not finish matching in the time left" in cause
    assert clock.elapsed < SLACK * 0.5


def test_the_issues_example_regex_is_harmless_on_the_bounded_engine(timer: Callable[[], Timer]) -> None:
    expr = compile_jsonata('{% $count($match("aaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)) %}')
    with timer() as clock:
        assert expr.evaluate(scope()) == 0
    assert clock.elapsed < SLACK


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (
            '$match("ab12cd345", /(\\d)(\\d)/)',
            [
                {"match": "12", "index": 2, "groups": ["1", "2"]},
                {"match": "34", "index": 6, "groups": ["3", "4"]},
            ],
        ),
        (
            '$match("Hello", /L/i)',
            [{"match": "l", "index": 2, "groups": []}, {"match": "l", "index": 3, "groups": []}],
        ),
        ('$match("a\\nb", /^b/m)', {"match": "b", "index": 2, "groups": []}),
        (
            '$match("aaa", /a/, 2)',
            [{"match": "a", "index": 0, "groups": []}, {"match": "a", "index": 1, "groups": []}],
        ),
        ('$contains("abc", /B/i)', True),
        ('$contains("abc", /x/)', False),
        ('$replace("abcabc", /(b)(c)/, "[$2$1$0$$]")', "a[cbbc$]a[cbbc$]"),
        ('$replace("abc", /(b)/, "$2|$9|$1")', "a||bc"),  # missing captures are empty
        ('$replace("abc", /b/, "$1")', "ac"),  # no captures: $ and one digit are dropped
        ('$replace("abc", /b/, "$x\\\\1")', "a$x\\1c"),  # a backslash is no escape (jsonata-js)
        ('$replace("abcabc", /b/, function($m){ $uppercase($m.match) & $string($m.start) })', "aB1caB4c"),
        ('$replace("abcabc", /b/, "x", 1)', "axcabc"),
        ('$split("a1b2c3", /\\d/)', ["a", "b", "c", ""]),
        ('$split("a1b2c3", /(\\d)/, 2)', ["a", "b"]),  # pieces between matches, no captures
        ('$split("a,b,c", ",")', ["a", "b", "c"]),
        ('$split("abc", "", 2)', ["a", "b"]),
        ("$match('ab', /(?<=a)b/).index", 1),  # lookbehind, as JavaScript has
        ("$replace('abab', /(a)b\\1/, 'X')", "Xb"),  # backreference, as JavaScript has
    ],
)
def test_regex_functions_keep_jsonata_semantics(expr: str, expected: Any) -> None:
    assert jsonata(expr) == expected


def test_a_regex_that_would_compile_too_large_is_refused_when_compiled() -> None:
    assert jsonata("$match('aaa', /a{3}/).match") == "aaa"
    compile_user_regex(f"a{{{MAX_REGEX_PROGRAM}}}")
    for pattern in [f"a{{{MAX_REGEX_PROGRAM + 1}}}", "(?:a{1000}){1000}", "((a{100}){100}){100}"]:
        with pytest.raises(ExpressionError, match="repeats too much"):
            compile_jsonata("{% $match('a', /" + pattern + "/) %}")
    with pytest.raises(ExpressionError, match="Invalid regular expression"):
        compile_jsonata("{% $match('a', /[z-a]/) %}")


@pytest.mark.parametrize(
    ("pattern", "size"),
    [
        ("abc", 3),
        ("a{10}", 10),
        ("(ab){10}", 30),
        ("(?:a{10}){10}", 130),
        ("\\p{L}{5}", 5),
        ("[a{]{4}", 4),
        ("a*b+", 4),
    ],
)
def test_program_size_estimate(pattern: str, size: int) -> None:
    from interpreter.regexes import program_size

    assert program_size(pattern) == size


# --- JSONata: hygiene -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["__evaluate_entry", "__evaluate_exit", "__guard"])
def test_the_bounds_cannot_be_switched_off_from_an_expression(name: str, timer: Callable[[], Timer]) -> None:
    with timer() as clock:
        cause = jsonata_failure(f"(${name} := $nothing; {RUNAWAY})")
    assert f"The variable name ${name} is reserved by this implementation" in cause
    assert clock.elapsed < SLACK


@pytest.mark.parametrize("expr", ["$nope()", "$x := 1; $x()", "(1)()", "$states.input.a()"])
def test_calling_a_non_function_prints_nothing(expr: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert jsonata_failure(f"({expr})", current={"a": 1}).endswith(
        "T1006: Attempted to invoke a non-function"
    )
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("$number('12')", 12),
        ("$number('-1.5e1')", -15),
        ("$number('0x1F')", 31),
        ("$number('0b101')", 5),
        ("$number('0o17')", 15),
        ("$number(true)", 1),
        ("$number(false)", 0),
        ("$number(7)", 7),
    ],
)
def test_number(expr: str, expected: Any) -> None:
    assert jsonata(expr) == expected


@pytest.mark.parametrize(
    ("arg", "shown"),
    [("'x'", '"x"'), ("' 12'", '" 12"'), ("'1e400'", '"1e400"'), ("'Infinity'", '"Infinity"'), ("''", '""')],
)
def test_number_refuses_in_jsonata_words(arg: str, shown: str) -> None:
    assert jsonata_failure(f"$number({arg})").endswith(f"D3030: Unable to cast value to a number: {shown}")


@pytest.mark.parametrize(("base", "exponent"), [("2", "1e6"), ("-8", "1/3"), ("0", "-1")])
def test_power_that_is_no_number(base: str, exponent: str) -> None:
    assert "D3061: The power function has resulted in a value that cannot be represented" in jsonata_failure(
        f"$power({base}, {exponent})"
    )
    assert jsonata("$power(2, 10)") == 1024


# --- intrinsic functions --------------------------------------------------------------------


def intrinsic(text: str, current: Any = None, limits: Limits | None = None) -> Any:
    return compile_intrinsic(text).evaluate(scope(current, limits))


def intrinsic_failure(text: str, current: Any = None, limits: Limits | None = None) -> str:
    with pytest.raises(StatesError) as caught:
        intrinsic(text, current, limits)
    assert caught.value.error == "States.IntrinsicFailure"
    return caught.value.cause


def test_array_range_bound(timer: Callable[[], Timer]) -> None:
    assert len(intrinsic("States.ArrayRange(1, 1000, 1)")) == 1000
    assert "1001 items, more than the 1000 allowed" in intrinsic_failure("States.ArrayRange(1, 1001, 1)")
    with timer() as clock:
        assert "more than the 1000 allowed" in intrinsic_failure("States.ArrayRange(0, 1000000000, 1)")
    assert clock.elapsed < SLACK
    tight = Limits(intrinsics=IntrinsicLimits(max_range_items=10))
    assert len(intrinsic("States.ArrayRange(1, 10, 1)", limits=tight)) == 10
    assert "more than the 10 allowed" in intrinsic_failure("States.ArrayRange(1, 11, 1)", limits=tight)


@pytest.mark.parametrize(
    "call", ["States.Base64Encode($)", "States.Hash($, 'MD5')", "States.Base64Decode($)"]
)
def test_codec_input_bound(call: str) -> None:
    tight = Limits(intrinsics=IntrinsicLimits(max_codec_input=8))
    assert intrinsic(call, "QUJDREVG", tight)
    assert "longer than 8 characters" in intrinsic_failure(call, "QUJDREVGR0g=", tight)
    assert intrinsic(call, "QUJD" * 2500)
    assert "longer than 10000 characters" in intrinsic_failure(call, "QUJD" * 2500 + "x")


def test_format_and_json_to_string_are_measured_before_they_are_built(timer: Callable[[], Timer]) -> None:
    tight = Limits(intrinsics=IntrinsicLimits(max_string_length=10))
    assert intrinsic("States.Format('{}-{}', $, $)", "abcd", tight) == "abcd-abcd"
    assert "11 characters, more than the 10" in intrinsic_failure(
        "States.Format('{}--{}!', $, $)", "abcd", tight
    )
    assert intrinsic("States.JsonToString($)", ["abcdef"], tight) == '["abcdef"]'
    assert "11 characters" in intrinsic_failure("States.JsonToString($)", ["abcdefg"], tight)
    # A 1 MB definition could repeat one 256 KiB value 300,000 times: 75 GB if built.
    big = {"k": "v" * 200_000}
    repeated = "States.Array(" + ", ".join(["$"] * 2000) + ")"
    with timer() as clock:
        assert "more than the 1000000" in intrinsic_failure(f"States.JsonToString({repeated})", big)
        assert "more than the 1000000" in intrinsic_failure(f"States.Format('{{}}', {repeated})", big)
    assert clock.elapsed < SLACK


def test_array_unique_and_contains_are_linear(timer: Callable[[], Timer]) -> None:
    distinct = list(range(40_000))  # what a 256 KiB input holds; quadratic took minutes
    with timer() as clock:
        assert intrinsic("States.ArrayUnique($)", distinct + distinct) == distinct
        assert intrinsic("States.ArrayContains($, 39999)", distinct) is True
        repeated = "States.Array(" + ", ".join(["$"] * 2000) + ")"
        assert len(intrinsic(f"States.ArrayUnique({repeated})", {"k": list(range(20_000))})) == 1
    assert clock.elapsed < SLACK
    assert intrinsic(
        "States.ArrayUnique($)", [1, 1.0, True, {"a": [1]}, {"a": [1.0]}, None, "1", [None]]
    ) == [1, True, {"a": [1]}, None, "1", [None]]


# --- JSONPath -------------------------------------------------------------------------------


def deep_document(depth: int) -> Any:
    return json.loads('{"a":' * depth + "1" + "}" * depth)


def path(text: str, document: Any, limits: Limits | None = None) -> Any:
    return compile_path(text).resolve(scope(document, limits))


def path_failure(text: str, document: Any, limits: Limits | None = None) -> str:
    with pytest.raises(StatesError) as caught:
        path(text, document, limits)
    assert caught.value.error == "States.Runtime"
    return caught.value.cause


def test_recursive_descent_over_a_deep_document() -> None:
    document = deep_document(9000)  # what the service accepts, close to Python's recursion limit
    assert len(path("$..a", document)) == 9000
    assert path("$..x", document) == []


def test_chained_descent_is_bounded(timer: Callable[[], Timer]) -> None:
    # Under the bounds, every match (the time bound raised out of the way: a loaded machine could
    # take longer than 1 s for these 4950 matches).
    relaxed = Limits(jsonpath=JsonPathLimits(timeout_ms=60_000))
    assert len(path("$..*..*", deep_document(100), relaxed)) == 4950
    with timer() as clock:
        cause = path_failure("$..*..*", deep_document(3000))  # 4.5 million matches: ~1 minute
    assert cause.startswith("The JSONPath '$..*..*' could not be evaluated: it took more than")
    assert clock.elapsed < SLACK


def test_step_bound_is_configurable() -> None:
    document = {"a": [{"b": i} for i in range(100)]}
    tight = Limits(jsonpath=JsonPathLimits(max_steps=400))
    assert len(path("$..b", document, tight)) == 100  # 202 values visited, 100 matches
    assert "more than 400 steps" in path_failure("$..*", document, tight)


def test_a_filter_repeating_a_descent_is_bounded(timer: Callable[[], Timer]) -> None:
    document = [{"a": i, "n": deep_document(50)} for i in range(2000)]
    # The time bound is raised out of the way (a loaded machine could hit it first): this test
    # is about the step bound.
    tight = Limits(jsonpath=JsonPathLimits(max_steps=100_000, timeout_ms=60_000))
    with timer() as clock:
        # `$` in a filter: every candidate walks the whole document again.
        assert "more than 100000 steps" in path_failure("$[?($..a == 1)]", document, tight)
    assert clock.elapsed < SLACK


def test_a_catastrophic_regex_filter_is_bounded(timer: Callable[[], Timer]) -> None:
    document = [{"s": CATASTROPHIC}, {"s": "abb"}]
    assert path("$[?(@.s =~ 'ab+')]", document) == [{"s": "abb"}]
    tight = Limits(jsonpath=JsonPathLimits(timeout_ms=500))
    with timer() as clock:
        cause = path_failure('$[?(@.s =~ "(a|aa)+$")]', document, tight)
    assert "more than 500 milliseconds in the regular expression '(a|aa)+$'" in cause
    assert clock.elapsed < SLACK * 0.5


def test_a_regex_filter_that_would_compile_too_large_is_refused_when_compiled() -> None:
    with pytest.raises(ExpressionError, match="repeats too much"):
        compile_path("$[?(@.s =~ 'a{1000000}')]")


# --- through the real server ----------------------------------------------------------------

PATHOLOGICAL = [
    (
        {"Output": {"m": f'{{% $match("{CATASTROPHIC}", /(a|aa)+$/) %}}'}},
        None,
        "States.QueryEvaluationError",
        "D1012",
    ),
    ({"Output": {"r": "{% $count([1..1000000000]) %}"}}, None, "States.QueryEvaluationError", "D2014"),
    (
        {"Output": {"r": "{% ($f := function($n){$n = 0 ? 0 : 1 + $f($n - 1)}; $f(1000000)) %}"}},
        None,
        "States.QueryEvaluationError",
        "D1011",
    ),
    ({"Output": {"p": "{% $pad('x', 1e10) %}"}}, None, "States.QueryEvaluationError", "D2014"),
    # 1,000 levels: the deepest input the service parses (interpreter.jsontypes.MAX_JSON_DEPTH).
    (
        {"QueryLanguage": "JSONPath", "Parameters": {"all.$": "$..*..*"}},
        '{"a":' * 1000 + "1" + "}" * 1000,
        "States.Runtime",
        "could not be evaluated",
    ),
    (
        {"QueryLanguage": "JSONPath", "Parameters": {"r.$": "States.ArrayRange(0, 1000000000, 1)"}},
        None,
        "States.IntrinsicFailure",
        "more than the 1000 allowed",
    ),
]


@pytest.mark.e2e
def test_the_server_fails_pathological_states_fast_and_serves_the_next_request(sfn: Any) -> None:
    normal = json.dumps(
        {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.n + 1 %}", "End": True}
    )
    for fields, state_input, error, detail in PATHOLOGICAL:
        definition = json.dumps({"Type": "Pass", "QueryLanguage": "JSONata", "End": True, **fields})
        started = time.monotonic()
        answer = sfn.test_state(definition=definition, input=state_input or "{}")
        elapsed = time.monotonic() - started
        assert (answer["status"], answer["error"]) == ("FAILED", error), answer
        assert detail in answer["cause"]
        assert elapsed < SLACK * 1.0 + 1.0  # a 1 s bound, plus the round trip
        # Both workers (the service runs two) answer the next requests normally.
        for n in range(4):
            again = sfn.test_state(definition=normal, input=json.dumps({"n": n}))
            assert (again["status"], again["output"]) == ("SUCCEEDED", str(n + 1))
