"""Hypothesis strategies for ASL and TestState, kept as a library (one composite per shape).

Definitions are drawn "valid by construction" from small pools of realistic field values, and
`mutated` bends one field of them into something odd, so both the happy path and every validator
get exercised. Sizes stay small: a failing example should read like a bug report.

The strategies live in modules of one kind each; this package re-exports their public names:

- `values` (JSON values): `scalars`, `json_values`, `json_objects`.
- `expressions` (JSONPath paths, JSONata, intrinsics, payload templates): `reference_paths`,
  `paths_or_garbage`, `jsonata_expressions`, `jsonata_templates`, `intrinsic_calls`, `payload_templates`,
  `jsonata_payloads`.
- `handlers` (error names, Retry and Catch): `ERROR_NAMES`, `error_names`, `retriers`, `catchers`,
  `error_handlers`.
- `states` (Pass, Wait, Choice, Succeed, Fail, Task and Parallel states): `pass_states`, `wait_states`,
  `comparison_rules`, `choice_states`, `succeed_states`, `fail_states`, `TASK_RESOURCES`, `task_states`,
  `parallel_states`.
- `maps` (the Map state, its items, batchers, thresholds and ItemSelectors): `map_items`, `item_batchers`,
  `batcher_inputs`, `map_states`, `threshold_cases`, `flat_item_selectors`, `FAST_SELECTOR_FIELDS`,
  `SLOW_SELECTOR_FIELDS`, `fast_item_selectors`, `selector_items`.
- `definitions` (any state, mutations, machines): `state_definitions`, `mutated`, `machines`,
  `transition_targets`, `reachable_machines`.
- `mock_members` (TestState mock members): `mocks`, `map_parallel_mocks`, `validated_resources`,
  `valid_mock_results`.
- `requests` (TestState requests: odd, runnable, reproducible): `teststate_requests`, `request_bodies`,
  `awkward_json_requests`, `runnable_requests`, `result_path_requests`, `any_requests`, `CONTEXT_READERS`,
  `RANDOM_READERS`, `PINNED_CONTEXT`, `pin_context`, `reads_generated_values`, `reproducible_requests`.
- `model_bodies` (request bodies around the model's constraints): `coral_strings`, `coral_integers`,
  `ShortRepr`, `model_request_bodies`.
- `recipes` (equivalence recipes and ResultPath law cases): `PATH_KEYS`, `exact_json_values`,
  `with_value_at`, `jsonata_literal`, `PassRecipe`, `pass_recipes`, `render_pass_jsonpath`,
  `render_pass_jsonata`, `NUMERIC_OPERATORS`, `Comparison`, `Combination`, `Rule`, `choice_rules`,
  `ChoiceRecipe`, `choice_recipes`, `render_choice_jsonpath`, `render_choice_jsonata`, `result_path_cases`.
- `fast_jsonata` (the JSONata fast path's expressions, documents, variables): `FAST_KEYS`,
  `fast_jsonata_documents`, `fast_jsonata_expressions`, `FAST_VARIABLE_NAMES`, `fast_jsonata_variables`.
"""

from __future__ import annotations

from fuzz.strategies.definitions import (
    machines,
    mutated,
    reachable_machines,
    state_definitions,
    transition_targets,
)
from fuzz.strategies.expressions import (
    intrinsic_calls,
    jsonata_expressions,
    jsonata_payloads,
    jsonata_templates,
    paths_or_garbage,
    payload_templates,
    reference_paths,
)
from fuzz.strategies.fast_jsonata import (
    FAST_KEYS,
    FAST_VARIABLE_NAMES,
    fast_jsonata_documents,
    fast_jsonata_expressions,
    fast_jsonata_variables,
)
from fuzz.strategies.handlers import ERROR_NAMES, catchers, error_handlers, error_names, retriers
from fuzz.strategies.maps import (
    FAST_SELECTOR_FIELDS,
    SLOW_SELECTOR_FIELDS,
    batcher_inputs,
    fast_item_selectors,
    flat_item_selectors,
    item_batchers,
    map_items,
    map_states,
    selector_items,
    threshold_cases,
)
from fuzz.strategies.mock_members import map_parallel_mocks, mocks, valid_mock_results, validated_resources
from fuzz.strategies.model_bodies import ShortRepr, coral_integers, coral_strings, model_request_bodies
from fuzz.strategies.recipes import (
    NUMERIC_OPERATORS,
    PATH_KEYS,
    ChoiceRecipe,
    Combination,
    Comparison,
    PassRecipe,
    Rule,
    choice_recipes,
    choice_rules,
    exact_json_values,
    jsonata_literal,
    pass_recipes,
    render_choice_jsonata,
    render_choice_jsonpath,
    render_pass_jsonata,
    render_pass_jsonpath,
    result_path_cases,
    with_value_at,
)
from fuzz.strategies.requests import (
    CONTEXT_READERS,
    PINNED_CONTEXT,
    RANDOM_READERS,
    any_requests,
    awkward_json_requests,
    pin_context,
    reads_generated_values,
    reproducible_requests,
    request_bodies,
    result_path_requests,
    runnable_requests,
    teststate_requests,
)
from fuzz.strategies.states import (
    TASK_RESOURCES,
    choice_states,
    comparison_rules,
    fail_states,
    parallel_states,
    pass_states,
    succeed_states,
    task_states,
    wait_states,
)
from fuzz.strategies.values import json_objects, json_values, scalars

__all__ = [
    "CONTEXT_READERS",
    "ERROR_NAMES",
    "FAST_KEYS",
    "FAST_SELECTOR_FIELDS",
    "FAST_VARIABLE_NAMES",
    "NUMERIC_OPERATORS",
    "PATH_KEYS",
    "PINNED_CONTEXT",
    "RANDOM_READERS",
    "SLOW_SELECTOR_FIELDS",
    "TASK_RESOURCES",
    "ChoiceRecipe",
    "Combination",
    "Comparison",
    "PassRecipe",
    "Rule",
    "ShortRepr",
    "any_requests",
    "awkward_json_requests",
    "batcher_inputs",
    "catchers",
    "choice_recipes",
    "choice_rules",
    "choice_states",
    "comparison_rules",
    "coral_integers",
    "coral_strings",
    "error_handlers",
    "error_names",
    "exact_json_values",
    "fail_states",
    "fast_item_selectors",
    "fast_jsonata_documents",
    "fast_jsonata_expressions",
    "fast_jsonata_variables",
    "flat_item_selectors",
    "intrinsic_calls",
    "item_batchers",
    "json_objects",
    "json_values",
    "jsonata_expressions",
    "jsonata_literal",
    "jsonata_payloads",
    "jsonata_templates",
    "machines",
    "map_items",
    "map_parallel_mocks",
    "map_states",
    "mocks",
    "model_request_bodies",
    "mutated",
    "parallel_states",
    "pass_recipes",
    "pass_states",
    "paths_or_garbage",
    "payload_templates",
    "pin_context",
    "reachable_machines",
    "reads_generated_values",
    "reference_paths",
    "render_choice_jsonata",
    "render_choice_jsonpath",
    "render_pass_jsonata",
    "render_pass_jsonpath",
    "reproducible_requests",
    "request_bodies",
    "result_path_cases",
    "result_path_requests",
    "retriers",
    "runnable_requests",
    "scalars",
    "selector_items",
    "state_definitions",
    "succeed_states",
    "task_states",
    "teststate_requests",
    "threshold_cases",
    "transition_targets",
    "valid_mock_results",
    "validated_resources",
    "wait_states",
    "with_value_at",
]
