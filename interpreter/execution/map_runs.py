"""The Map Runs of an execution, learnt by replaying it: what DescribeMapRun and ListMapRuns answer.

The history records a Distributed Map's Map Run as MapRunStarted (its ARN) and MapRunSucceeded or
MapRunFailed, without its counts or its evaluated MaxConcurrency and tolerance. The engine knows
them while it runs (`interpreter.execution.maps.MapRunProgress`); since an execution is a
deterministic replay of its start and its signals (`interpreter.execution.model`), running it
again with a runner that watches the Map Runs gives them exactly, with no event of the history
changed and nothing more stored. A replay runs no further than the signals go, so a Map Run of a
running execution has the counts of the iterations that ran so far.

Pure: the same start and signals give the same Map Runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from interpreter.execution.engine import STATE_HANDLERS, drive
from interpreter.execution.maps import MapRunProgress
from interpreter.execution.model import ExecutionStart, Finished, HistoryEvent, Signal
from interpreter.execution.runner import Runner

__all__ = ["MapRun", "Replay", "map_runs"]


@dataclass(frozen=True, slots=True)
class MapRun:
    """One Map Run of an execution's history.

    Attributes:
        progress: where it stands at the end of the replay.
        start_time: its MapRunStarted's timestamp.
        stop_time: its MapRunSucceeded/Failed's timestamp, None while it runs.
    """

    progress: MapRunProgress
    start_time: datetime
    stop_time: datetime | None


@dataclass(frozen=True, slots=True)
class Replay:
    """The Map Runs in the order they started, and the execution's end (None: it waits)."""

    runs: tuple[MapRun, ...]
    finished: Finished | None


class _Watching(Runner):
    """The engine's runner, keeping the last `MapRunProgress` of each Map Run (by ARN, in the
    order they started)."""

    def __init__(self, start: ExecutionStart, signals: Sequence[Signal]) -> None:
        super().__init__(start, signals, STATE_HANDLERS)
        self.progress: dict[str, MapRunProgress] = {}

    def map_run_progress(self, progress: MapRunProgress) -> None:
        self.progress[progress.arn] = progress


def map_runs(start: ExecutionStart, signals: Sequence[Signal], events: int | None = None) -> Replay:
    """Replay the execution (`start`, `signals`) and answer its Map Runs.

    `events` bounds what counts to the history stored so far: a Map Run whose MapRunStarted is
    beyond it is not there yet, one whose end event is beyond it still runs (the replay may be
    ahead of the runner that stores the events)."""
    run = _Watching(start, signals)
    times: dict[int, datetime] = {}
    finished: Finished | None = None
    for step in drive(run):
        if isinstance(step, HistoryEvent):
            times[step.id] = step.timestamp
        elif isinstance(step, Finished):
            finished = step
    found: list[MapRun] = []
    for seen in run.progress.values():
        if events is not None and seen.started_event > events:
            continue
        ended = seen.ended_event
        if ended is not None and events is not None and ended > events:
            seen = replace(seen, status="RUNNING", ended_event=None)  # noqa: PLW2901
            ended = None
        stop = times.get(ended) if ended is not None else None
        found.append(MapRun(seen, times.get(seen.started_event, start.start_time), stop))
    if events is not None and len(times) > events:
        finished = None
    return Replay(tuple(found), finished)
