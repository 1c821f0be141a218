"""Quiet hours: no texts at night in the clinic's local time; they wait until morning.

The window is ``[start, end)`` in local time and may wrap midnight (21:00–09:00, the
default) or not (13:00–14:00).  ``start == end`` means no quiet hours.  A message due
inside the window is moved to the window's end; daylight-saving gaps are resolved by
``zoneinfo`` (the local end time is taken as written, then converted to UTC).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hub.schemas.clinics import QuietHours


def quiet_until(when: dt.datetime, tz: ZoneInfo, quiet: QuietHours) -> dt.datetime | None:
    """The end of the quiet window ``when`` falls in (aware UTC), or ``None`` if outside."""
    if not quiet.enabled or quiet.start == quiet.end:
        return None
    local = when.astimezone(tz)
    now_t = local.time().replace(tzinfo=None)
    start, end = quiet.start, quiet.end
    if start < end:
        inside = start <= now_t < end
        end_day = local.date()
    else:  # wraps midnight
        inside = now_t >= start or now_t < end
        end_day = local.date() + dt.timedelta(days=1) if now_t >= start else local.date()
    if not inside:
        return None
    return dt.datetime.combine(end_day, end, tzinfo=tz).astimezone(dt.UTC)


def first_allowed(when: dt.datetime, tz: ZoneInfo, quiet: QuietHours) -> dt.datetime:
    """``when``, or the end of the quiet window it falls in."""
    return quiet_until(when, tz, quiet) or when
