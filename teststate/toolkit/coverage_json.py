"""Coverage data as JSON: `coverage_to_json` and `write_coverage_json` dump what a session
covered, `coverage_from_json` and `load_coverage_json` read it back (another session's or pytest
worker's, to merge).

The format is ``teststate-coverage``, version 1: per definition, its text and what was covered;
``counts`` and ``missed`` are written for readers and recomputed on reading.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from teststate.toolkit.coverage_model import (
    CatchEntry,
    Category,
    ChoiceBranch,
    CoverageData,
    CoverageDataError,
    DefinitionCoverage,
    Item,
    Observed,
    RetryEntry,
    Transition,
    UnreadExecution,
)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "coverage_from_json",
    "coverage_to_json",
    "load_coverage_json",
    "write_coverage_json",
]


FORMAT: Final = "teststate-coverage"
FORMAT_VERSION: Final = 1


def coverage_to_json(data: CoverageData) -> dict[str, Any]:
    """The data as a JSON value. ``counts`` and ``missed`` are there for readers;
    `coverage_from_json` recomputes them from the definition and what was covered."""
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "definitions": [_definition_json(coverage) for coverage in data],
        "unread": [{"executionArn": item.execution_arn, "reason": item.reason} for item in data.unread],
    }


def coverage_from_json(value: Any) -> CoverageData:
    """Read what `coverage_to_json` wrote (for instance by another pytest worker).

    Raises:
        CoverageDataError: `value` is not in that format.
    """
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        raise CoverageDataError(f"not {FORMAT} data")
    if value.get("version") != FORMAT_VERSION:
        raise CoverageDataError(f"unsupported {FORMAT} version: {value.get('version')!r}")
    definitions = value.get("definitions")
    if not isinstance(definitions, list):
        raise CoverageDataError("definitions: expected a list")
    read = tuple(_definition_from_json(item, f"definitions/{n}") for n, item in enumerate(definitions))
    unread = value.get("unread", [])
    if not isinstance(unread, list) or not all(
        isinstance(item, dict)
        and isinstance(item.get("executionArn"), str)
        and isinstance(item.get("reason"), str)
        for item in unread
    ):
        raise CoverageDataError("unread: expected a list of {executionArn, reason}")
    not_read = tuple(UnreadExecution(item["executionArn"], item["reason"]) for item in unread)
    # Merged into an empty session: a definition listed twice becomes one.
    return CoverageData().merge(CoverageData(read, not_read))


def write_coverage_json(data: CoverageData, path: str | Path) -> Path:
    """Write the coverage data as JSON (`coverage_to_json`); returns the path written.

    Non-ASCII characters are written as escapes: a state name may hold a lone surrogate, which
    UTF-8 cannot encode.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(coverage_to_json(data), indent=2, ensure_ascii=True) + "\n", encoding="ascii"
    )
    return target


def load_coverage_json(path: str | Path) -> CoverageData:
    """Read what `write_coverage_json` wrote (another session's or worker's, to `merge`).

    Raises:
        CoverageDataError: the file is not coverage data.
        OSError: the file cannot be read.
    """
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as error:
        raise CoverageDataError(f"{path}: not JSON ({error})") from None
    return coverage_from_json(value)


# JSON member names of the categories (`coverage_to_json`).
_JSON_NAMES: Final[Mapping[Category, str]] = {
    Category.STATES: "states",
    Category.CHOICE_BRANCHES: "choiceBranches",
    Category.RETRIES: "retries",
    Category.CATCHES: "catches",
    Category.TRANSITIONS: "transitions",
}
if set(_JSON_NAMES) != set(Category):
    raise RuntimeError("every coverage category needs a JSON name")


def _item_json(item: Item) -> Any:
    if isinstance(item, str):
        return item
    if isinstance(item, ChoiceBranch):
        return {"state": item.state, "rule": item.rule}
    if isinstance(item, (RetryEntry, CatchEntry)):
        return {"state": item.state, "index": item.index}
    return {"source": item.source, "target": item.target, "caught": item.caught}


def _sort_key(item: Item) -> tuple[Any, ...]:
    if isinstance(item, str):
        return (item,)
    if isinstance(item, ChoiceBranch):
        return (item.state, item.rule is None, item.rule or 0)
    if isinstance(item, (RetryEntry, CatchEntry)):
        return (item.state, item.index)
    return (item.source, item.target is None, item.target or "", item.caught)


def _definition_json(coverage: DefinitionCoverage) -> dict[str, Any]:
    return {
        "definition": coverage.definition,
        "singleState": coverage.outline.single_state,
        "digest": coverage.digest,
        "calls": coverage.observed.calls,
        "executions": coverage.observed.executions,
        "unattributed": coverage.observed.unattributed,
        "covered": {
            _JSON_NAMES[category]: [
                _item_json(item) for item in sorted(coverage.observed.items(category), key=_sort_key)
            ]
            for category in Category
        },
        "counts": {
            _JSON_NAMES[category]: {"covered": tally.covered, "total": tally.total}
            for category in Category
            for tally in (coverage.tally(category),)
        },
        "missed": {
            _JSON_NAMES[category]: [_item_json(item) for item in coverage.missed(category)]
            for category in Category
        },
    }


def _definition_from_json(value: Any, where: str) -> DefinitionCoverage:
    if not isinstance(value, dict):
        raise CoverageDataError(f"{where}: expected an object")
    definition, single_state = value.get("definition"), value.get("singleState")
    if not isinstance(definition, str) or not isinstance(single_state, bool):
        raise CoverageDataError(f"{where}: expected 'definition' (a string) and 'singleState' (a boolean)")
    covered = value.get("covered")
    if not isinstance(covered, dict):
        raise CoverageDataError(f"{where}/covered: expected an object")
    lists = {category: covered.get(_JSON_NAMES[category], []) for category in Category}
    for category, items in lists.items():
        if not isinstance(items, list):
            raise CoverageDataError(f"{where}/covered/{_JSON_NAMES[category]}: expected a list")
    try:
        observed = Observed(
            calls=_count(value.get("calls", 0)),
            executions=_count(value.get("executions", 0)),
            states=frozenset(_string(name) for name in lists[Category.STATES]),
            choice_branches=frozenset(
                ChoiceBranch(_string(item["state"]), _optional_count(item["rule"]))
                for item in lists[Category.CHOICE_BRANCHES]
            ),
            retries=frozenset(
                RetryEntry(_string(item["state"]), _count(item["index"])) for item in lists[Category.RETRIES]
            ),
            catches=frozenset(
                CatchEntry(_string(item["state"]), _count(item["index"])) for item in lists[Category.CATCHES]
            ),
            transitions=frozenset(
                Transition(_string(item["source"]), _optional_string(item["target"]), item["caught"] is True)
                for item in lists[Category.TRANSITIONS]
            ),
            unattributed=_count(value.get("unattributed", 0)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CoverageDataError(f"{where}/covered: malformed item ({error})") from None
    return DefinitionCoverage.of(definition, single_state=single_state, observed=observed)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _optional_string(value: Any) -> str | None:
    return None if value is None else _string(value)


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return value


def _optional_count(value: Any) -> int | None:
    return None if value is None else _count(value)
