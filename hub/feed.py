"""The clinic feed: publish events, read them with a cursor, prune old ones.

Order and cursors.  Events are read oldest first and the reader keeps the cursor of
the last one it applied.  On PostgreSQL ids are handed out before commit, so a plain
``id > cursor`` read could pass over an event whose transaction commits late.  Each
row therefore records the transaction id that wrote it; readers order by
``(txid, id)`` and only see rows written by transactions older than every
transaction still running (``pg_snapshot_xmin``).  Any row committed later has a
larger txid, so it sorts after every cursor already handed out: nothing is skipped.
On SQLite writers are serialised and ``txid`` is 0.

A cursor is the opaque string ``"<txid>.<id>"``; clients store and return it as is,
and may re-read from any older cursor (delivery is at-least-once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.db.models import FeedEvent


class BadCursor(ValueError):
    """A cursor that this hub did not hand out."""


def encode_cursor(txid: int, event_id: int) -> str:
    return f"{txid}.{event_id}"


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        txid, dot, event_id = cursor.partition(".")
        # a bare id: SQLite-era cursors and hand-written ones
        parts = (int(txid), int(event_id)) if dot else (0, int(txid))
    except ValueError:
        raise BadCursor(f"cursor {cursor!r} is not one this feed handed out") from None
    if not all(0 <= part < 2**63 for part in parts):
        raise BadCursor(f"cursor {cursor!r} is not one this feed handed out")
    return parts


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def publish(
    session: AsyncSession,
    *,
    clinic_id: str,
    type: str,
    data: dict[str, Any],
    source: str,
    at: dt.datetime,
) -> str:
    """Add an event to the clinic's feed in the caller's transaction; its cursor."""
    txid: Any = sa.text("pg_current_xact_id()::text::bigint") if _is_postgres(session) else 0
    result = await session.execute(
        sa.insert(FeedEvent)
        .values(clinic_id=clinic_id, type=type, source=source, data=data, at=at, txid=txid)
        .returning(col(FeedEvent.txid), col(FeedEvent.id))
    )
    row_txid, row_id = result.one()
    assert row_id is not None
    return encode_cursor(row_txid, row_id)


@dataclass(frozen=True)
class FeedPage:
    events: list[FeedEvent]
    next: str | None


async def read(session: AsyncSession, *, clinic_id: str, after: str | None, limit: int) -> FeedPage:
    """Events after ``after`` (or from the start), oldest first, at most ``limit``."""
    query = sa.select(FeedEvent).where(col(FeedEvent.clinic_id) == clinic_id)
    if after:
        txid, event_id = decode_cursor(after)
        query = query.where(
            sa.tuple_(col(FeedEvent.txid), col(FeedEvent.id)) > sa.tuple_(txid, event_id)
        )
    if _is_postgres(session):
        query = query.where(
            col(FeedEvent.txid) < sa.text("pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        )
    query = query.order_by(col(FeedEvent.txid), col(FeedEvent.id)).limit(limit)
    events = list((await session.execute(query)).scalars())
    last = events[-1] if events else None
    return FeedPage(
        events=events,
        next=encode_cursor(last.txid, last.id) if last and last.id is not None else after,
    )


async def prune(session: AsyncSession, *, before: dt.datetime) -> int:
    """Delete events older than ``before``; how many."""
    result = await session.execute(sa.delete(FeedEvent).where(col(FeedEvent.at) < before))
    return int(result.rowcount)  # type: ignore[attr-defined]
