"""What a run of an execution takes: the engine's start value of a stored execution (with the
mock test cases it resolves, cached), the Task Resources it calls for real, the execution as the
parent of the executions its Tasks start, and the engine itself (imported when first used).

What decides an execution's path is fixed before its first event and stored with it, never read
from the settings of whichever process runs it later: the execution is a deterministic replay of
its start and its signals, and a server restarted with other settings must re-create the same
history. Besides the definition, input and mock test case, that is the set of Task Resources
called for real when the test case does not mock them (`ExecutionStart.service_calls`: whether
an unmocked Task suspends for a `ServiceCall` or fails as unmocked). The runner that first runs
the execution resolves it from its settings (`Runner.service_calls_for`) and stores it
(`teststate.storage.executions.fix_service_calls`) before anything runs; every later run, in any
process, reads it back (`Runner.execution_start`). The set itself is stored, not the calls-on
flag it comes from: which Resources this library can call (`teststate.executions.calls.
callable_resources`, `teststate.executions.nested.resources`) grows between versions, and an
execution started by one version and resumed by the next must take the same path too. An
execution stored as calling a Resource that the process now cannot call (calls turned off since)
takes the same path and makes the call, which fails as `teststate.executions.calls.perform_one`
fails it (``States.Runtime``, "... cannot be called: service calls are off"): only the call's
answer differs. An execution started by a version that did not store the set, and already run,
uses the runner's current settings, as that version did. StartSyncExecution (`run_to_end`) is not
stored: it takes the settings once, at its start, for its whole run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from interpreter.execution.model import ExecutionStart, Finished, HistoryEvent, Signal, Suspended
from teststate.executions import calls as service_calls
from teststate.executions import mock_file, nested, starting
from teststate.storage import executions as store

if TYPE_CHECKING:
    from interpreter.execution.mock_config import MockTestCase
    from interpreter.limits import Limits
    from teststate.integrations import CallSettings
    from teststate.storage.db import Database

__all__ = ["RunInputs"]


def _run_execution(
    start: ExecutionStart, signals: Iterable[Signal]
) -> Iterator[HistoryEvent | Suspended | Finished]:
    from interpreter.execution import run_execution  # the engine, imported when first used

    return iter(run_execution(start, tuple(signals)))


class RunInputs:
    """The part of `teststate.executions.driver.Runner` that makes a stored execution's inputs
    (the runner's attributes, set by its constructor, are declared here).

    Attributes:
        db: the database.
        limits: the core's bounds, for every execution.
        calls: whether and where unmocked Tasks call real services (`teststate.executions.calls`).
        mock_config: the mock configuration file a child's ``#<TestCase>`` is looked up in when
            its parent has none stored.
    """

    db: Database
    limits: Limits
    calls: CallSettings
    mock_config: str
    _mocks: dict[tuple[str, str, str], MockTestCase]

    def service_calls_for(self, definition: str) -> frozenset[str]:
        """The Task Resources of `definition` an unmocked Task calls for real with this runner's
        settings: the supported ones when calls are on, and those that start executions of this
        server (`nested.resources`), made with calls on or off."""
        return service_calls.callable_resources(definition, self.calls) | nested.resources(definition)

    def execution_start(self, record: store.ExecutionRecord) -> ExecutionStart:
        """The engine's start value of a stored execution: its Resources called for real are the
        ones fixed with it (`store.ExecutionRecord.service_calls`), or this runner's when none
        are (not stored: StartSyncExecution; started by a version that did not store them).

        Raises:
            mock_file.MockFileError: its mock document no longer resolves (a bug).
        """
        mocks = None
        if record.test_case is not None and record.mock_hash is not None:
            key = (record.mock_hash, record.state_machine_name, record.test_case)
            mocks = self._mocks.get(key)
            if mocks is None:
                text = store.load_mock_document(self.db, record.mock_hash)
                if text is None:
                    raise mock_file.MockFileError(f"mock document {record.mock_hash} is missing")
                mocks = mock_file.resolve_test_case(
                    text, record.mock_hash, record.state_machine_name, record.test_case, source="(stored)"
                )
                self._mocks[key] = mocks
        return ExecutionStart(
            definition=record.definition,
            input_text=record.input,
            execution_arn=record.arn,
            execution_name=record.name,
            state_machine_arn=record.version_arn or record.state_machine_arn,
            state_machine_name=record.state_machine_name,
            state_machine_version_arn=record.version_arn,
            role_arn=record.role_arn,
            start_time=record.start_date,
            express=record.type == "EXPRESS",
            redrive_count=record.redrive_count,
            mocks=mocks,
            virtual_clock=record.clock != "real",
            limits=self.limits,
            service_calls=(
                record.service_calls
                if record.service_calls is not None
                else self.service_calls_for(record.definition)
            ),
        )

    def parent(self, arn: str, record: store.ExecutionRecord | None = None) -> nested.Parent:
        """The execution `arn` as the parent of the executions its Tasks start: a child's
        ``#<TestCase>`` is looked up in the mock document the parent started with, if any, else in
        the mock configuration file."""
        record = record if record is not None else store.get_execution(self.db, arn)
        document = None
        if record is not None and record.mock_hash is not None:
            text = store.load_mock_document(self.db, record.mock_hash)
            if text is not None:
                document = (text, record.mock_hash)
        return nested.Parent(
            arn,
            record.clock if record is not None else "virtual",
            starting.MockSource(path=self.mock_config, document=document),
        )
