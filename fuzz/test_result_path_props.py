"""ResultPath laws (ASL "ResultPath"; spec 4): for any input object and any result,

- ``"$"`` replaces: the output is the result;
- ``null`` discards: the output is the input;
- ``"$.k"`` merges: ``output[k]`` is the result and every other key of the input is unchanged,
  whether ``k`` is fresh or existing;
- ``"$.a.b"`` with ``a`` an object of the input or missing: ``output[a][b]`` is the result, the
  other keys of ``a`` (if it existed) and of the input are unchanged;

and the input object is never mutated. Each law is checked through `run_state` twice: a JSONPath
Pass state carrying the result in ``Result``, and a Task whose mock returns it.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, note

from fuzz.strategies import result_path_cases
from interpreter import Mock, TestResult, World, load_definition, run_state

_NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _text(value: Any) -> str:
    """Strict JSON identity: 1, 1.0 and true are told apart (Python's == does not)."""
    return json.dumps(value, sort_keys=True)


def _run(definition: dict[str, Any], value: dict[str, Any], mock: Mock | None) -> TestResult:
    text = json.dumps(definition)
    note(text)
    return run_state(
        load_definition(text, None),
        input=value,
        context={},
        variables={},
        world=World(now=_NOW, rng=random.Random(11)),
        mock=mock,
    )


def _check_laws(value: dict[str, Any], result: Any, result_path: str | None, output: Any) -> None:
    if result_path == "$":
        assert _text(output) == _text(result)
        return
    if result_path is None:
        assert _text(output) == _text(value)
        return
    assert isinstance(output, dict)
    keys = result_path.split(".")[1:]
    outer = keys[0]
    others = {key: item for key, item in value.items() if key != outer}
    assert _text({key: item for key, item in output.items() if key != outer}) == _text(others)
    if len(keys) == 1:
        assert _text(output[outer]) == _text(result)
        return
    inner = keys[1]
    before = value.get(outer, {})
    assert isinstance(before, dict) and isinstance(output[outer], dict)
    assert _text(output[outer][inner]) == _text(result)
    assert _text({key: item for key, item in output[outer].items() if key != inner}) == _text(
        {key: item for key, item in before.items() if key != inner}
    )


@given(case=result_path_cases())
def test_pass_result_obeys_the_result_path_laws(case: tuple[dict[str, Any], Any, str | None]) -> None:
    value, result, result_path = case
    before = _text(value)
    answer = _run({"Type": "Pass", "Result": result, "ResultPath": result_path, "End": True}, value, None)
    assert (str(answer.status), answer.error) == ("SUCCEEDED", None), answer
    _check_laws(value, result, result_path, answer.output)
    assert _text(value) == before, "the input was mutated"


@given(case=result_path_cases())
def test_task_result_obeys_the_result_path_laws(case: tuple[dict[str, Any], Any, str | None]) -> None:
    value, result, result_path = case
    before, result_before = _text(value), _text(result)
    definition = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "ResultPath": result_path,
        "Next": "After",
    }
    answer = _run(definition, value, Mock(result=result))
    assert (str(answer.status), answer.error, answer.next_state) == ("SUCCEEDED", None, "After"), answer
    _check_laws(value, result, result_path, answer.output)
    assert _text(value) == before, "the input was mutated"
    assert _text(result) == result_before, "the mocked result was mutated"
