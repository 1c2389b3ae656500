"""A Distributed Map's ResultWriter, compiled.

In TestState the mock replaces the write: with a ResultWriter the Map's mocked result must be
an object (the service checks that; recorded: "Mocked result must be a JSON object.",
``aws/test_state_mock_validation/test_mock_result_is_not_object_on_map_state_with_result_writer``).
The declaration is still validated (`interpreter.schema`) and its ``Parameters`` / ``Arguments``
compiled, so a bad path or expression is a definition error as in AWS; they are not rendered
there, the mock standing in for the Map Run, its write included. In an execution the Map Run
shapes its children's results and writes them (`interpreter.execution.result_writer`).

The fields, from the AWS developer guide, "ResultWriter (Map)": ``Resource``
``arn:aws:states:::s3:putObject``; ``Parameters`` (JSONPath) / ``Arguments`` (JSONata) with
``Bucket`` and ``Prefix``; ``WriterConfig`` with ``OutputType`` (JSON | JSONL) and
``Transformation`` (NONE | COMPACT | FLATTEN).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from interpreter.fields.templates import Template, compile_arguments
from interpreter.jsontypes import JSON
from interpreter.scope import Scope

__all__ = [
    "OUTPUT_TYPES",
    "PUT_OBJECT",
    "WRITER_TRANSFORMATIONS",
    "ResultWriter",
    "compile_result_writer",
    "writer_call_resource",
]

OUTPUT_TYPES: Final = ("JSON", "JSONL")
WRITER_TRANSFORMATIONS: Final = ("NONE", "COMPACT", "FLATTEN")
PUT_OBJECT: Final = "arn:aws:states:::s3:putObject"
"""The canonical Resource of a ResultWriter's writes (any partition folded to aws), which names
them when service calls are on (`writer_call_resource`)."""
_RESOURCE_RE: Final = re.compile(r"arn:aws[a-z-]*:states:::s3:putObject")


@dataclass(frozen=True, slots=True)
class ResultWriter:
    """One ResultWriter declaration, compiled.

    Attributes:
        arguments: the compiled ``Parameters`` / ``Arguments``, or None.
        output_type: ``WriterConfig.OutputType`` or None.
        transformation: ``WriterConfig.Transformation`` or None.
        resource: the canonical ``Resource`` (`PUT_OBJECT`), or None: a WriterConfig alone
            exports nothing, it shapes the Map's result.
    """

    arguments: Template | None = None
    output_type: str | None = None
    transformation: str | None = None
    resource: str | None = None

    @property
    def effective_transformation(self) -> str:
        """``NONE`` when the WriterConfig does not say: the guide ("ResultWriter (Map)", "Contents
        of the ResultWriter field"): NONE is the default when exporting to S3 without a
        WriterConfig. Not recorded; ours: a WriterConfig without Transformation means NONE too."""
        return self.transformation or "NONE"

    @property
    def effective_output_type(self) -> str:
        """``JSON`` when the WriterConfig does not say (not recorded; ours)."""
        return self.output_type or "JSON"

    def evaluate_arguments(self, scope: Scope) -> JSON:
        """What AWS would use for the export: Parameters/Arguments rendered against the Map's
        effective input (``Bucket``, ``Prefix``).

        Raises:
            StatesError: a path or expression failed (the template's own causes).
        """
        return None if self.arguments is None else self.arguments.render(scope)


def compile_result_writer(declaration: Mapping[str, JSON], *, pointer: str) -> ResultWriter:
    """Compile a ResultWriter the schema has already accepted (which lets only the state's own
    language's ``Parameters`` or ``Arguments`` through).

    Raises:
        DefinitionError: a path, template or expression that does not compile.
    """
    arguments = compile_arguments(declaration, pointer=pointer)
    config: Mapping[str, JSON] = declaration.get("WriterConfig", {})
    resource = declaration.get("Resource")
    return ResultWriter(
        arguments=arguments,
        output_type=config.get("OutputType"),
        transformation=config.get("Transformation"),
        resource=writer_call_resource(resource) if isinstance(resource, str) else None,
    )


def writer_call_resource(resource: str) -> str | None:
    """`PUT_OBJECT` for a ResultWriter's ``Resource`` (any aws partition), None for anything else."""
    return PUT_OBJECT if _RESOURCE_RE.fullmatch(resource) else None
