"""Static validation of an ASL definition, reporting AWS's first problem in AWS's words.

`validate_machine` checks a whole state machine, `validate_single_state` one state object as
TestState takes it without ``stateName``; both raise `interpreter.errors.DefinitionError`.
"""

from __future__ import annotations

from interpreter.schema.validate import SINGLE_STATE_NAME, validate_machine, validate_single_state

__all__ = ["SINGLE_STATE_NAME", "validate_machine", "validate_single_state"]
