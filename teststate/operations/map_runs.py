"""Operations on the Map Runs of executions' Distributed Maps: DescribeMapRun, ListMapRuns,
UpdateMapRun.

A Map Run is known from its execution: MapRunStarted in the stored history names it
(`teststate.storage.map_runs.execution_of`), and a replay of the execution with its stored
signals gives its counts and evaluated configuration exactly
(`interpreter.execution.map_runs`: the engine is deterministic, so the replay is the run the
runner stored, bounded to the events stored so far). Nothing about a Map Run is stored but what
UpdateMapRun set.

Choices where AWS's behaviour is not recorded (each also said where it is made):

- Iterations run one after another here, so at most one child workflow runs at a time: items
  not begun yet are ``pending``; child executions are counted once begun (``total``).
- A Map Run that failed, or whose execution ended while it ran (ABORTED), keeps the items it
  never began as ``pending`` (they "haven't started running yet", API reference,
  MapRunItemCounts); the child running then counts as ``aborted``.
- ``resultsWritten``: the items of the finished child workflows once the Map Run SUCCEEDED (its
  results are then written: the Map's result, or its ResultWriter's export), 0 before.
- UpdateMapRun changes what DescribeMapRun answers, not the run (iterations run one after
  another whatever MaxConcurrency says; a Map Run's tolerance is decided when it fails).
- ListMapRuns answers the newest Map Run first, as ListExecutions does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from interpreter.execution.map_runs import MapRun, Replay, map_runs
from teststate import arns
from teststate.errors import ExecutionDoesNotExist, ResourceNotFound, ValidationException
from teststate.executions import codec, mock_file
from teststate.executions.runner import runner_for
from teststate.operations.common import (
    DEFAULT_PAGE_SIZE,
    Handler,
    database,
    page_token,
    read_page_token,
    validated,
)
from teststate.storage import executions as store
from teststate.storage import map_runs as map_run_store

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig
    from teststate.storage.db import Database

__all__ = ["HANDLERS"]

UPDATABLE: Final = ("maxConcurrency", "toleratedFailurePercentage", "toleratedFailureCount")


@dataclass(frozen=True, slots=True)
class _Found:
    """A Map Run and the execution it belongs to."""

    record: store.ExecutionRecord
    run: MapRun


def _replay(db: Database, config: ServiceConfig, record: store.ExecutionRecord) -> Replay:
    """The execution's Map Runs as far as its stored history goes."""
    runner = runner_for(db, config.limits, config.service_calls, config.mock_config)
    try:
        start = runner.execution_start(record)
    except mock_file.MockFileError:  # its mock document no longer resolves (a bug): none known
        return Replay((), None)
    signals = [codec.decode_signal(body) for body in store.read_signals(db, record.arn)]
    return map_runs(start, signals, record.event_count)


def _map_run(db: Database, config: ServiceConfig, arn_text: str) -> _Found:
    """The Map Run of that ARN.

    Raises:
        InvalidArn: not a Map Run's ARN (`arns.parse_map_run_arn`).
        ResourceNotFound: no stored execution started it (``Resource not found: '<arn>'``, the
            wording of the recorded ResourceNotFound, api/test_sfn_api_tagging).
    """
    parsed = arns.parse_map_run_arn(arn_text)
    execution_arn = map_run_store.execution_of(db, arn_text, parsed.state_machine_name)
    record = store.get_execution(db, execution_arn) if execution_arn is not None else None
    if record is not None:
        for run in _replay(db, config, record).runs:
            if run.progress.arn == arn_text:
                return _Found(record, run)
    raise ResourceNotFound(arn_text)


def _status(found: _Found) -> str:
    """The Map Run's status: its own, or ABORTED when its execution ended while it ran."""
    status = found.run.progress.status
    if status == "RUNNING" and found.record.status != store.RUNNING:
        return "ABORTED"
    return status


def _counts(
    status: str, total: int, started: int, succeeded: int, failed: int, *, begun_only: bool
) -> dict[str, int]:
    """``MapRunItemCounts`` / ``MapRunExecutionCounts`` (module docstring for the choices).
    `begun_only`: count child executions once begun (their ``total``), not the items."""
    running = started - succeeded - failed
    aborted = 0
    if status in ("FAILED", "ABORTED"):
        aborted, running = running, 0
    pending = 0 if begun_only else total - started
    return {
        "pending": pending,
        "running": running,
        "succeeded": succeeded,
        "failed": failed,
        "timedOut": 0,
        "aborted": aborted,
        "total": started if begun_only else total,
        "resultsWritten": (succeeded + failed) if status == "SUCCEEDED" else 0,
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0,
    }


