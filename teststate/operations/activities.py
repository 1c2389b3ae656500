"""Operations on activities: CreateActivity, DescribeActivity, ListActivities, DeleteActivity and
GetActivityTask (the workers' long poll).

An activity is ``arn:aws:states:<region>:<account>:activity:<name>`` in the request's region and
this server's account (as state machines: `teststate.operations.state_machines`). Its tasks are
scheduled by executions (`teststate.executions.activities`) and answered with SendTaskSuccess/
Failure/Heartbeat (`teststate.operations.executions`). Each handler validates its body against
botocore's model first (`validated`).

Choices where AWS's behaviour is not recorded (each also said where it is made):

- CreateActivity with the name of an existing activity answers that activity (its ARN and
  creationDate), its tags left as they are, as the API reference says ("idempotency check is
  based on the activity name ... tags will not be updated"); with another
  encryptionConfiguration, ActivityAlreadyExists (the model's ActivityAlreadyExists:
  "EncryptionConfiguration may not be updated").
- DeleteActivity of a missing activity succeeds (the model lists no ActivityDoesNotExist for it).
- Messages are ours, in the form of the recorded ``<What> Does Not Exist: '<arn>'`` ones.
- GetActivityTask holds the poll up to ``TESTSTATE_ACTIVITY_POLL_SECONDS`` (60 by default, AWS's maximum:
  API reference, GetActivityTask) and answers as soon as a task is scheduled; with none, it
  answers no taskToken.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from teststate.arns import ACCOUNT, parse_resource_arn
from teststate.errors import ActivityAlreadyExists, ActivityDoesNotExist, InvalidArn, TooManyTags
from teststate.executions import activities as activity_calls
from teststate.executions.codec import epoch, now
from teststate.executions.plumbing import request_waiting
from teststate.executions.runner import runner_for
from teststate.operations.common import (
    DEFAULT_PAGE_SIZE,
    Handler,
    check_name,
    database,
    page_token,
    read_page_token,
    validated,
)
from teststate.operations.tags import request_tags
from teststate.storage import activities as store
from teststate.storage.tags import MAX_TAGS

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig

__all__ = ["HANDLERS", "take_activity_task_now"]

Payload = dict[str, Any]

# How often a held poll looks for a scheduled task (one indexed read of the database).
POLL_INTERVAL_SECONDS: Final = 0.05
# The encryption an activity has when created without one (API reference, EncryptionConfiguration).
_DEFAULT_ENCRYPTION: Final[Mapping[str, Any]] = {"type": "AWS_OWNED_KEY"}


def activity_arn(region: str, name: str) -> str:
    """``arn:aws:states:<region>:<account>:activity:<name>``."""
    return f"arn:aws:states:{region}:{ACCOUNT}:activity:{name}"


def _parse(text: str) -> str:
    """An activity's ARN, checked.

    Raises:
        InvalidArn: not a Step Functions ARN, or another resource's (`teststate.arns` wording).
    """
    if parse_resource_arn(text) is not None:  # a state machine's (an execution's raises there)
        raise InvalidArn("Invalid Arn: 'Resource type not valid in this context: stateMachine'")
    return text


def _existing(config: ServiceConfig, operation: str, text: str) -> store.ActivityRecord:
    record = store.get_activity(database(config, operation), _parse(text))
    if record is None:
        raise ActivityDoesNotExist(text)
    return record


def create_activity(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """CreateActivity: the name rules, the tags; idempotent by name (module docstring)."""
    db = database(config, "CreateActivity")
    name = str(body["name"])
    check_name(name)
    arn = activity_arn(region, name)
    tags = request_tags(body.get("tags"))
    if len({tag.key for tag in tags}) > MAX_TAGS:
        raise TooManyTags(arn, MAX_TAGS)
    encryption = body.get("encryptionConfiguration")
    record, created = store.create_activity(
        db, arn, name, now(), dict(encryption) if encryption is not None else None, tags
    )
    if not created and (record.encryption or _DEFAULT_ENCRYPTION) != (encryption or _DEFAULT_ENCRYPTION):
        raise ActivityAlreadyExists(arn)
    return {"activityArn": record.arn, "creationDate": epoch(record.creation_date)}


def describe_activity(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """DescribeActivity: ARN, name, creation date, and the encryption it was created with."""
    record = _existing(config, "DescribeActivity", str(body["activityArn"]))
    payload: Payload = {
        "activityArn": record.arn,
        "name": record.name,
        "creationDate": epoch(record.creation_date),
    }
    if record.encryption is not None:
        payload["encryptionConfiguration"] = record.encryption
    return payload


def list_activities(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """ListActivities of the request's region, by name, paginated as ListStateMachines (the
    token holds the last name answered and the region's ARN prefix)."""
    db = database(config, "ListActivities")
    prefix = activity_arn(region, "")
    token = body.get("nextToken")
    after = None if token is None else read_page_token(str(token), "n", str, p=prefix)
    limit = int(body.get("maxResults") or DEFAULT_PAGE_SIZE)
    records = store.list_activities(db, prefix=prefix, after=after, limit=limit + 1)
    payload: Payload = {
        "activities": [
            {"activityArn": record.arn, "name": record.name, "creationDate": epoch(record.creation_date)}
            for record in records[:limit]
        ]
    }
    if len(records) > limit:
        payload["nextToken"] = page_token(p=prefix, n=records[limit - 1].name)
    return payload


