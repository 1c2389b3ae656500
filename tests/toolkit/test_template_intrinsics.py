"""Intrinsic functions, conditions, parameters, placeholder names and YAML short tags of templates.

Values are resolved with the `Resolver` directly where their type matters (lists), and through
`load_definition_from_template` where the error's path in the template is the point.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from teststate.toolkit.cloudformation import TemplateError, load_definition_from_template
from teststate.toolkit.template_intrinsics import NO_VALUE, ParameterValue, Resolver
from teststate.toolkit.template_resources import Place, stable_suffix
from teststate.toolkit.template_yaml import parse_template

PLACE = Place(region="us-east-1", account="123456789012", stack_name="s")
SUFFIX = stable_suffix("s", "R")
SFN = "AWS::StepFunctions::StateMachine"
DEFINITION = ("Resources", "Machine", "Properties", "DefinitionString")
PATH = "Resources/Machine/Properties/DefinitionString"


def _resolver(
    document: dict[str, Any] | None = None,
    *,
    parameters: dict[str, ParameterValue] | None = None,
    imports: dict[str, str] | None = None,
    place: Place = PLACE,
) -> Resolver:
    return Resolver(
        {"Resources": {}} if document is None else document,
        place=place,
        parameters=parameters or {},
        imports=imports or {},
    )


def _value(value: Any, document: dict[str, Any] | None = None, **options: Any) -> Any:
    return _resolver(document, **options).resolve(value, DEFINITION)


def _failure(value: Any, document: dict[str, Any] | None = None, **options: Any) -> TemplateError:
    """The error of loading a machine whose DefinitionString is `value`, in `document`."""
    template: dict[str, Any] = {**(document or {})}
    template["Resources"] = {
        **template.get("Resources", {}),
        "Machine": {"Type": SFN, "Properties": {"DefinitionString": value}},
    }
    with pytest.raises(TemplateError) as caught:
        load_definition_from_template(template, "Machine", **options)
    return caught.value


def _resource(kind: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"Resources": {"R": {"Type": kind, "Properties": properties or {}}}}


# --------------------------------------------------------------------------------------------
# Pseudo parameters and Ref
# --------------------------------------------------------------------------------------------
def test_pseudo_parameters() -> None:
    names = ["AccountId", "Partition", "Region", "StackName", "URLSuffix", "NotificationARNs"]
    values = [_value({"Ref": f"AWS::{name}"}) for name in names]
    assert values == ["123456789012", "aws", "us-east-1", "s", "amazonaws.com", []]
    assert _value({"Ref": "AWS::NoValue"}) is NO_VALUE
    china = Place(region="cn-northwest-1", account="123456789012", stack_name="s")
    assert (
        _value({"Fn::Sub": "${AWS::Partition} ${AWS::URLSuffix}"}, place=china) == "aws-cn amazonaws.com.cn"
    )
    stack_id = _value({"Ref": "AWS::StackId"})
    assert re.fullmatch(
        r"arn:aws:cloudformation:us-east-1:123456789012:stack/s/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}",
        stack_id,
    )
    assert _value({"Ref": "AWS::StackId"}) == stack_id


def test_ref_errors() -> None:
    error = _failure({"Ref": "AWS::Nothing"})
    assert error.path == PATH
    assert error.detail.startswith("'AWS::Nothing' is not a pseudo parameter (known: AWS::AccountId, ")
    assert (
        _failure({"Ref": ["A"]}).detail == "Ref takes the name of a parameter, pseudo parameter or resource"
    )
    error = _failure({"Fn::Join": ["", ["x", {"Fn::Join": ["", [{"Ref": "Gone"}]]}]]})
    assert error.path == f"{PATH}/Fn::Join/1/1/Fn::Join/1/0"
    assert error.detail == "Ref to 'Gone': the template declares no parameter or resource 'Gone'"


# --------------------------------------------------------------------------------------------
# Fn::Sub
# --------------------------------------------------------------------------------------------
def test_sub_string_form() -> None:
    document = {"Parameters": {"Env": {"Type": "String", "Default": "dev"}}, **_resource("AWS::SQS::Queue")}
    text = "${AWS::Region}/${AWS::AccountId}/${Env}/${R}/${R.Arn}/${R.Custom.Dotted}/${!Literal}/$plain/{x}"
    queue = f"s-R-{SUFFIX}"
    assert _value({"Fn::Sub": text}, document) == (
        f"us-east-1/123456789012/dev/https://sqs.us-east-1.amazonaws.com/123456789012/{queue}/"
        f"arn:aws:sqs:us-east-1:123456789012:{queue}/{queue}-Custom.Dotted/${{Literal}}/$plain/{{x}}"
    )


def test_sub_list_form_variables_win_and_may_be_intrinsics() -> None:
    document = {"Parameters": {"Env": {"Type": "String", "Default": "dev"}}}
    value = {
        "Fn::Sub": ["${Env}-${Extra}-${N}-${B}", {"Env": "mine", "Extra": {"Ref": "Env"}, "N": 3, "B": False}]
    }
    assert _value(value, document) == "mine-dev-3-false"


@pytest.mark.parametrize(
    ("value", "path", "detail"),
    [
        (
            {"Fn::Sub": "x${Missing}"},
            "/Fn::Sub",
            "${Missing} of Fn::Sub: the template declares no parameter or resource 'Missing'",
        ),
        (
            {"Fn::Sub": ["${Missing}", {}]},
            "/Fn::Sub/0",
            "${Missing} of Fn::Sub: the template declares no parameter or resource 'Missing'",
        ),
        (
            {"Fn::Sub": "${Gone.Arn}"},
            "/Fn::Sub",
            "${Gone.Arn} of Fn::Sub: the template declares no resource 'Gone'",
        ),
        ({"Fn::Sub": "${List}"}, "/Fn::Sub", "${List} of Fn::Sub is a string, number or boolean, not a list"),
        (
            {"Fn::Sub": "${AWS::NoValue}"},
            "/Fn::Sub",
            "${AWS::NoValue} of Fn::Sub is a string, number or boolean, not AWS::NoValue",
        ),
        (
            {"Fn::Sub": ["${V}", {"V": {"a": 1}}]},
            "/Fn::Sub/1/V",
            "variable 'V' of Fn::Sub is a string, number or boolean, not an object",
        ),
        ({"Fn::Sub": ["x", ["V"]]}, "/Fn::Sub/1", "the variables of Fn::Sub are an object"),
        (
            {"Fn::Sub": 3},
            "/Fn::Sub",
            "Fn::Sub takes a string, or a list of a string and an object of variables",
        ),
    ],
    ids=[
        "missing",
        "missing-list-form",
        "missing-resource",
        "list-parameter",
        "no-value",
        "object-variable",
        "variables-list",
        "not-text",
    ],
)
def test_sub_errors(value: Any, path: str, detail: str) -> None:
    error = _failure(value, {"Parameters": {"List": {"Type": "CommaDelimitedList", "Default": "a,b"}}})
    assert (error.path, error.detail) == (PATH + path, detail)


# --------------------------------------------------------------------------------------------
# Fn::Join, Fn::Select, Fn::Split, Fn::Base64, Fn::GetAZs, Fn::ImportValue
# --------------------------------------------------------------------------------------------
def test_join_select_split_and_friends() -> None:
    document = {"Conditions": {"No": {"Fn::Equals": [1, 2]}}}
    skipped = {"Fn::If": ["No", "never", {"Ref": "AWS::NoValue"}]}
    assert _value({"Fn::Join": ["-", ["a", skipped, 1, True, 2.5]]}, document) == "a-1-true-2.5"
    assert _value({"Fn::Join": [",", {"Fn::Split": ["|", "x|y"]}]}) == "x,y"
    assert _value({"Fn::Select": ["1", ["a", "b"]]}) == "b"
    assert _value({"Fn::Select": [0, {"Fn::GetAZs": "eu-west-3"}]}) == "eu-west-3a"
    assert _value({"Fn::GetAZs": ""}) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert _value({"Fn::Base64": {"Fn::Sub": "${AWS::Region}"}}) == "dXMtZWFzdC0x"
    assert _value({"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}-Arn"}}) == "s-Arn"
    assert _value({"Fn::ImportValue": "shared"}, imports={"shared": "value"}) == "value"


@pytest.mark.parametrize(
    ("value", "path", "detail"),
    [
        (
            {"Fn::Join": ["", ["a", {"b": 1}]]},
            "/Fn::Join/1/1",
            "an item of Fn::Join is a string, number or boolean, not an object",
        ),
        ({"Fn::Join": [1, []]}, "/Fn::Join/0", "the delimiter of Fn::Join is a string"),
        ({"Fn::Join": ["", "abc"]}, "/Fn::Join/1", "the second argument of Fn::Join is a list"),
        ({"Fn::Join": [""]}, "/Fn::Join", "Fn::Join takes a list of 2 arguments"),
        (
            {"Fn::Select": [2, ["a", "b"]]},
            "/Fn::Select",
            "Fn::Select index 2 is out of range: the list has 2 items",
        ),
        (
            {"Fn::Select": ["first", ["a"]]},
            "/Fn::Select/0",
            "the index of Fn::Select is a whole number, not 'first'",
        ),
        (
            {"Fn::Select": [0, {"Ref": "AWS::Region"}]},
            "/Fn::Select/1",
            "the second argument of Fn::Select is a list",
        ),
        (
            {"Fn::Join": ["", {"Fn::Split": ["", "abc"]}]},
            "/Fn::Join/1/Fn::Split/0",
            "the delimiter of Fn::Split is a non-empty string",
        ),
        (
            {"Fn::Base64": ["a"]},
            "/Fn::Base64",
            "the argument of Fn::Base64 is a string, number or boolean, not a list",
        ),
    ],
    ids=[
        "join-object",
        "join-delimiter",
        "join-not-list",
        "join-arity",
        "select-range",
        "select-index",
        "select-not-list",
        "split-delimiter",
        "base64-list",
    ],
)
def test_list_function_errors(value: Any, path: str, detail: str) -> None:
    error = _failure(value)
    assert (error.path, error.detail) == (PATH + path, detail)


# --------------------------------------------------------------------------------------------
# Fn::FindInMap
# --------------------------------------------------------------------------------------------
MAPPINGS = {"Mappings": {"Regions": {"us-east-1": {"Ami": "ami-1", "Zones": ["a", "b"]}}}}


def test_find_in_map() -> None:
    assert _value({"Fn::FindInMap": ["Regions", {"Ref": "AWS::Region"}, "Ami"]}, MAPPINGS) == "ami-1"
    assert _value({"Fn::FindInMap": ["Regions", "us-east-1", "Zones"]}, MAPPINGS) == ["a", "b"]
    with_default = {
        "Fn::FindInMap": ["Regions", "eu-west-1", "Ami", {"DefaultValue": {"Ref": "AWS::Region"}}]
    }
    assert _value(with_default, MAPPINGS) == "us-east-1"


@pytest.mark.parametrize(
    ("arguments", "path", "detail"),
    [
        (["Nope", "a", "b"], "/Fn::FindInMap/0", "Fn::FindInMap: Mappings has no key 'Nope'"),
        (
            ["Regions", "eu-west-1", "Ami"],
            "/Fn::FindInMap/1",
            "Fn::FindInMap: map 'Regions' has no key 'eu-west-1'",
        ),
        (
            ["Regions", "us-east-1", "Kernel"],
            "/Fn::FindInMap/2",
            "Fn::FindInMap: map 'Regions/us-east-1' has no key 'Kernel'",
        ),
        (
            ["Regions", "us-east-1"],
            "/Fn::FindInMap",
            "Fn::FindInMap takes a map name, a top-level key, a second-level key",
        ),
        (
            ["Regions", "us-east-1", "Ami", "x"],
            "/Fn::FindInMap/3",
            "the fourth argument of Fn::FindInMap is {'DefaultValue': value}",
        ),
    ],
    ids=["map", "top-key", "second-key", "arity", "option"],
)
def test_find_in_map_errors(arguments: list[Any], path: str, detail: str) -> None:
    error = _failure({"Fn::FindInMap": arguments}, MAPPINGS)
    assert (error.path, error.detail) == (PATH + path, detail)


# --------------------------------------------------------------------------------------------
# Conditions and Fn::If
# --------------------------------------------------------------------------------------------
CONDITIONS = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "prod"},
        "Flag": {"Type": "String", "Default": "true"},
    },
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "Flagged": {"Fn::Equals": [True, {"Ref": "Flag"}]},  # a YAML boolean compares as text
        "Both": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "Flagged"}]},
        "Either": {"Fn::Or": [{"Fn::Not": [{"Condition": "IsProd"}]}, {"Condition": "Flagged"}]},
        "SameList": {"Fn::Equals": [{"Fn::Split": [",", "a,b"]}, ["a", "b"]]},
    },
}


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [({}, "yes yes yes yes"), ({"Env": "dev"}, "no no yes yes"), ({"Flag": "false"}, "yes no yes no")],
)
def test_if_follows_conditions_on_parameters(parameters: dict[str, ParameterValue], expected: str) -> None:
    value = {
        "Fn::Join": [
            " ",
            [{"Fn::If": [name, "yes", "no"]} for name in ("IsProd", "Both", "SameList", "Either")],
        ]
    }
    assert _value(value, CONDITIONS, parameters=parameters) == expected


@pytest.mark.parametrize(
    ("conditions", "value", "path", "detail"),
    [
        (
            {},
            {"Fn::If": ["Nope", "a", "b"]},
            f"{PATH}/Fn::If/0",
            "condition 'Nope' is not declared in Conditions (declared: none)",
        ),
        (
            {"A": {"Condition": "B"}, "B": {"Condition": "A"}},
            {"Fn::If": ["A", "a", "b"]},
            "Conditions/A",
            "condition 'A' depends on itself",
        ),
        (
            {"A": {"Fn::Equals": ["a"]}},
            {"Fn::If": ["A", "a", "b"]},
            "Conditions/A/Fn::Equals",
            "Fn::Equals takes a list of 2 arguments",
        ),
        (
            {"A": {"Fn::And": [{"Condition": "A"}]}},
            {"Fn::If": ["A", "a", "b"]},
            "Conditions/A/Fn::And",
            "Fn::And takes a list of 2 to 10 conditions",
        ),
        (
            {"A": "true"},
            {"Fn::If": ["A", "a", "b"]},
            "Conditions/A",
            "a condition is Fn::Equals, Fn::And, Fn::Or, Fn::Not or {'Condition': name}",
        ),
        ({}, {"Fn::If": [["A"], "a", "b"]}, f"{PATH}/Fn::If/0", "a condition is named by a string"),
        ({}, {"Fn::If": ["A", "a"]}, f"{PATH}/Fn::If", "Fn::If takes a list of 3 arguments"),
        (
            {},
            {"Fn::Equals": ["a", "a"]},
            PATH,
            "Fn::Equals is a condition function: it belongs in Conditions, and Fn::If names a condition",
        ),
    ],
    ids=[
        "undeclared",
        "cycle",
        "equals-arity",
        "and-size",
        "not-a-function",
        "name-not-text",
        "if-arity",
        "equals-in-property",
    ],
)
def test_condition_errors(conditions: dict[str, Any], value: Any, path: str, detail: str) -> None:
    error = _failure(value, {"Conditions": conditions})
    assert (error.path, error.detail) == (path, detail)


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------
PARAMETERS = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
        "Count": {"Type": "Number", "Default": 10},
        "Needed": {"Type": "String"},
        "Names": {"Type": "CommaDelimitedList", "Default": "a,b"},
        "Ids": {"Type": "List<Number>", "Default": "1,2"},
        "Version": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/version"},
        "Subnets": {"Type": "AWS::SSM::Parameter::Value<List<String>>", "Default": "/network/subnets"},
    }
}


def test_parameter_values() -> None:
    assert _value({"Ref": "Env"}, PARAMETERS) == "dev"
    assert _value({"Ref": "Count"}, PARAMETERS) == "10"
    assert _value({"Ref": "Names"}, PARAMETERS) == ["a", "b"]
    assert _value({"Ref": "Ids"}, PARAMETERS) == ["1", "2"]
    given = {
        "Env": "prod",
        "Needed": "x",
        "Names": ["c"],
        "Ids": "3,4",
        "Version": "20",
        "Subnets": "s-1,s-2",
    }
    values = [_value({"Ref": name}, PARAMETERS, parameters=given) for name in given]
    assert values == ["prod", "x", ["c"], ["3", "4"], "20", ["s-1", "s-2"]]


@pytest.mark.parametrize(
    ("name", "parameters", "path", "detail"),
    [
        ("Needed", {}, PATH, "parameter 'Needed' has no Default: give its value in parameters="),
        (
            "Version",
            {},
            PATH,
            "parameter 'Version' is read from SSM Parameter Store (AWS::SSM::Parameter::Value<String>): give its value in parameters=",
        ),
        (
            "Env",
            {"Env": "staging"},
            PATH,
            "parameter 'Env' is 'staging', not one of its AllowedValues ['dev', 'prod']",
        ),
        (
            "Env",
            {"Nope": "x"},
            "Parameters",
            "parameter 'Nope' is given but not declared (declared: Env, Count, Needed, Names, Ids, Version, Subnets)",
        ),
        ("Env", {"Env": 3}, "Parameters/Env", "the value given for parameter 'Env' is not text"),
    ],
    ids=["no-default", "ssm", "allowed-values", "undeclared", "not-text"],
)
def test_parameter_errors(name: str, parameters: dict[str, Any], path: str, detail: str) -> None:
    error = _failure({"Ref": name}, PARAMETERS, parameters=parameters)
    assert (error.path, error.detail) == (path, detail)


def test_a_malformed_list_default_is_refused_where_it_is_declared() -> None:
    document = {"Parameters": {"Names": {"Type": "CommaDelimitedList", "Default": {"a": 1}}}}
    error = _failure({"Fn::Join": [",", {"Ref": "Names"}]}, document)
    assert (error.path, error.detail) == (
        "Parameters/Names",
        "parameter 'Names' (CommaDelimitedList) takes a comma-delimited string",
    )


# --------------------------------------------------------------------------------------------
# Resources: Ref and Fn::GetAtt placeholders
# --------------------------------------------------------------------------------------------
N = f"s-R-{SUFFIX}"
REGION_ACCOUNT = "us-east-1:123456789012"

PLACEHOLDERS = [
    ("AWS::Lambda::Function", {}, None, N),
    ("AWS::Lambda::Function", {}, "Arn", f"arn:aws:lambda:{REGION_ACCOUNT}:function:{N}"),
    (
        "AWS::Lambda::Function",
        {"FunctionName": "orders"},
        "Arn",
        f"arn:aws:lambda:{REGION_ACCOUNT}:function:orders",
    ),
    ("AWS::Serverless::Function", {}, "Arn", f"arn:aws:lambda:{REGION_ACCOUNT}:function:{N}"),
    ("AWS::SQS::Queue", {}, None, f"https://sqs.us-east-1.amazonaws.com/123456789012/{N}"),
    ("AWS::SQS::Queue", {"FifoQueue": "true"}, "QueueName", f"{N}.fifo"),
    (
        "AWS::SQS::Queue",
        {"QueueName": "jobs.fifo", "FifoQueue": True},
        "Arn",
        f"arn:aws:sqs:{REGION_ACCOUNT}:jobs.fifo",
    ),
    ("AWS::SNS::Topic", {}, None, f"arn:aws:sns:{REGION_ACCOUNT}:{N}"),
    ("AWS::SNS::Topic", {"TopicName": "alerts"}, "TopicName", "alerts"),
    ("AWS::DynamoDB::Table", {}, None, N),
    (
        "AWS::DynamoDB::Table",
        {"TableName": "orders"},
        "Arn",
        f"arn:aws:dynamodb:{REGION_ACCOUNT}:table/orders",
    ),
    (
        "AWS::DynamoDB::Table",
        {"TableName": "t"},
        "StreamArn",
        f"arn:aws:dynamodb:{REGION_ACCOUNT}:table/t/stream/1970-01-01T00:00:00.000",
    ),
    ("AWS::Serverless::SimpleTable", {}, None, N),
    ("AWS::S3::Bucket", {}, None, N.lower()),
    ("AWS::S3::Bucket", {"BucketName": "data"}, "Arn", "arn:aws:s3:::data"),
    ("AWS::S3::Bucket", {"BucketName": "data"}, "RegionalDomainName", "data.s3.us-east-1.amazonaws.com"),
    ("AWS::StepFunctions::StateMachine", {}, None, f"arn:aws:states:{REGION_ACCOUNT}:stateMachine:{N}"),
    ("AWS::StepFunctions::StateMachine", {"StateMachineName": "m"}, "Name", "m"),
    (
        "AWS::Serverless::StateMachine",
        {"Name": "m"},
        "Arn",
        f"arn:aws:states:{REGION_ACCOUNT}:stateMachine:m",
    ),
    (
        "AWS::StepFunctions::Activity",
        {"Name": "work"},
        None,
        f"arn:aws:states:{REGION_ACCOUNT}:activity:work",
    ),
    ("AWS::IAM::Role", {}, None, N),
    ("AWS::IAM::Role", {"RoleName": "r"}, "Arn", "arn:aws:iam::123456789012:role/r"),
    (
        "AWS::IAM::Role",
        {"RoleName": "r", "Path": "/service-role/"},
        "Arn",
        "arn:aws:iam::123456789012:role/service-role/r",
    ),
    ("AWS::IAM::Role", {}, "RoleId", f"AROA{stable_suffix('s', 'R', 17)}"),
    ("AWS::Events::EventBus", {"Name": "bus"}, None, "bus"),
    ("AWS::Events::EventBus", {"Name": "bus"}, "Arn", f"arn:aws:events:{REGION_ACCOUNT}:event-bus/bus"),
    (
        "AWS::ECS::TaskDefinition",
        {"Family": "web"},
        None,
        f"arn:aws:ecs:{REGION_ACCOUNT}:task-definition/web:1",
    ),
    ("AWS::Kinesis::Stream", {"Name": "ignored"}, None, N),
    ("AWS::Kinesis::Stream", {}, "Arn", f"arn:aws:kinesis:{REGION_ACCOUNT}:stream/{N}"),
    ("AWS::Kinesis::Stream", {}, "StreamArn", f"arn:aws:kinesis:{REGION_ACCOUNT}:stream/{N}"),
    ("AWS::Lambda::Function", {}, "SnapStartResponse.ApplyOn", f"{N}-SnapStartResponse.ApplyOn"),
    ("Custom::Seeder", {}, "Arn", f"arn:aws:custom:{REGION_ACCOUNT}:seeder/{N}"),
]


@pytest.mark.parametrize(("kind", "properties", "attribute", "expected"), PLACEHOLDERS)
def test_resource_placeholders(
    kind: str, properties: dict[str, Any], attribute: str | None, expected: str
) -> None:
    value = {"Ref": "R"} if attribute is None else {"Fn::GetAtt": ["R", attribute]}
    assert _value(value, _resource(kind, properties)) == expected


def test_placeholders_are_stable_and_realistic() -> None:
    # The suffix is pinned: a change would change every user's loaded definitions.
    assert stable_suffix("test-stack", "Fn") == "JLNL6S5FOGHJ"
    assert stable_suffix("s", "R") != stable_suffix("t", "R") != stable_suffix("s", "S")
    long_stack = Place(region="us-east-1", account="123456789012", stack_name="a-very-long-stack-name-" * 3)
    name = _value({"Ref": "R"}, _resource("AWS::Lambda::Function"), place=long_stack)
    assert len(name) == 64
    assert name.endswith("-" + stable_suffix(long_stack.stack_name, "R"))


def test_get_att_forms_and_errors() -> None:
    document = {
        "Parameters": {"Attr": {"Type": "String", "Default": "TopicName"}},
        **_resource("AWS::SNS::Topic"),
    }
    assert _value({"Fn::GetAtt": "R.TopicArn"}, document) == f"arn:aws:sns:{REGION_ACCOUNT}:{N}"
    assert _value({"Fn::GetAtt": ["R", {"Ref": "Attr"}]}, document) == N
    error = _failure({"Fn::GetAtt": ["Gone", "Arn"]})
    assert (error.path, error.detail) == (
        PATH,
        "Fn::GetAtt of 'Gone': the template declares no resource of that name",
    )
    error = _failure({"Fn::GetAtt": "R"}, document)
    assert (error.path, error.detail) == (
        f"{PATH}/Fn::GetAtt",
        "Fn::GetAtt takes a logical id and an attribute: 'Resource.Attribute'",
    )
    error = _failure({"Fn::GetAtt": [["R"], "Arn"]}, document)
    assert (error.path, error.detail) == (f"{PATH}/Fn::GetAtt/0", "Fn::GetAtt takes a resource's logical id")


def test_sam_generated_roles_can_be_named() -> None:
    document: dict[str, Any] = {
        "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "h"}}}
    }
    assert (
        _value({"Fn::GetAtt": ["FnRole", "Arn"]}, document)
        == f"arn:aws:iam::123456789012:role/s-FnRole-{stable_suffix('s', 'FnRole')}"
    )
    document["Resources"]["Fn"]["Properties"]["Role"] = "arn:aws:iam::123456789012:role/given"
    assert "no resource" in _failure({"Fn::GetAtt": ["FnRole", "Arn"]}, document).detail


def test_a_name_that_refers_to_its_own_resource_is_refused() -> None:
    document = _resource("AWS::Lambda::Function", {"FunctionName": {"Fn::Sub": "${R.Arn}-x"}})
    error = _failure({"Fn::GetAtt": ["R", "Arn"]}, document)
    assert (error.path, error.detail) == (
        "Resources/R/Properties/FunctionName",
        "the FunctionName of 'R' refers to 'R' itself",
    )


def test_other_parts_of_the_template_are_never_resolved() -> None:
    document = _resource("AWS::EC2::Subnet", {"CidrBlock": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}})
    assert _value({"Ref": "R"}, document) == N


# --------------------------------------------------------------------------------------------
# Unsupported functions
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Fn::Cidr", "Fn::Transform", "Fn::ToJsonString", "Fn::Frobnicate"])
def test_unsupported_functions_are_named_with_the_supported_ones(name: str) -> None:
    error = _failure({"Fn::Join": ["", [{name: "x"}]]})
    assert error.path == f"{PATH}/Fn::Join/1/0"
    assert error.detail == (
        f"{name} is not an intrinsic function this loader resolves (it resolves: Fn::Base64, Fn::FindInMap, "
        "Fn::GetAZs, Fn::GetAtt, Fn::If, Fn::ImportValue, Fn::Join, Fn::Select, Fn::Split, Fn::Sub, Ref)"
    )


def test_a_section_that_is_not_an_object_is_refused() -> None:
    error = _failure({"Ref": "AWS::Region"}, {"Conditions": ["A"]})
    assert (error.path, error.detail) == ("Conditions", "the Conditions section is an object")


# --------------------------------------------------------------------------------------------
# YAML short tags
# --------------------------------------------------------------------------------------------
YAML = """\
AWSTemplateFormatVersion: 2010-09-09
Values:
  - !Ref Name
  - !Condition IsProd
  - !Sub "${AWS::Region}-x"
  - !Sub ["${A}", {A: b}]
  - !GetAtt Resource.Attribute.With.Dots
  - !GetAtt [Resource, Arn]
  - !Join ["", [a, !Ref B]]
  - !Select [0, !Split [",", "a,b"]]
  - !If [IsProd, !Ref AWS::NoValue, x]
  - !Equals [!Ref Env, prod]
  - !And [!Condition A, !Or [!Condition B, !Not [!Condition C]]]
  - !FindInMap [Map, Top, Second]
  - !Base64 text
  - !ImportValue {Fn::Sub: "${AWS::StackName}-export"}
  - !GetAZs ""
  - !Frobnicate x
  - 2016-03-14T01:59:00Z
