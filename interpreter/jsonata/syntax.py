"""JSONata 2.0.6's syntax, which AWS pins, on the library's JSONata 2.1 parser.

AWS Step Functions evaluates JSONata 2.0.6 (AWS Step Functions developer guide, "Transforming
data with JSONata in Step Functions", section "Supported JSONata version"). The library (jsonata-python) implements 2.1, whose only new
syntax is two operators (jsonata-js CHANGELOG, 2.1.0: "New syntax (`?:` default operator)" and
"New syntax (`??` coalescing operator)", PR #784). JSONata 2.0.6's tokenizer has no such
tokens: it reads ``?:`` as the conditional ``?`` followed by ``:``, and ``??`` as two
conditionals, so ``$states.input.a ?: 'x'`` is refused with S0211 (``The symbol ":" cannot be used
as a unary operator``) at the ``:``, and ``a ?? b`` with S0211 for the second ``?`` (jsonata-js
v2.0.6, src/parser.js: ``?`` is only an infix operator, and a symbol without a prefix meaning
fails as S0211 where an operand is expected).

`check_syntax` reproduces exactly that: it parses the expression with the library's parser fed by
a tokenizer that splits the two 2.1 tokens as 2.0.6 reads them, so the error, its code, its
inserts and its position are those of 2.0.6. Every other piece of syntax is the same in both
versions, so an expression without those tokens is left to the library as it is.
"""

from __future__ import annotations

import threading
from typing import Any, Final

from jsonata import parser, tokenizer
from jsonata.regex_engine import RegexEngine

__all__ = ["check_syntax"]

_JSONATA_2_1_OPERATORS: Final = ("??", "?:")


class _Tokenizer206(tokenizer.Tokenizer):  # type: ignore[misc]  # jsonata ships no type hints
    """The library's tokenizer without the 2.1 operators: ``??`` and ``?:`` come out as a ``?``
    followed by whatever the next character starts, as in 2.0.6."""

    def next(self, prefix: bool) -> Any:
        token = super().next(prefix)
        if token is not None and token.type == "operator" and token.value in _JSONATA_2_1_OPERATORS:
            # A token's position is the offset just after it (jsonata-js and the library alike).
            self.position = token.position - 1
            return self.create("operator", "?")
        return token


class _Parser206(parser.Parser):  # type: ignore[misc]  # jsonata ships no type hints
    """The library's parser reading tokens as 2.0.6 does.

    ``Parser.parse`` makes its own tokenizer and then asks `advance` for the first token; the
    first call replaces that tokenizer, still at offset 0, by a `_Tokenizer206` over the same text.
    """

    lexer: Any

    def advance(self, id: Any = None, infix: bool = False) -> Any:
        lexer = self.lexer
        if not isinstance(lexer, _Tokenizer206):
            self.lexer = _Tokenizer206(lexer.path, lexer.regex_engine)
        return super().advance(id, infix)


def check_syntax(source: str, regex_engine: RegexEngine) -> None:
    """Refuse, as JSONata 2.0.6 does, an expression that spells one of the 2.1 operators.

    Only text holding ``??`` or ``?:`` is parsed here (inside a string, a regex or a comment they
    are no operator, and the parse then succeeds); anything else cannot differ.

    Raises:
        JException: 2.0.6's syntax error (or any earlier one).
        ExpressionError: a regex literal that `regex_engine` refuses.
    """
    if any(operator in source for operator in _JSONATA_2_1_OPERATORS):
        _parser().parse(source, regex_engine)


# One parser per thread, as the library keeps its own (building one registers every symbol: ~0.3 ms).
_PARSERS: Final = threading.local()


def _parser() -> _Parser206:
    parser_206: _Parser206 | None = getattr(_PARSERS, "parser", None)
    if parser_206 is None:
        parser_206 = _PARSERS.parser = _Parser206()
    return parser_206
