"""ASL timestamps: RFC 3339 date-times with an explicit offset, as AWS accepts them.

ASL: "Timestamps ... must conform to RFC3339 profile ISO 8601, with the further restrictions that
an uppercase T must separate the date and time portions, and an uppercase Z must denote that a
numeric time zone offset is not present, for example 2016-08-18T17:33:00Z."
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

_TIMESTAMP: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})\Z",
    re.ASCII,
)


@dataclass(frozen=True, slots=True, order=True)
class Instant:
    """A point in time with Java's nanosecond precision, ordered as instants are.

    Python's datetime stops at microseconds; `nanos` keeps the 0-999 nanoseconds below them, so
    ``...00.0000001Z`` and ``...00Z`` stay different, as they are for AWS (java.time).
    """

    moment: datetime
    nanos: int


def parse_instant(text: str) -> Instant | None:
    """The instant `text` denotes at full precision, or None when it is not an ASL timestamp."""
    match = _TIMESTAMP.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    digits = (fraction or "").ljust(9, "0")
    try:
        zone = UTC if offset == "Z" else _offset(offset)
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int(digits[:6]),
            tzinfo=zone,
        )
    except ValueError:
        return None
    return Instant(moment, int(digits[6:]))


def parse_timestamp(text: str) -> datetime | None:
    """The datetime `text` denotes (to the microsecond), or None when it is not an ASL timestamp.

    Use `parse_instant` to compare timestamps: it keeps the nanoseconds.
    """
    instant = parse_instant(text)
    return None if instant is None else instant.moment


def _offset(text: str) -> timezone:
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    # java.time.ZoneOffset accepts offsets up to +-18:00.
    if hours > 18 or minutes > 59 or (hours == 18 and minutes):
        raise ValueError(text)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
