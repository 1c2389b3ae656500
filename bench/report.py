"""The bench's results as one JSON-ready value, the issue's targets checked against it, and the table.

Targets (issue 6), each reported as met / MISSED, never asserted:
- HTTP at 1 client: every Pass, Choice and Task scenario within 1.5x the floor's median latency,
  the 100-item inline Map within 2x, the 10,000-item Distributed Map under 50 ms median;
- in-process with the definition loaded (core): Pass (JSONPath) < 30 us, Pass (JSONata) < 100 us,
  Task with a mock and Retry/Catch < 60 us;
- a cold load of the 20-state definition < 5 ms.

Targets of issue 12 (executions, `bench.executions`) are `Target`s too, with ``issue=12`` and ratios
to boto3's TestState latency of the same run (unit ``x TestState``); the table lists each issue's
targets under its own heading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from bench.inprocess import ColdLoad, InProcessRow
from bench.loadgen import LoadSummary
from bench.scenarios import Group, Scenario

__all__ = ["HttpRow", "Target", "check_targets", "render_table", "to_json"]

# In-process core median, microseconds, by base scenario.
CORE_LIMITS_US: Final[Mapping[str, float]] = {
    "pass-jsonpath": 30.0,
    "pass-jsonata": 100.0,
    "task-retry-catch": 60.0,
}
COLD_LOAD_LIMIT_MS: Final = 5.0
# HTTP at one client: median latency as a multiple of the floor's, by group; or absolute.
HTTP_RATIO_LIMITS: Final[Mapping[Group, float]] = {Group.PASS: 1.5, Group.CHOICE: 1.5, Group.TASK: 1.5}
HTTP_BASE_RATIO_LIMITS: Final[Mapping[str, float]] = {"map-inline-100": 2.0}
HTTP_BASE_MS_LIMITS: Final[Mapping[str, float]] = {"map-distributed-10k": 50.0}
TARGET_CLIENTS: Final = 1


@dataclass(frozen=True, slots=True)
class HttpRow:
    """One scenario at one client count: its load summary, or the answer that made it an ERROR."""

    scenario: Scenario
    summary: LoadSummary | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """One of the issue's targets and what this run measured for it (None: not measured)."""

    what: str
    scenario: str
    limit: float
    unit: str
    value: float | None
    issue: int = 6

    @property
    def is_ratio(self) -> bool:
        """A multiple of another figure of the run (``x floor``, ``x TestState``)."""
        return self.unit.startswith("x ")

    @property
    def met(self) -> bool | None:
        """None when not measured; "within 1.5x" is inclusive, "under 50 ms" / "< 30 us" strict."""
        if self.value is None:
            return None
        return self.value <= self.limit if self.is_ratio else self.value < self.limit


def _ratio(value: float, floor: float) -> float | None:
    return value / floor if floor > 0 else None


def check_targets(
    inprocess: list[InProcessRow],
    cold: ColdLoad | None,
    http: Mapping[int, tuple[LoadSummary, list[HttpRow]]],
) -> list[Target]:
    """Every target that applies to the scenarios of this run, with its measured value."""
    targets: list[Target] = []
    for row in inprocess:
        limit = CORE_LIMITS_US.get(row.scenario.base)
        if limit is not None:
            targets.append(
                Target(
                    "in-process core median",
                    row.scenario.name,
                    limit,
                    "us",
                    row.core.median_us if row.core else None,
                )
            )
    if cold is not None:
        targets.append(Target("cold load median", "machine-20", COLD_LOAD_LIMIT_MS, "ms", cold.median_ms))
    if TARGET_CLIENTS in http:
        floor, rows = http[TARGET_CLIENTS]
        for http_row in rows:
            base, group = http_row.scenario.base, http_row.scenario.group
            p50 = http_row.summary.p50_ms if http_row.summary and http_row.summary.requests else None
            if base in HTTP_BASE_MS_LIMITS:
                targets.append(
                    Target("HTTP 1 client p50", http_row.scenario.name, HTTP_BASE_MS_LIMITS[base], "ms", p50)
                )
                continue
            ratio_limit = HTTP_BASE_RATIO_LIMITS.get(base, HTTP_RATIO_LIMITS.get(group))
            if ratio_limit is not None:
                ratio = _ratio(p50, floor.p50_ms) if p50 is not None else None
                targets.append(
                    Target("HTTP 1 client p50", http_row.scenario.name, ratio_limit, "x floor", ratio)
                )
    return targets


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------
def _summary_json(summary: LoadSummary, floor: LoadSummary | None) -> dict[str, Any]:
    data = asdict(summary)
    if floor is not None:
        data["p50_x_floor"] = _ratio(summary.p50_ms, floor.p50_ms)
        data["p90_x_floor"] = _ratio(summary.p90_ms, floor.p90_ms)
        data["p99_x_floor"] = _ratio(summary.p99_ms, floor.p99_ms)
        data["rps_x_floor"] = _ratio(summary.rps, floor.rps)
    return data


