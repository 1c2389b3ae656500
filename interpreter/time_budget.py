"""The time bound of one evaluation, counted in the evaluating thread's CPU time.

A JSONata evaluation or a JSONPath query may run for at most its ``timeout_ms``. Counted on
the wall clock, that bound would make the same state fail or succeed depending on what else
the machine was doing: a test suite on a loaded CI runner, or a server answering other requests
on its other threads, would see spurious timeouts. A testing tool must give the same answer
for the same request, so the bound counts the CPU time the evaluating thread spent, which other
threads and processes do not move.
"""

from __future__ import annotations

import time
from typing import Final

__all__ = ["TimeBudget"]

# The regex engine reads its clock coarsely: measured, a catastrophic match stops up to 1.65x
# its timeout late (plus ~0.1 s), so a match gets this share of the time left, which keeps the
# evaluation around it within its own budget.
_REGEX_SHARE: Final = 0.55
# The regex engine reads a timeout of 0 as "no time at all": a sliver lets a cheap match run.
_MIN_REGEX_TIMEOUT: Final = 0.001


class TimeBudget:
    """`milliseconds` of this thread's CPU time, starting now."""

    __slots__ = ("_cpu_end", "_wall_end")

    def __init__(self, milliseconds: int) -> None:
        seconds = milliseconds / 1000
        self._wall_end = time.monotonic() + seconds
        self._cpu_end = time.thread_time() + seconds

    def spent(self) -> bool:
        """Whether the budget is used up; cheap enough to ask at every evaluation step.

        A thread's CPU time never runs ahead of the wall clock, so the wall clock (~40 ns to
        read) answers "not yet" for every step of an evaluation on time, and the thread's CPU
        clock (~200 ns, a system call) is read only once the wall-clock budget has gone by.
        """
        return time.monotonic() > self._wall_end and time.thread_time() > self._cpu_end

    def regex_timeout(self) -> float:
        """The ``timeout=`` for one match of the ``regex`` engine made within this budget.

        That engine's timeout runs on the wall clock: on a loaded machine a match may be cut
        short before the CPU budget is spent. Only a catastrophically backtracking match comes
        near it.
        """
        left = self._cpu_end - time.thread_time()
        return max(left * _REGEX_SHARE, _MIN_REGEX_TIMEOUT)
