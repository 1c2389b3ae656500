"""Jackson's messages for invalid JSON (interpreter.json_errors): the recorded ones, and the others
derived from jackson-core 2.13's ReaderBasedJsonParser."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interpreter.json_errors import JacksonError, jackson_error, json_error_message
from interpreter.jsontypes import loads

CORPUS = Path(__file__).resolve().parent.parent / "conformance" / "corpus"
VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"


def _corpus_steps(case: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = json.loads((CORPUS / f"{case}.json").read_text(encoding="utf-8"))["steps"]
    return steps


def _refusal(text: str) -> JacksonError:
    error = jackson_error(text)
    assert error is not None, text
    return error


# --------------------------------------------------------------------------------------------
# Recorded
# --------------------------------------------------------------------------------------------
def test_start_execution_answers_are_recorded_word_for_word() -> None:
    prefix = "Invalid State Machine Execution Input: '"
    recorded = [
        (step["params"]["input"], step["expect"]["error"]["message"])
        for step in _corpus_steps("api/test_sfn_api/test_invalid_start_execution_input")
        if step["op"] == "start_execution" and "error" in step["expect"] and step["params"]["input"]
    ]
    assert len(recorded) == 2
    for text, message in recorded:
        assert message == f"{prefix}{_refusal(text).message}'"


def test_validate_state_machine_definition_answer_is_recorded_with_its_location() -> None:
    (step,) = _corpus_steps(
        "api/test_sfn_api_validation/test_validate_state_machine_definition_not_a_definition__NOT_A_DEF"
    )
    (diagnostic,) = step["expect"]["response"]["diagnostics"]
    error = _refusal(step["params"]["definition"])
    assert error.located_message == diagnostic["message"]
    assert error.location == diagnostic["location"]
    assert (error.line, error.column) == (1, 4)


# --------------------------------------------------------------------------------------------
# Derived from the parser's source, case by case
# --------------------------------------------------------------------------------------------
CASES = [
    # Unrecognized tokens: the identifier characters from the token's start.
    ("nul", f"Unrecognized token 'nul': was expecting {VALUES}", 1, 4),
    ("truex", f"Unrecognized token 'truex': was expecting {VALUES}", 1, 6),
    ("True", f"Unrecognized token 'True': was expecting {VALUES}", 1, 5),
    ("[tru]", f"Unrecognized token 'tru': was expecting {VALUES}", 1, 5),
    ("{} x", f"Unrecognized token 'x': was expecting {VALUES}", 1, 5),
    # Unexpected characters.
    ("'x'", f"Unexpected character (''' (code 39)): expected a valid value {VALUES}", 1, 2),
    ("[1,]", f"Unexpected character (']' (code 93)): expected a valid value {VALUES}", 1, 5),
    ("[,", f"Unexpected character (',' (code 44)): expected a valid value {VALUES}", 1, 3),
    ('{"a":}', "Unexpected character ('}' (code 125)): expected a value", 1, 7),
    (
        '{"a":1,}',
        "Unexpected character ('}' (code 125)): was expecting double-quote to start field name",
        1,
        9,
    ),
    ("[1 2]", "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries", 1, 5),
    (
        '{"a":1 "b":2}',
        "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries",
        1,
        9,
    ),
    (
        '{"a" 1}',
        "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value",
        1,
        7,
    ),
    ("1x", "Unexpected character ('x' (code 120)): Expected space separating root-level values", 1, 3),
    ("#", f"Unexpected character ('#' (code 35)): expected a valid value {VALUES}", 1, 2),
    (
        "/* c */ 1",
        "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since "
        "Feature 'ALLOW_COMMENTS' not enabled for parser)",
        1,
        2,
    ),
    ("\x7f", f"Unexpected character ((CTRL-CHAR, code 127)): expected a valid value {VALUES}", 1, 2),
    ("\u00e9", f"Unrecognized token '\u00e9': was expecting {VALUES}", 1, 2),
    (
        "\u2603",
        f"Unexpected character ('\u2603' (code 9731 / 0x2603)): expected a valid value {VALUES}",
        1,
        2,
    ),
    # A character beyond the BMP is two Java chars: the first is described, columns count both.
    (
        "\U0001f600",
        f"Unexpected character ('\ud83d' (code 55357 / 0xd83d)): expected a valid value {VALUES}",
        1,
        2,
    ),
    (
        '["\U0001f600" x]',
        "Unexpected character ('x' (code 120)): was expecting comma to separate Array entries",
        1,
        8,
    ),
    # White space and control characters.
    (
        "\x01",
        "Illegal character ((CTRL-CHAR, code 1)): only regular white space (\\r, \\n, \\t) is allowed between "
        "tokens",
        1,
        2,
    ),
    (
        '"a\tb"',
        "Illegal unquoted character ((CTRL-CHAR, code 9)): has to be escaped using backslash to be included in "
        "string value",
        1,
        4,
    ),
    (
        '{"a\nb": 1}',
        "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in "
        "name",
        1,
        5,
    ),
    # Escapes.
    ('"\\x"', "Unrecognized character escape 'x' (code 120)", 1, 4),
    (
        '"\\u12zz"',
        "Unexpected character ('z' (code 122)): expected a hex-digit for character escape sequence",
        1,
        7,
    ),
    ('"\\u12', "Unexpected end-of-input in character escape sequence", 1, 6),
    # The end of the text.
    ('"abc', "Unexpected end-of-input: was expecting closing quote for a string value", 1, 5),
    ('{"ab', "Unexpected end-of-input in field name", 1, 5),
    ('{"a"', "Unexpected end-of-input within/between Object entries", 1, 5),
    ('{"a":', "Unexpected end-of-input within/between Object entries", 1, 6),
    ("[1,", "Unexpected end-of-input within/between Array entries", 1, 4),
    (
        "[1",
        'Unexpected end-of-input: expected close marker for Array (start marker at [Source: (String)"[1"; '
        "line: 1, column: 1])",
        1,
        3,
    ),
    (
        '{"a":\n  [1,\n   {}',
        'Unexpected end-of-input: expected close marker for Array (start marker at [Source: (String)"{"a":\n'
        '  [1,\n   {}"; line: 2, column: 3])',
        3,
        6,
    ),
    # Close markers that close nothing open.
    (
        "[}",
        "Unexpected close marker '}': expected ']' (for Array starting at [Source: (String)\"[}\"; line: 1, "
        "column: 1])",
        1,
        3,
    ),
    (
        "{}]",
        "Unexpected close marker ']': expected '}' (for root starting at [Source: (String)\"{}]\"; line: 1, "
        "column: 0])",
        1,
        4,
    ),
    # Numbers.
    ("-", "Unexpected end-of-inputNo digit following minus sign", 1, 2),
    (
        "-x",
        "Unexpected character ('x' (code 120)) in numeric value: expected digit (0-9) to follow minus sign, "
        "for valid numeric value",
        1,
        3,
    ),
    (
        "+1",
        "Unexpected character ('1' (code 49)) in numeric value: expected digit (0-9) to follow minus sign, "
        "for valid numeric value",
        1,
        3,
    ),
    ("[01]", "Invalid numeric value: Leading zeroes not allowed", 1, 3),
    ("-01", "Invalid numeric value: Leading zeroes not allowed", 1, 3),
    (
        "1.",
        "Unexpected character ('.' (code 46)) in numeric value: Decimal point not followed by a digit",
        1,
        3,
    ),
    (
        "[1.]",
        "Unexpected character (']' (code 93)) in numeric value: Decimal point not followed by a digit",
        1,
        4,
    ),
    (".5", f"Unexpected character ('.' (code 46)): expected a valid value {VALUES}", 1, 2),
    ("1e", "Unexpected end-of-inputexpected a digit for number exponent", 1, 3),
    # Where the fast path reports a bad fraction or exponent: where the fraction began.
    (
        "1.5ex",
        "Unexpected character ('x' (code 120)) in numeric value: Exponent indicator not followed by a digit",
        1,
        3,
    ),
    (
        "0.x",
        "Unexpected character ('x' (code 120)) in numeric value: Decimal point not followed by a digit",
        1,
        4,
    ),
    (
        "1e+x",
        "Unexpected character ('x' (code 120)) in numeric value: Exponent indicator not followed by a digit",
        1,
        3,
    ),
    ("NaN", "Non-standard token 'NaN': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow", 1, 4),
    (
        "[Infinity]",
        "Non-standard token 'Infinity': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow",
        1,
        10,
    ),
    (
        "-Infinity",
        "Non-standard token '-Infinity': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow",
        1,
        10,
    ),
    ("-INF", "Non-standard token '-INF': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow", 1, 5),
    # Nothing, or more than one value (the trailing token is located at its start).
    ("", "No content to map due to end-of-input", 1, 0),
    (" \r\n\t", "No content to map due to end-of-input", 1, 0),
    (
        "1 2",
        "Trailing token (of type VALUE_NUMBER_INT) found after value (bound as "
        "`com.fasterxml.jackson.databind.JsonNode`): not allowed as per "
        "`DeserializationFeature.FAIL_ON_TRAILING_TOKENS`",
        1,
        3,
    ),
    (
        '{}\r\n "unterminated',
        "Trailing token (of type VALUE_STRING) found after value (bound as "
        "`com.fasterxml.jackson.databind.JsonNode`): not allowed as per "
        "`DeserializationFeature.FAIL_ON_TRAILING_TOKENS`",
        2,
        2,
    ),
]


@pytest.mark.parametrize(("text", "message", "line", "column"), CASES, ids=[case[0] for case in CASES])
def test_jacksons_message_and_location(text: str, message: str, line: int, column: int) -> None:
    error = _refusal(text)
    assert (error.message, error.line, error.column) == (message, line, column)
    assert error.located_message == f"{message}\n at {error.location}"


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        "[]",
        "0",
        "-0.5e+10",
        '"\\ud800"',  # a lone surrogate escape: Jackson reads it, as Python does
        '{"a": [1, {"b": null}], "c": "\\u00e9\\n"}',
        " \r\n\t[true, false, null] \n",
        "1e400",  # Jackson reads it (as Infinity); only this implementation refuses it
    ],
)
def test_what_jackson_reads_has_no_error(text: str) -> None:
    assert jackson_error(text) is None


def test_the_source_is_quoted_up_to_500_chars() -> None:
    text = "[" + "1," * 300
    error = _refusal(text)
    assert error.message == "Unexpected end-of-input within/between Array entries"
    assert error.location == f'[Source: (String)"{text[:500]}"[truncated 101 chars]; line: 1, column: 602]'


def test_long_tokens_are_cut_after_256_chars() -> None:
    error = _refusal("x" * 1000)
    assert error.message == f"Unrecognized token '{'x' * 256}...': was expecting {VALUES}"


def test_json_error_message_is_jacksons_or_the_limits() -> None:
    for text in ("not some json", "[" * 2000 + "]" * 2000, "1e400"):
        with pytest.raises(ValueError) as raised:
            loads(text)
        message = json_error_message(text, raised.value)
        refusal = jackson_error(text)
        assert message == (refusal.message if refusal is not None else str(raised.value))
    with pytest.raises(ValueError) as raised:
        loads("1e400")
    assert json_error_message("1e400", raised.value) == "Number out of range: 1e400"
    assert json_error_message("1e400", raised.value, located=True) == "Number out of range: 1e400"
    with pytest.raises(ValueError) as raised:
        loads("not a definition")
    assert json_error_message("not a definition", raised.value, located=True) == (
        f"Unrecognized token 'not': was expecting {VALUES}\n"
        ' at [Source: (String)"not a definition"; line: 1, column: 4]'
    )


def test_a_long_invalid_text_is_described_in_one_pass() -> None:
    text = '{"k": "' + "a" * 1_000_000 + '", "v": [' + "1, " * 100_000 + "]}"
    error = _refusal(text)
    assert error.message.startswith("Unexpected character (']' (code 93)): expected a valid value")
