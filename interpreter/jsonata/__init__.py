"""JSONata for Step Functions (``{% ... %}``), the one adapter around the jsonata library.

The rest of the interpreter uses `interpreter.jsonata.expression` (compile a template once,
evaluate it against a `Scope`); the other modules are its parts:

* `syntax`: JSONata 2.0.6's syntax (AWS's version) on the library's 2.1 parser;
* `bounds`: the time, depth and size bounds of one evaluation, and the evaluator's call site;
* `regex_literals`: regex literals on the bounded regex engine;
* `functions`: Step Functions' own functions and the table of every function bound;
* `bounded_builtins`: built-ins replaced to check their result size or to speak JSONata's words;
* `values`: JSON values across the library boundary;
* `fast`: the evaluator for the common subset that answers without the library;
* `base`: what the others share (our function error, the function wrapper, size checks).
"""

from __future__ import annotations
