"""Local time of daily runs: time zones east and west, DST gaps and folds, missed runs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hub.reminders.timing import day_bounds, due_days, local_date, planned_at

UTC = dt.UTC
NOON = dt.time(12, 0)
GRACE = dt.timedelta(hours=6)


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        (
            "Europe/Kaliningrad",
            dt.date(2026, 11, 23),
            NOON,
            dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
        ),
        ("Europe/Moscow", dt.date(2026, 11, 23), NOON, dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        (
            "Asia/Yekaterinburg",
            dt.date(2026, 11, 23),
            NOON,
            dt.datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
        ),
        (
            "Asia/Vladivostok",
            dt.date(2026, 11, 23),
            NOON,
            dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        ),
        # Vladivostok's early morning is the previous UTC day
        (
            "Asia/Vladivostok",
            dt.date(2026, 11, 23),
            dt.time(3, 0),
            dt.datetime(2026, 11, 22, 17, 0, tzinfo=UTC),
        ),
        # Berlin: winter (UTC+1), the spring-forward day, summer (UTC+2), the fall-back day
        ("Europe/Berlin", dt.date(2026, 3, 28), NOON, dt.datetime(2026, 3, 28, 11, 0, tzinfo=UTC)),
        ("Europe/Berlin", dt.date(2026, 3, 29), NOON, dt.datetime(2026, 3, 29, 10, 0, tzinfo=UTC)),
        (
            "Europe/Berlin",
            dt.date(2026, 10, 24),
            NOON,
            dt.datetime(2026, 10, 24, 10, 0, tzinfo=UTC),
        ),
        (
            "Europe/Berlin",
            dt.date(2026, 10, 25),
            NOON,
            dt.datetime(2026, 10, 25, 11, 0, tzinfo=UTC),
        ),
        # 02:30 does not exist on 29 March in Berlin: it runs at 03:30 summer time (01:30 UTC)
        (
            "Europe/Berlin",
            dt.date(2026, 3, 29),
            dt.time(2, 30),
            dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        ),
        # 02:30 happens twice on 25 October: the first time (still summer time, 00:30 UTC)
        (
            "Europe/Berlin",
            dt.date(2026, 10, 25),
            dt.time(2, 30),
            dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        ),
    ],
)
def test_planned_at(zone: str, day: dt.date, at: dt.time, expected_utc: dt.datetime) -> None:
    assert planned_at(day, at, ZoneInfo(zone)) == expected_utc


def test_day_bounds_are_23_and_25_hours_on_dst_days() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start, end = day_bounds(dt.date(2026, 3, 29), berlin)
    assert (start, end - start) == (
        dt.datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
        dt.timedelta(hours=23),
    )
    start, end = day_bounds(dt.date(2026, 10, 25), berlin)
    assert (start, end - start) == (
        dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
        dt.timedelta(hours=25),
    )
    start, end = day_bounds(dt.date(2026, 11, 24), ZoneInfo("Asia/Vladivostok"))
    assert start == dt.datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_local_date_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_date(dt.datetime(2026, 1, 1, 12, 0), ZoneInfo("Europe/Moscow"))
    assert local_date(
        dt.datetime(2026, 11, 23, 14, 30, tzinfo=UTC), ZoneInfo("Asia/Vladivostok")
    ) == dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("zone", "now", "expected"),
    [
        # a minute before noon in Vladivostok: nothing; at noon and within the grace: today
        ("Asia/Vladivostok", dt.datetime(2026, 11, 23, 1, 59, tzinfo=UTC), []),
        ("Asia/Vladivostok", dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC), [dt.date(2026, 11, 23)]),
        ("Asia/Vladivostok", dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC), [dt.date(2026, 11, 23)]),
        ("Asia/Vladivostok", dt.datetime(2026, 11, 23, 8, 1, tzinfo=UTC), []),
        # noon in Moscow is 09:00 UTC; at 02:00 UTC it is noon in Vladivostok, not Moscow
        ("Europe/Moscow", dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC), []),
        ("Europe/Moscow", dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC), [dt.date(2026, 11, 23)]),
        ("Europe/Kaliningrad", dt.datetime(2026, 11, 23, 9, 30, tzinfo=UTC), []),
        (
            "Europe/Kaliningrad",
            dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
            [dt.date(2026, 11, 23)],
        ),
        (
            "Asia/Yekaterinburg",
            dt.datetime(2026, 11, 23, 7, 0, tzinfo=UTC),
            [dt.date(2026, 11, 23)],
        ),
        # Berlin on the spring-forward day: noon is 10:00 UTC, no longer 11:00
        ("Europe/Berlin", dt.datetime(2026, 3, 29, 9, 59, tzinfo=UTC), []),
        ("Europe/Berlin", dt.datetime(2026, 3, 29, 10, 0, tzinfo=UTC), [dt.date(2026, 3, 29)]),
    ],
)
def test_due_days_at_noon(zone: str, now: dt.datetime, expected: list[dt.date]) -> None:
    assert due_days(now, NOON, ZoneInfo(zone), GRACE) == expected


def test_a_late_evening_run_missed_before_midnight_is_still_due_after_it() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    just_after_midnight = dt.datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # 00:30 on the 24th
    assert due_days(just_after_midnight, dt.time(23, 0), moscow, GRACE) == [dt.date(2026, 11, 23)]
    assert due_days(just_after_midnight, dt.time(23, 0), moscow, dt.timedelta(hours=1)) == []