def describe_map_run(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """DescribeMapRun: the Map Run's status, dates, configuration (as evaluated, or as
    UpdateMapRun set it) and counts."""
    db = database(config, "DescribeMapRun")
    arn_text = str(body["mapRunArn"])
    found = _map_run(db, config, arn_text)
    progress, run = found.run.progress, found.run
    update = map_run_store.read_update(db, arn_text)
    status = _status(found)
    answer: dict[str, Any] = {
        "mapRunArn": arn_text,
        "executionArn": found.record.arn,
        "status": status,
        "startDate": codec.epoch(run.start_time),
    }
    stop = run.stop_time
    if stop is None and status == "ABORTED":
        stop = found.record.stop_date
    if stop is not None:
        answer["stopDate"] = codec.epoch(stop)
    answer["maxConcurrency"] = (
        update.max_concurrency if update.max_concurrency is not None else progress.max_concurrency
    )
    percentage = update.tolerated_failure_percentage
    if percentage is None:
        percentage = progress.tolerated_failure_percentage or 0.0
    count = update.tolerated_failure_count
    if count is None:
        count = progress.tolerated_failure_count or 0
    answer["toleratedFailurePercentage"] = percentage
    answer["toleratedFailureCount"] = count
    answer["itemCounts"] = _counts(
        status,
        progress.items,
        progress.started_items,
        progress.succeeded_items,
        progress.failed_items,
        begun_only=False,
    )
    answer["executionCounts"] = _counts(
        status, progress.children, progress.started, progress.succeeded, progress.failed, begun_only=True
    )
    answer["redriveCount"] = 0  # this server never redrives a Map Run
    return answer


def list_map_runs(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """ListMapRuns: the execution's Map Runs, newest first, paginated (the token holds the
    execution and how many Map Runs the pages before answered)."""
    db = database(config, "ListMapRuns")
    arn_text = str(body["executionArn"])
    arns.parse_execution_arn(arn_text)
    record = store.get_execution(db, arn_text)
    if record is None:
        raise ExecutionDoesNotExist(arn_text)
    limit = int(body.get("maxResults") or DEFAULT_PAGE_SIZE)
    token = body.get("nextToken")
    skip = 0 if token is None else read_page_token(str(token), "n", int, e=arn_text)
    runs = list(reversed(_replay(db, config, record).runs))
    page = runs[skip : skip + limit]
    items: list[dict[str, Any]] = []
    for run in page:
        item: dict[str, Any] = {
            "executionArn": record.arn,
            "mapRunArn": run.progress.arn,
            "stateMachineArn": record.state_machine_arn,
            "startDate": codec.epoch(run.start_time),
        }
        stop = run.stop_time
        if stop is None and record.status != store.RUNNING:
            stop = record.stop_date  # ABORTED with its execution
        if stop is not None:
            item["stopDate"] = codec.epoch(stop)
        items.append(item)
    answer: dict[str, Any] = {"mapRuns": items}
    if skip + limit < len(runs):
        answer["nextToken"] = page_token(e=arn_text, n=skip + limit)
    return answer


def update_map_run(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
    """UpdateMapRun: store the new configuration (DescribeMapRun answers it). It does not change
    the run: iterations run one after another here (module docstring)."""
    db = database(config, "UpdateMapRun")
    arn_text = str(body["mapRunArn"])
    if all(body.get(member) is None for member in UPDATABLE):
        # Not recorded; ours: an update that changes nothing is refused rather than ignored.
        raise ValidationException(
            "At least one of maxConcurrency, toleratedFailurePercentage or toleratedFailureCount "
            "must be specified"
        )
    _map_run(db, config, arn_text)
    percentage = body.get("toleratedFailurePercentage")
    update = map_run_store.MapRunUpdate(
        None if body.get("maxConcurrency") is None else int(body["maxConcurrency"]),
        None if percentage is None else float(percentage),
        None if body.get("toleratedFailureCount") is None else int(body["toleratedFailureCount"]),
    )
    map_run_store.write_update(db, arn_text, update)
    return {}


HANDLERS: Final[Mapping[str, Handler]] = validated(
    {
        "DescribeMapRun": describe_map_run,
        "ListMapRuns": list_map_runs,
        "UpdateMapRun": update_map_run,
    }
)
"""Operation name (without the ``AWSStepFunctions.`` prefix) -> handler, for `teststate.protocol`."""
