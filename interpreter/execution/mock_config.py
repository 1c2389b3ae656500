"""The Step Functions Local mock configuration file, parsed and checked.

Format (AWS Step Functions developer guide, "Using mocked service integrations for testing in
Step Functions Local"):

    {"StateMachines": {<state machine name>: {"TestCases": {<test case>: {<state name>: <response name>}}}},
     "MockedResponses": {<response name>: {"0": {"Return": ...}, "1-2": {"Throw": {"Error": ..., "Cause": ...}}}}}

The keys of a mocked response are zero-based invocation indexes or inclusive ranges of them; each
value holds exactly one of ``Return`` (the integration's result) and ``Throw`` (its error).
Everything wrong with a document is a `MockConfigError` naming the member (a JSON pointer): a
mock file that silently does nothing would let a test pass for the wrong reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from interpreter.errors import ASLError
from interpreter.jsontypes import JSON

__all__ = ["MockConfig", "MockConfigError", "MockResponse", "MockTestCase", "parse_mock_config"]

_INVOCATION_KEY: Final = re.compile(r"(0|[1-9][0-9]*)(?:-(0|[1-9][0-9]*))?\Z")


class MockConfigError(ASLError):
    """The mock configuration is malformed, or names something it does not define; `pointer` is
    the member, as a JSON pointer into the document."""

    def __init__(self, message: str, pointer: str) -> None:
        self.message = message
        self.pointer = pointer
        super().__init__(f"{message} (at {pointer})" if pointer else message)


@dataclass(frozen=True, slots=True)
class MockResponse:
    """One invocation's mocked outcome: a result (`is_error` False) or an error and cause."""

    result: JSON = None
    is_error: bool = False
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True, slots=True)
class _Range:
    first: int
    last: int
    response: MockResponse


@dataclass(frozen=True, slots=True)
class MockedResponses:
    """A named response: its outcomes by invocation index."""

    name: str
    ranges: tuple[_Range, ...]

    def at(self, invocation: int) -> MockResponse | None:
        for item in self.ranges:
            if item.first <= invocation <= item.last:
                return item.response
        return None


@dataclass(frozen=True, slots=True)
class MockTestCase:
    """One test case of one state machine: the mocked response of each mocked state."""

    state_machine: str
    name: str
    states: Mapping[str, MockedResponses]

    def response(self, state_name: str, invocation: int) -> MockResponse | None:
        """The mocked outcome of `state_name`'s invocation number `invocation` (zero-based), None
        when the state is not mocked or its response has no entry for that invocation."""
        responses = self.states.get(state_name)
        return None if responses is None else responses.at(invocation)

    def mocks(self, state_name: str) -> MockedResponses | None:
        """The named response that stands in for `state_name`, if the test case mocks it."""
        return self.states.get(state_name)


@dataclass(frozen=True, slots=True)
class MockConfig:
    """A whole parsed mock configuration: test cases by state machine, each resolved."""

    test_cases: Mapping[str, Mapping[str, MockTestCase]]
    broken: Mapping[tuple[str, str], MockConfigError] = field(default_factory=dict)
    """Test cases that name a mocked response the file does not define: the error is raised
    when that test case is chosen, so the file's other test cases still work."""

    def test_case(self, state_machine_name: str, test_case: str) -> MockTestCase:
        """The test case `test_case` of `state_machine_name`.

        Raises:
            MockConfigError: the file defines no such state machine or test case.
        """
        cases = self.test_cases.get(state_machine_name)
        if cases is None:
            raise MockConfigError(
                f"The mock configuration has no state machine named '{state_machine_name}'",
                f"/StateMachines/{_escape(state_machine_name)}",
            )
        broken = self.broken.get((state_machine_name, test_case))
        if broken is not None:
            raise broken
        case = cases.get(test_case)
        if case is None:
            raise MockConfigError(
                f"The state machine '{state_machine_name}' of the mock configuration has no test case"
                f" named '{test_case}'",
                f"/StateMachines/{_escape(state_machine_name)}/TestCases/{_escape(test_case)}",
            )
        return case


