"""Step Functions ARNs: parsed into their parts, built from them, refused in AWS's words.

Formats (Step Functions API reference, "Amazon Resource Names"; IAM, "Resource types defined by
AWS Step Functions"):

- state machine ``arn:<partition>:states:<region>:<account>:stateMachine:<name>``, a version
  ``...:stateMachine:<name>:<version>`` (a positive integer), an alias ``...:<name>:<alias>``;
- standard execution ``arn:<partition>:states:<region>:<account>:execution:<machine>:<name>``;
- express execution ``arn:<partition>:states:<region>:<account>:express:<machine>:<name>:<id>``
  (recorded: api/test_sfn_api_express/test_start_sync_execution);
- map run ``arn:<partition>:states:<region>:<account>:mapRun:<machine>/<label>:<id>``.

A text that is not a Step Functions ARN is ``InvalidArn: Invalid Arn: 'Invalid ARN prefix:
<text>'`` (recorded: api/test_sfn_api/test_describe_invalid_arn_sm,
api/test_sfn_api/test_describe_execution_invalid_arn,
api/test_sfn_api/test_get_execution_history_invalid_arn). An ARN of another resource type where
one kind is expected is ``Invalid Arn: 'Resource type not valid in this context: <type>'`` (AWS's
wording as its users quote it; not recorded here). A well-prefixed ARN whose resource part does
not parse is ours: ``Invalid Arn: 'Unable to parse the ARN: <text>'`` (not recorded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from interpreter.context import DEFAULT_ACCOUNT
from teststate.errors import InvalidArn

__all__ = [
    "ACCOUNT",
    "ExecutionArn",
    "MapRunArn",
    "StateMachineArn",
    "execution_arn",
    "parse_execution_arn",
    "parse_map_run_arn",
    "parse_resource_arn",
    "parse_state_machine_arn",
    "state_machine_arn",
]

ACCOUNT: Final = DEFAULT_ACCOUNT
"""The account this server reports in every ARN it makes (TestState's context uses the same)."""

PARTITIONS: Final = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"}
)

_REGION: Final = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")
_ACCOUNT_ID: Final = re.compile(r"\d{12}")
_VERSION: Final = re.compile(r"[1-9]\d{0,9}")


@dataclass(frozen=True, slots=True)
class StateMachineArn:
    """A state machine ARN, possibly qualified by a version (or an alias).

    Attributes:
        partition, region, account, name: its parts.
        version: the version number of a version ARN, else None.
        alias: the alias name of an alias ARN, else None.
    """

    partition: str
    region: str
    account: str
    name: str
    version: int | None = None
    alias: str | None = None

    @property
    def base(self) -> str:
        """The unqualified state machine's ARN."""
        return state_machine_arn(self.region, self.account, self.name, partition=self.partition)


@dataclass(frozen=True, slots=True)
class ExecutionArn:
    """An execution ARN (standard ``execution:`` or express ``express:``).

    Attributes:
        state_machine_name: the machine's name as the ARN writes it.
        name: the execution's name.
        express_id: the third part of an express ARN (None for a standard execution).
    """

    partition: str
    region: str
    account: str
    state_machine_name: str
    name: str
    express: bool = False
    express_id: str | None = None

    @property
    def state_machine_arn(self) -> str:
        """The ARN of the state machine this execution names."""
        return state_machine_arn(self.region, self.account, self.state_machine_name, partition=self.partition)


@dataclass(frozen=True, slots=True)
class MapRunArn:
    """A Distributed Map run's ARN: ``mapRun:<machine>/<label>:<id>``."""

    partition: str
    region: str
    account: str
    state_machine_name: str
    label: str
    run_id: str


# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------
def state_machine_arn(region: str, account: str, name: str, *, partition: str = "aws") -> str:
    """``arn:<partition>:states:<region>:<account>:stateMachine:<name>``."""
    return f"arn:{partition}:states:{region}:{account}:stateMachine:{name}"


def execution_arn(
    region: str,
    account: str,
    state_machine_name: str,
    name: str,
    *,
    express_id: str | None = None,
    partition: str = "aws",
) -> str:
    """A standard execution's ARN, or with `express_id` (a UUID AWS generates per execution) an
    express one: ``express:<machine>:<name>:<id>``."""
    if express_id is not None:
        return f"arn:{partition}:states:{region}:{account}:express:{state_machine_name}:{name}:{express_id}"
    return f"arn:{partition}:states:{region}:{account}:execution:{state_machine_name}:{name}"


