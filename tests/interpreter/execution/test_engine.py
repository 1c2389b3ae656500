"""The execution engine: history shapes, Retry/Catch, Map, task tokens, stop, determinism."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from interpreter.execution import (
    Finished,
    StopRequest,
    Suspended,
    TaskSuccess,
    engine,
    parse_mock_config,
    run_execution,
)
from tests.interpreter.execution.support import (
    START,
    execution_start,
    mock_case,
    run_to_last_step,
    shape,
)


def test_pass_chain_history() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Result": {"x": 1}, "Next": "B"},
            "B": {"Type": "Pass", "End": True},
        },
    }
    events, end = run_to_last_step(execution_start(definition, '{ "in" : 1 }'))
    assert shape(events) == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "PassStateEntered"),
        (3, 2, "PassStateExited"),
        (4, 3, "PassStateEntered"),
        (5, 4, "PassStateExited"),
        (6, 5, "ExecutionSucceeded"),
    ]
    # The input text is echoed verbatim by ExecutionStarted and the first state only.
    assert events[0].details["input"] == '{ "in" : 1 }'
    assert events[1].details["input"] == '{ "in" : 1 }'
    assert events[3].details["input"] == '{"x":1}'
    assert events[0].to_api()["executionStartedEventDetails"]["inputDetails"] == {"truncated": False}
    assert isinstance(end, Finished) and end.status == "SUCCEEDED" and end.output_text == '{"x":1}'


def test_retry_then_success_advances_the_virtual_clock() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "BackoffRate": 3}],
                "End": True,
            }
        },
    }
    mocks = mock_case(
        {"R": {"0-1": {"Throw": {"Error": "Boom", "Cause": "c"}}, "2": {"Return": {"Payload": 7}}}},
        {"T": "R"},
    )
    events, end = run_to_last_step(execution_start(definition, mocks=mocks))
    types = [event.type for event in events]
    assert types.count("TaskFailed") == 2 and types.count("TaskScheduled") == 3
    scheduled = [event for event in events if event.type == "TaskScheduled"]
    # 2 s, then 2 * 3 = 6 s.
    assert [s.timestamp - START for s in scheduled] == [
        timedelta(0),
        timedelta(seconds=2),
        timedelta(seconds=8),
    ]
    assert scheduled[1].previous_event_id == scheduled[1].id - 1  # after the TaskFailed
    assert isinstance(end, Finished) and end.status == "SUCCEEDED" and end.output_text == '{"Payload":7}'


def test_catch_transitions_with_error_output() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Catch": [{"ErrorEquals": ["Boom"], "Next": "Handled", "ResultPath": "$.error"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }
    mocks = mock_case({"R": {"0": {"Throw": {"Error": "Boom", "Cause": "why"}}}}, {"T": "R"})
    events, end = run_to_last_step(execution_start(definition, mocks=mocks))
    assert [event.type for event in events][-5:] == [
        "TaskFailed",
        "TaskStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    failed = next(event for event in events if event.type == "TaskFailed")
    assert failed.details == {
        "resourceType": "sqs",
        "resource": "sendMessage",
        "error": "Boom",
        "cause": "why",
    }
    assert isinstance(end, Finished) and json.loads(end.output_text or "") == {
        "error": {"Error": "Boom", "Cause": "why"}
    }


def test_inline_map_events() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    events, end = run_to_last_step(execution_start(definition, "[1, 2]"))
    assert shape(events) == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "MapStateEntered"),
        (3, 2, "MapStateStarted"),
        (4, 3, "MapIterationStarted"),
        (5, 4, "PassStateEntered"),
        (6, 5, "PassStateExited"),
        (7, 6, "MapIterationSucceeded"),
        (8, 6, "MapIterationStarted"),
        (9, 8, "PassStateEntered"),
        (10, 9, "PassStateExited"),
        (11, 10, "MapIterationSucceeded"),
        (12, 11, "MapStateSucceeded"),
        (13, 11, "MapStateExited"),
        (14, 13, "ExecutionSucceeded"),
    ]
    assert events[3].details == {"index": 0, "name": "M"}
    assert isinstance(end, Finished) and end.output_text == "[1,2]"


_TOKEN_MACHINE = {
    "StartAt": "T",
    "States": {
        "T": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"MessageBody": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}


def test_token_wait_suspends_and_resumes() -> None:
    start = execution_start(_TOKEN_MACHINE)
    events, end = run_to_last_step(start)
    assert isinstance(end, Suspended) and len(end.tokens) == 1
    token = end.tokens[0]
    scheduled = next(event for event in events if event.type == "TaskScheduled")
    assert json.loads(scheduled.details["parameters"]) == {"MessageBody": {"token": token}}
    later = START + timedelta(seconds=30)
    resumed, finished = run_to_last_step(start, (TaskSuccess(token, '{"ok":true}', later),))
    assert [event.to_api() for event in resumed[: len(events)]] == [event.to_api() for event in events]
    assert [event.type for event in resumed[len(events) :]] == [
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]
    assert resumed[-1].timestamp == later
    assert isinstance(finished, Finished) and finished.output_text == '{"ok":true}'


def test_stop_request_aborts() -> None:
    start = execution_start(_TOKEN_MACHINE)
    events, end = run_to_last_step(start, (StopRequest("Stopped", "by test", START + timedelta(seconds=5)),))
    assert events[-1].type == "ExecutionAborted"
    assert events[-1].details == {"error": "Stopped", "cause": "by test"}
    assert isinstance(end, Finished) and end.status == "ABORTED"


def test_same_start_and_signals_give_the_same_steps() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Retry": [{"ErrorEquals": ["States.ALL"], "JitterStrategy": "FULL", "MaxAttempts": 5}],
                "End": True,
            }
        },
    }
    mocks = mock_case({"R": {"0-3": {"Throw": {"Error": "E"}}, "4": {"Return": 1}}}, {"T": "R"})
    first = list(run_execution(execution_start(definition, mocks=mocks)))
    second = list(run_execution(execution_start(definition, mocks=mocks)))
    assert first == second


def test_unmocked_task_fails_naming_the_state() -> None:
    definition = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": True}},
    }
    mocks = mock_case({"R": {"0": {"Return": 1}}}, {"Other": "R"})
    _, end = run_to_last_step(execution_start(definition, mocks=mocks))
    assert isinstance(end, Finished) and end.status == "FAILED"
    assert "'T'" in (end.cause or "")


@pytest.mark.parametrize(
    ("document", "pointer", "words"),
    [
        ({"MockedResponses": {"R": {"1-x": {"Return": 1}}}}, "/MockedResponses/R/1-x", "1-x"),
        (
            {"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}},
            "/MockedResponses/R/0",
            "both",
        ),
        (
            {"MockedResponses": {"R": {"0": {"Throw": {"Cause": "c"}}}}},
            "/MockedResponses/R/0/Throw/Error",
            "Error",
        ),
        ({"StateMachines": [], "MockedResponses": {}}, "/StateMachines", "StateMachines"),
    ],
)
def test_mock_config_errors_name_the_member(document: dict[str, Any], pointer: str, words: str) -> None:
    from interpreter.execution import MockConfigError

    with pytest.raises(MockConfigError) as raised:
        parse_mock_config(document)
    assert raised.value.pointer == pointer
    assert words in raised.value.message


def test_undefined_response_fails_only_its_test_case() -> None:
    from interpreter.execution import MockConfigError

    config = parse_mock_config(
        {
            "StateMachines": {"m": {"TestCases": {"Good": {"A": "R"}, "Broken": {"A": "Missing"}}}},
            "MockedResponses": {"R": {"0": {"Return": 1}}},
        }
    )
    assert config.test_case("m", "Good").response("A", 0) is not None
    with pytest.raises(MockConfigError) as raised:
        config.test_case("m", "Broken")
    assert "Missing" in raised.value.message
    with pytest.raises(MockConfigError):
        config.test_case("m", "Nope")


@pytest.mark.parametrize(("express", "has_redrive_count"), [(False, True), (True, False)])
def test_only_standard_executions_have_a_redrive_count(express: bool, has_redrive_count: bool) -> None:
    # Recorded the same day: test_base/test_query_context_object_values (STANDARD) has it,
    # test_express_sync/test_query_runtime_memory (EXPRESS) has not.
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"e.$": "$$.Execution"}, "End": True}},
    }
    start = replace(execution_start(definition), express=express)
    _, end = run_to_last_step(start)
    assert isinstance(end, Finished) and end.output_text is not None
    assert ("RedriveCount" in json.loads(end.output_text)["e"]) is has_redrive_count


def test_execution_started_names_the_version_it_was_started_from() -> None:
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    version = "arn:aws:states:us-east-1:111111111111:stateMachine:machine:3"
    events, _ = run_to_last_step(replace(execution_start(definition), state_machine_version_arn=version))
    assert events[0].details == {
        "input": "{}",
        "inputDetails": {"truncated": False},
        "roleArn": "arn:aws:iam::111111111111:role/r",
        "stateMachineVersionArn": version,
    }
    unversioned, _ = run_to_last_step(execution_start(definition))
    assert "stateMachineVersionArn" not in unversioned[0].details


def test_an_inline_maps_item_reader_is_not_ignored() -> None:
    # Not recorded (AWS documents ItemReader for Distributed Maps; this schema accepts it in an
    # INLINE Map too): the source is read as a Distributed Map's would be, so with service calls
    # off the Map fails as an unread source does, before any iteration, and Catch sees it.
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": "b", "Key": "k"},
                },
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "Catch": [{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    events, last = run_to_last_step(execution_start(definition))
    assert isinstance(last, Finished) and last.status == "SUCCEEDED", last
    assert [event.type for event in events] == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapStateFailed",
        "MapStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert json.loads(last.output_text or "")["Error"] == "States.ItemReaderFailed"


def test_a_bug_in_a_state_handler_fails_the_execution_instead_of_raising(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The engine's contract: a definition, input or mock can only make the execution fail, never
    # run_execution raise; a handler that raises (a bug) ends the execution FAILED, States.Runtime.
    def broken(*_: object) -> Any:
        raise KeyError("no such thing")

    monkeypatch.setitem(engine.STATE_HANDLERS, "Pass", broken)
    events, last = run_to_last_step(
        execution_start({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    )
    assert isinstance(last, Finished) and (last.status, last.error) == ("FAILED", "States.Runtime")
    assert last.cause == "The execution could not go on: KeyError: 'no such thing'"
    assert [event.type for event in events] == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]


@pytest.mark.parametrize(
    ("resource", "failed_event", "task_name"),
    [
        ("arn:aws:states:::lambda:invoke", "TaskFailed", "lambda"),
        (
            "arn:aws:lambda:us-east-1:111111111111:function:f",
            "LambdaFunctionFailed",
            "arn:aws:lambda:us-east-1:111111111111:function:f",
        ),
    ],
)
def test_a_mocked_result_over_the_payload_quota_fails_the_task(
    resource: str, failed_event: str, task_name: str
) -> None:
    # Recorded for lambda:invoke (test_states_errors/
    # test_service_task_lambada_data_limit_exceeded_on_large_utf8_response): a result over
    # 262,144 bytes of UTF-8 fails the Task itself, before its ResultSelector, and Catch sees
    # it. Two-byte characters: 131,073 of them are 262,146 bytes, though fewer characters.
    definition = {
        "StartAt": "Invoke",
        "States": {
            "Invoke": {
                "Type": "Task",
                "Resource": resource,
                "ResultSelector": {"n": 1},
                "Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }
    big = {"Payload": "é" * 131_073}
    mocks = mock_case({"Big": {"0": {"Return": big}}}, {"Invoke": "Big"})
    events, end = run_to_last_step(execution_start(definition, mocks=mocks))
    assert isinstance(end, Finished) and end.status == "SUCCEEDED", end
    failed = [event.details for event in events if event.type == failed_event]
    cause = (
        f"The state/task '{task_name}' returned a result with a size exceeding the maximum number of"
        " bytes service limit."
    )
    assert [(details["error"], details["cause"]) for details in failed] == [
        ("States.DataLimitExceeded", cause)
    ]
    assert json.loads(end.output_text or "") == {"Error": "States.DataLimitExceeded", "Cause": cause}
    # Just under the quota, the result is the Task's.
    fits = {"Payload": "é" * 131_000}
    mocks = mock_case({"Fits": {"0": {"Return": fits}}}, {"Invoke": "Fits"})
    events, end = run_to_last_step(execution_start(definition, mocks=mocks))
    assert isinstance(end, Finished) and json.loads(end.output_text or "") == {"n": 1}
