"""The definite-path walker: ``.name``, ``['name']`` and ``[index]`` steps followed on a document.

`walk` follows the steps quickly; where they cannot be followed it walks again, step by step,
to fail with Jayway JsonPath's wording (the engine AWS Step Functions evaluates JSONPath with).
"""

from __future__ import annotations

from typing import Final

from interpreter.errors import PathMissing, dumps_lenient
from interpreter.jsonpath.tokens import Step
from interpreter.jsontypes import JSON

__all__ = ["walk"]

# Jayway builds its "not an object" messages from the Java class of the value and the name of
# its JsonProvider (PropertyPathToken / PathToken). The provider AWS uses is not recorded; these
# are the names Jayway's default provider (json-smart) would print.
_JSON_PROVIDER: Final = "com.jayway.jsonpath.spi.json.JsonSmartJsonProvider"
_JAVA_INT_MAX: Final = 2**31 - 1


def walk(text: str, steps: tuple[Step, ...], document: JSON) -> JSON:
    """The value `steps` name in `document`; `text` is the path's text, for messages.

    Raises:
        PathMissing: a step cannot be followed (Jayway's wording).
    """
    value = document
    for step in steps:
        if isinstance(step, str):
            if type(value) is not dict or step not in value:
                return _walk_failing(text, steps, document)
            value = value[step]
        elif type(value) is list and -len(value) <= step < len(value):
            value = value[step]  # Jayway counts a negative index from the end, as Python does
        else:
            return _walk_failing(text, steps, document)
    return value


def _walk_failing(text: str, steps: tuple[Step, ...], document: JSON) -> JSON:
    """Follow a definite path step by step, failing with Jayway's wording (recorded where noted)."""
    value = document
    last = len(steps) - 1
    for position, step in enumerate(steps):
        if isinstance(step, str):
            if not isinstance(value, dict):
                # Jayway PropertyPathToken on a non-object (wording not recorded from AWS).
                raise PathMissing(
                    text,
                    f"Expected to find an object with property {_fragment(step)} in path "
                    f"{_render(steps[:position])} but found '{_java_class(value)}'. This is "
                    f"not a json object according to the JsonProvider: '{_JSON_PROVIDER}'.",
                )
            if step not in value:
                if position == last:
                    # Recorded: "No results for path: $['NoSuchOutputPath']" (conformance case
                    # derived/test_base_scenarios/test_invalid_jsonpath__ST.INVALID_JSONPATH_IN_OUTPUTPATH__pass).
                    raise PathMissing(text, f"No results for path: {_render(steps)}")
                # Recorded: "Missing property in path $['no']" for $.no.such.result.path
                # (conformance case derived/test_base_scenarios/test_catch_states_runtime__RaiseRuntime).
                raise PathMissing(text, f"Missing property in path {_render(steps[: position + 1])}")
            value = value[step]
        else:
            if value is None:
                # Jayway ArrayPathToken.checkArrayModel (wording not recorded from AWS).
                raise PathMissing(text, f"The path {_render(steps[:position])} is null")
            if not isinstance(value, list):
                remaining = "".join(_fragment(s) for s in steps[position:])
                raise PathMissing(
                    text,
                    f"Filter: {remaining} can only be applied to arrays. "
                    f"Current context is: {_java_string(value)}",
                )
            # Jayway counts a negative index from the end and finds nothing out of range,
            # which a definite path reports as "No results for path".
            effective = step + len(value) if step < 0 else step
            if not 0 <= effective < len(value):
                raise PathMissing(text, f"No results for path: {_render(steps)}")
            value = value[effective]
    return value


def _fragment(step: Step) -> str:
    """Jayway's rendering of one step (PropertyPathToken / ArrayIndexToken)."""
    return f"['{step}']" if isinstance(step, str) else f"[{step}]"


def _render(steps: tuple[Step, ...]) -> str:
    """Jayway's normalised path text; ``$$`` and ``$name`` roots render as ``$`` as in AWS."""
    return "$" + "".join(_fragment(s) for s in steps)


def _java_class(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        return "java.lang.Integer" if -_JAVA_INT_MAX - 1 <= value <= _JAVA_INT_MAX else "java.lang.Long"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, list):
        return "net.minidev.json.JSONArray"
    return "net.minidev.json.JSONObject"


def _java_string(value: JSON) -> str:
    return value if isinstance(value, str) else dumps_lenient(value)