# --------------------------------------------------------------------------------------------
# Parsers
# --------------------------------------------------------------------------------------------
def _invalid(detail: str) -> InvalidArn:
    return InvalidArn(f"Invalid Arn: '{detail}'")


def _split(text: str) -> tuple[str, str, str, str, list[str]]:
    """(partition, region, account, resource type, resource parts) of a Step Functions ARN."""
    parts = text.split(":")
    if len(parts) < 6 or parts[0] != "arn" or parts[1] not in PARTITIONS or parts[2] != "states":
        raise _invalid(f"Invalid ARN prefix: {text}")
    partition, region, account, resource_type = parts[1], parts[3], parts[4], parts[5]
    if not _REGION.fullmatch(region) or not _ACCOUNT_ID.fullmatch(account):
        raise _invalid(f"Unable to parse the ARN: {text}")  # not recorded: ours
    return partition, region, account, resource_type, parts[6:]


def _wrong_type(resource_type: str) -> InvalidArn:
    return _invalid(f"Resource type not valid in this context: {resource_type}")


def parse_state_machine_arn(text: str) -> StateMachineArn:
    """Parse a state machine ARN, possibly with a version or alias suffix. AWS's recorded
    InvalidArn messages do not name the request member, so neither do these.

    Raises:
        InvalidArn: not a Step Functions ARN, not a state machine's, or malformed.
    """
    partition, region, account, resource_type, rest = _split(text)
    if resource_type != "stateMachine":
        raise _wrong_type(resource_type)
    if not rest or not rest[0] or len(rest) > 2 or (len(rest) == 2 and not rest[1]):
        raise _invalid(f"Unable to parse the ARN: {text}")  # not recorded: ours
    if len(rest) == 1:
        return StateMachineArn(partition, region, account, rest[0])
    qualifier = rest[1]
    if _VERSION.fullmatch(qualifier):
        return StateMachineArn(partition, region, account, rest[0], version=int(qualifier))
    return StateMachineArn(partition, region, account, rest[0], alias=qualifier)


def parse_execution_arn(text: str) -> ExecutionArn:
    """Parse a standard or express execution ARN.

    Raises:
        InvalidArn: not a Step Functions ARN, not an execution's, or malformed.
    """
    partition, region, account, resource_type, rest = _split(text)
    if resource_type == "execution":
        if len(rest) != 2 or not all(rest):
            raise _invalid(f"Unable to parse the ARN: {text}")  # not recorded: ours
        return ExecutionArn(partition, region, account, rest[0], rest[1])
    if resource_type == "express":
        if len(rest) != 3 or not all(rest):
            raise _invalid(f"Unable to parse the ARN: {text}")  # not recorded: ours
        return ExecutionArn(partition, region, account, rest[0], rest[1], express=True, express_id=rest[2])
    raise _wrong_type(resource_type)


def parse_map_run_arn(text: str) -> MapRunArn:
    """Parse a Distributed Map run's ARN.

    Raises:
        InvalidArn: not a Step Functions ARN, not a map run's, or malformed.
    """
    partition, region, account, resource_type, rest = _split(text)
    if resource_type != "mapRun":
        raise _wrong_type(resource_type)
    if len(rest) != 2 or rest[0].count("/") != 1 or not rest[1]:
        raise _invalid(f"Unable to parse the ARN: {text}")  # not recorded: ours
    machine, _, label = rest[0].partition("/")
    if not machine or not label:
        raise _invalid(f"Unable to parse the ARN: {text}")  # not recorded: ours
    return MapRunArn(partition, region, account, machine, label, rest[1])


def parse_resource_arn(text: str) -> StateMachineArn | None:
    """The ARN a tagging operation names (``resourceArn``): a state machine's (or a version's or
    alias's, which the caller refuses as not taggable: AWS answers ResourceNotFound for a
    version, recorded in api/test_sfn_api_tagging/test_tag_state_machine_version), or None for
    an activity's (taggable too: `teststate.operations.tags`).

    Raises:
        InvalidArn: not a Step Functions ARN, of another resource type, or malformed.
    """
    _, _, _, resource_type, rest = _split(text)
    if resource_type == "activity" and len(rest) == 1 and rest[0]:
        return None
    return parse_state_machine_arn(text)
