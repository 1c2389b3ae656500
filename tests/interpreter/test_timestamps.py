"""ASL timestamps: the RFC 3339 profile AWS accepts (uppercase T and Z, explicit zone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from interpreter.timestamps import parse_instant, parse_timestamp


def _zone(hours: int, minutes: int = 0) -> timezone:
    sign = -1 if hours < 0 else 1
    return timezone(sign * timedelta(hours=abs(hours), minutes=minutes))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ASL's own example.
        ("2016-08-18T17:33:00Z", datetime(2016, 8, 18, 17, 33, 0, tzinfo=UTC)),
        ("2016-08-18T17:33:00+00:00", datetime(2016, 8, 18, 17, 33, 0, tzinfo=UTC)),
        ("2016-08-18T17:33:00-00:00", datetime(2016, 8, 18, 17, 33, 0, tzinfo=UTC)),
        ("2016-08-18T17:33:00+02:00", datetime(2016, 8, 18, 17, 33, 0, tzinfo=_zone(2))),
        ("2016-08-18T17:33:00-05:30", datetime(2016, 8, 18, 17, 33, 0, tzinfo=_zone(-5, 30))),
        # java.time.ZoneOffset's limit is +-18:00 inclusive.
        ("2016-08-18T17:33:00+18:00", datetime(2016, 8, 18, 17, 33, 0, tzinfo=_zone(18))),
        ("2016-08-18T17:33:00-18:00", datetime(2016, 8, 18, 17, 33, 0, tzinfo=_zone(-18))),
        # Fractions of 1 to 9 digits; Python keeps microseconds (the rest is truncated).
        ("2016-08-18T17:33:00.5Z", datetime(2016, 8, 18, 17, 33, 0, 500000, tzinfo=UTC)),
        ("2016-08-18T17:33:00.123Z", datetime(2016, 8, 18, 17, 33, 0, 123000, tzinfo=UTC)),
        ("2016-08-18T17:33:00.123456Z", datetime(2016, 8, 18, 17, 33, 0, 123456, tzinfo=UTC)),
        ("2016-08-18T17:33:00.123456789Z", datetime(2016, 8, 18, 17, 33, 0, 123456, tzinfo=UTC)),
        ("2016-08-18T17:33:00.000000001+01:00", datetime(2016, 8, 18, 17, 33, 0, 0, tzinfo=_zone(1))),
        # Calendar edges.
        ("2016-02-29T00:00:00Z", datetime(2016, 2, 29, tzinfo=UTC)),
        ("2000-02-29T23:59:59Z", datetime(2000, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("9999-12-31T23:59:59Z", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_valid_timestamps_parse_to_the_instant(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "text",
    [
        "2016-08-18t17:33:00Z",  # lowercase t
        "2016-08-18T17:33:00z",  # lowercase z
        "2016-08-18 17:33:00Z",  # space separator
        "2016-08-18T17:33:00",  # no zone
        "2016-08-18",  # date only
        "17:33:00Z",  # time only
        "2016-08-18T17:33Z",  # no seconds
        "2016-08-18T17:33:00.Z",  # empty fraction
        "2016-08-18T17:33:00.1234567890Z",  # ten fraction digits
        "2016-08-18T17:33:00+0200",  # offset without colon
        "2016-08-18T17:33:00+02",  # offset without minutes
        "2016-08-18T17:33:00+19:00",  # beyond java.time's +-18:00
        "2016-08-18T17:33:00-19:00",
        "2016-08-18T17:33:00+18:01",
        "2016-08-18T17:33:00+05:60",  # offset minutes out of range
        "2016-02-30T00:00:00Z",  # Feb 30
        "2015-02-29T00:00:00Z",  # not a leap year
        "2016-13-01T00:00:00Z",  # month 13
        "2016-00-10T00:00:00Z",  # month 0
        "2016-08-32T00:00:00Z",  # day 32
        "2016-08-18T24:00:00Z",  # hour 24
        "2016-08-18T23:60:00Z",  # minute 60
        "2016-08-18T23:59:60Z",  # leap second
        "１２３４-08-18T17:33:00Z",  # fullwidth digits
        "٢٠١٦-08-18T17:33:00Z",  # Arabic-Indic digits
        "2016-08-18T17:33:00Z\n",  # trailing newline
        " 2016-08-18T17:33:00Z",  # leading space
        "2016-08-18T17:33:00Z ",  # trailing space
        "+2016-08-18T17:33:00Z",  # signed year
        "16-08-18T17:33:00Z",  # two-digit year
        "",
    ],
)
def test_invalid_timestamps_are_rejected(text: str) -> None:
    assert parse_timestamp(text) is None


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("2016-08-18T17:33:00Z", "2016-08-18T19:33:00+02:00"),
        ("2016-08-18T17:33:00Z", "2016-08-18T12:03:00-05:30"),
        ("2016-08-18T00:00:00+01:00", "2016-08-17T23:00:00Z"),
        ("2016-08-18T17:33:00.100Z", "2016-08-18T17:33:00.1Z"),
    ],
)
def test_offsets_denote_the_same_instant(left: str, right: str) -> None:
    assert parse_timestamp(left) == parse_timestamp(right)


def test_ordering_follows_instants_not_text() -> None:
    earlier = parse_timestamp("2016-08-18T18:00:00+02:00")  # 16:00Z
    later = parse_timestamp("2016-08-18T17:00:00Z")
    assert earlier is not None and later is not None
    assert earlier < later


def test_nanosecond_fractions_keep_instants_distinct() -> None:
    # java.time keeps nanoseconds: these are different instants for AWS.
    finer, coarser = parse_instant("2016-08-18T17:33:00.0000001Z"), parse_instant("2016-08-18T17:33:00Z")
    assert finer is not None and coarser is not None
    assert finer != coarser and coarser < finer
    assert parse_instant("2016-08-18T19:33:00.000000500+02:00") == parse_instant(
        "2016-08-18T17:33:00.0000005Z"
    )
