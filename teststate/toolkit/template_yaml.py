"""YAML templates: CloudFormation's short tags (``!Ref``, ``!Sub``, ``!GetAtt``...) as intrinsics.

The only module of the toolkit that imports PyYAML, an optional dependency (the ``templates``
extra): JSON templates load without it, and `cloudformation` imports this module only for YAML.

A short tag becomes the long form it stands for (AWS CloudFormation User Guide, "Intrinsic
function reference"): ``!Ref X`` is ``{"Ref": "X"}``, ``!Condition X`` is ``{"Condition": "X"}``,
every other ``!Name v`` is ``{"Fn::Name": v}``, and ``!GetAtt Res.Attr`` is
``{"Fn::GetAtt": ["Res", "Attr"]}`` (split at the first dot: attribute names may hold dots). A tag
for no function (``!Foo``) becomes ``Fn::Foo`` and is refused when it is resolved, at its path.

Timestamps stay text: YAML 1.1 would turn ``Timestamp: 2016-03-14T01:59:00Z`` (a Wait state) or
``AWSTemplateFormatVersion: 2010-09-09`` into Python dates, which are not JSON.
"""

from __future__ import annotations

from typing import Any

import yaml

from teststate.toolkit.errors import TemplateError

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# Short tags whose long form has no ``Fn::`` prefix.
_UNPREFIXED = frozenset({"Ref", "Condition"})


class _TemplateLoader(yaml.SafeLoader):
    """PyYAML's safe loader, with CloudFormation's short tags and timestamps as text."""


class _DefinitionLoader(yaml.SafeLoader):
    """PyYAML's safe loader with timestamps as text: an ASL definition file has no intrinsics."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):  # the timestamp resolver only matches scalars
        raise yaml.constructor.ConstructorError(None, None, "expected a scalar", node.start_mark)
    return loader.construct_scalar(node)


def _short_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in _UNPREFIXED else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - PyYAML builds only these three kinds of node
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{suffix}", node.start_mark)
    return {name: value}


_TemplateLoader.add_constructor(_TIMESTAMP_TAG, _timestamp_as_text)
_TemplateLoader.add_multi_constructor("!", _short_tag)
_DefinitionLoader.add_constructor(_TIMESTAMP_TAG, _timestamp_as_text)


def parse_template(text: str, source: str) -> Any:
    """The document of a YAML template, short tags in their long form."""
    return _parse(text, source, _TemplateLoader)


def parse_definition(text: str, source: str) -> Any:
    """The document of a YAML state machine definition file (no intrinsics in it)."""
    return _parse(text, source, _DefinitionLoader)


def _parse(text: str, source: str, loader: type[yaml.SafeLoader]) -> Any:
    try:
        # Both loaders derive from SafeLoader: no Python objects are built from tags.
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as error:
        raise TemplateError((), f"{source} is not valid JSON or YAML: {_one_line(error)}") from None


def _one_line(error: yaml.YAMLError) -> str:
    return " ".join(str(error).split())
