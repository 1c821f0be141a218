"""Event deliveries for the operations API: counts, the dead list, re-queueing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Delivery
from hub.db.models.events import DEAD, DONE, OPEN_STATES, PENDING, RETRYING

D = Delivery.__table__  # type: ignore[attr-defined]


def _dead_before(d: sa.TableClause) -> sa.Exists:
    earlier = D.alias("earlier")
    return sa.exists().where(
        earlier.c.clinic_id == d.c.clinic_id, earlier.c.plugin == d.c.plugin,
        earlier.c.subject == d.c.subject, earlier.c.id < d.c.id, earlier.c.status == DEAD,
    )


def _filters(d: sa.TableClause, clinic: str | None, plugin: str | None) -> list[sa.ColumnElement[bool]]:
    out = []
    if clinic is not None:
        out.append(d.c.clinic_id == clinic)
    if plugin is not None:
        out.append(d.c.plugin == plugin)
    return out


async def stats(
    session: AsyncSession, *, clinic: str | None = None, plugin: str | None = None
) -> list[dict[str, Any]]:
    """Per (clinic, plugin): pending, retrying, dead, and blocked (open deliveries
    waiting behind a dead one of the same subject), with the oldest open one's due time."""
    d = D.alias("d")
    is_open = d.c.status.in_(OPEN_STATES)

    def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    query = (
        sa.select(
            d.c.clinic_id, d.c.plugin,
            count(d.c.status == PENDING).label("pending"),
            count(d.c.status == RETRYING).label("retrying"),
            count(d.c.status == DEAD).label("dead"),
            count(sa.and_(is_open, _dead_before(d))).label("blocked"),
            sa.func.min(sa.case((is_open, d.c.next_attempt_at), else_=None)).label("oldest_due"),
        )
        .where(d.c.status.in_((*OPEN_STATES, DEAD)), *_filters(d, clinic, plugin))
        .group_by(d.c.clinic_id, d.c.plugin)
        .order_by(d.c.clinic_id, d.c.plugin)
    )
    rows = (await session.execute(query)).mappings().all()
    out = []
    for row in rows:
        item = dict(row)
        due = item.pop("oldest_due")
        if isinstance(due, str):  # SQLite returns the aggregate of a TypeDecorator raw
            due = dt.datetime.fromisoformat(due)
        if isinstance(due, dt.datetime) and due.tzinfo is None:
            due = due.replace(tzinfo=dt.UTC)
        item["oldest_due"] = due
        out.append(item)
    return out


async def page(
    session: AsyncSession, *, status: str | None, clinic: str | None, plugin: str | None,
    page: int, per_page: int,
) -> tuple[list[dict[str, Any]], int]:
    """Deliveries, newest first, with ``blocked_by`` (the dead one holding each back)."""
    d = D.alias("d")
    where = _filters(d, clinic, plugin)
    if status is not None:
        where.append(d.c.status == status)
    total = (await session.execute(sa.select(sa.func.count()).select_from(d).where(*where))).scalar_one()
    earlier = D.alias("earlier")
    blocked_by = (
        sa.select(sa.func.min(earlier.c.id)).where(
            earlier.c.clinic_id == d.c.clinic_id, earlier.c.plugin == d.c.plugin,
            earlier.c.subject == d.c.subject, earlier.c.id < d.c.id, earlier.c.status == DEAD,
        ).scalar_subquery()
    )
    query = (
        sa.select(d, sa.case((d.c.status.in_(OPEN_STATES), blocked_by), else_=None).label("blocked_by"))
        .where(*where).order_by(d.c.id.desc()).limit(per_page).offset((page - 1) * per_page)
    )
    rows = [dict(r) for r in (await session.execute(query)).mappings().all()]
    return rows, int(total)


async def get(session: AsyncSession, delivery_id: int) -> dict[str, Any] | None:
    row = (await session.execute(sa.select(D).where(D.c.id == delivery_id))).mappings().first()
    return dict(row) if row else None


def _requeue_values(now: dt.datetime) -> dict[str, Any]:
    return {"status": PENDING, "attempts": 0, "next_attempt_at": now, "finished_at": None,
            "lease_until": None, "leased_by": None}


async def requeue(session: AsyncSession, *, ids: Sequence[int], now: dt.datetime) -> int:
    """Give dead deliveries a fresh set of attempts; how many were dead."""
    result = await session.execute(
        sa.update(D).where(D.c.id.in_(list(ids)), D.c.status == DEAD).values(_requeue_values(now))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def requeue_all(
    session: AsyncSession, *, clinic: str | None, plugin: str | None, now: dt.datetime
) -> int:
    """Re-queue every dead delivery (of a clinic and/or plugin); how many."""
    result = await session.execute(
        sa.update(D).where(D.c.status == DEAD, *_filters(D, clinic, plugin)).values(_requeue_values(now))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


__all__ = ["DONE", "get", "page", "requeue", "requeue_all", "stats"]
