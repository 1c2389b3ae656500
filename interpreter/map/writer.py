"""A Distributed Map's ResultWriter, compiled: TestState's mock replaces the write.

Nothing is written: with a ResultWriter the Map's mocked result must be an object (the service
checks that; recorded: "Mocked result must be a JSON object.",
``aws/test_state_mock_validation/test_mock_result_is_not_object_on_map_state_with_result_writer``).
The declaration is still validated (`interpreter.schema`) and its ``Parameters`` / ``Arguments``
compiled, so a bad path or expression is a definition error as in AWS. They are not rendered:
the mock stands in for the Map Run, its write included.

The fields, from the AWS developer guide, "ResultWriter (Map)": ``Resource``
``arn:aws:states:::s3:putObject``; ``Parameters`` (JSONPath) / ``Arguments`` (JSONata) with
``Bucket`` and ``Prefix``; ``WriterConfig`` with ``OutputType`` (JSON | JSONL) and
``Transformation`` (NONE | COMPACT | FLATTEN).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from interpreter.fields.templates import Template, compile_arguments
from interpreter.jsontypes import JSON

__all__ = ["OUTPUT_TYPES", "WRITER_TRANSFORMATIONS", "ResultWriter", "compile_result_writer"]

OUTPUT_TYPES: Final = ("JSON", "JSONL")
WRITER_TRANSFORMATIONS: Final = ("NONE", "COMPACT", "FLATTEN")


@dataclass(frozen=True, slots=True)
class ResultWriter:
    """One ResultWriter declaration, compiled.

    Attributes:
        arguments: the compiled ``Parameters`` / ``Arguments``, or None.
        output_type: ``WriterConfig.OutputType`` or None.
        transformation: ``WriterConfig.Transformation`` or None.
    """

    arguments: Template | None = None
    output_type: str | None = None
    transformation: str | None = None


def compile_result_writer(declaration: Mapping[str, JSON], *, pointer: str) -> ResultWriter:
    """Compile a ResultWriter the schema has already accepted (which lets only the state's own
    language's ``Parameters`` or ``Arguments`` through).

    Raises:
        DefinitionError: a path, template or expression that does not compile.
    """
    arguments = compile_arguments(declaration, pointer=pointer)
    config: Mapping[str, JSON] = declaration.get("WriterConfig", {})
    return ResultWriter(
        arguments=arguments,
        output_type=config.get("OutputType"),
        transformation=config.get("Transformation"),
    )
