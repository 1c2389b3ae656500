"""Helpers shared by the execution tests that talk to a server through boto3 (or the aws CLI).

Plain functions: wait for an execution to end, read its whole history page by page, compare two
histories but for their timestamps.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any


def until_done(
    describe: Callable[[], dict[str, Any]], timeout: float = 30.0, poll: float = 0.05
) -> dict[str, Any]:
    """`describe`'s answer once its status is not RUNNING, or its last answer after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        answer = describe()
        if answer["status"] != "RUNNING" or time.monotonic() > deadline:
            return answer
        time.sleep(poll)


def finished(sfn: Any, arn: str, timeout: float = 30.0, poll: float = 0.05) -> dict[str, Any]:
    """DescribeExecution of `arn` once it has ended (or after `timeout` s), through boto3 `sfn`."""
    return until_done(lambda: sfn.describe_execution(executionArn=arn), timeout, poll)


def full_history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    """Every event of `arn`, read a thousand at a time (GetExecutionHistory's nextToken)."""
    events: list[dict[str, Any]] = []
    token = None
    while True:
        page = sfn.get_execution_history(
            executionArn=arn, maxResults=1000, **({"nextToken": token} if token else {})
        )
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def assert_same_history(got: list[dict[str, Any]], reference: list[dict[str, Any]]) -> None:
    """`got` is `reference` event for event, but for timestamps; the first events (the starts,
    of executions with different names) are not compared."""
    assert len(got) == len(reference)
    for mine, theirs in zip(got[1:], reference[1:], strict=True):
        assert {k: v for k, v in mine.items() if k != "timestamp"} == {
            k: v for k, v in theirs.items() if k != "timestamp"
        }


def token_wait_machine(done: dict[str, Any] | None = None) -> dict[str, Any]:
    """A machine whose Task ``Ask`` waits for a task token sent as ``MessageBody.token`` (read it
    back with `scheduled_token`); the end, or followed by the state `done` (named ``Done``)."""
    ask: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "https://sqs/q", "MessageBody": {"token.$": "$$.Task.Token"}},
    }
    if done is None:
        return {"StartAt": "Ask", "States": {"Ask": {**ask, "End": True}}}
    return {"StartAt": "Ask", "States": {"Ask": {**ask, "Next": "Done"}, "Done": done}}


def scheduled_token(events: list[dict[str, Any]]) -> str | None:
    """The token a `token_wait_machine` execution sent, from its TaskScheduled event; None before."""
    for event in events:
        if event["type"] == "TaskScheduled":
            return str(json.loads(event["taskScheduledEventDetails"]["parameters"])["MessageBody"]["token"])
    return None


def nested_inline_map(items: int, **inner: Any) -> dict[str, Any]:
    """A JSONata inline Map of `items` items, each an inline Map of `items` Pass states (members
    `inner` added to the inner Map): about items² events, long enough to be caught mid-run."""
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Outer",
        "States": {
            "Outer": {
                "Type": "Map",
                "Items": f"{{% [1..{items}] %}}",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Inner",
                    "States": {
                        "Inner": {
                            "Type": "Map",
                            "Items": f"{{% [1..{items}] %}}",
                            "ItemProcessor": {
                                "ProcessorConfig": {"Mode": "INLINE"},
                                "StartAt": "P",
                                "States": {"P": {"Type": "Pass", "End": True}},
                            },
                            **inner,
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }
