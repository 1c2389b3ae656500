"""Jackson's words for JSON text that does not parse: how AWS describes invalid JSON.

AWS reads JSON members with Jackson (jackson-core's ``ReaderBasedJsonParser`` over a Java String)
and quotes its message. Recorded: StartExecution answers input ``not some json`` with ``Invalid
State Machine Execution Input: 'Unrecognized token 'not': was expecting (JSON String, Number,
Array, Object or token 'null', 'true' or 'false')'`` and ``{'not': 'json'`` with ``... 'Unexpected
character (''' (code 39)): was expecting double-quote to start field name'``
(api/test_sfn_api/test_invalid_start_execution_input); ValidateStateMachineDefinition adds the
location, ``... at [Source: (String)"not a definition"; line: 1, column: 4]``
(api/test_sfn_api_validation/test_validate_state_machine_definition_not_a_definition__NOT_A_DEF).
Those wordings place AWS's Jackson between 2.10 (which introduced that list of expected values) and
2.15 (2.16 no longer quotes the source); this module follows jackson-core 2.13, whose messages are
the same for every case the recordings show. Where a later version in that range words a case
differently (from 2.14 a number's leading ``+`` is named as such), 2.13's words are used: which
version AWS runs is not known.

`jackson_error` replays that parser's steps over a text our own decoder refused and returns the
first problem Jackson reports, with its location. It runs only on that error path, so it favours
fidelity over speed (it is still linear). Beyond the recorded cases the messages are Jackson's own
strings, derived from its source; which of them AWS shows for which member is not recorded.

Jackson counts in UTF-16 code units, as Java strings do: a character beyond the Basic Multilingual
Plane is two "chars" for columns, token lengths and the description of an unexpected character.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

__all__ = ["JacksonError", "jackson_error", "json_error_message"]

# ParserMinimalBase._validJsonValueList() with default features (recorded wording).
_VALID_VALUES: Final = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_MAX_ERROR_TOKEN_LENGTH: Final = 256  # ParserMinimalBase.MAX_ERROR_TOKEN_LENGTH
_MAX_CONTENT_SNIPPET: Final = 500  # JsonLocation.MAX_CONTENT_SNIPPET
_NOT_A_COMMENT: Final = (
    "maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not "
    "enabled for parser)"
)
_NON_NUMERIC: Final = "Non-standard token '{}': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow"
# With DeserializationFeature.FAIL_ON_TRAILING_TOKENS; a tree is bound as JsonNode. Whether AWS
# refuses trailing content at all is not recorded (Jackson's default is to ignore it); this server
# has always refused it, and says so in Jackson's words.
_TRAILING: Final = (
    "Trailing token (of type {}) found after value (bound as `com.fasterxml.jackson.databind.JsonNode`): "
    "not allowed as per `DeserializationFeature.FAIL_ON_TRAILING_TOKENS`"
)
# ObjectMapper.readValue of a text with no value in it.
_NO_CONTENT: Final = "No content to map due to end-of-input"
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")
_SIMPLE_ESCAPES: Final = frozenset('btnfr"/\\')
_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")
_PLAIN_CHARS: Final = re.compile(r'[^"\\\x00-\x1f]*')  # what a string holds as it is


@dataclass(frozen=True, slots=True)
class JacksonError:
    """The first problem Jackson reports in a text.

    Attributes:
        message: the message without its location (``JsonProcessingException.getOriginalMessage``),
            as StartExecution quotes it.
        line: 1-based line of the location Jackson reports.
        column: its column (1-based; 0 for the start of the document).
        source: the whole text, which the location description quotes.
    """

    message: str
    line: int
    column: int
    source: str

    @property
    def location(self) -> str:
        """``[Source: (String)"<text>"; line: L, column: C]`` (JsonLocation.toString)."""
        return _location(self.source, self.line, self.column)

    @property
    def located_message(self) -> str:
        """The message with its location (``getMessage``), as ValidateStateMachineDefinition shows it."""
        return f"{self.message}\n at {self.location}"


def jackson_error(text: str) -> JacksonError | None:
    """The problem Jackson reports first when it reads `text` as one JSON value, or None when it
    reads one value with nothing but whitespace after it."""
    reader = _Reader(_utf16_units(text))
    try:
        reader.read_document()
    except _Refusal as refusal:
        return JacksonError(_from_utf16_units(refusal.message), refusal.line, refusal.column, text)
    return None


def json_error_message(text: str, error: ValueError, *, located: bool = False) -> str:
    """What to say about `text`, which `interpreter.jsontypes.loads` refused with `error`: Jackson's
    message when Jackson refuses the text too (with its location when `located`, as
    ValidateStateMachineDefinition shows it), else the message of `error` (a limit of this
    implementation, such as the nesting depth, which Jackson's syntax does not know)."""
    refusal = jackson_error(text)
    if refusal is None:
        return str(error)
    return refusal.located_message if located else refusal.message


# ---------------------------------------------------------------------------------------------
# Java's view of characters
# ---------------------------------------------------------------------------------------------
def _utf16_units(text: str) -> str:
    """`text` with every astral character replaced by its two surrogates: one Python character
    per Java ``char``."""

    def split(match: re.Match[str]) -> str:
        code = ord(match.group()) - 0x10000
        return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))

    return _ASTRAL.sub(split, text)