def to_json(
    *,
    facts: Mapping[str, Any],
    settings: Mapping[str, Any],
    scenarios: tuple[Scenario, ...],
    inprocess: list[InProcessRow],
    cold: ColdLoad | None,
    http: Mapping[int, tuple[LoadSummary, list[HttpRow]]],
    targets: list[Target],
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    """Every figure of the run as plain JSON values."""
    return {
        "machine": dict(facts),
        "settings": dict(settings),
        "scenarios": [
            {
                "name": s.name,
                "base": s.base,
                "group": str(s.group),
                "level": s.level,
                "expected_status": s.expected_status,
                "request_bytes": len(s.body()),
            }
            for s in scenarios
        ],
        "inprocess": {
            "rows": [
                {
                    "scenario": row.scenario.name,
                    "error": row.error,
                    "core": asdict(row.core) if row.core else None,
                    "operation": asdict(row.operation) if row.operation else None,
                }
                for row in inprocess
            ],
            "cold_load": ({"definition": "machine-20", **asdict(cold)} if cold is not None else None),
        },
        "http": {
            str(clients): {
                "floor": _summary_json(floor, None),
                "rows": [
                    {
                        "scenario": row.scenario.name,
                        "error": row.error,
                        "summary": _summary_json(row.summary, floor) if row.summary else None,
                    }
                    for row in rows
                ],
            }
            for clients, (floor, rows) in http.items()
        },
        "targets": [{**asdict(target), "met": target.met} for target in targets],
        **extra,
    }


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------
def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def render_table(
    *,
    facts: Mapping[str, Any],
    inprocess: list[InProcessRow],
    cold: ColdLoad | None,
    http: Mapping[int, tuple[LoadSummary, list[HttpRow]]],
    targets: list[Target],
    notes: list[str],
    sections: Sequence[str] = (),
) -> str:
    """The run as a plain-text report; `sections` (already rendered blocks, such as the
    executions') go after the HTTP tables, before the targets."""
    lines = [
        f"bench: {facts.get('cpu_count')} CPUs, Python {facts.get('python')}, gunicorn {facts.get('gunicorn')} "
        f"({facts.get('server_workers')} gevent workers, log level {facts.get('log_level')}), "
        f"commit {facts.get('git_commit') or '?'}",
    ]
    if inprocess:
        lines += [
            "",
            "In-process, definition loaded (per call, us)",
            f"  {'scenario':<26} {'core p50':>9} {'core p90':>9} {'op p50':>9} {'op p90':>9}",
        ]
        for row in inprocess:
            if row.error is not None or row.core is None or row.operation is None:
                lines.append(f"  {row.scenario.name:<26} ERROR {row.error}")
                continue
            lines.append(
                f"  {row.scenario.name:<26} {row.core.median_us:9.1f} {row.core.p90_us:9.1f} "
                f"{row.operation.median_us:9.1f} {row.operation.p90_us:9.1f}"
            )
    if cold is not None:
        lines += [
            "",
            f"Cold load of machine-20 (parse, validate, compile; {len(cold.caches_cleared)} caches cleared): "
            f"median {cold.median_ms:.2f} ms, p90 {cold.p90_ms:.2f} ms over {cold.runs} runs",
        ]
    for clients, (floor, rows) in http.items():
        lines += [
            "",
            f"HTTP, {clients} client{'s' if clients > 1 else ''} (ratios to the floor)",
            f"  {'scenario':<26} {'req/s':>8} {'x floor':>8} {'p50 ms':>8} {'x floor':>8} "
            f"{'p90 ms':>8} {'p99 ms':>8} {'errors':>6}",
            f"  {'floor':<26} {floor.rps:8.0f} {_x(1.0):>8} {floor.p50_ms:8.2f} {_x(1.0):>8} "
            f"{floor.p90_ms:8.2f} {floor.p99_ms:8.2f} {floor.errors:6d}",
        ]
        for http_row in rows:
            summary = http_row.summary
            if http_row.error is not None or summary is None:
                lines.append(f"  {http_row.scenario.name:<26} ERROR {http_row.error}")
                continue
            lines.append(
                f"  {http_row.scenario.name:<26} {summary.rps:8.0f} {_x(_ratio(summary.rps, floor.rps)):>8} "
                f"{summary.p50_ms:8.2f} {_x(_ratio(summary.p50_ms, floor.p50_ms)):>8} {summary.p90_ms:8.2f} "
                f"{summary.p99_ms:8.2f} {summary.errors:6d}"
                + (f"  ({summary.error_sample})" if summary.error_sample else "")
            )
    for section in sections:
        lines += ["", section]
    for issue in sorted({target.issue for target in targets}):
        lines += ["", f"Targets (issue {issue})"]
        for target in targets:
            if target.issue != issue:
                continue
            verdict = {True: "met", False: "MISSED", None: "not measured"}[target.met]
            value = (
                "-"
                if target.value is None
                else (f"{target.value:.2f}x" if target.is_ratio else f"{target.value:.2f} {target.unit}")
            )
            limit = f"{target.limit:g}{target.unit}" if target.is_ratio else f"{target.limit:g} {target.unit}"
            lines.append(f"  {target.what:<24} {target.scenario:<26} {value:>10} (limit {limit}): {verdict}")
    lines += ["", *notes] if notes else []
    return "\n".join(lines)
