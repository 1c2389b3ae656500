"""State machine definitions from CloudFormation, SAM and CDK templates, as the stack would get them.

``load_definition_from_template(template, logical_id)`` returns the definition text CloudFormation
would give Step Functions for a state machine resource of the template, ready for TestState or
CreateStateMachine; ``state_machines_in_template(template)`` lists the state machines. A template
is a path to a JSON or YAML file (YAML short tags such as ``!Sub`` understood; YAML needs PyYAML,
the ``toolkit`` extra), or the template already parsed, as a mapping.

Resource types, and how their definition is built (AWS CloudFormation User Guide,
"AWS::StepFunctions::StateMachine"; AWS SAM Developer Guide, "AWS::Serverless::StateMachine"):

- ``AWS::StepFunctions::StateMachine``: exactly one of ``DefinitionString`` (a string, or an
  intrinsic producing one: the ``Fn::Join`` CDK emits, a ``Fn::Sub``), ``Definition`` (an
  object: written as JSON with its keys sorted, as CloudFormation's resource provider does) and
  ``DefinitionS3Location`` (refused: the definition is not in the template).
- ``AWS::Serverless::StateMachine``: ``Definition`` (an object; SAM turns each intrinsic in it
  into a ``${definition_substitution_N}`` placeholder and writes the object as JSON, keys sorted,
  indented by four) or ``DefinitionUri`` (a local file, relative to the template, read as
  ``sam deploy`` would upload it; an S3 URI or ``{Bucket, Key}`` is refused).
- Both: ``DefinitionSubstitutions`` replace each ``${Name}`` of the definition text, repeatedly
  (a value may hold another placeholder), after intrinsics are resolved; a definition file is
  substituted first and then parsed, JSON first and YAML after.

Intrinsics resolve as `template_intrinsics` describes, resources to the placeholders of
`template_resources`, for the region, account and stack name given (us-east-1, 123456789012 and
``test-stack`` by default). Everything that cannot be loaded is a `TemplateError` naming its path
in the template.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeAlias

from interpreter.jsontypes import JSON
from teststate.toolkit.errors import TemplateError
from teststate.toolkit.template_intrinsics import (
    NO_VALUE,
    ParameterValue,
    Resolver,
    TemplatePath,
    as_text,
    is_intrinsic,
    kind_of,
)
from teststate.toolkit.template_resources import Place

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "DEFAULT_STACK_NAME",
    "STATE_MACHINE_TYPES",
    "ParameterValue",
    "Template",
    "TemplateError",
    "load_definition_from_template",
    "state_machines_in_template",
]

DEFAULT_REGION: Final = "us-east-1"
DEFAULT_ACCOUNT: Final = "123456789012"
DEFAULT_STACK_NAME: Final = "test-stack"
CFN_STATE_MACHINE: Final = "AWS::StepFunctions::StateMachine"
SAM_STATE_MACHINE: Final = "AWS::Serverless::StateMachine"
STATE_MACHINE_TYPES: Final = (CFN_STATE_MACHINE, SAM_STATE_MACHINE)

Template: TypeAlias = str | os.PathLike[str] | Mapping[str, JSON]
"""A template: the path of its file (not its text), or its document already parsed."""

# CloudFormation's resource provider for AWS::StepFunctions::StateMachine
# (github.com/aws-cloudformation/aws-cloudformation-resource-providers-stepfunctions, Constants.java).
MSG_NO_DEFINITION: Final = "Property validation failed. Required key [DefinitionS3Location], [Definition] or [DefinitionString] not found."
MSG_SEVERAL_DEFINITIONS: Final = (
    "Property validation failed. Please use either [DefinitionS3Location], [Definition] or [DefinitionString] "
    "but not both."
)
MSG_INVALID_DEFINITION_FILE: Final = "Invalid StateMachine definition file."
# The SAM translator (github.com/aws/serverless-application-model, stepfunctions/generators.py).
MSG_SAM_BOTH: Final = "Specify either 'Definition' or 'DefinitionUri' property and not both."
MSG_SAM_NEITHER: Final = "Either 'Definition' or 'DefinitionUri' property must be specified."
_CFN_DEFINITION_PROPERTIES: Final = ("DefinitionString", "Definition", "DefinitionS3Location")
_SAM_PLACEHOLDER: Final = "definition_substitution_{}"
_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Source:
    """A template read: its document, the folder its relative paths start from, a name for messages."""

    document: Mapping[str, JSON]
    directory: Path
    name: str


# ---------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------
def state_machines_in_template(template: Template) -> list[str]:
    """The logical ids of the template's state machines, in the template's order.

    Raises:
        TemplateError: the template cannot be read, or has no Resources.
    """
    return _state_machines(_resources(_read(template).document))


def load_definition_from_template(
    template: Template,
    logical_id: str | None = None,
    *,
    parameters: Mapping[str, ParameterValue] | None = None,
    imports: Mapping[str, str] | None = None,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
    stack_name: str = DEFAULT_STACK_NAME,
) -> str:
    """The definition text of a state machine of `template`, as the stack would create it.

    Arguments:
        template: the template file's path, or the parsed template (whose DefinitionUri paths
            are then relative to the current directory).
        logical_id: the state machine's logical id; may be left out when there is only one.
        parameters: values of the template's parameters (a list parameter: a comma-delimited
            string or a list); the others take their ``Default``.
        imports: values of the exports ``Fn::ImportValue`` names; an export not given resolves
            to its own name.
        region, account, stack_name: the stack's, for pseudo parameters and placeholder ARNs.

    Raises:
        TemplateError: the template cannot be read, has no such state machine, or a value the
            definition needs cannot be resolved; the error names the path in the template.
    """
    source = _read(template)
    resources = _resources(source.document)
    chosen = _choose(resources, logical_id)
    resolver = Resolver(
        source.document,
        place=Place(region=region, account=account, stack_name=stack_name),
        parameters=parameters or {},
        imports=imports or {},
    )
    resource = resources[chosen]
    path: TemplatePath = ("Resources", chosen)
    condition = resource.get("Condition")
    if condition is not None and not resolver.condition(condition, (*path, "Condition")):
        raise TemplateError(
            (*path, "Condition"),
            f"condition '{condition}' is false for these parameters: the stack would not create '{chosen}'",
        )
    properties = resource.get("Properties", {})
    if not isinstance(properties, Mapping):
        raise TemplateError((*path, "Properties"), "Properties is an object")
    if resource["Type"] == SAM_STATE_MACHINE:
        return _sam_definition(resolver, properties, (*path, "Properties"), source)
    return _cfn_definition(resolver, properties, (*path, "Properties"))


# ---------------------------------------------------------------------------------------------
# Reading the template, choosing the state machine
# ---------------------------------------------------------------------------------------------
def _read(template: Template) -> _Source:
    if isinstance(template, Mapping):
        return _Source(document=template, directory=Path.cwd(), name="the template")
    path = Path(template)
    text = _read_text(path, "template")
    document: JSON
    try:
        document = json.loads(text)
    except ValueError as error:
        if path.suffix.lower() == ".json":
            raise TemplateError((), f"{path} is not valid JSON: {error}") from None
        document = _parse_yaml(text, str(path), definition=False)
    if not isinstance(document, Mapping):
        raise TemplateError((), f"{path} holds no template: its document is not an object")
    return _Source(document=document, directory=path.parent, name=str(path))


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError((), f"cannot read the {what} {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise TemplateError((), f"cannot read the {what} {path}: not UTF-8 text ({error.reason})") from None


def _parse_yaml(text: str, source: str, *, definition: bool) -> JSON:
    try:
        from teststate.toolkit import template_yaml
    except ModuleNotFoundError as error:
        if error.name != "yaml":
            raise
        raise TemplateError(
            (), f"{source} is not JSON, and reading YAML needs PyYAML: pip install 'teststate[templates]'"
        ) from None
    if definition:
        return template_yaml.parse_definition(text, source)
    return template_yaml.parse_template(text, source)


def _resources(document: Mapping[str, JSON]) -> Mapping[str, Mapping[str, JSON]]:
    resources = document.get("Resources")
    if not isinstance(resources, Mapping):
        raise TemplateError(("Resources",), "the template has no Resources object")
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
            raise TemplateError(("Resources", logical_id), "a resource is an object with a Type")
    return resources


def _state_machines(resources: Mapping[str, Mapping[str, JSON]]) -> list[str]:
    return [
        logical_id for logical_id, resource in resources.items() if resource["Type"] in STATE_MACHINE_TYPES
    ]


def _choose(resources: Mapping[str, Mapping[str, JSON]], logical_id: str | None) -> str:
    machines = _state_machines(resources)
    listed = ", ".join(machines)
    if logical_id is None:
        if len(machines) == 1:
            return machines[0]
        if not machines:
            raise TemplateError(
                ("Resources",),
                f"the template has no state machine (no resource of type {' or '.join(STATE_MACHINE_TYPES)})",
            )
        raise TemplateError((), f"the template has {len(machines)} state machines, name one: {listed}")
    if logical_id not in resources:
        raise TemplateError(
            ("Resources", logical_id),
            f"the template has no resource '{logical_id}'; its state machines: {listed or 'none'}",
        )
    kind = resources[logical_id]["Type"]
    if kind not in STATE_MACHINE_TYPES:
        raise TemplateError(
            ("Resources", logical_id, "Type"),
            f"'{logical_id}' is a {kind}, not a state machine; the template's state machines: {listed or 'none'}",
        )
    return logical_id


# ---------------------------------------------------------------------------------------------
# AWS::StepFunctions::StateMachine
# ---------------------------------------------------------------------------------------------
def _cfn_definition(resolver: Resolver, properties: Mapping[str, JSON], path: TemplatePath) -> str:
    given: dict[str, JSON] = {}
    for name in _CFN_DEFINITION_PROPERTIES:
        if name in properties:
            value = resolver.resolve(properties[name], (*path, name))
            if value is not NO_VALUE:
                given[name] = value
    if not given:
        raise TemplateError(path, MSG_NO_DEFINITION)
    if len(given) > 1:
        raise TemplateError(path, MSG_SEVERAL_DEFINITIONS)
    ((name, value),) = given.items()
    if name == "DefinitionS3Location":
        raise TemplateError((*path, name), _s3_refusal(value, "DefinitionS3Location"))
    if name == "Definition":
        if not isinstance(value, Mapping):
            raise TemplateError((*path, name), "Definition is an object (DefinitionString takes a string)")
        # The resource provider writes the object with Jackson's ORDER_MAP_ENTRIES_BY_KEYS.
        text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    elif isinstance(value, str):
        text = value
    else:
        raise TemplateError((*path, name), f"DefinitionString resolves to {kind_of(value)}, not a string")
    return _substitute(text, _substitutions(resolver, properties, path), (*path, "DefinitionSubstitutions"))


# ---------------------------------------------------------------------------------------------
# AWS::Serverless::StateMachine
# ---------------------------------------------------------------------------------------------
def _sam_definition(
    resolver: Resolver, properties: Mapping[str, JSON], path: TemplatePath, source: _Source
) -> str:
    has_definition = "Definition" in properties
    has_uri = "DefinitionUri" in properties
    if has_definition and has_uri:
        raise TemplateError(path, MSG_SAM_BOTH)
    if not (has_definition or has_uri):
        raise TemplateError(path, MSG_SAM_NEITHER)
    substitutions = _substitutions(resolver, properties, path)
    where: TemplatePath = (*path, "DefinitionSubstitutions")
    if has_definition:
        definition = properties["Definition"]
        if not isinstance(definition, Mapping) or is_intrinsic(definition):
            raise TemplateError(
                (*path, "Definition"), "Definition is the state machine's definition, an object"
            )
        generated: dict[str, str] = {}
        with_placeholders = _placeholders(definition, resolver, (*path, "Definition"), generated)
        # SAM's own placeholders join the template's substitutions (and win over a same name).
        substitutions.update(generated)
        text = json.dumps(with_placeholders, sort_keys=True, indent=4, separators=(",", ": "))
        return _substitute(text, substitutions, where)
    uri_path: TemplatePath = (*path, "DefinitionUri")
    uri = resolver.resolve(properties["DefinitionUri"], uri_path)
    if isinstance(uri, Mapping) or (isinstance(uri, str) and uri.startswith("s3://")):
        raise TemplateError(uri_path, _s3_refusal(uri, "DefinitionUri"))
    if not isinstance(uri, str) or not uri:
        raise TemplateError(uri_path, "DefinitionUri is the path of a definition file, or an S3 location")
    file = source.directory / uri
    try:
        return _definition_file(_read_text(file, "definition file"), str(file), substitutions, where)
    except TemplateError as error:
        raise TemplateError(uri_path, error.detail) from None


def _placeholders(value: JSON, resolver: Resolver, path: TemplatePath, generated: dict[str, str]) -> JSON:
    """`value` with each intrinsic in it replaced by a ``${definition_substitution_N}``, as SAM does.

    SAM numbers them in the order of a walk over sorted keys; `generated` receives each
    placeholder's name and the text its intrinsic resolves to.
    """
    if is_intrinsic(value):
        name = _SAM_PLACEHOLDER.format(len(generated) + 1)
        generated[name] = as_text(resolver.resolve(value, path), path, "an intrinsic function of Definition")
        return "${" + name + "}"
    if isinstance(value, Mapping):
        return {
            key: _placeholders(item, resolver, (*path, key), generated) for key, item in sorted(value.items())
        }
    if isinstance(value, list):
        return [_placeholders(item, resolver, (*path, index), generated) for index, item in enumerate(value)]
    return value


def _definition_file(text: str, name: str, substitutions: Mapping[str, str], path: TemplatePath) -> str:
    """The definition a file gives, as CloudFormation reads one from S3.

    Its lines are joined by ``\\n``, the substitutions are applied, then it is parsed: JSON text
    is used as it is, YAML becomes JSON with its keys sorted.
    """
    text = _substitute("\n".join(_LINE_BREAK.split(text.removesuffix("\n"))), substitutions, path)
    try:
        json.loads(text)
    except ValueError:
        document = _parse_yaml(text, name, definition=True)
        if not isinstance(document, Mapping):
            raise TemplateError(path, f"{MSG_INVALID_DEFINITION_FILE} ({name} holds no object)") from None
        return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)
    return text


# ---------------------------------------------------------------------------------------------
# DefinitionSubstitutions
# ---------------------------------------------------------------------------------------------
def _substitutions(resolver: Resolver, properties: Mapping[str, JSON], path: TemplatePath) -> dict[str, str]:
    where: TemplatePath = (*path, "DefinitionSubstitutions")
    if "DefinitionSubstitutions" not in properties:
        return {}
    resolved = resolver.resolve(properties["DefinitionSubstitutions"], where)
    if resolved is NO_VALUE:
        return {}
    if not isinstance(resolved, Mapping):
        raise TemplateError(where, f"DefinitionSubstitutions is an object, not {kind_of(resolved)}")
    return {
        str(key): as_text(value, (*where, key), "a substitution's value") for key, value in resolved.items()
    }


def _substitute(text: str, substitutions: Mapping[str, str], path: TemplatePath) -> str:
    """Replace each ``${Name}`` of `substitutions`, repeatedly, as the resource provider does.

    The provider calls Apache Commons' ``StringUtils.replaceEachRepeatedly``: whole passes over
    the text until one replaces nothing, at most one more pass than there are substitutions.
    A placeholder that is still there after that (values that refer to each other in a cycle) is
    refused, where CloudFormation fails or leaves it in the definition.
    """
    if not substitutions:
        return text
    names = sorted(substitutions, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape("${" + name + "}") for name in names))

    def replace(match: re.Match[str]) -> str:
        return substitutions[match.group(0)[2:-1]]

    for _ in range(len(substitutions) + 1):
        text, count = pattern.subn(replace, text)
        if count == 0:
            return text
    if pattern.search(text):
        raise TemplateError(path, "the substitutions refer to each other in a cycle")
    return text


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------
def _s3_refusal(location: JSON, name: str) -> str:
    if isinstance(location, Mapping):
        shown = f"s3://{location.get('Bucket', '?')}/{location.get('Key', '?')}"
    else:
        shown = str(location)
    return (
        f"{name} points to S3 ({shown}): the definition is not in the template. "
        "Load it from a local copy instead (a template whose DefinitionUri is a local file, or the file itself)"
    )
