"""What the state machine and execution operations share: the model's validation in front of every
handler, the storage, AWS's naming rule, the configuration defaults and opaque page tokens.

Used by `teststate.operations.state_machines` and `teststate.operations.executions`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, TypeVar

from teststate.errors import InvalidName, InvalidToken, UnknownOperationException
from teststate.validation import shapes

if TYPE_CHECKING:
    from teststate.protocol import ServiceConfig
    from teststate.storage.db import Database

__all__ = [
    "DEFAULT_LOGGING",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_TRACING",
    "Handler",
    "check_name",
    "database",
    "page_token",
    "read_page_token",
    "validated",
]

Handler = Callable[[Mapping[str, Any], str, "ServiceConfig"], Mapping[str, Any]]
"""An operation: (request body, the request's region, the service's configuration) -> answer."""

DEFAULT_PAGE_SIZE: Final = 100
"""The page size of every List*/GetExecutionHistory when ``maxResults`` is 0 or absent (API
reference, ListStateMachines, ListExecutions, GetExecutionHistory: "The default is 100")."""

DEFAULT_LOGGING: Final[Mapping[str, Any]] = {"level": "OFF", "includeExecutionData": False}
DEFAULT_TRACING: Final[Mapping[str, Any]] = {"enabled": False}
"""A machine's configurations when created without them, as DescribeStateMachine and
DescribeStateMachineForExecution answer them (recorded: every DescribeStateMachine case, and
api/test_sfn_api/test_describe_state_machine_for_execution)."""

MSG_NO_STORAGE: Final = "{operation} needs the server's storage, and this app was built without one"

# API reference, CreateStateMachine and StartExecution, ``name``: "must not contain: white space;
# brackets < > { } [ ]; wildcard characters ? *; special characters " # % \ ^ | ~ ` $ & , ; : /;
# control characters (U+0000-001F, U+007F-009F)". Lone surrogates (which JSON escapes can carry)
# are refused too (not recorded; ours).
_FORBIDDEN_IN_NAMES: Final = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f\ud800-\udfff]")

_T = TypeVar("_T", int, str)


def validated(handlers: Mapping[str, Handler]) -> Mapping[str, Handler]:
    """`handlers` (operation name without the ``AWSStepFunctions.`` prefix -> handler), each
    behind the model's validation of its body (every operation's first rule).

    Raises:
        RuntimeError: at import, for an operation botocore's model does not have.
    """
    unknown = sorted(set(handlers) - set(shapes.OPERATIONS))
    if unknown:
        raise RuntimeError(f"operations not in botocore's model: {unknown}")
    return {name: _validated(name, handler) for name, handler in handlers.items()}


def _validated(name: str, handler: Handler) -> Handler:
    def answer(body: Mapping[str, Any], region: str, config: ServiceConfig) -> Mapping[str, Any]:
        return handler(shapes.validate(name, body), region, config)

    answer.__name__ = handler.__name__
    answer.__doc__ = handler.__doc__
    return answer


def database(config: ServiceConfig, operation: str) -> Database:
    """The service's storage.

    Raises:
        UnknownOperationException: the app was built without storage (TestState alone), so it
            does not serve `operation` (ours).
    """
    if config.database is None:
        raise UnknownOperationException(MSG_NO_STORAGE.format(operation=operation))
    return config.database


def check_name(name: str) -> None:
    """A state machine's or an execution's name (its length is the model's to check).

    Raises:
        InvalidName: it has a character AWS's naming rule forbids.
    """
    if _FORBIDDEN_IN_NAMES.search(name):
        raise InvalidName(name)


def page_token(**members: str | int | bool) -> str:
    """An opaque ``nextToken``: where the next page starts and what the request named (so that a
    token cannot be replayed with other arguments: API reference, "Keep all other arguments
    unchanged"), as URL-safe base64 of compact JSON."""
    return base64.urlsafe_b64encode(json.dumps(members, separators=(",", ":")).encode()).decode()


def read_page_token(token: str, position: str, kind: type[_T], **expected: str | int | bool) -> _T:
    """The `position` member (of type `kind`) of a token `page_token` made for the same request
    (`expected` members).

    Raises:
        InvalidToken: the token is not one this server issued for this request (API reference,
            ListExecutions: "Using an expired pagination token will return an HTTP 400
            InvalidToken error"; the message is ours).
    """
    try:
        members = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError):
        raise InvalidToken(token) from None
    if not isinstance(members, dict) or any(members.get(key) != value for key, value in expected.items()):
        raise InvalidToken(token)
    value = members.get(position)
    if type(value) is not kind:  # exactly: a JSON true is not a position
        raise InvalidToken(token)
    return value
