"""ASL intrinsic functions (``States.Format(...)`` and friends) for JSONPath states.

`compile_intrinsic` parses a call once into an immutable `Intrinsic`; `Intrinsic.evaluate` runs it
against a `Scope`.
"""

from __future__ import annotations

from interpreter.intrinsics.parser import Intrinsic, compile_intrinsic, is_intrinsic

__all__ = ["Intrinsic", "compile_intrinsic", "is_intrinsic"]
