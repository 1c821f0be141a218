"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

#: Auto-incrementing 64-bit keys (SQLite only auto-increments INTEGER PRIMARY KEY).
BigIntKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """An aware datetime stored as UTC (timestamptz on PostgreSQL, naive UTC on SQLite).

    Naive datetimes are refused: every time in the hub is aware.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = _aware(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        when: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        if when.tzinfo is None:
            return when.replace(tzinfo=dt.UTC)
        return when.astimezone(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC; a naive datetime is refused (every time in the hub is aware)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: the hub stores aware times only")
    return value.astimezone(dt.UTC)


def _sqlite_text(value: dt.datetime) -> str:
    return _aware(value).replace(tzinfo=None).isoformat(" ", "microseconds")


def _pg_text(value: dt.datetime) -> str:
    return _aware(value).isoformat()


def sqlite_utc(value: dt.datetime | None) -> str | None:
    """``value`` as SQLite stores a :class:`UTCDateTime` (naive UTC, ``YYYY-MM-DD
    HH:MM:SS.ffffff``): the text SQLAlchemy's bind processors write, in one step, for
    statements that hand their rows to the driver themselves."""
    return None if value is None else _sqlite_text(value)


def sqlite_time(value: dt.datetime | None, cache: dict[dt.datetime, str]) -> str | None:
    """:func:`sqlite_utc`, converted once per distinct instant (``cache``)."""
    return _once(_sqlite_text, value, cache)


def pg_time(value: dt.datetime | None, cache: dict[dt.datetime, str]) -> str | None:
    """``value`` as ISO 8601 text with its offset, for PostgreSQL to read as
    ``timestamptz`` (in a JSON document of rows), converted once per distinct instant."""
    return _once(_pg_text, value, cache)


def _once(
    convert: Callable[[dt.datetime], str], value: dt.datetime | None, cache: dict[dt.datetime, str]
) -> str | None:
    if value is None:
        return None
    text = cache.get(value)
    if text is None:
        text = cache[value] = convert(value)
    return text
