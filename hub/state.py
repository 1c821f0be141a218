"""Plugin state: per-clinic key/value data a plugin keeps through ``ctx.state``.

Values are JSON.  A key may carry an expiry (``expires_at``): once it has passed, the key
reads as absent everywhere (``get``, ``items``, ``add``, ``compare_and_set``) and the
next write replaces it.  ``add`` (insert if absent) and ``compare_and_set`` are atomic
across workers: on PostgreSQL the row is locked (``SELECT … FOR UPDATE``) or its
insert fails on the primary key; on SQLite every write transaction is ``BEGIN
IMMEDIATE`` (see :mod:`hub.db.engine`), so a read-then-write cannot interleave.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.db.engine import Database
from hub.db.models import PluginStateRow


def _expiry(now: dt.datetime, ttl: dt.timedelta | None) -> dt.datetime | None:
    if ttl is None:
        return None
    if ttl <= dt.timedelta(0):
        raise ValueError(f"ttl must be positive, got {ttl}")
    return now + ttl


def _live(row: PluginStateRow | None, now: dt.datetime) -> PluginStateRow | None:
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return row


async def _locked(
    session: AsyncSession, clinic_id: str, plugin: str, key: str
) -> PluginStateRow | None:
    query = (
        sa.select(PluginStateRow)
        .where(
            col(PluginStateRow.clinic_id) == clinic_id,
            col(PluginStateRow.plugin) == plugin,
            col(PluginStateRow.key) == key,
        )
        .with_for_update()
    )
    return (await session.execute(query)).scalars().first()


async def get(
    db: Database, clinic_id: str, plugin: str, key: str, default: Any, now: dt.datetime
) -> Any:
    async with db.session() as session:
        row = _live(await session.get(PluginStateRow, (clinic_id, plugin, key)), now)
        return default if row is None else row.value


async def put(
    db: Database,
    clinic_id: str,
    plugin: str,
    key: str,
    value: Any,
    now: dt.datetime,
    ttl: dt.timedelta | None = None,
) -> None:
    expires_at = _expiry(now, ttl)
    async with db.session() as session:
        row = await _locked(session, clinic_id, plugin, key)
        if row is None:
            if await _insert(session, clinic_id, plugin, key, value, now, expires_at):
                return
            row = await _locked(session, clinic_id, plugin, key)
            assert row is not None
        row.value, row.updated_at, row.expires_at = value, now, expires_at


async def _insert(
    session: AsyncSession,
    clinic_id: str,
    plugin: str,
    key: str,
    value: Any,
    now: dt.datetime,
    expires_at: dt.datetime | None,
) -> bool:
    """Insert the key; ``False`` if another transaction inserted it first."""
    try:
        async with session.begin_nested():
            session.add(
                PluginStateRow(
                    clinic_id=clinic_id,
                    plugin=plugin,
                    key=key,
                    value=value,
                    updated_at=now,
                    expires_at=expires_at,
                )
            )
    except IntegrityError:
        return False
    return True


async def add(
    db: Database,
    clinic_id: str,
    plugin: str,
    key: str,
    value: Any,
    now: dt.datetime,
    ttl: dt.timedelta | None = None,
) -> bool:
    """Store ``value`` under ``key`` if the key is absent or expired; else ``False``."""
    expires_at = _expiry(now, ttl)
    async with db.session() as session:
        row = await _locked(session, clinic_id, plugin, key)
        if row is None:
            return await _insert(session, clinic_id, plugin, key, value, now, expires_at)
        if _live(row, now) is not None:
            return False
        row.value, row.updated_at, row.expires_at = value, now, expires_at
        return True


async def compare_and_set(
    db: Database,
    clinic_id: str,
    plugin: str,
    key: str,
    expected: Any,
    new: Any,
    now: dt.datetime,
    ttl: dt.timedelta | None = None,
) -> bool:
    """Replace the value of ``key`` by ``new`` if it is ``expected`` now (``None``: the
    key is absent or expired); ``False`` otherwise, changing nothing."""
    if expected is None:
        return await add(db, clinic_id, plugin, key, new, now, ttl)
    expires_at = _expiry(now, ttl)
    async with db.session() as session:
        row = _live(await _locked(session, clinic_id, plugin, key), now)
        if row is None or row.value != expected:
            return False
        row.value, row.updated_at, row.expires_at = new, now, expires_at
        return True


async def delete(db: Database, clinic_id: str, plugin: str, key: str, now: dt.datetime) -> bool:
    """Remove ``key``; ``True`` if it was there (and not expired)."""
    async with db.session() as session:
        row = await _locked(session, clinic_id, plugin, key)
        if row is None:
            return False
        await session.delete(row)
        return _live(row, now) is not None


async def items(
    db: Database, clinic_id: str, plugin: str, prefix: str, now: dt.datetime
) -> dict[str, Any]:
    async with db.session() as session:
        query = sa.select(col(PluginStateRow.key), col(PluginStateRow.value)).where(
            col(PluginStateRow.clinic_id) == clinic_id,
            col(PluginStateRow.plugin) == plugin,
            sa.or_(col(PluginStateRow.expires_at).is_(None), col(PluginStateRow.expires_at) > now),
        )
        if prefix:
            query = query.where(col(PluginStateRow.key).startswith(prefix, autoescape=True))
        rows = (await session.execute(query.order_by(col(PluginStateRow.key)))).all()
        return {key: value for key, value in rows}