def parse_mock_config(document: Any) -> MockConfig:
    """Check and resolve a decoded mock configuration document.

    Raises:
        MockConfigError: the first problem found, with the JSON pointer of the member.
    """
    _object(document, "", "The mock configuration")
    for key in document:
        if key not in ("StateMachines", "MockedResponses"):
            raise MockConfigError(f"Unknown member '{key}' in the mock configuration", f"/{_escape(key)}")
    responses = _responses(document.get("MockedResponses", {}))
    machines = document.get("StateMachines", {})
    _object(machines, "/StateMachines", "StateMachines")
    test_cases: dict[str, dict[str, MockTestCase]] = {}
    broken: dict[tuple[str, str], MockConfigError] = {}
    for machine_name, machine in machines.items():
        pointer = f"/StateMachines/{_escape(machine_name)}"
        _object(machine, pointer, f"The state machine '{machine_name}'")
        for key in machine:
            if key != "TestCases":
                raise MockConfigError(
                    f"Unknown member '{key}' in the state machine '{machine_name}'",
                    f"{pointer}/{_escape(key)}",
                )
        cases = machine.get("TestCases", {})
        _object(cases, f"{pointer}/TestCases", "TestCases")
        resolved: dict[str, MockTestCase] = {}
        for case_name, states in cases.items():
            case_pointer = f"{pointer}/TestCases/{_escape(case_name)}"
            _object(states, case_pointer, f"The test case '{case_name}'")
            by_state: dict[str, MockedResponses] = {}
            for state_name, response_name in states.items():
                state_pointer = f"{case_pointer}/{_escape(state_name)}"
                if not isinstance(response_name, str):
                    raise MockConfigError(
                        f"The test case '{case_name}' must name a mocked response for the state"
                        f" '{state_name}' (a string)",
                        state_pointer,
                    )
                response = responses.get(response_name)
                if response is None:
                    broken.setdefault(
                        (machine_name, case_name),
                        MockConfigError(
                            f"The test case '{case_name}' of the state machine '{machine_name}' names the mocked"
                            f" response '{response_name}' for the state '{state_name}', which MockedResponses"
                            " does not define",
                            state_pointer,
                        ),
                    )
                    continue
                by_state[state_name] = response
            resolved[case_name] = MockTestCase(state_machine=machine_name, name=case_name, states=by_state)
        test_cases[machine_name] = resolved
    return MockConfig(test_cases=test_cases, broken=broken)


def _responses(document: Any) -> dict[str, MockedResponses]:
    _object(document, "/MockedResponses", "MockedResponses")
    out: dict[str, MockedResponses] = {}
    for name, entries in document.items():
        pointer = f"/MockedResponses/{_escape(name)}"
        _object(entries, pointer, f"The mocked response '{name}'")
        ranges: list[_Range] = []
        for key, outcome in entries.items():
            key_pointer = f"{pointer}/{_escape(key)}"
            match = _INVOCATION_KEY.match(key) if isinstance(key, str) else None
            if match is None:
                raise MockConfigError(
                    f"The mocked response '{name}' has the key '{key}', which is neither an invocation"
                    ' index ("0") nor a range of them ("1-2")',
                    key_pointer,
                )
            first = int(match.group(1))
            last = first if match.group(2) is None else int(match.group(2))
            if last < first:
                raise MockConfigError(
                    f"The mocked response '{name}' has the range '{key}', whose end is before its start",
                    key_pointer,
                )
            for other in ranges:
                if first <= other.last and other.first <= last:
                    raise MockConfigError(
                        f"The mocked response '{name}' defines invocation {max(first, other.first)} twice",
                        key_pointer,
                    )
            ranges.append(_Range(first, last, _outcome(name, key, outcome, key_pointer)))
        ranges.sort(key=lambda item: item.first)
        out[name] = MockedResponses(name=name, ranges=tuple(ranges))
    return out


def _outcome(name: str, key: str, outcome: Any, pointer: str) -> MockResponse:
    _object(outcome, pointer, f"The invocation '{key}' of the mocked response '{name}'")
    members = set(outcome)
    if members == {"Return"}:
        return MockResponse(result=outcome["Return"])
    if members == {"Throw"}:
        throw = outcome["Throw"]
        _object(throw, f"{pointer}/Throw", f"Throw of the mocked response '{name}'")
        for member in throw:
            if member not in ("Error", "Cause"):
                raise MockConfigError(
                    f"Unknown member '{member}' in Throw of the mocked response '{name}'",
                    f"{pointer}/Throw/{_escape(member)}",
                )
        error = throw.get("Error")
        cause = throw.get("Cause")
        if not isinstance(error, str):
            raise MockConfigError(
                f"Throw of the mocked response '{name}' needs an Error (a string)", f"{pointer}/Throw/Error"
            )
        if cause is not None and not isinstance(cause, str):
            raise MockConfigError(
                f"The Cause of Throw of the mocked response '{name}' must be a string",
                f"{pointer}/Throw/Cause",
            )
        return MockResponse(is_error=True, error=error, cause=cause)
    if {"Return", "Throw"} <= members:
        raise MockConfigError(
            f"The invocation '{key}' of the mocked response '{name}' has both Return and Throw", pointer
        )
    extra = sorted(members - {"Return", "Throw"})
    if extra:
        raise MockConfigError(
            f"Unknown member '{extra[0]}' in the invocation '{key}' of the mocked response '{name}'",
            f"{pointer}/{_escape(extra[0])}",
        )
    raise MockConfigError(
        f"The invocation '{key}' of the mocked response '{name}' needs Return or Throw", pointer
    )


def _object(value: Any, pointer: str, what: str) -> None:
    if not isinstance(value, dict):
        raise MockConfigError(f"{what} must be a JSON object", pointer)


def _escape(token: str) -> str:
    """A JSON pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")
