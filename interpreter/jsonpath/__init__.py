"""JSONPath as AWS Step Functions evaluates it (Jayway JsonPath semantics), compiled once.

The rest of the interpreter imports JSONPath only from here; only this package imports
``jsonpath_ng``.
"""

from __future__ import annotations

from interpreter.jsonpath.paths import Path, ReferencePath, compile_path, compile_reference_path, set_at

__all__ = ["Path", "ReferencePath", "compile_path", "compile_reference_path", "set_at"]
