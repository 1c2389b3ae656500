"""A definition compiled for execution: its states grouped by the (sub-)machine they belong to.

`interpreter.definition.loader.load_machine` validates a definition and compiles every state by
name, flat, for TestState's ``stateName``. An execution needs more: which states form each
(sub-)machine, where each starts, and, for a Map or Parallel, the machines nested in it (two
branches may use the same state name). The plan is built once per definition text (cached) from
the same per-state compiler, so evaluation is the TestState path's.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from interpreter.definition.loader import LoadedState, compile_state, load_machine
from interpreter.definition.model import QueryLanguage, State
from interpreter.jsontypes import JSON, loads

PLAN_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class Node:
    """One state of a (sub-)machine, compiled, with the facts the history needs.

    Attributes:
        loaded: what `run_state` takes.
        assign_keys: the variable names the state's own ``Assign`` sets.
        catch_assign_keys: per catcher, the names its ``Assign`` sets.
        rule_assign_keys: per Choice rule, the names its ``Assign`` sets.
        processor: a Map's ItemProcessor/Iterator (None for other types).
        distributed: a Map whose processor runs in DISTRIBUTED mode.
        branches: a Parallel's branches.
    """

    loaded: LoadedState
    assign_keys: tuple[str, ...] = ()
    catch_assign_keys: tuple[tuple[str, ...], ...] = ()
    rule_assign_keys: tuple[tuple[str, ...], ...] = ()
    processor: SubMachine | None = None
    distributed: bool = False
    branches: tuple[SubMachine, ...] = ()

    @property
    def state(self) -> State:
        return self.loaded.state

    @property
    def name(self) -> str:
        return self.loaded.state_name


@dataclass(frozen=True, slots=True)
class SubMachine:
    """The top-level machine, a Map's processor or a Parallel's branch."""

    start_at: str
    states: Mapping[str, Node] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Plan:
    """The whole definition: its top-level machine."""

    machine: SubMachine
    reads_context: bool
    timeout_seconds: int | None = None
    """The definition's top-level ``TimeoutSeconds`` (None when absent or 0: see `compile_plan`)."""


@functools.lru_cache(maxsize=PLAN_CACHE_SIZE)
def compile_plan(text: str) -> Plan:
    """Validate (as CreateStateMachine does) and compile a definition for execution.

    Raises:
        DefinitionError: the text is not a valid state machine definition.
    """
    machine = load_machine(text, single_state=False)
    document = loads(text)
    if not isinstance(document, dict):  # load_machine refuses it first
        raise RuntimeError("a validated definition is an object")
    language = QueryLanguage(document.get("QueryLanguage", QueryLanguage.JSONPATH))
    top = _sub_machine(document, "", language, in_map=False, reads_context=machine.reads_context)
    # The schema accepts TimeoutSeconds 0 at the top level; what AWS does with it is not
    # recorded (ours: no limit, as if absent).
    timeout = document.get("TimeoutSeconds")
    timeout_seconds = (
        timeout if isinstance(timeout, int) and not isinstance(timeout, bool) and timeout > 0 else None
    )
    return Plan(machine=top, reads_context=machine.reads_context, timeout_seconds=timeout_seconds)


def _sub_machine(
    document: Mapping[str, JSON], pointer: str, language: QueryLanguage, *, in_map: bool, reads_context: bool
) -> SubMachine:
    states = document["States"]
    if not isinstance(states, dict):
        raise RuntimeError("a validated machine has States")
    nodes: dict[str, Node] = {}
    for name, declaration in states.items():
        state_pointer = f"{pointer}/States/{name}"
        state = compile_state(name, declaration, language, state_pointer)
        loaded = LoadedState(
            state=state, state_name=name, in_map_iteration=in_map, reads_context=reads_context
        )
        processor = None
        branches: tuple[SubMachine, ...] = ()
        distributed = False
        if state.type == "Map":
            key = "ItemProcessor" if "ItemProcessor" in declaration else "Iterator"
            body = declaration[key]
            config = body.get("ProcessorConfig") or {}
            distributed = isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED"
            processor = _sub_machine(
                body, f"{state_pointer}/{key}", language, in_map=True, reads_context=reads_context
            )
        elif state.type == "Parallel":
            branches = tuple(
                _sub_machine(
                    branch,
                    f"{state_pointer}/Branches[{index}]",
                    language,
                    in_map=in_map,
                    reads_context=reads_context,
                )
                for index, branch in enumerate(declaration["Branches"])
            )
        nodes[name] = Node(
            loaded=loaded,
            assign_keys=_assign_keys(declaration),
            catch_assign_keys=tuple(_assign_keys(item) for item in declaration.get("Catch", ())),
            rule_assign_keys=tuple(_assign_keys(rule) for rule in declaration.get("Choices", ())),
            processor=processor,
            distributed=distributed,
            branches=branches,
        )
    start_at = document["StartAt"]
    if not isinstance(start_at, str):
        raise RuntimeError("a validated machine has StartAt")
    return SubMachine(start_at=start_at, states=nodes)


def _assign_keys(owner: JSON) -> tuple[str, ...]:
    """The variable names an ``Assign`` block sets: its keys, without JSONPath's ``.$`` suffix."""
    if not isinstance(owner, dict):
        return ()
    assign = owner.get("Assign")
    if not isinstance(assign, dict):
        return ()
    return tuple(key[:-2] if key.endswith(".$") else key for key in assign)