def delete_activity(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """DeleteActivity: gone with its tags and the tasks no worker took (module docstring)."""
    db = database(config, "DeleteActivity")
    store.delete_activity(db, _parse(str(body["activityArn"])))
    return {}


def get_activity_task(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """GetActivityTask: the oldest task scheduled for the activity that no worker took, with its
    token and input; held up to the configured hold (`ServiceConfig.activity_poll_seconds`) until one is scheduled, then no token. Sleeps
    between looks (cooperatively in the server's gevent workers), counted as waiting, not
    working (`request_waiting`)."""
    return _take_task(body, config, config.activity_poll_seconds)


def take_activity_task_now(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Payload:
    """GetActivityTask without holding the poll: a task if one is waiting, else no token. What an
    execution's ``aws-sdk:sfn:getActivityTask`` Task gets (`teststate.executions.sfn_self`): its
    call is made by the runner that drives every execution, which must not wait a minute (not
    recorded; ours: AWS holds that poll too)."""
    return _take_task(body, config, 0.0)


def _take_task(body: Mapping[str, Any], config: ServiceConfig, hold_seconds: float) -> Payload:
    db = database(config, "GetActivityTask")
    arn = str(body["activityArn"])
    _existing(config, "GetActivityTask", arn)
    worker = body.get("workerName")
    deadline = time.monotonic() + hold_seconds
    while True:
        if store.has_waiting_task(db, arn):
            task = store.take_task(
                db, arn, worker, lambda token: activity_calls.started_signal(token, worker)
            )
            if task is not None:
                runner_for(db, config.limits, config.service_calls, config.mock_config).notify()
                return {"taskToken": task.token, "input": task.input}
            continue  # a task that could not be handed out was dropped: look again at once
        remaining = deadline - time.monotonic()
        if remaining <= 0 or store.get_activity(db, arn) is None:
            return {}
        with request_waiting():
            time.sleep(min(POLL_INTERVAL_SECONDS, remaining))


HANDLERS: Final[Mapping[str, Handler]] = validated(
    {
        "CreateActivity": create_activity,
        "DescribeActivity": describe_activity,
        "ListActivities": list_activities,
        "DeleteActivity": delete_activity,
        "GetActivityTask": get_activity_task,
    }
)
"""Operation name (without the ``AWSStepFunctions.`` prefix) -> handler, for `teststate.protocol`."""
