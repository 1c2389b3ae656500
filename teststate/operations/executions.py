"""Operations on executions (filled in by the work on issue 12)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable

    from teststate.protocol import ServiceConfig

__all__ = ["HANDLERS"]

HANDLERS: Final[Mapping[str, Callable[[Mapping[str, Any], str, ServiceConfig], Mapping[str, Any]]]] = {}
