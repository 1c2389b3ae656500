"""ASL intrinsic functions (``States.Format(...)`` and friends) for JSONPath states.

`compile_intrinsic` parses a call once into an immutable `Intrinsic`; `Intrinsic.evaluate` runs it
against a `Scope`. The modules:

* `parser`: the lexer, the recursive-descent parser and the AST, with the compile cache;
* `functions`: the function library, its signatures and its dispatch table;
* `java`: the Java library behaviour AWS's results show (``toString``, ``HashMap`` order,
  ``Math.round``).
"""

from __future__ import annotations

from interpreter.intrinsics.parser import Intrinsic, compile_intrinsic, is_intrinsic

__all__ = ["Intrinsic", "compile_intrinsic", "is_intrinsic"]
