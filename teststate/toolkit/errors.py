"""The toolkit's errors: one root, the error of a template that cannot be loaded, and an execution
that did not end in time."""

from __future__ import annotations

from collections.abc import Sequence


class ToolkitError(Exception):
    """Root of every error the testing toolkit raises on purpose."""


class TemplateError(ToolkitError):
    """A template, or the state machine asked of it, cannot be turned into a definition.

    ``path`` is where in the template it happened, its keys and list indexes joined by ``/``
    (``Resources/Machine/Properties/DefinitionString/Fn::Join/1/3``); it is empty when the
    problem is not at one place (the file cannot be read, no logical id was given).
    """

    def __init__(self, path: Sequence[str | int], detail: str) -> None:
        self.path = "/".join(str(step) for step in path)
        self.detail = detail
        super().__init__(f"{self.path}: {detail}" if self.path else detail)


class ExecutionDidNotEnd(ToolkitError):
    """An execution was still RUNNING (or PENDING_REDRIVE) when the time given to it was up."""
