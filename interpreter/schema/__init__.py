"""Static validation of an ASL definition, reporting AWS's first problem in AWS's words.

`validate_machine` checks a whole state machine, `validate_single_state` one state object as
TestState takes it without ``stateName``; both raise `interpreter.errors.DefinitionError`.

Modules: `machine` (the entry points and the order of the checks), `walk` (every state's shape,
depth first), `tables` (the fields of each state type), `values` (one value against its table
entry), `distributed_map` (ItemReader, ItemBatcher, ResultWriter, ProcessorConfig, Label),
`transitions` (state names and transition targets), `messages` (AWS's codes, wording and pointers).

In their comments, "recorded" cites a conformance case (``tests/conformance/corpus``) or AWS's text
quoted in a public issue; "measured" means measured against AWS's ValidateStateMachineDefinition;
"not recorded" marks our own wording, in the style of the recorded messages.
"""

from __future__ import annotations

from interpreter.schema.machine import SINGLE_STATE_NAME, validate_machine, validate_single_state

__all__ = ["SINGLE_STATE_NAME", "validate_machine", "validate_single_state"]