def _from_utf16_units(text: str) -> str:
    """Surrogate pairs back into characters (lone surrogates stay)."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


_LETTERS: Final = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo"})
_IDENTIFIER_START: Final = _LETTERS | {"Nl", "Sc", "Pc"}
_IDENTIFIER_PART: Final = _IDENTIFIER_START | {"Nd", "Mn", "Mc", "Cf"}


def _is_iso_control(char: str) -> bool:
    """``Character.isISOControl``."""
    code = ord(char)
    return code <= 0x1F or 0x7F <= code <= 0x9F


def _is_identifier_start(char: str) -> bool:
    """``Character.isJavaIdentifierStart`` (for a ``char``)."""
    return unicodedata.category(char) in _IDENTIFIER_START


def _is_identifier_part(char: str) -> bool:
    """``Character.isJavaIdentifierPart``: letters, digits, currency symbols, connectors, marks,
    and the identifier-ignorable controls and format characters."""
    code = ord(char)
    if code <= 0x08 or 0x0E <= code <= 0x1B or 0x7F <= code <= 0x9F:
        return True
    return unicodedata.category(char) in _IDENTIFIER_PART


def _char_description(char: str) -> str:
    """``ParserMinimalBase._getCharDesc``."""
    code = ord(char)
    if _is_iso_control(char):
        return f"(CTRL-CHAR, code {code})"
    if code > 255:
        return f"'{char}' (code {code} / 0x{code:x})"
    return f"'{char}' (code {code})"


def _location(source: str, line: int, column: int) -> str:
    """``JsonLocation.toString`` for a String source: at most 500 chars of it quoted, the rest counted."""
    units = _utf16_units(source)
    shown = units[:_MAX_CONTENT_SNIPPET]
    more = len(units) - len(shown)
    truncated = f"[truncated {more} chars]" if more > 0 else ""
    return f'[Source: (String)"{_from_utf16_units(shown)}"{truncated}; line: {line}, column: {column}]'


# ---------------------------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------------------------
class _Refusal(Exception):
    """Jackson's exception: its message and location."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(slots=True)
class _Context:
    """``JsonReadContext``: what is open, and where it started (line and 1-based column)."""

    kind: str  # "root", "Array" or "Object" (JsonStreamContext.typeDesc)
    line: int
    column: int
    index: int = -1

    def expect_comma(self) -> bool:
        self.index += 1
        return self.kind != "root" and self.index > 0