"""


def test_yaml_short_tags_become_their_long_form() -> None:
    document = parse_template(YAML, "template.yaml")
    assert document["AWSTemplateFormatVersion"] == "2010-09-09"
    assert document["Values"] == [
        {"Ref": "Name"},
        {"Condition": "IsProd"},
        {"Fn::Sub": "${AWS::Region}-x"},
        {"Fn::Sub": ["${A}", {"A": "b"}]},
        {"Fn::GetAtt": ["Resource", "Attribute.With.Dots"]},
        {"Fn::GetAtt": ["Resource", "Arn"]},
        {"Fn::Join": ["", ["a", {"Ref": "B"}]]},
        {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]},
        {"Fn::If": ["IsProd", {"Ref": "AWS::NoValue"}, "x"]},
        {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        {
            "Fn::And": [
                {"Condition": "A"},
                {"Fn::Or": [{"Condition": "B"}, {"Fn::Not": [{"Condition": "C"}]}]},
            ]
        },
        {"Fn::FindInMap": ["Map", "Top", "Second"]},
        {"Fn::Base64": "text"},
        {"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}-export"}},
        {"Fn::GetAZs": ""},
        {"Fn::Frobnicate": "x"},
        "2016-03-14T01:59:00Z",
    ]


def test_an_unknown_yaml_tag_is_refused_at_its_path(tmp_path: Any) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  Machine:\n"
        "    Type: AWS::StepFunctions::StateMachine\n"
        "    Properties:\n"
        "      DefinitionString: !Join ['', ['{', !Frobnicate x, '}']]\n"
    )
    with pytest.raises(TemplateError) as caught:
        load_definition_from_template(template)
    assert caught.value.path == f"{PATH}/Fn::Join/1/1"
    assert caught.value.detail.startswith("Fn::Frobnicate is not an intrinsic function this loader resolves")
