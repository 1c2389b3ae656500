"""Definitions from CloudFormation, SAM and CDK templates: real-shaped templates, end to end.

The templates in ``templates/`` are written for these tests in the shapes the tools emit: a SAM
application laid out as ``sam init`` makes one (DefinitionUri files beside the template,
DefinitionSubstitutions), a SAM template with the definition inline, plain CloudFormation in YAML
(``!Sub``, ``!Join``) and in JSON (``Definition`` objects), and a ``cdk.out`` template whose
DefinitionString is the ``Fn::Join`` of string pieces, ``Ref`` and ``Fn::GetAtt`` CDK writes.
Every definition loaded is checked by the interpreter's validator, and one state of each runs
through the TestState operation (or the Flask app) to show the result is usable as it is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

import teststate.toolkit
from interpreter import load_definition
from teststate.operations import test_state as operations
from teststate.toolkit.cloudformation import (
    MSG_NO_DEFINITION,
    MSG_SAM_BOTH,
    MSG_SAM_NEITHER,
    MSG_SEVERAL_DEFINITIONS,
    TemplateError,
    load_definition_from_template,
    state_machines_in_template,
)
from teststate.validation.request import load_test_state_request

TEMPLATES = Path(__file__).parent / "templates"
SAM_APP = TEMPLATES / "sam-app" / "template.yaml"
SAM_INLINE = TEMPLATES / "sam-inline-definition.yaml"
CFN_SUB = TEMPLATES / "cloudformation-sub.yaml"
CFN_DEFINITION = TEMPLATES / "cloudformation-definition.json"
CDK = TEMPLATES / "cdk.out" / "OrderPipelineStack.template.json"
CDK_MACHINE = "OrderPipelineStateMachine8B1D3F5A"
CDK_CHILD = "FulfilmentStateMachine0D2C4B6A"

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
HEADERS = {"X-Amz-Target": "AWSStepFunctions.TestState", "Content-Type": "application/x-amz-json-1.0"}


def _valid(text: str) -> dict[str, Any]:
    """The definition, after the interpreter's validator accepted it for each top-level state."""
    definition: dict[str, Any] = json.loads(text)
    for name in definition["States"]:
        assert load_definition(text, name).state_name == name
    return definition


def _test_state(text: str, state_name: str, **members: Any) -> dict[str, Any]:
    request = load_test_state_request({"definition": text, "stateName": state_name, **members})
    return operations.test_state(request, region="us-east-1")


def _error(template: Any, logical_id: str | None = None, **options: Any) -> TemplateError:
    with pytest.raises(TemplateError) as caught:
        load_definition_from_template(template, logical_id, **options)
    return caught.value


def _machine(
    properties: dict[str, Any], kind: str = "AWS::StepFunctions::StateMachine", **extra: Any
) -> dict[str, Any]:
    return {"Resources": {"Machine": {"Type": kind, "Properties": properties}, **extra}}


PASS_MACHINE = '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}'


# --------------------------------------------------------------------------------------------
# Listing
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (SAM_APP, ["OrderFulfilmentStateMachine", "RefundStateMachine"]),
        (SAM_INLINE, ["ImageWorkflow"]),
        (CFN_SUB, ["PaymentsMachine", "RefundsMachine", "AuditMachine"]),
        (CFN_DEFINITION, ["ChildMachine", "JobMachine", "ArchivedMachine"]),
        (CDK, [CDK_CHILD, CDK_MACHINE]),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else None,
)
def test_state_machines_are_listed_in_template_order(template: Path, expected: list[str]) -> None:
    assert state_machines_in_template(template) == expected
    assert state_machines_in_template(str(template)) == expected


def test_a_parsed_template_is_accepted_too() -> None:
    document = json.loads(CDK.read_text())
    assert state_machines_in_template(document) == [CDK_CHILD, CDK_MACHINE]
    assert load_definition_from_template(document, CDK_MACHINE) == load_definition_from_template(
        CDK, CDK_MACHINE
    )


