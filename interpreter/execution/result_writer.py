"""A Distributed Map's ResultWriter in an execution: its children's results shaped, and exported.

The AWS developer guide, "ResultWriter (Map)": a ResultWriter with a ``Resource``
(``arn:aws:states:::s3:putObject``) and ``Parameters``/``Arguments`` (``Bucket``, ``Prefix``)
exports the child workflow executions' results to S3, a file per status under
``<Prefix>/<map run id>/`` and a ``manifest.json`` listing them, and the Map's result is then a
reference to that manifest (small, whatever the results weigh: the point of the feature, past
the 256 KiB payload limit). Its ``WriterConfig`` shapes the results (``Transformation`` NONE:
each child's execution record; COMPACT: the outputs; FLATTEN: the outputs, an array output
flattened into them) and the files (``OutputType`` JSON: an array; JSONL: a value per line). A
WriterConfig alone exports nothing: the Map's result is the shaped results.

The composition is pure (`entries`, `result_files`, `manifest`, `reference`); the write is made
by the service: the engine suspends with a `ServiceCall` per file (the canonical putObject
Resource, parameters ``Bucket``, ``Key`` and ``Body``), the result files first and the manifest
once they are written, and reads each answer back as a signal, so a resumed execution never
writes again a file whose result it has. With service calls off nothing leaves the server; not
recorded, ours: the Map's result is still the reference AWS returns (the data flow after the Map
is AWS's), though no file is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from interpreter.context import iso_timestamp
from interpreter.errors import ErrorName, StatesError
from interpreter.execution.model import ServiceCall, ServiceCallResult, TimerFired
from interpreter.execution.outcomes import Err
from interpreter.execution.runner import Runner
from interpreter.jsontypes import JSON, dumps
from interpreter.map.writer import PUT_OBJECT, ResultWriter
from interpreter.scope import Scope
from interpreter.states.run import error_output

__all__ = [
    "ChildRun",
    "Destination",
    "child_arns",
    "child_record",
    "compact",
    "destination",
    "entries",
    "manifest",
    "map_result",
    "reference",
    "render",
    "result_files",
    "write_results",
]

STATUSES: Final = ("FAILED", "PENDING", "SUCCEEDED")
"""The manifest's ``ResultFiles`` members, in the order AWS lists them (the guide's example)."""
MANIFEST: Final = "manifest.json"


@dataclass(frozen=True, slots=True)
class ChildRun:
    """One child workflow execution of a Map Run, as the results export describes it.

    Attributes:
        index: the item's index in the Map Run.
        input: the child's input (the item, after ItemSelector and ItemBatcher).
        output: its output (None when it failed).
        output_text: its output, JSON text (None when it failed).
        error, cause: its failure (``error`` None when it succeeded).
        start, stop: when it started and ended, on the execution's clock.
    """

    index: int
    input: JSON
    output: JSON
    output_text: str | None
    error: str | None
    cause: str | None
    start: datetime
    stop: datetime

    @property
    def succeeded(self) -> bool:
        return self.output_text is not None


@dataclass(frozen=True, slots=True)
class Destination:
    """Where the export goes: the rendered ``Bucket`` and ``Prefix`` (None when not given)."""

    bucket: str
    prefix: str | None

    def key(self, map_run_arn: str, name: str) -> str:
        """``<Prefix>/<map run id>/<name>`` (the guide's example: ``csvProcessJobs/<id>/manifest.json``);
        without a Prefix ``<map run id>/<name>``. Not recorded; ours: a Prefix that ends in ``/``
        is not given a second one."""
        run_id = map_run_arn.rsplit(":", 1)[-1]
        if not self.prefix:
            return f"{run_id}/{name}"
        return f"{self.prefix.rstrip('/')}/{run_id}/{name}"


# --- the records and the shaped results (pure) ---------------------------------------------------


def _uuid_text(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def child_arns(map_run_arn: str, index: int) -> tuple[str, str, str]:
    """(execution ARN, name, state machine ARN) of the Map Run's child for item `index`.

    A child's state machine is ``<state machine>/<label>`` and its execution
    ``execution:<state machine>/<label>:<name>`` under the Map Run's own account and region
    (the guide's example: ``mapRun:csvProcess/Map:<id>``). The engine runs children without
    events of their own and names none: ours, the name is derived from the Map Run ARN and the
    index (a UUID's shape), so a re-run names them alike."""
    head, _, rest = map_run_arn.partition(":mapRun:")
    machine_label = rest.rsplit(":", 1)[0]
    name = _uuid_text(f"{map_run_arn}#{index}")
    return f"{head}:execution:{machine_label}:{name}", name, f"{head}:stateMachine:{machine_label}"


def child_record(map_run_arn: str, child: ChildRun) -> dict[str, JSON]:
    """The child's record (Transformation NONE): DescribeExecution's fields in PascalCase, in
    alphabetical order as AWS's export lists them. A failed child has ``Error`` and ``Cause``
    instead of ``Output``. Not recorded; ours: a failed STANDARD child is ``REDRIVABLE`` (a
    Map Run redrives its failed children) and has no RedriveStatusReason."""
    execution_arn, name, machine_arn = child_arns(map_run_arn, child.index)
    record: dict[str, JSON] = {}
    if not child.succeeded:
        if child.cause is not None:
            record["Cause"] = child.cause
        record["Error"] = child.error or ""
    record["ExecutionArn"] = execution_arn
    record["Input"] = dumps(child.input)
    record["InputDetails"] = {"Included": True}
    record["Name"] = name
    if child.succeeded:
        record["Output"] = child.output_text
    record["OutputDetails"] = {"Included": True}
    record["RedriveCount"] = 0
    if child.succeeded:
        record["RedriveStatus"] = "NOT_REDRIVABLE"
        record["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
    else:
        record["RedriveStatus"] = "REDRIVABLE"
    record["StartDate"] = iso_timestamp(child.start)
    record["StateMachineArn"] = machine_arn
    record["Status"] = "SUCCEEDED" if child.succeeded else "FAILED"
    record["StopDate"] = iso_timestamp(child.stop)
    return record


def entries(writer: ResultWriter, map_run_arn: str, children: Sequence[ChildRun]) -> list[JSON]:
    """The children's results under the writer's Transformation, in item order.

    The guide: NONE gives each child's record; COMPACT its output; FLATTEN its output, an array
    output's elements taking its place; "If a child workflow execution fails, Step Functions
    returns its execution result unchanged ... equivalent to having set Transformation to NONE"
    (a failed child is its record under every Transformation)."""
    transformation = writer.effective_transformation
    shaped: list[JSON] = []
    for child in children:
        if transformation == "NONE" or not child.succeeded:
            shaped.append(child_record(map_run_arn, child))
        elif transformation == "FLATTEN" and isinstance(child.output, list):
            shaped.extend(child.output)
        else:
            shaped.append(child.output)
    return shaped


def compact(children: Sequence[ChildRun]) -> list[JSON]:
    """The Map's result without a ResultWriter (COMPACT, "Default when ResultWriter is not
    specified"): the outputs, a tolerated failure as its error output (developer guide,
    "Setting failure thresholds for Distributed Map states")."""
    return [
        child.output if child.succeeded else error_output(StatesError(child.error or "", child.cause))
        for child in children
    ]


def render(values: Sequence[JSON], output_type: str) -> bytes:
    """A results file's body: a JSON array (JSON) or a value per line, each ended by a newline
    (JSONL; not recorded whether the last line has its newline, ours: it has)."""
    if output_type == "JSONL":
        return "".join(dumps(value) + "\n" for value in values).encode()
    return dumps(list(values)).encode()


def result_files(
    writer: ResultWriter, map_run_arn: str, children: Sequence[ChildRun], where: Destination
) -> dict[str, list[tuple[str, bytes]]]:
    """The results files by status (``<status>_0.json``; AWS splits a status's results at 5 GB,
    one file each is enough here), only for statuses that have results. PENDING has none: ours,
    the engine runs the children one after the other and writes only once they have all ended
    (AWS's PENDING lists children a stopped Map Run had not finished)."""
    succeeded = [child for child in children if child.succeeded]
    failed = [child for child in children if not child.succeeded]
    files: dict[str, list[tuple[str, bytes]]] = {}
    for status, group in (("SUCCEEDED", succeeded), ("FAILED", failed)):
        if group:
            body = render(entries(writer, map_run_arn, group), writer.effective_output_type)
            files[status] = [(where.key(map_run_arn, f"{status}_0.json"), body)]
    return files


def manifest(map_run_arn: str, where: Destination, files: dict[str, list[tuple[str, bytes]]]) -> bytes:
    """``manifest.json`` (the guide, "Exporting to Amazon S3"): the bucket, the Map Run ARN and
    every results file with its size in bytes, by status."""
    listed: dict[str, JSON] = {
        status: [{"Key": key, "Size": len(body)} for key, body in files.get(status, [])]
        for status in STATUSES
    }
    document: dict[str, JSON] = {
        "DestinationBucket": where.bucket,
        "MapRunArn": map_run_arn,
        "ResultFiles": listed,
    }
    return dumps(document).encode()


def reference(map_run_arn: str, where: Destination) -> dict[str, JSON]:
    """The Map's result when it exports (the guide): the Map Run ARN and the manifest's place."""
    return {
        "MapRunArn": map_run_arn,
        "ResultWriterDetails": {"Bucket": where.bucket, "Key": where.key(map_run_arn, MANIFEST)},
    }


def destination(arguments: JSON) -> Destination | Err:
    """The rendered ``Bucket`` and ``Prefix``; not recorded, ours: without a Bucket (or with a
    value that is not text) the write cannot be made, ``States.ResultWriterFailed``."""
    fields = arguments if isinstance(arguments, dict) else {}
    bucket, prefix = fields.get("Bucket"), fields.get("Prefix")
    if not isinstance(bucket, str) or not bucket:
        return Err(ErrorName.RESULT_WRITER_FAILED, "The ResultWriter's parameters must name a Bucket")
    if prefix is not None and not isinstance(prefix, str):
        return Err(ErrorName.RESULT_WRITER_FAILED, "The ResultWriter's Prefix must be a string")
    return Destination(bucket, prefix)


# --- the Map Run's end (the engine) --------------------------------------------------------------


def map_result(
    run: Runner,
    node_name: str,
    writer: ResultWriter | None,
    scope: Scope,
    map_run_arn: str,
    children: Sequence[ChildRun],
) -> JSON | Err:
    """The Map's result at the end of a Map Run whose children ended within its tolerance, the
    export made first; or the Map Run's failure.

    Not recorded; ours: the Parameters/Arguments are evaluated when the children have ended
    (a failure is the Map Run's, with its own error), and a write S3 refuses is
    ``States.ResultWriterFailed`` with S3's cause (the guide: a bucket of another account or
    Region fails the execution "with the States.ResultWriterFailed error")."""
    if writer is None:
        return compact(children)
    if writer.resource is None:
        return entries(writer, map_run_arn, children)
    try:
        where = destination(writer.evaluate_arguments(scope))
    except StatesError as err:
        return Err(err.error, err.cause)
    if isinstance(where, Err):
        return where
    if PUT_OBJECT in run.start.service_calls:
        failure = write_results(run, node_name, writer, map_run_arn, children, where)
        if failure is not None:
            return failure
    return reference(map_run_arn, where)


def write_results(
    run: Runner,
    node_name: str,
    writer: ResultWriter,
    map_run_arn: str,
    children: Sequence[ChildRun],
    where: Destination,
) -> Err | None:
    """Write the results files, then the manifest (so a manifest never lists a file that is not
    there); the first refused write fails the Map Run."""
    files = result_files(writer, map_run_arn, children, where)
    batches = [
        [item for status in STATUSES for item in files.get(status, [])],
        [(where.key(map_run_arn, MANIFEST), manifest(map_run_arn, where, files))],
    ]
    for batch in batches:
        calls = []
        for key, body in batch:
            parameters = {"Bucket": where.bucket, "Key": key, "Body": body.decode()}
            calls.append(
                ServiceCall(f"{node_name}#{run.calls_made}", PUT_OBJECT, dumps(parameters), run.region)
            )
            run.calls_made += 1
        for answer in _await_all(run, calls):
            if answer.error is not None:
                return Err(ErrorName.RESULT_WRITER_FAILED, answer.cause)
    return None


def _await_all(run: Runner, calls: Sequence[ServiceCall]) -> list[ServiceCallResult]:
    """The answers to `calls`, asked for together (the service makes them in one round), in
    their order; as `Runner.await_call`, the clock moves to each answer's arrival and any other
    signal but a StopRequest (which aborts) is left behind."""
    pending = {call.key: call for call in calls}
    answers: dict[str, ServiceCallResult] = {}
    while pending:
        signal = run.next_signal((), None, tuple(pending.values()))
        if isinstance(signal, ServiceCallResult) and signal.key in pending:
            run.advance_to(signal.at)
            answers[signal.key] = signal
            del pending[signal.key]
        elif isinstance(signal, TimerFired) and not run.start.virtual_clock:
            run.advance_to(signal.at)  # the execution's deadline may have come (TimedOut)
    return [answers[call.key] for call in calls]
