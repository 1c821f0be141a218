"""Reading the journal's filters as people type them (seed 001).

* ``status`` takes the states and the seed's words: ``waiting`` (queued + sending),
  ``sent`` (sent + delivered), ``error`` (failed).
* ``kind`` takes the kind (``reminder``) or its journal title («Напоминание»).
* ``phone`` is any spelling of a number; a complete number matches exactly, a part
  («918123») matches numbers containing those digits.
* ``recipient`` matches part of the name, ignoring case and ё/е.
* ``sent_from`` / ``sent_to`` are dates (whole local days, ``sent_to`` inclusive) or
  date-times (local when without an offset), in the time zone of the clinic shown, or
  UTC when the journal spans clinics.  Without ``sent_from`` the journal starts a
  month before today (the seed's default).  A message is dated by its send time, or
  by its queue time while not sent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from hub.messages.addresses import InvalidAddress, normalize_phone
from hub.messages.queue import search_key
from hub.schemas.messages import KIND_TITLES, STATUS_WORDS

_TITLE_KINDS = {title.casefold(): kind for kind, title in KIND_TITLES.items()}


class BadFilter(ValueError):
    """A filter value that cannot be read; the message names the parameter."""


def statuses(words: Sequence[str]) -> list[str] | None:
    if not words:
        return None
    out: list[str] = []
    for word in words:
        found = STATUS_WORDS.get(word.strip().lower())
        if found is None:
            raise BadFilter(
                f"status: unknown value {word!r}; use {', '.join(STATUS_WORDS)}"
            )
        out.extend(s for s in found if s not in out)
    return out


def kinds(values: Sequence[str]) -> list[str] | None:
    if not values:
        return None
    return [_TITLE_KINDS.get(v.strip().casefold(), v.strip()) for v in values]


def phone(value: str | None, region: str) -> tuple[str | None, str | None]:
    """(exact E.164, digits to look for); both ``None`` without a filter."""
    if not value or not value.strip():
        return None, None
    try:
        return normalize_phone(value, region, mobile=False), None
    except InvalidAddress:
        digits = re.sub(r"\D", "", value)
        if not digits:
            raise BadFilter(f"phone: {value!r} has no digits") from None
        return None, digits


def recipient(value: str | None) -> str | None:
    return search_key(value) or None


def month_before(day: dt.date) -> dt.date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def when(name: str, value: str | None, tz: ZoneInfo, *, end: bool) -> dt.datetime | None:
    """A bound of the window: a date (start of that local day, or of the next one for
    ``end``) or a date-time."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        if end:
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadFilter(
            f"{name}: {value!r} is not a date (2026-11-23) or a date-time (2026-11-23T10:30)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(dt.UTC)


def window(
    sent_from: str | None, sent_to: str | None, tz: ZoneInfo, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime | None]:
    start = when("sent_from", sent_from, tz, end=False)
    stop = when("sent_to", sent_to, tz, end=True)
    if start is None:
        today = now.astimezone(tz).date()
        start = dt.datetime.combine(month_before(today), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    if stop is not None and stop <= start:
        raise BadFilter("sent_to: the end of the period is before its start")
    return start, stop
