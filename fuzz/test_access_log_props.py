"""The access log's direct writer writes what `logging` writes, byte for byte.

`teststate.access_log.emit` renders a line itself, without a LogRecord, while the
``teststate.access`` logger has only the stderr handler `access_log.configure` gives it. For any
message, level and instant, that line must be the one the logger's own handler writes for a
record made at the same instant in the same process.
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

from hypothesis import event, given
from hypothesis import strategies as st

from teststate import access_log

# Up to 2100, with the last millisecond of a second (where rounding could carry into the next
# second) drawn often.
_SECONDS = st.integers(min_value=0, max_value=4_102_444_799)
_NANOS = st.one_of(
    st.integers(min_value=0, max_value=999_999_999), st.integers(min_value=999_000_000, max_value=999_999_999)
)
_CLOCKS = st.builds(lambda seconds, nanos: seconds * 1_000_000_000 + nanos, _SECONDS, _NANOS)


class _StoppedClock:
    """The ``time`` module as `logging` sees it, its clock stopped at `clock_ns`."""

    def __init__(self, clock_ns: int) -> None:
        self._clock_ns = clock_ns

    def time(self) -> float:
        return self._clock_ns / 1e9

    def time_ns(self) -> int:
        return self._clock_ns

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@contextlib.contextmanager
def _configured_logger() -> Iterator[logging.Logger]:
    """The access logger as `access_log.configure` leaves it (pytest adds capture handlers to
    every logger; they are put back afterwards, with the level)."""
    log = logging.getLogger(access_log.LOGGER_NAME)
    saved_handlers, saved_level = log.handlers[:], log.level
    log.handlers = []
    access_log.configure(logging.DEBUG)
    try:
        yield log
    finally:
        log.handlers = saved_handlers
        log.setLevel(saved_level)


@given(
    level=st.sampled_from([logging.DEBUG, logging.INFO]),
    message=st.text(),
    clock_ns=_CLOCKS,
)
def test_the_direct_line_is_the_logging_line(level: int, message: str, clock_ns: int) -> None:
    with _configured_logger(), contextlib.redirect_stderr(io.StringIO()) as direct:
        answered = access_log.emit(level, message, clock_ns=clock_ns)
    with (
        _configured_logger() as log,
        contextlib.redirect_stderr(io.StringIO()) as through_logging,
        mock.patch.object(logging, "time", _StoppedClock(clock_ns)),
    ):
        log.log(level, message)
    event("direct writer answered" if answered else "logging answered")
    assert answered, "the direct writer must answer for the logger as configure leaves it"
    assert direct.getvalue() == through_logging.getvalue()


def test_a_logger_configured_by_someone_else_gets_records() -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    with _configured_logger() as log, contextlib.redirect_stderr(io.StringIO()) as written:
        log.addHandler(Keep())
        answered = access_log.emit(logging.INFO, "message")
    assert not answered
    assert [record.getMessage() for record in records] == ["message"]
    assert written.getvalue().endswith("[INFO] teststate.access: message\n")
