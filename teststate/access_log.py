"""The access log: one line per answer on the ``teststate.access`` logger, written by `write`.

A line says what happened, not what was sent: request id, operation, the tested state's type,
outcome, HTTP status and duration. Request and response bodies hold the caller's definitions and
data, so they are written (in a second line) only at debug level (``TESTSTATE_LOG_LEVEL=debug``).

`configure` gives the logger its one handler, on stderr (the server's log). While that handler
is the only one and nobody filters the logger, a line is rendered here and written straight to
stderr, without a `logging.LogRecord`: building the record (caller lookup, thread and process
names) and formatting its time cost ~7 us a line where this costs ~1.7 us (measured on the
server's line), a tenth of a Pass state's whole call in process (~52 us). The line is the one
`logging` writes, byte for byte (fuzz/test_access_log_props.py checks it); anyone who adds a
handler or a filter of their own gets records through `logging`, as usual.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Final, TextIO

from interpreter import load_definition
from teststate.errors import ModelValidationException
from teststate.protocol import Answer

__all__ = ["FORMAT", "LOGGER_NAME", "configure", "emit", "logs_payloads", "state_type", "write"]

LOGGER_NAME: Final = "teststate.access"
FORMAT: Final = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"

_log: Final = logging.getLogger(LOGGER_NAME)
_FORMATTER: Final = logging.Formatter(FORMAT)

# Errors raised once the definition was loaded: the state type is then a (cached) lookup away.
_LOADED_DEFINITION_ERRORS: Final = frozenset({"ValidationException", "InvalidExecutionInput"})


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time (pytest swaps it between tests)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(_FORMATTER)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure(level: int) -> None:
    """Log at `level`, through one stderr handler (however many apps are created)."""
    _log.setLevel(level)
    _log.propagate = False
    if not any(isinstance(handler, _StderrHandler) for handler in _log.handlers):
        _log.addHandler(_StderrHandler())


def logs_payloads() -> bool:
    """May request and response payloads be logged (debug level)?"""
    return _log.isEnabledFor(logging.DEBUG)


def write(answer: Answer, started: float) -> None:
    """The access line of `answer` (and, at debug level, its payloads).

    Arguments:
        answer: the answer just given.
        started: `time.perf_counter()` when the request arrived.
    """
    if not _log.isEnabledFor(logging.INFO):
        return
    duration_ms = (time.perf_counter() - started) * 1000
    emit(
        logging.INFO,
        f"request_id={answer.request_id} operation={answer.operation} state_type={state_type(answer)} "
        f"outcome={answer.outcome} http_status={answer.status:d} duration_ms={duration_ms:.1f}",
    )
    if _log.isEnabledFor(logging.DEBUG):
        body = answer.request
        emit(
            logging.DEBUG,
            f"request_id={answer.request_id} "
            f"request={json.dumps(body, ensure_ascii=False) if body is not None else '-'} "
            f"response={answer.body.decode('utf-8')}",
        )


def state_type(answer: Answer) -> str:
    """The tested state's type, when the definition was loaded (then the lookup is a cache hit)."""
    body, error = answer.request, answer.error
    if not isinstance(body, dict) or answer.operation != "TestState":
        return "-"
    loaded = answer.status == 200 or (
        error is not None
        and error.code in _LOADED_DEFINITION_ERRORS
        and not isinstance(error, ModelValidationException)
    )
    definition, state_name = body.get("definition"), body.get("stateName")
    if not loaded or not isinstance(definition, str) or not isinstance(state_name, (str, type(None))):
        return "-"
    try:
        return load_definition(definition, state_name).state_type
    except Exception:
        return "-"


# --------------------------------------------------------------------------------------------
# The one writer
# --------------------------------------------------------------------------------------------
def emit(level: int, message: str, *, clock_ns: int | None = None) -> bool:
    """``logging.getLogger(LOGGER_NAME).log(level, message)``, written directly when it may be.

    Arguments:
        level: the line's logging level (the caller checked that the logger is enabled for it).
        message: the line's text.
        clock_ns: `time.time_ns()` as read now (tests pass their own; only the direct write
            uses it).

    Returns:
        True when the line was written directly, False when it went through `logging`.
    """
    handler = _direct_handler(level)
    if handler is None:
        _log.log(level, message)
        return False
    line = render(level, message, time.time_ns() if clock_ns is None else clock_ns, _pid[0])
    handler.acquire()
    try:
        stream = sys.stderr
        stream.write(line)
        stream.flush()
    except Exception:
        handler.handleError(logging.makeLogRecord({"msg": message, "levelno": level, "name": LOGGER_NAME}))
    finally:
        handler.release()
    return True


def _direct_handler(level: int) -> _StderrHandler | None:
    """`configure`'s handler, if a line at `level` goes to it alone, formatted as it formats."""
    handlers = _log.handlers
    if len(handlers) != 1 or _log.filters or _log.propagate:
        return None
    handler = handlers[0]
    if (
        type(handler) is not _StderrHandler
        or handler.level > level
        or handler.filters
        or handler.formatter is not _FORMATTER
    ):
        return None
    return handler


# This process's id, as `logging` writes it (``os.getpid()`` is a system call each time): read
# at import and again in every forked child (gunicorn's workers).
_pid: Final = [os.getpid()]


def _read_pid() -> None:
    _pid[0] = os.getpid()


os.register_at_fork(after_in_child=_read_pid)


class _Stamp:
    """The time stamp's text of one second (it changes once a second; strftime costs ~2 us)."""

    __slots__ = ("second", "text")

    def __init__(self, second: int, text: str) -> None:
        self.second = second
        self.text = text


_stamp = _Stamp(-1, "")


def render(level: int, message: str, clock_ns: int, pid: int) -> str:
    """The line `logging.Formatter(FORMAT)` renders for a record of `message` at `level`, made
    when ``time.time_ns()`` read `clock_ns`, in process `pid`; with the stream handler's newline."""
    global _stamp
    created, msecs = _record_time(clock_ns)
    second = int(created)
    stamp = _stamp  # one read: another thread may replace it meanwhile, never half-way
    if stamp.second != second:
        stamp = _Stamp(second, time.strftime(_FORMATTER.default_time_format, _FORMATTER.converter(created)))
        _stamp = stamp
    # logging.Formatter's asctime: "<local time>,<milliseconds>" (default_msec_format "%s,%03d").
    return f"{stamp.text},{msecs:03d} [{pid}] [{logging.getLevelName(level)}] {LOGGER_NAME}: {message}\n"


if sys.version_info >= (3, 13):

    def _record_time(clock_ns: int) -> tuple[float, int]:
        """`logging.LogRecord`'s ``created`` and whole ``msecs`` for a ``time.time_ns()`` reading
        (Python 3.13 reads the clock in nanoseconds and guards the rounding of seconds up)."""
        created = clock_ns / 1e9
        msecs = (clock_ns % 1_000_000_000) // 1_000_000
        if msecs == 999 and int(created) != clock_ns // 1_000_000_000:
            msecs = 0
        return created, msecs

else:

    def _record_time(clock_ns: int) -> tuple[float, int]:
        """`logging.LogRecord`'s ``created`` and whole ``msecs`` for a clock reading (Python
        3.11 and 3.12 read ``time.time()``, the same instant as a float)."""
        created = clock_ns / 1e9
        return created, int((created - int(created)) * 1000)
