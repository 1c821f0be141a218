"""Writing events: :func:`emit` (one) and :func:`emit_many` (a batch), in the caller's
transaction.

Each event gets one ``delivery`` row per plugin that, at that moment, is enabled for
the clinic (read in the same transaction), is loaded and implements the hook, minus
``exclude`` (the plugin that made the change itself).  The event row is written even
when no plugin listens: the ``event`` table is also the clinic's event history (see
:mod:`hub.events.history`).  Nothing is called here: the dispatcher
(:mod:`hub.events.dispatch`) delivers after commit, so a rolled-back change never
reaches a plugin and a committed one always does.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.crud.bulk import Write, run
from hub.db.models import Delivery, OutboxEvent, PluginConfig
from hub.db.models.events import PENDING
from hub.events import payloads

if TYPE_CHECKING:
    from hub.runtime import Runtime

_EVENT = OutboxEvent.__table__  # type: ignore[attr-defined]
_DELIVERY = Delivery.__table__  # type: ignore[attr-defined]
_CONFIG = PluginConfig.__table__  # type: ignore[attr-defined]
#: Built once: a statement built per call costs more Python than a single PUT's
#: round trip (its construction and cache key).
_INSERT_EVENT = sa.insert(_EVENT)
_INSERT_DELIVERY = sa.insert(_DELIVERY)


@dataclass(frozen=True)
class NewEvent:
    """One event to write with :func:`emit_many`."""

    clinic_id: str
    hook: str
    subject: str
    payload: dict[str, Any]
    source: str = "clinic"
    exclude: Collection[str] = field(default_factory=frozenset)


def idempotency_key(clinic_id: str, plugin: str, event_id: int, hook: str) -> str:
    """Stable across every attempt of one delivery: ``clinic:plugin:event:hook``."""
    return f"{clinic_id}:{plugin}:{event_id}:{hook}"


async def subscribers(
    session: AsyncSession,
    runtime: Runtime,
    clinic_id: str,
    hook: str,
    exclude: Collection[str] = (),
) -> list[str]:
    """Plugins enabled for the clinic (in this transaction) that implement ``hook``."""
    enabled = await _enabled(session, clinic_id)
    return _listening(runtime, enabled, hook, exclude)


async def _enabled(session: AsyncSession, clinic_id: str) -> list[str]:
    rows = await session.execute(
        sa.select(_CONFIG.c.plugin).where(
            _CONFIG.c.clinic_id == clinic_id, _CONFIG.c.enabled.is_(True)
        )
    )
    return sorted(rows.scalars())


@functools.cache
def enabled_column() -> sa.Label[str | None]:
    """The plugins enabled for the clinic (the statement's ``clinic_id`` parameter) as
    one column (names joined by ``,``; NULL if none), to read with another query of the
    same transaction: :func:`emit_many` then takes them as ``enabled``
    (:func:`enabled_from_column`) instead of asking again.  Built once."""
    return (
        sa.select(sa.func.aggregate_strings(_CONFIG.c.plugin, ","))
        .where(_CONFIG.c.clinic_id == sa.bindparam("clinic_id"), _CONFIG.c.enabled.is_(True))
        .scalar_subquery()
        .label("enabled_plugins")
    )


def enabled_from_column(value: str | None) -> list[str]:
    """The plugin names of an :func:`enabled_column` value, sorted (plugin ids are entry
    point names: no commas)."""
    return sorted(value.split(",")) if value else []


def _listening(
    runtime: Runtime, enabled: Sequence[str], hook: str, exclude: Collection[str]
) -> list[str]:
    host = runtime.host
    return [
        name
        for name in enabled
        if name not in exclude and host.get(name) is not None and host.implements(name, hook)
    ]


#: Up to this many events, one ``INSERT`` (one round trip: a single PUT); above it the
#: ids are chosen first, in order, and the rows inserted with them (two).
_ONE_INSERT_UP_TO = 1


@functools.lru_cache(maxsize=64)
def _event_with(write: sa.Insert | sa.Update, columns: tuple[str, ...]) -> sa.Insert:
    """One event's INSERT carrying ``write`` as a CTE (PostgreSQL runs a data-modifying
    ``WITH`` once, whether or not the outer statement reads it)."""
    return (
        sa.insert(_EVENT)
        .values({c: sa.bindparam(f"e_{c}", type_=_EVENT.c[c].type) for c in columns})
        .add_cte(write.cte("written"))
        .returning(_EVENT.c.id)
    )


async def _insert_events(
    session: AsyncSession, rows: list[dict[str, Any]], along: Write | None = None
) -> list[int]:
    """Insert event rows in order; their ids (ascending, in the rows' order).  ``along``
    is written first: on PostgreSQL in the same statement as a single event."""
    dialect = session.get_bind().dialect.name
    if along is not None and dialect == "postgresql" and len(rows) == 1:
        # A single PUT's appointment and its event: one round trip, not two.
        columns = tuple(rows[0])
        statement = _event_with(along.statement, columns)
        params = {**along.params, **{f"e_{c}": rows[0][c] for c in columns}}
        return [int((await session.execute(statement, params)).scalar_one())]
    if along is not None:
        await run(session, along)
    if dialect == "sqlite" and len(rows) > _ONE_INSERT_UP_TO:
        # SQLAlchemy cannot batch an INSERT ... RETURNING in parameter order on SQLite: it
        # runs one INSERT per row (10,000 statements for a bulk of 10,000).  The hub's
        # SQLite transactions hold the write lock from their first statement (BEGIN
        # IMMEDIATE), so no other writer can insert meanwhile: the ids SQLite itself
        # would give (an INTEGER PRIMARY KEY without AUTOINCREMENT: one above the
        # largest) are set explicitly, and one executemany inserts them all.  Without
        # the lock, a race fails on the primary key and the intake write is retried.
        top = (await session.execute(sa.select(sa.func.max(_EVENT.c.id)))).scalar()
        ids = list(range(int(top or 0) + 1, int(top or 0) + 1 + len(rows)))
        await session.execute(
            _INSERT_EVENT, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)]
        )
        return ids
    if dialect == "postgresql" and len(rows) > _ONE_INSERT_UP_TO:
        # Take the ids from the sequence first, then insert with a plain executemany:
        # psycopg pipelines it, where a multi-row INSERT ... RETURNING of thousands of
        # rows is one huge statement to build and parse.
        ids = sorted(
            int(i)
            for i in (
                await session.execute(
                    sa.text(
                        "SELECT nextval(pg_get_serial_sequence('event', 'id')) "
                        "FROM generate_series(1, :n)"
                    ),
                    {"n": len(rows)},
                )
            ).scalars()
        )
        await session.execute(
            _INSERT_EVENT, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)]
        )
        return ids
    # One row (a single PUT): the id as the driver reports it, SQLite's last row id (no
    # RETURNING rows to fetch: one hop less to its thread), PostgreSQL's implicit
    # RETURNING.
    result = await session.execute(_INSERT_EVENT, rows[0])
    key = cast("CursorResult[Any]", result).inserted_primary_key
    assert key is not None
    return [int(key[0])]


async def emit(
    session: AsyncSession,
    *,
    clinic_id: str,
    hook: str,
    subject: str,
    payload: dict[str, Any],
    now: dt.datetime,
    runtime: Runtime,
    source: str = "clinic",
    exclude: Collection[str] = frozenset(),
) -> int:
    """Record that ``hook`` must be called with ``payload`` for the clinic's plugins.

    :param payload: the hook's keyword arguments except ``ctx`` (value objects or their
        JSON form); validated against the hookspec now (:class:`PayloadError` if wrong).
    :param subject: what the event is about (``appointment:A-1``, ``card:P-1``,
        ``phone:+7…``); per plugin, deliveries of one subject keep their order.
    :param exclude: plugins not to deliver to (the one that made the change).
    :returns: the event's id.
    """
    ids = await emit_many(
        session,
        runtime=runtime,
        now=now,
        events=[NewEvent(clinic_id, hook, subject, payload, source, exclude)],
    )
    return ids[0]


async def emit_many(
    session: AsyncSession,
    *,
    runtime: Runtime,
    now: dt.datetime,
    events: Sequence[NewEvent],
    enabled: Mapping[str, Sequence[str]] | None = None,
    along: Write | None = None,
) -> list[int]:
    """Write a batch of events and their deliveries with two multi-row INSERTs; their ids.

    :param enabled: the plugins enabled per clinic, when the caller has already read them
        in this transaction (:func:`enabled_column`); the other clinics' are read here.
    :param along: a write of the caller's to make first (the row the events are about);
        on PostgreSQL, with a single event, it goes in the event's statement as a CTE.
    """
    if not events:
        if along is not None:
            await run(session, along)
        return []
    encoded = [payloads.encode(e.hook, e.payload) for e in events]
    event_rows = [
        {
            "clinic_id": e.clinic_id,
            "hook": e.hook,
            "subject": e.subject,
            "payload": p,
            "source": e.source,
            "created_at": now,
        }
        for e, p in zip(events, encoded, strict=True)
    ]
    ids = await _insert_events(session, event_rows, along)
    known: dict[str, Sequence[str]] = dict(enabled or {})
    rows: list[dict[str, Any]] = []
    for event, event_id in zip(events, ids, strict=True):
        if event.clinic_id not in known:
            known[event.clinic_id] = await _enabled(session, event.clinic_id)
        for plugin in _listening(runtime, known[event.clinic_id], event.hook, event.exclude):
            rows.append(
                {
                    "event_id": event_id,
                    "clinic_id": event.clinic_id,
                    "plugin": plugin,
                    "hook": event.hook,
                    "subject": event.subject,
                    "status": PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "idempotency_key": idempotency_key(
                        event.clinic_id, plugin, event_id, event.hook
                    ),
                }
            )
    if rows:
        await session.execute(_INSERT_DELIVERY, rows)
    return ids