# --------------------------------------------------------------------------------------------
# SAM: DefinitionUri files and DefinitionSubstitutions
# --------------------------------------------------------------------------------------------
def test_sam_definition_uri_is_read_beside_the_template_and_substituted() -> None:
    text = load_definition_from_template(SAM_APP, "OrderFulfilmentStateMachine")
    states = _valid(text)["States"]
    suffix = "test-stack-CheckStockFunction-"
    assert states["Check Stock"]["Resource"].startswith(LAMBDA_ARN + suffix)
    assert states["Check Stock"]["Retry"][0]["MaxAttempts"] == 2  # !If [IsProd, 6, 2], Stage=dev
    assert states["Charge Customer"]["Parameters"]["FunctionName"] == "test-stack-charge-customer"
    assert states["Record Order"]["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert states["Record Order"]["Parameters"]["TableName"].startswith("test-stack-OrdersTable-")
    assert states["Announce Order"]["Parameters"]["TopicArn"].startswith(
        "arn:aws:sns:us-east-1:123456789012:test-stack-OrderEventsTopic-"
    )
    # A JSON file is used as written (CloudFormation keeps the text it read), only substituted.
    written = (SAM_APP.parent / "statemachine" / "order_fulfilment.asl.json").read_text()
    assert text.splitlines()[:4] == written.splitlines()[:4]
    assert "${" not in text


def test_sam_parameters_region_account_and_stack_name_reach_the_definition() -> None:
    text = load_definition_from_template(
        SAM_APP,
        "OrderFulfilmentStateMachine",
        parameters={"Stage": "prod"},
        region="cn-north-1",
        account="111122223333",
        stack_name="shop",
    )
    states = _valid(text)["States"]
    assert states["Check Stock"]["Retry"][0]["MaxAttempts"] == 6
    assert states["Check Stock"]["Resource"].startswith(
        "arn:aws-cn:lambda:cn-north-1:111122223333:function:shop-"
    )
    assert states["Record Order"]["Resource"] == "arn:aws-cn:states:::dynamodb:putItem"
    assert states["Charge Customer"]["Parameters"]["FunctionName"] == "shop-charge-customer"


def test_a_yaml_definition_file_becomes_json_with_sorted_keys() -> None:
    text = load_definition_from_template(SAM_APP, "RefundStateMachine")
    definition = _valid(text)
    assert list(definition) == sorted(definition)
    queue = definition["States"]["Queue Refund"]["Arguments"]["QueueUrl"]
    assert queue.startswith("https://sqs.us-east-1.amazonaws.com/123456789012/test-stack-RefundQueue-")
    assert queue.endswith(".fifo")  # a FIFO queue's generated name ends in .fifo
    bucket = definition["States"]["Keep Audit Copy"]["Arguments"]["Bucket"]
    assert bucket == bucket.lower()  # bucket names are lower case
    # YAML timestamps stay text: a definition is JSON.
    assert definition["States"]["Keep Audit Copy"]["Output"]["requestedAt"] == "2024-05-01T09:30:00Z"


def test_a_sam_choice_state_runs_through_test_state() -> None:
    text = load_definition_from_template(SAM_APP, "OrderFulfilmentStateMachine")
    answer = _test_state(text, "In Stock?", input='{"available": true}')
    assert answer == {"status": "SUCCEEDED", "nextState": "Charge Customer", "output": '{"available":true}'}


def test_a_sam_task_with_a_mock_runs_through_the_flask_app(client: Any) -> None:
    text = load_definition_from_template(SAM_APP, "OrderFulfilmentStateMachine")
    body = {
        "definition": text,
        "stateName": "Charge Customer",
        "input": '{"orderId": "o-1"}',
        "mock": {"result": '{"Payload": {"amount": 42}, "StatusCode": 200}'},
    }
    answer = client.post("/", data=json.dumps(body), headers=HEADERS)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    payload = json.loads(answer.get_data())
    assert payload["status"] == "SUCCEEDED"
    assert payload["nextState"] == "Record Order"
    assert json.loads(payload["output"]) == {"orderId": "o-1", "payment": {"charge": {"amount": 42}}}


# --------------------------------------------------------------------------------------------
# SAM: Definition inline
# --------------------------------------------------------------------------------------------
def test_sam_inline_definition_is_written_as_sam_writes_it() -> None:
    text = load_definition_from_template(SAM_INLINE)
    assert text.startswith('{\n    "Comment": "Thumbnails for test in us-east-1",\n    "StartAt"')
    states = _valid(text)["States"]
    assert list(states) == sorted(states)
    thumbnail = states["Make Thumbnails"]["ItemProcessor"]["States"]["Make Thumbnail"]["Parameters"]
    assert thumbnail["FunctionName"].startswith(LAMBDA_ARN + "test-stack-ThumbnailFunction-")
    assert thumbnail["Payload"]["bucket"].startswith("test-stack-imagesbucket-")
    assert thumbnail["Payload"]["size"] == "128"  # a substitution inside a JSON string stays a string
    body = states["Report"]["Parameters"]["MessageBody"]
    assert body == {
        "batchSize": "10",  # Ref of a Number parameter is text
        "count.$": "States.ArrayLength($.thumbnails)",
        "environment": "test",
        "logLevel": "DEBUG",
        "notify": "ops@example.com",
        "signature": "dGh1bWJuYWlscw==",
    }
    assert states["Report"]["Parameters"]["QueueUrl"].endswith(".fifo")
    assert states["Wait For Quiet Hours"]["Timestamp"] == "2030-01-01T02:00:00Z"
    assert states["Summarise"]["Output"]["stack"] == "test-stack"


def test_sam_inline_conditions_mappings_and_list_parameters_follow_the_parameters() -> None:
    text = load_definition_from_template(
        SAM_INLINE,
        parameters={"Environment": "prod", "NotifyEmails": ["pager@example.com"], "BatchSize": "50"},
    )
    body = _valid(text)["States"]["Report"]["Parameters"]["MessageBody"]
    assert (body["environment"], body["logLevel"], body["notify"], body["batchSize"]) == (
        "production",
        "ERROR",
        "pager@example.com",
        "50",
    )


def test_a_jsonata_pass_state_of_an_inline_definition_runs() -> None:
    text = load_definition_from_template(SAM_INLINE)
    answer = _test_state(text, "Summarise", input='{"thumbnails": [1, 2, 3]}')
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"stack": "test-stack", "count": 3}


