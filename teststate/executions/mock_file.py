"""The mock configuration file (AWS Step Functions Local's format), read when an execution starts.

The file is named by ``TESTSTATE_MOCK_CONFIG`` (or ``SFN_MOCK_CONFIG``, Step Functions Local's
variable; `teststate.settings`). It is read again whenever it changes (its inode, size or
modification time differ from the last read), so a test can replace it between two executions
without restarting the server. An execution keeps the text it started with (stored by hash in
`teststate.storage.executions`), so re-running it after the file changed gives the same history.

Every problem is a `MockFileError` whose message names the file and the member: no file
configured, a file that cannot be read, text that is not JSON, and whatever
`interpreter.execution.parse_mock_config` / `MockConfig.test_case` refuse.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from dataclasses import dataclass
from typing import Final

from interpreter.execution.mock_config import MockConfig, MockConfigError, MockTestCase, parse_mock_config
from interpreter.jsontypes import loads

__all__ = ["MockFileError", "MockSelection", "current_text", "resolve_test_case", "select"]

VARIABLE: Final = "TESTSTATE_MOCK_CONFIG"
LEGACY_VARIABLE: Final = "SFN_MOCK_CONFIG"


class MockFileError(ValueError):
    """The mock configuration file is missing, unreadable or malformed, or lacks what the
    execution names; the message says which."""


@dataclass(frozen=True, slots=True)
class MockSelection:
    """The test case an execution starts with, and the document text it came from.

    Attributes:
        text: the file's text when the execution started.
        digest: its SHA-256 (hex), the key it is stored under.
        test_case: the resolved test case.
    """

    text: str
    digest: str
    test_case: MockTestCase


@dataclass(frozen=True, slots=True)
class _Read:
    stamp: tuple[int, int, int]
    text: str
    digest: str


_lock: Final = threading.Lock()
_last: dict[str, _Read] = {}


def current_text(path: str) -> tuple[str, str]:
    """The file's text and its hash, read again only when the file changed.

    Raises:
        MockFileError: no file configured, or it cannot be read as UTF-8 text.
    """
    if not path:
        raise MockFileError(
            f"No mock configuration file: set {VARIABLE} (or {LEGACY_VARIABLE}) to the file that defines"
            " the test case named after '#' in the state machine ARN"
        )
    try:
        status = os.stat(path)
        stamp = (status.st_ino, status.st_size, status.st_mtime_ns)
        with _lock:
            cached = _last.get(path)
        if cached is not None and cached.stamp == stamp:
            return cached.text, cached.digest
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise MockFileError(f"Cannot read the mock configuration file {path}: {err}") from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with _lock:
        _last[path] = _Read(stamp, text, digest)
    return text, digest


@functools.lru_cache(maxsize=16)
def _parsed(digest: str, text: str) -> MockConfig | MockConfigError | ValueError:
    """The parsed document (or why it is not one), once per content."""
    try:
        return parse_mock_config(loads(text))
    except (MockConfigError, ValueError) as err:
        return err


def resolve_test_case(
    text: str, digest: str, state_machine_name: str, test_case: str, *, source: str
) -> MockTestCase:
    """The test case `test_case` of `state_machine_name` in the document `text`.

    Raises:
        MockFileError: the document is not JSON or not a valid mock configuration, or does not
            define that state machine or test case (`source` names the file in the message).
    """
    parsed = _parsed(digest, text)
    if isinstance(parsed, MockConfigError):
        raise MockFileError(f"Invalid mock configuration file {source}: {parsed}")
    if isinstance(parsed, ValueError):
        raise MockFileError(f"Invalid mock configuration file {source}: not JSON: {parsed}")
    try:
        return parsed.test_case(state_machine_name, test_case)
    except MockConfigError as err:
        raise MockFileError(f"Mock configuration file {source}: {err}") from None


def select(path: str, state_machine_name: str, test_case: str) -> MockSelection:
    """Read the file (if it changed) and resolve the test case an execution starts with.

    Raises:
        MockFileError: see `current_text` and `resolve_test_case`.
    """
    text, digest = current_text(path)
    return MockSelection(
        text, digest, resolve_test_case(text, digest, state_machine_name, test_case, source=path)
    )
