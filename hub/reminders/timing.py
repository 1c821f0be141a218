"""Local time for daily runs: when «12:00 in the clinic» is, and which local days are due.

Every daily rule (the default reminder, a «days before» or «birthday» schedule...) runs
once per *local date* of the clinic, at a local time of day.  This module answers, from
an aware UTC ``now``:

    planned_at(day, at, tz)        the UTC instant of ``at`` on local ``day``
    due_days(now, at, tz, grace)   the local dates whose run is due now
    day_bounds(day, tz)            [start, end) of a local day in UTC (23 h or 25 h on DST days)
    local_date(instant, tz)        the local date of an instant

Daylight saving time (Europe/Berlin, say):

* a time that does not exist that day (spring forward, 02:00 → 03:00) is read with the
  offset in force before the jump, so «02:30» runs at 03:30 summer time — one hour late,
  never skipped;
* a time that occurs twice (fall back, 03:00 → 02:00) runs at its first occurrence, and
  only once: the run is recorded per local date (``hub.reminders.runs``).

A run missed while the hub was down is still due up to ``grace`` after its planned
instant, so a hub that starts at 14:00 sends the 12:00 reminders once, at start.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

__all__ = ["day_bounds", "due_days", "local_date", "planned_at"]


def planned_at(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of local time ``at`` on local date ``day`` (see the DST notes)."""
    return dt.datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz).astimezone(dt.UTC)


def local_date(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The clinic's calendar date at ``instant`` (an aware datetime)."""
    if instant.tzinfo is None:
        raise ValueError("local_date needs an aware datetime")
    return instant.astimezone(tz).date()


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` of the local date ``day`` as UTC instants."""
    return planned_at(day, dt.time(0, 0), tz), planned_at(
        day + dt.timedelta(days=1), dt.time(0, 0), tz
    )


def due_days(now: dt.datetime, at: dt.time, tz: ZoneInfo, grace: dt.timedelta) -> list[dt.date]:
    """Local dates whose run at ``at`` is due at ``now``: planned at or before ``now`` and
    no more than ``grace`` ago.  Oldest first; usually none or one (yesterday's late run
    may still be due just after midnight when ``at`` is late in the evening)."""
    today = local_date(now, tz)
    out = []
    for day in (today - dt.timedelta(days=1), today):
        planned = planned_at(day, at, tz)
        if planned <= now <= planned + grace:
            out.append(day)
    return out