# --------------------------------------------------------------------------------------------
# CloudFormation: DefinitionString with !Sub and !Join, Definition objects
# --------------------------------------------------------------------------------------------
def test_definition_string_with_sub_resolves_pseudo_parameters_and_attributes() -> None:
    text = load_definition_from_template(CFN_SUB, "PaymentsMachine", stack_name="payments-prod")
    definition = _valid(text)
    assert definition["Comment"] == "Payments for payments-prod in account 123456789012, region us-east-1"
    states = definition["States"]
    assert states["Process Payment"]["Resource"].startswith(
        LAMBDA_ARN + "payments-prod-ProcessPaymentFunction-"
    )
    assert states["Save Payment"]["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert states["Save Payment"]["Parameters"]["TableName"] == "payments"  # its TableName: !Ref TableName
    assert states["Save Payment"]["Parameters"]["Item"]["note"] == {"S": "${NotAVariable} stays as written"}


def test_definition_string_with_sub_and_variables() -> None:
    text = load_definition_from_template(
        CFN_SUB,
        "RefundsMachine",
        imports={"shared-refund-reason": "duplicate"},
        parameters={"Subnets": "subnet-9"},
    )
    refund = _valid(text)["States"]["Refund"]
    assert refund["Parameters"]["FunctionName"].startswith(LAMBDA_ARN + "test-stack-ProcessPaymentFunction-")
    assert refund["Parameters"]["Payload"] == {"reason": "duplicate", "subnet": "subnet-9"}
    assert refund["TimeoutSeconds"] == 30
    # An export nobody gave stands for itself.
    default = json.loads(load_definition_from_template(CFN_SUB, "RefundsMachine"))
    assert default["States"]["Refund"]["Parameters"]["Payload"] == {
        "reason": "shared-refund-reason",
        "subnet": "subnet-0a1b2c3d",
    }


def test_a_machine_whose_condition_is_false_is_refused_until_the_parameters_make_it_true() -> None:
    error = _error(CFN_SUB, "AuditMachine")
    assert error.path == "Resources/AuditMachine/Condition"
    assert "condition 'WithAudit' is false" in error.detail
    text = load_definition_from_template(CFN_SUB, "AuditMachine", parameters={"CreateAuditMachine": "true"})
    audit = _valid(text)["States"]["Audit"]
    assert audit["Result"] == {"table": "payments", "zone": "us-east-1b"}
    assert audit["Comment"] == "${Literal} from test-stack"


def test_a_sub_definition_task_runs_with_a_mock() -> None:
    text = load_definition_from_template(CFN_SUB, "PaymentsMachine")
    answer = _test_state(text, "Save Payment", input='{"paymentId": "p-7"}', mock={"result": "{}"})
    assert answer == {"status": "SUCCEEDED", "output": '{"paymentId":"p-7"}'}


def test_a_definition_object_is_written_with_sorted_keys_and_substituted() -> None:
    text = load_definition_from_template(CFN_DEFINITION, "JobMachine", parameters={"AlertTopicName": ""})
    assert text.startswith('{\n  "StartAt": "Take Job",\n  "States": {\n    "Queue Result"')
    states = _valid(text)["States"]
    assert states["Take Job"]["Resource"] == "arn:aws:states:us-east-1:123456789012:activity:worker"
    assert states["Take Job"]["Comment"] == "A worker has 300 seconds"
    body = states["Queue Result"]["Parameters"]["MessageBody"]
    assert "alerts" not in body  # Fn::If to AWS::NoValue removes the key
    assert body["limit"] == "5"
    assert body["verbose"] == "true"
    assert body["owner"] == "team-test"
    assert body["queueArn"] == "arn:aws:sqs:us-east-1:123456789012:test-stack-jobs"
    assert (
        states["Queue Result"]["Parameters"]["QueueUrl"]
        == "https://sqs.us-east-1.amazonaws.com/123456789012/test-stack-jobs"
    )
    assert body["bucketArn"] == "arn:aws:s3:::" + body["bucket"]
    child = states["Start Child"]["Parameters"]["StateMachineArn"]
    assert child.startswith("arn:aws:states:us-east-1:123456789012:stateMachine:test-stack-ChildMachine-")


def test_a_definition_object_follows_conditions_on_parameters() -> None:
    text = load_definition_from_template(
        CFN_DEFINITION, "JobMachine", parameters={"AlertTopicName": "alerts", "Stage": "prod"}
    )
    body = _valid(text)["States"]["Queue Result"]["Parameters"]["MessageBody"]
    assert body["alerts"] == "arn:aws:sns:us-east-1:123456789012:alerts"
    assert (body["limit"], body["owner"]) == ("60", "team-prod")


def test_an_activity_task_of_a_definition_object_runs_with_a_mock(client: Any) -> None:
    text = load_definition_from_template(CFN_DEFINITION, "JobMachine", parameters={"AlertTopicName": ""})
    body = {"definition": text, "stateName": "Take Job", "input": "{}", "mock": {"result": '{"done": true}'}}
    answer = client.post("/", data=json.dumps(body), headers=HEADERS)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert json.loads(answer.get_data()) == {
        "status": "SUCCEEDED",
        "nextState": "Queue Result",
        "output": '{"done":true}',
    }


# --------------------------------------------------------------------------------------------
# CDK: DefinitionString as Fn::Join of pieces, Ref and Fn::GetAtt
# --------------------------------------------------------------------------------------------
def test_a_cdk_template_with_two_machines_needs_a_logical_id() -> None:
    error = _error(CDK)
    assert error.path == ""
    assert error.detail == f"the template has 2 state machines, name one: {CDK_CHILD}, {CDK_MACHINE}"


def test_a_cdk_join_definition_resolves_every_token() -> None:
    text = load_definition_from_template(CDK, CDK_MACHINE)
    states = _valid(text)["States"]
    assert states["Validate Order"]["Resource"] == "arn:aws:states:::lambda:invoke"
    assert states["Validate Order"]["Parameters"]["FunctionName"].startswith(
        LAMBDA_ARN + "test-stack-ValidateOrderFunction5A8B2C3D-"
    )
    assert states["Load Customer"]["Parameters"]["TableName"].startswith("test-stack-CustomersTable3C5B7F9A-")
    assert states["Manual Review"]["Resource"] == (
        "arn:aws:states:us-east-1:123456789012:activity:OrderPipelineStackReviewActivity2A4C6E8B"
    )
    assert states["Fulfil Priority"]["Parameters"]["StateMachineArn"].startswith(
        "arn:aws:states:us-east-1:123456789012:stateMachine:test-stack-FulfilmentStateMachine0D2C4B6A-"
    )
    assert states["Fulfil Standard"]["Parameters"]["QueueUrl"].startswith(
        "https://sqs.us-east-1.amazonaws.com/123456789012/test-stack-FulfilmentQueue2B6D8E1F-"
    )
    publish, put_event = (branch["States"] for branch in states["Notify"]["Branches"])
    assert (
        publish["Publish Order"]["Parameters"]["TopicArn"]
        == "arn:aws:sns:us-east-1:123456789012:order-events"
    )
    entry = put_event["Put Order Event"]["Parameters"]["Entries"][0]
    assert (
        entry["EventBusName"]
        == "arn:aws:events:us-east-1:123456789012:event-bus/OrderPipelineStackOrderBus6C1D2E3F"
    )


def test_a_cdk_join_definition_is_the_pieces_joined() -> None:
    pieces = json.loads(CDK.read_text())["Resources"][CDK_MACHINE]["Properties"]["DefinitionString"][
        "Fn::Join"
    ][1]
    strings = [piece for piece in pieces if isinstance(piece, str)]
    text = load_definition_from_template(CDK, CDK_MACHINE)
    position = 0
    for string in strings:  # the literal pieces appear in order, the tokens between them
        found = text.index(string, position)
        position = found + len(string)
    assert position == len(text)


def test_a_cdk_definition_follows_the_partition_of_the_region() -> None:
    text = load_definition_from_template(CDK, CDK_MACHINE, region="us-gov-west-1")
    states = _valid(text)["States"]
    assert states["Validate Order"]["Resource"] == "arn:aws-us-gov:states:::lambda:invoke"
    assert states["Validate Order"]["Parameters"]["FunctionName"].startswith(
        "arn:aws-us-gov:lambda:us-gov-west-1:"
    )


def test_a_cdk_plain_definition_string_is_returned_as_it_is() -> None:
    document = json.loads(CDK.read_text())
    assert (
        load_definition_from_template(CDK, CDK_CHILD)
        == document["Resources"][CDK_CHILD]["Properties"]["DefinitionString"]
    )


def test_cdk_states_run_through_the_flask_app(client: Any) -> None:
    text = load_definition_from_template(CDK, CDK_MACHINE)

    def call(**members: Any) -> dict[str, Any]:
        answer = client.post("/", data=json.dumps({"definition": text, **members}), headers=HEADERS)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        payload: dict[str, Any] = json.loads(answer.get_data())
        return payload

    gold = {"customer": {"Item": {"tier": {"S": "gold"}}}}
    assert call(stateName="Route Order", input=json.dumps(gold))["nextState"] == "Fulfil Priority"
    loaded = call(
        stateName="Load Customer",
        input='{"customerId": "c-1"}',
        mock={"result": json.dumps({"Item": {"customerId": {"S": "c-1"}, "tier": {"S": "gold"}}})},
    )
    assert loaded["nextState"] == "Route Order"
    assert json.loads(loaded["output"])["customer"]["Item"]["tier"] == {"S": "gold"}


# --------------------------------------------------------------------------------------------
# Choosing the machine
# --------------------------------------------------------------------------------------------
def test_a_missing_logical_id_lists_the_state_machines() -> None:
    error = _error(CDK, "Nope")
    assert error.path == "Resources/Nope"
    assert (
        error.detail == f"the template has no resource 'Nope'; its state machines: {CDK_CHILD}, {CDK_MACHINE}"
    )


def test_a_logical_id_that_is_not_a_state_machine_is_refused() -> None:
    error = _error(CDK, "OrderTopic9D1E4C7B")
    assert error.path == "Resources/OrderTopic9D1E4C7B/Type"
    assert error.detail.startswith("'OrderTopic9D1E4C7B' is a AWS::SNS::Topic, not a state machine")


def test_a_template_without_state_machines_is_refused() -> None:
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    assert state_machines_in_template(template) == []
    error = _error(template)
    assert error.path == "Resources"
    assert "the template has no state machine" in error.detail
    assert "none" in _error(template, "Machine").detail


# --------------------------------------------------------------------------------------------
# Definition properties refused
# --------------------------------------------------------------------------------------------
def test_definition_s3_location_is_refused_with_where_the_definition_is() -> None:
    error = _error(CFN_DEFINITION, "ArchivedMachine")
    assert error.path == "Resources/ArchivedMachine/Properties/DefinitionS3Location"
    assert error.detail.startswith(
        "DefinitionS3Location points to S3 (s3://shared-definitions/archive/v3.asl.json): "
        "the definition is not in the template."
    )


@pytest.mark.parametrize(
    ("properties", "path", "detail"),
    [
        ({}, "Resources/Machine/Properties", MSG_NO_DEFINITION),
        (
            {"DefinitionString": PASS_MACHINE, "Definition": {"StartAt": "P"}},
            "Resources/Machine/Properties",
            MSG_SEVERAL_DEFINITIONS,
        ),
        (
            {"DefinitionString": {"Fn::Split": [",", "a,b"]}},
            "Resources/Machine/Properties/DefinitionString",
            "DefinitionString resolves to a list, not a string",
        ),
        (
            {"Definition": PASS_MACHINE},
            "Resources/Machine/Properties/Definition",
            "Definition is an object (DefinitionString takes a string)",
        ),
        (
            {"DefinitionString": PASS_MACHINE, "DefinitionSubstitutions": ["a"]},
            "Resources/Machine/Properties/DefinitionSubstitutions",
            "DefinitionSubstitutions is an object, not a list",
        ),
        (
            {"DefinitionString": PASS_MACHINE, "DefinitionSubstitutions": {"A": ["x"]}},
            "Resources/Machine/Properties/DefinitionSubstitutions/A",
            "a substitution's value is a string, number or boolean, not a list",
        ),
        (
            {"DefinitionString": "${A}", "DefinitionSubstitutions": {"A": "${B}", "B": "${A}"}},
            "Resources/Machine/Properties/DefinitionSubstitutions",
            "the substitutions refer to each other in a cycle",
        ),
    ],
    ids=[
        "none",
        "several",
        "string-not-text",
        "object-is-text",
        "substitutions-list",
        "substitution-list",
        "cycle",
    ],
)
def test_cloudformation_definition_properties_refused(
    properties: dict[str, Any], path: str, detail: str
) -> None:
    error = _error(_machine(properties))
    assert (error.path, error.detail) == (path, detail)


def test_a_definition_property_set_to_no_value_does_not_count() -> None:
    properties = {
        "DefinitionString": PASS_MACHINE,
        "Definition": {"Fn::If": ["Never", {"StartAt": "P"}, {"Ref": "AWS::NoValue"}]},
        "DefinitionSubstitutions": {"Ref": "AWS::NoValue"},
    }
    template = _machine(properties)
    template["Conditions"] = {"Never": {"Fn::Equals": ["a", "b"]}}
    assert load_definition_from_template(template) == PASS_MACHINE


def test_substitutions_apply_repeatedly_and_leave_other_placeholders() -> None:
    properties = {
        "DefinitionString": '{"Comment":"${Outer} ${Unknown}","StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}',
        "DefinitionSubstitutions": {"Outer": "<${Inner}>", "Inner": 7},
    }
    text = load_definition_from_template(_machine(properties))
    assert json.loads(text)["Comment"] == "<7> ${Unknown}"


@pytest.mark.parametrize(
    ("properties", "path", "detail"),
    [
        ({}, "Resources/Machine/Properties", MSG_SAM_NEITHER),
        (
            {"Definition": {"StartAt": "P"}, "DefinitionUri": "x.json"},
            "Resources/Machine/Properties",
            MSG_SAM_BOTH,
        ),
        (
            {"Definition": {"Fn::If": ["C", {}, {}]}},
            "Resources/Machine/Properties/Definition",
            "Definition is the state machine's definition, an object",
        ),
        (
            {"Definition": {"StartAt": {"Fn::GetAZs": ""}}},
            "Resources/Machine/Properties/Definition/StartAt",
            "an intrinsic function of Definition is a string, number or boolean, not a list",
        ),
        (
            {"DefinitionUri": "s3://bucket/machine.asl.json"},
            "Resources/Machine/Properties/DefinitionUri",
            "DefinitionUri points to S3 (s3://bucket/machine.asl.json): the definition is not in the template. "
            "Load it from a local copy instead (a template whose DefinitionUri is a local file, or the file itself)",
        ),
        (
            {"DefinitionUri": {"Bucket": "bucket", "Key": "machine.asl.json", "Version": "3"}},
            "Resources/Machine/Properties/DefinitionUri",
            "DefinitionUri points to S3 (s3://bucket/machine.asl.json): the definition is not in the template. "
            "Load it from a local copy instead (a template whose DefinitionUri is a local file, or the file itself)",
        ),
        (
            {"DefinitionUri": 7},
            "Resources/Machine/Properties/DefinitionUri",
            "DefinitionUri is the path of a definition file, or an S3 location",
        ),
    ],
    ids=["neither", "both", "intrinsic-definition", "list-value", "s3-uri", "s3-object", "not-a-path"],
)
def test_sam_definition_properties_refused(properties: dict[str, Any], path: str, detail: str) -> None:
    error = _error(_machine(properties, "AWS::Serverless::StateMachine"))
    assert (error.path, error.detail) == (path, detail)


def test_a_missing_definition_file_names_the_property_and_the_file(tmp_path: Path) -> None:
    template = tmp_path / "template.json"
    template.write_text(
        json.dumps(
            _machine({"DefinitionUri": "statemachine/missing.asl.json"}, "AWS::Serverless::StateMachine")
        )
    )
    error = _error(template)
    assert error.path == "Resources/Machine/Properties/DefinitionUri"
    assert error.detail.startswith(
        f"cannot read the definition file {tmp_path / 'statemachine' / 'missing.asl.json'}:"
    )


def test_a_definition_file_that_is_no_object_is_refused(tmp_path: Path) -> None:
    (tmp_path / "machine.asl.yaml").write_text("- just\n- a list\n")
    template = tmp_path / "template.json"
    template.write_text(
        json.dumps(_machine({"DefinitionUri": "machine.asl.yaml"}, "AWS::Serverless::StateMachine"))
    )
    error = _error(template)
    assert error.path == "Resources/Machine/Properties/DefinitionUri"
    assert (
        error.detail
        == f"Invalid StateMachine definition file. ({tmp_path / 'machine.asl.yaml'} holds no object)"
    )
    (tmp_path / "machine.asl.yaml").write_text("StartAt: [unclosed\n")
    assert "is not valid JSON or YAML" in _error(template).detail


def test_a_definition_file_is_substituted_before_it_is_parsed(tmp_path: Path) -> None:
    (tmp_path / "machine.asl.json").write_text(
        '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":${Count},"End":true}}}\r\n'
    )
    template = tmp_path / "template.json"
    properties = {"DefinitionUri": "machine.asl.json", "DefinitionSubstitutions": {"Count": 3}}
    template.write_text(json.dumps(_machine(properties, "AWS::Serverless::StateMachine")))
    text = load_definition_from_template(template)
    assert text == '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":3,"End":true}}}'


# --------------------------------------------------------------------------------------------
# Reading templates
# --------------------------------------------------------------------------------------------
def test_an_unreadable_template_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    assert _error(missing).detail.startswith(f"cannot read the template {missing}:")
    broken = tmp_path / "broken.json"
    broken.write_text('{"Resources": ')
    error = _error(broken)
    assert (error.path, error.detail.split(":")[0]) == ("", f"{broken} is not valid JSON")
    bad_yaml = tmp_path / "broken.yaml"
    bad_yaml.write_text("Resources: [unclosed\n")
    assert _error(bad_yaml).detail.startswith(f"{bad_yaml} is not valid JSON or YAML: ")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    assert "not UTF-8 text" in _error(binary).detail
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text\n")
    assert _error(scalar).detail == f"{scalar} holds no template: its document is not an object"


@pytest.mark.parametrize(
    ("template", "path", "detail"),
    [
        ({}, "Resources", "the template has no Resources object"),
        ({"Resources": {"A": {"Properties": {}}}}, "Resources/A", "a resource is an object with a Type"),
        (
            {"Resources": {"Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": []}}},
            "Resources/Machine/Properties",
            "Properties is an object",
        ),
    ],
    ids=["no-resources", "no-type", "properties-list"],
)
def test_malformed_templates_are_refused(template: dict[str, Any], path: str, detail: str) -> None:
    error = _error(template)
    assert (error.path, error.detail) == (path, detail)


def test_yaml_needs_pyyaml_and_json_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if PyYAML were not installed: its import fails, and the module that needs it is not loaded.
    monkeypatch.setitem(sys.modules, "yaml", None)
    monkeypatch.delitem(sys.modules, "teststate.toolkit.template_yaml", raising=False)
    monkeypatch.delattr(teststate.toolkit, "template_yaml", raising=False)
    error = _error(SAM_INLINE)
    assert error.detail == (
        f"{SAM_INLINE} is not JSON, and reading YAML needs PyYAML: pip install 'teststate[templates]'"
    )
    assert json.loads(load_definition_from_template(CDK, CDK_CHILD))["StartAt"] == "Reserve Stock"


def test_the_error_reads_as_path_and_detail() -> None:
    error = _error(_machine({"DefinitionString": {"Fn::Join": ["", ["a", {"Ref": "Missing"}]]}}))
    assert str(error) == (
        "Resources/Machine/Properties/DefinitionString/Fn::Join/1/1: "
        "Ref to 'Missing': the template declares no parameter or resource 'Missing'"
    )
    assert str(_error(CDK)) == _error(CDK).detail