class _Reader:
    """The steps of ``ReaderBasedJsonParser.nextToken`` (jackson-core 2.13, default features), as
    ``ObjectMapper`` takes them to read one tree: every value read in full, strings included."""

    def __init__(self, units: str) -> None:
        self.text = units
        self.end = len(units)
        self.pos = 0  # _inputPtr: the next char to read
        self.line = 1  # _currInputRow
        self.line_start = 0  # _currInputRowStart
        self.contexts = [_Context("root", 1, 0)]
        self.token_line = 1  # _tokenInputRow / _tokenInputCol: where the last token started
        self.token_column = 0

    # Reporting ----------------------------------------------------------------------------------
    def refuse(self, message: str) -> _Refusal:
        """The error at the current location (``getCurrentLocation``)."""
        return _Refusal(message, self.line, self.pos - self.line_start + 1)

    def unexpected(self, char: str, comment: str) -> _Refusal:
        return self.refuse(f"Unexpected character ({_char_description(char)}): {comment}")

    def unexpected_in_number(self, char: str, comment: str) -> _Refusal:
        return self.refuse(f"Unexpected character ({_char_description(char)}) in numeric value: {comment}")

    def moved(self, refusal: _Refusal, position: int) -> _Refusal:
        """`refusal` reported at `position` of the current line instead."""
        return _Refusal(refusal.message, self.line, position - self.line_start + 1)

    def end_of_input(self, detail: str) -> _Refusal:
        return self.refuse(f"Unexpected end-of-input{detail}")

    def invalid_token(self, matched: str) -> _Refusal:
        """``_reportInvalidToken``: the token read so far, extended by identifier characters."""
        token = matched
        while self.pos < self.end:
            char = self.text[self.pos]
            if not _is_identifier_part(char):
                break
            self.pos += 1
            token += char
            if len(token) >= _MAX_ERROR_TOKEN_LENGTH:
                token += "..."
                break
        return self.refuse(f"Unrecognized token '{token}': was expecting {_VALID_VALUES}")

    # The document --------------------------------------------------------------------------------
    def read_document(self) -> None:
        """One value (``readValue``), then nothing but whitespace (``FAIL_ON_TRAILING_TOKENS``)."""
        token = self.next_token()
        if token is None:
            raise _Refusal(_NO_CONTENT, self.token_line, self.token_column)
        while len(self.contexts) > 1:
            self.next_token()
        trailing = self.next_token(finish_strings=False)
        if trailing is not None:
            raise _Refusal(_TRAILING.format(trailing), self.token_line, self.token_column)

    def next_token(self, *, finish_strings: bool = True) -> str | None:
        """The next token's type; None at the end of the document."""
        char = self.skip_whitespace_or_end()
        if char is None:
            return None
        context = self.contexts[-1]
        if char in "]}":
            return self.close_scope(char)
        if context.expect_comma():
            char = self.skip_comma(char)
        if context.kind == "Object":
            if char == '"':
                self.finish_string("name")
            else:
                raise self.unexpected(char, "was expecting double-quote to start field name")
            char = self.skip_colon()
        self.token_line, self.token_column = self.line, self.pos - self.line_start
        return self.value(char, finish_strings=finish_strings)

    def value(self, char: str, *, finish_strings: bool) -> str:
        if char == '"':
            if finish_strings:
                self.finish_string("string value")
            return "VALUE_STRING"
        if char == "[":
            self.contexts.append(_Context("Array", self.token_line, self.token_column))
            return "START_ARRAY"
        if char == "{":
            self.contexts.append(_Context("Object", self.token_line, self.token_column))
            return "START_OBJECT"
        if char == "}":
            raise self.unexpected(char, "expected a value")
        if char in "tfn":
            word = {"t": "true", "f": "false", "n": "null"}[char]
            self.match_token(word, 1)
            return f"VALUE_{word.upper()}"
        if char == "-" or "0" <= char <= "9":
            return self.number(negative=char == "-")
        return self.odd_value(char)

    def close_scope(self, char: str) -> str:
        context = self.contexts[-1]
        self.token_line, self.token_column = self.line, self.pos - self.line_start
        expected, kind = ("Array", "}") if char == "]" else ("Object", "]")
        if context.kind != expected:
            start = _location(_from_utf16_units(self.text), context.line, context.column)
            raise self.refuse(
                f"Unexpected close marker '{char}': expected '{kind}' (for {context.kind} starting at {start})"
            )
        self.contexts.pop()
        return f"END_{expected.upper()}"

    # Whitespace and separators --------------------------------------------------------------------
    def skip_whitespace(self) -> str | None:
        """The next char that is not white space, consumed; None at the end of the text."""
        while self.pos < self.end:
            char = self.text[self.pos]
            self.pos += 1
            if char > " ":
                if char == "/":
                    raise self.unexpected(char, _NOT_A_COMMENT)
                return char  # '#' too: YAML comments are off, so it is an ordinary char
            if char == "\n":
                self.line += 1
                self.line_start = self.pos
            elif char == "\r":
                self.skip_carriage_return()
            elif char not in " \t":
                raise self.refuse(
                    f"Illegal character ({_char_description(char)}): only regular white space "
                    "(\\r, \\n, \\t) is allowed between tokens"
                )
        return None

    def skip_carriage_return(self) -> None:
        if self.pos < self.end and self.text[self.pos] == "\n":
            self.pos += 1
        self.line += 1
        self.line_start = self.pos

    def skip_whitespace_or_end(self) -> str | None:
        char = self.skip_whitespace()
        context = self.contexts[-1]
        if char is None and context.kind != "root":
            start = _location(_from_utf16_units(self.text), context.line, context.column)
            raise self.end_of_input(f": expected close marker for {context.kind} (start marker at {start})")
        return char

    def skip_comma(self, char: str) -> str:
        kind = self.contexts[-1].kind
        if char != ",":
            raise self.unexpected(char, f"was expecting comma to separate {kind} entries")
        following = self.skip_whitespace()
        if following is None:
            raise self.end_of_input(f" within/between {kind} entries")
        return following

    def skip_colon(self) -> str:
        char = self.skip_whitespace()
        if char is not None:
            if char != ":":
                raise self.unexpected(char, "was expecting a colon to separate field name and value")
            char = self.skip_whitespace()
        if char is None:
            raise self.end_of_input(" within/between Object entries")
        return char

    # Strings ------------------------------------------------------------------------------------
    def finish_string(self, what: str) -> None:
        """The rest of a string after its opening quote (``what``: "name" or "string value")."""
        while True:
            plain = _PLAIN_CHARS.match(self.text, self.pos)
            if plain is not None:  # always: the pattern matches the empty string
                self.pos = plain.end()
            if self.pos >= self.end:
                if what == "name":
                    raise self.end_of_input(" in field name")
                raise self.end_of_input(": was expecting closing quote for a string value")
            char = self.text[self.pos]
            self.pos += 1
            if char == '"':
                return
            if char == "\\":
                self.escape()
            elif char < " ":
                raise self.refuse(
                    f"Illegal unquoted character ({_char_description(char)}): has to be escaped using "
                    f"backslash to be included in {what}"
                )

    def escape(self) -> None:
        """``_decodeEscaped``, after the backslash."""
        if self.pos >= self.end:
            raise self.end_of_input(" in character escape sequence")
        char = self.text[self.pos]
        self.pos += 1
        if char in _SIMPLE_ESCAPES:
            return
        if char != "u":
            raise self.refuse(f"Unrecognized character escape {_char_description(char)}")
        for _ in range(4):
            if self.pos >= self.end:
                raise self.end_of_input(" in character escape sequence")
            digit = self.text[self.pos]
            self.pos += 1
            if digit not in _HEX_DIGITS:
                raise self.unexpected(digit, "expected a hex-digit for character escape sequence")

    # Literals -----------------------------------------------------------------------------------
    def match_token(self, word: str, matched: int) -> None:
        """``_matchToken``: the rest of `word`, not followed by an identifier character."""
        for index in range(matched, len(word)):
            if self.pos >= self.end or self.text[self.pos] != word[index]:
                raise self.invalid_token(word[:index])
            self.pos += 1
        if self.pos < self.end:
            char = self.text[self.pos]
            if char >= "0" and char not in "]}" and _is_identifier_part(char):
                raise self.invalid_token(word)

    def odd_value(self, char: str) -> str:
        """``_handleOddValue``: what cannot start a value."""
        if char in "NI":
            word = "NaN" if char == "N" else "Infinity"
            self.match_token(word, 1)
            raise self.refuse(_NON_NUMERIC.format(word))
        if char == "+":
            if self.pos >= self.end:
                raise self.end_of_input(" in a Number value")
            following = self.text[self.pos]
            self.pos += 1
            raise self.invalid_number_start(following, negative=False)
        if _is_identifier_start(char):
            raise self.invalid_token(char)
        raise self.unexpected(char, f"expected a valid value {_VALID_VALUES}")

    # Numbers ------------------------------------------------------------------------------------
    def next_char(self, eof_detail: str) -> str:
        """``getNextChar``: Jackson glues the detail to "end-of-input" without a space."""
        if self.pos >= self.end:
            raise self.end_of_input(eof_detail)
        char = self.text[self.pos]
        self.pos += 1
        return char

    def number(self, *, negative: bool) -> str:
        """A number, after its first char: the decisions of ``_parseNumber2`` (the buffer-boundary
        path), which the fast path (``_parsePosNumber``/``_parseNegNumber`` and ``_parseFloat``)
        makes too, at one other place: the fast path, taken for a number that does not start with 0
        and does not reach the end of the text, reports a bad fraction or exponent where its
        fraction or exponent began (it does not advance the reported position while it scans)."""
        char = self.next_char("No digit following minus sign") if negative else self.text[self.pos - 1]
        if char == "0" and self.pos < self.end and "0" <= self.text[self.pos] <= "9":
            raise self.refuse("Invalid numeric value: Leading zeroes not allowed")
        fast = char != "0"
        fraction_or_exponent_start = self.pos
        digits = 0
        at_end = False
        while "0" <= char <= "9":
            digits += 1
            if self.pos >= self.end:
                at_end = True
                break
            char = self.text[self.pos]
            self.pos += 1
        if digits == 0:
            raise self.invalid_number_start(char, negative=negative)
        kind = "VALUE_NUMBER_INT"
        if not at_end and char in ".eE":
            fraction_or_exponent_start = self.pos
        if not at_end and char == ".":
            kind = "VALUE_NUMBER_FLOAT"
            fraction = 0
            while True:
                if self.pos >= self.end:
                    at_end = True
                    break
                char = self.text[self.pos]
                self.pos += 1
                if not "0" <= char <= "9":
                    break
                fraction += 1
            if fraction == 0:
                error = self.unexpected_in_number(char, "Decimal point not followed by a digit")
                raise self.moved(error, fraction_or_exponent_start) if fast and not at_end else error
        if not at_end and char in "eE":
            kind = "VALUE_NUMBER_FLOAT"
            char = self.next_char("expected a digit for number exponent")
            if char in "-+":
                char = self.next_char("expected a digit for number exponent")
            exponent = 0
            while "0" <= char <= "9":
                exponent += 1
                if self.pos >= self.end:
                    at_end = True
                    break
                char = self.text[self.pos]
                self.pos += 1
            if exponent == 0:
                error = self.unexpected_in_number(char, "Exponent indicator not followed by a digit")
                raise self.moved(error, fraction_or_exponent_start) if fast else error
        if not at_end:
            self.pos -= 1  # the char after the number is read again as the next token
            if self.contexts[-1].kind == "root":
                self.verify_root_space(char)
        return kind

    def verify_root_space(self, char: str) -> None:
        """``_verifyRootSpace``: a number at the top level must be followed by white space."""
        self.pos += 1
        if char in " \t":
            return
        if char == "\r":
            self.skip_carriage_return()
        elif char == "\n":
            self.line += 1
            self.line_start = self.pos
        else:
            raise self.unexpected(char, "Expected space separating root-level values")

    def invalid_number_start(self, char: str, *, negative: bool) -> _Refusal:
        """``_handleInvalidNumberStart``: a sign not followed by a digit (``-Infinity`` and
        ``-INF`` are named as such)."""
        if char == "I":
            if self.pos >= self.end:
                raise self.end_of_input(" in a Number value")
            char = self.text[self.pos]
            self.pos += 1
            sign = "-" if negative else "+"
            if char in "Nn":
                word = sign + ("INF" if char == "N" else "Infinity")
                self.match_token(word, 3)
                raise self.refuse(_NON_NUMERIC.format(word))
        return self.unexpected_in_number(
            char, "expected digit (0-9) to follow minus sign, for valid numeric value"
        )
