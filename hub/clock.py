"""Time, injectable: the hub asks its clock, never ``datetime.now()`` directly.

Tests (and the test kit) swap in :class:`FrozenClock` to run a 12:00 reminder in
Vladivostok or a retry back-off without waiting.
"""

from __future__ import annotations

import datetime as dt


class Clock:
    """The real clock."""

    def now(self) -> dt.datetime:
        """The current time, aware, in UTC."""
        return dt.datetime.now(dt.UTC)


class FrozenClock(Clock):
    """A clock that moves only when told to."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime.now(dt.UTC)
        if self._now.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = when

    def advance(self, delta: dt.timedelta | float) -> dt.datetime:
        """Move forward by ``delta`` (seconds or a timedelta); returns the new time."""
        if not isinstance(delta, dt.timedelta):
            delta = dt.timedelta(seconds=delta)
        self._now += delta
        return self._now
