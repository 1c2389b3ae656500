"""What ``Ref`` and ``Fn::GetAtt`` give for a template's resources: stable, realistic placeholders.

Nothing is deployed, so a resource's physical name is made up the way CloudFormation makes it up
(AWS CloudFormation User Guide, "Name type": ``<stack>-<logical id>-<random suffix>``, cut to the
service's length limit), except that the suffix is derived from the stack name and logical id,
so the same template always loads to the same definition. A name the template gives (the
``FunctionName``, ``QueueName``... property) is used as it is.

What ``Ref`` returns and the attributes ``Fn::GetAtt`` offers follow each resource type's "Return
values" section in the AWS CloudFormation User Guide (a Lambda function's ``Ref`` is its name, a
queue's is its URL, a topic's and a state machine's are their ARNs...). Other types get a generic
rule: ``Ref`` is the name, an attribute named ``Arn`` or ``...Arn`` is
``arn:<partition>:<service>:<region>:<account>:<type>/<name>``, any other is ``<name>-<attribute>``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

SUFFIX_LENGTH: Final = 12
UNIQUE_ID_LENGTH: Final = 17

# Partition and URL suffix by region prefix (AWS General Reference, "Amazon Resource Names"); the
# rest of the world is the ``aws`` partition.
_PARTITIONS: Final = (
    ("cn-", "aws-cn", "amazonaws.com.cn"),
    ("us-gov-", "aws-us-gov", "amazonaws.com"),
    ("us-isob-", "aws-iso-b", "sc2s.sgov.gov"),
    ("us-iso-", "aws-iso", "c2s.ic.gov"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """Where the stack is (as far as names and ARNs need): region, account and stack name."""

    region: str
    account: str
    stack_name: str

    @property
    def partition(self) -> str:
        """``AWS::Partition``."""
        return next((p for prefix, p, _ in _PARTITIONS if self.region.startswith(prefix)), "aws")

    @property
    def url_suffix(self) -> str:
        """``AWS::URLSuffix``."""
        return next((s for prefix, _, s in _PARTITIONS if self.region.startswith(prefix)), "amazonaws.com")

    @property
    def stack_id(self) -> str:
        """``AWS::StackId``: the stack's ARN, with a stable id in place of the random one."""
        digest = hashlib.sha256(f"{self.account}/{self.region}/{self.stack_name}".encode()).hexdigest()
        stack_uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        return (
            f"arn:{self.partition}:cloudformation:{self.region}:{self.account}:"
            f"stack/{self.stack_name}/{stack_uuid}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceKind:
    """What one resource type's ``Ref`` and attributes look like.

    The formats' fields: ``partition``, ``region``, ``account``, ``url_suffix``, ``name`` (the
    physical name), ``path`` (an IAM path, ``/`` by default) and ``unique_id`` (17 stable
    upper-case letters and digits, the length of the unique ids IAM gives after its prefix).
    """

    name_property: str | None
    max_name_length: int = 64
    lowercase: bool = False
    ref: str = "{name}"
    attributes: Mapping[str, str] = field(default_factory=dict)


def _arn(service: str, resource: str, *, regional: bool = True) -> str:
    region = "{region}" if regional else ""
    return f"arn:{{partition}}:{service}:{region}:{{account}}:{resource}"


_FUNCTION = ResourceKind(
    name_property="FunctionName",
    attributes={"Arn": _arn("lambda", "function:{name}")},
)
_TABLE = ResourceKind(
    name_property="TableName",
    max_name_length=255,
    attributes={
        "Arn": _arn("dynamodb", "table/{name}"),
        "StreamArn": _arn("dynamodb", "table/{name}/stream/1970-01-01T00:00:00.000"),
    },
)
_STATE_MACHINE_ARN = _arn("states", "stateMachine:{name}")
_QUEUE_URL = "https://sqs.{region}.{url_suffix}/{account}/{name}"
_TOPIC_ARN = _arn("sns", "{name}")
_ACTIVITY_ARN = _arn("states", "activity:{name}")
_TASK_DEFINITION_ARN = _arn("ecs", "task-definition/{name}:1")

KINDS: Final[Mapping[str, ResourceKind]] = {
    "AWS::Lambda::Function": _FUNCTION,
    "AWS::Serverless::Function": _FUNCTION,
    "AWS::SQS::Queue": ResourceKind(
        name_property="QueueName",
        max_name_length=80,
        ref=_QUEUE_URL,
        attributes={"Arn": _arn("sqs", "{name}"), "QueueName": "{name}", "QueueUrl": _QUEUE_URL},
    ),
    "AWS::SNS::Topic": ResourceKind(
        name_property="TopicName",
        max_name_length=256,
        ref=_TOPIC_ARN,
        attributes={"TopicArn": _TOPIC_ARN, "TopicName": "{name}"},
    ),
    "AWS::DynamoDB::Table": _TABLE,
    "AWS::DynamoDB::GlobalTable": _TABLE,
    "AWS::Serverless::SimpleTable": _TABLE,
    "AWS::S3::Bucket": ResourceKind(
        name_property="BucketName",
        max_name_length=63,
        lowercase=True,
        attributes={
            "Arn": "arn:{partition}:s3:::{name}",
            "DomainName": "{name}.s3.{url_suffix}",
            "DualStackDomainName": "{name}.s3.dualstack.{region}.{url_suffix}",
            "RegionalDomainName": "{name}.s3.{region}.{url_suffix}",
            "WebsiteURL": "http://{name}.s3-website-{region}.{url_suffix}",
        },
    ),
    "AWS::StepFunctions::StateMachine": ResourceKind(
        name_property="StateMachineName",
        max_name_length=80,
        ref=_STATE_MACHINE_ARN,
        attributes={"Arn": _STATE_MACHINE_ARN, "Name": "{name}"},
    ),
    "AWS::Serverless::StateMachine": ResourceKind(
        name_property="Name",
        max_name_length=80,
        ref=_STATE_MACHINE_ARN,
        attributes={"Arn": _STATE_MACHINE_ARN, "Name": "{name}"},
    ),
    "AWS::StepFunctions::Activity": ResourceKind(
        name_property="Name",
        max_name_length=80,
        ref=_ACTIVITY_ARN,
        attributes={"Arn": _ACTIVITY_ARN, "Name": "{name}"},
    ),
    "AWS::IAM::Role": ResourceKind(
        name_property="RoleName",
        attributes={
            "Arn": _arn("iam", "role{path}{name}", regional=False),
            "RoleId": "AROA{unique_id}",
        },
    ),
    "AWS::Events::EventBus": ResourceKind(
        name_property="Name",
        max_name_length=256,
        attributes={"Arn": _arn("events", "event-bus/{name}"), "Name": "{name}"},
    ),
    "AWS::Events::Rule": ResourceKind(
        name_property="Name",
        attributes={"Arn": _arn("events", "rule/{name}")},
    ),
    "AWS::ECS::Cluster": ResourceKind(
        name_property="ClusterName",
        max_name_length=255,
        attributes={"Arn": _arn("ecs", "cluster/{name}")},
    ),
    "AWS::ECS::TaskDefinition": ResourceKind(
        name_property="Family",
        max_name_length=255,
        ref=_TASK_DEFINITION_ARN,
        attributes={"TaskDefinitionArn": _TASK_DEFINITION_ARN},
    ),
    "AWS::Logs::LogGroup": ResourceKind(
        name_property="LogGroupName",
        max_name_length=512,
        attributes={"Arn": _arn("logs", "log-group:{name}:*")},
    ),
}

# A property that, when true, makes the generated name end in ``.fifo`` (a FIFO queue or topic
# must have such a name).
_FIFO_PROPERTY: Final = {"AWS::SQS::Queue": "FifoQueue", "AWS::SNS::Topic": "FifoTopic"}

PropertyValue = Callable[[str], Any]
"""A resource's property by name, intrinsics resolved; ``None`` when the resource has none."""


def reference(
    resource_type: str, logical_id: str, attribute: str | None, *, place: Place, properties: PropertyValue
) -> str:
    """What ``Ref`` (``attribute`` None) or ``Fn::GetAtt`` gives for a resource."""
    kind = KINDS.get(resource_type)
    name = physical_name(resource_type, logical_id, kind, place=place, properties=properties)
    if kind is None:
        return _generic(resource_type, name, attribute, place)
    if attribute is None:
        template = kind.ref
    else:
        known = kind.attributes.get(attribute)
        if known is None:
            return _generic(resource_type, name, attribute, place)
        template = known
    path = properties("Path") if resource_type == "AWS::IAM::Role" else None
    return template.format(
        partition=place.partition,
        region=place.region,
        account=place.account,
        url_suffix=place.url_suffix,
        name=name,
        path=path if isinstance(path, str) and path else "/",
        unique_id=stable_suffix(place.stack_name, logical_id, UNIQUE_ID_LENGTH),
    )


def physical_name(
    resource_type: str,
    logical_id: str,
    kind: ResourceKind | None,
    *,
    place: Place,
    properties: PropertyValue,
) -> str:
    """The name the template gives the resource, else the one CloudFormation would generate."""
    if kind is not None and kind.name_property is not None:
        given = properties(kind.name_property)
        if isinstance(given, str) and given:
            return given
    max_length = kind.max_name_length if kind is not None else 64
    ending = ""
    fifo_property = _FIFO_PROPERTY.get(resource_type)
    if fifo_property is not None and properties(fifo_property) in (True, "true"):
        ending = ".fifo"
    suffix = stable_suffix(place.stack_name, logical_id)
    prefix = f"{place.stack_name}-{logical_id}"[: max_length - len(suffix) - 1 - len(ending)]
    name = f"{prefix}-{suffix}{ending}"
    return name.lower() if kind is not None and kind.lowercase else name


def stable_suffix(stack_name: str, logical_id: str, length: int = SUFFIX_LENGTH) -> str:
    """Upper-case letters and digits (twelve by default), the same for the same stack and logical id."""
    digest = hashlib.sha256(f"{stack_name}/{logical_id}".encode()).digest()
    return base64.b32encode(digest).decode()[:length]


def _generic(resource_type: str, name: str, attribute: str | None, place: Place) -> str:
    if attribute is None:
        return name
    if attribute.endswith("Arn"):
        parts = resource_type.split("::")
        # AWS::Service::Resource; a custom resource (Custom::Name) has no service: "custom".
        service = parts[1] if len(parts) == 3 else parts[0]
        return f"arn:{place.partition}:{service.lower()}:{place.region}:{place.account}:{parts[-1].lower()}/{name}"
    return f"{name}-{attribute}"
