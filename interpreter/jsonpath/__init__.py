"""JSONPath as AWS Step Functions evaluates it (Jayway JsonPath semantics), compiled once.

The rest of the interpreter imports JSONPath only from here; only this package imports
``jsonpath_ng`` (in `engine`). The modules:

* `tokens`: the tokeniser (a path's root, then the segments of its body);
* `definite`: the walker for definite paths, with Jayway's wording when a step fails;
* `engine`: indefinite paths on jsonpath-ng, with recursive descent and regex filters bounded;
* `path`: `Path` and `compile_path`, which choose between the two;
* `reference`: ``ResultPath`` (`ReferencePath`, `compile_reference_path`, `set_at`).
"""

from __future__ import annotations

from interpreter.jsonpath.path import Path, compile_path
from interpreter.jsonpath.reference import ReferencePath, compile_reference_path, set_at

__all__ = ["Path", "ReferencePath", "compile_path", "compile_reference_path", "set_at"]
