"""The journal: filtering, paging, totals and export of messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Message
from hub.db.types import UTCDateTime

T = Message.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class JournalFilter:
    """What the journal shows; every field narrows the set (``None``: no condition)."""

    clinics: Sequence[str] | None = None
    recipient: str | None = None
    phone_exact: str | None = None
    phone_digits: str | None = None
    kinds: Sequence[str] | None = None
    statuses: Sequence[str] | None = None
    sent_from: dt.datetime | None = None
    sent_to: dt.datetime | None = None
    mailing_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


#: The time a journal row is dated by: sent, or (not sent yet / failed) queued.
JOURNAL_AT = sa.func.coalesce(T.c.sent_at, T.c.created_at)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(f: JournalFilter) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if f.clinics is not None:
        out.append(T.c.clinic_id.in_(list(f.clinics)))
    if f.recipient:
        out.append(T.c.recipient_search.like(f"%{_escape_like(f.recipient)}%", escape="\\"))
    if f.phone_exact:
        out.append(T.c.address == f.phone_exact)
    elif f.phone_digits:
        out.append(T.c.address.like(f"%{_escape_like(f.phone_digits)}%", escape="\\"))
    if f.kinds:
        out.append(T.c.kind.in_(list(f.kinds)))
    if f.statuses:
        out.append(T.c.status.in_(list(f.statuses)))
    if f.sent_from is not None:
        out.append(JOURNAL_AT >= f.sent_from)
    if f.sent_to is not None:
        out.append(JOURNAL_AT < f.sent_to)
    if f.mailing_id is not None:
        out.append(T.c.mailing_id == f.mailing_id)
    return out


async def page(
    session: AsyncSession, f: JournalFilter, *, page: int, per_page: int
) -> tuple[list[Message], int, Decimal]:
    """One page (newest first), the count and the total cost of the filtered set."""
    where = conditions(f)
    total, cost = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(T.c.cost), 0)).where(*where)
        )
    ).one()
    rows = (
        await session.execute(
            sa.select(Message).where(*where)
            .order_by(JOURNAL_AT.desc(), T.c.id.desc())
            .offset((page - 1) * per_page).limit(per_page)
        )
    ).scalars().all()
    return list(rows), int(total), Decimal(str(cost))


async def chunk(
    session: AsyncSession, f: JournalFilter, *, after: tuple[dt.datetime, int] | None, limit: int
) -> list[Message]:
    """The next ``limit`` messages of the filtered set after ``after`` (newest first);
    pass the last row's :func:`keyset` as ``after`` to continue."""
    query = sa.select(Message).where(*conditions(f))
    if after is not None:
        at, last_id = after
        query = query.where(
            sa.tuple_(JOURNAL_AT, T.c.id)
            < sa.tuple_(sa.literal(at, UTCDateTime()), sa.literal(last_id, sa.BigInteger()))
        )
    query = query.order_by(JOURNAL_AT.desc(), T.c.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars().all())


def keyset(message: Message) -> tuple[dt.datetime, int]:
    return message.sent_at or message.created_at, message.id or 0


async def get(session: AsyncSession, *, message_id: int) -> Message | None:
    return await session.get(Message, message_id)


async def status_counts(session: AsyncSession, *, mailing_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Messages of each mailing by status."""
    if not mailing_ids:
        return {}
    rows = await session.execute(
        sa.select(T.c.mailing_id, T.c.status, sa.func.count())
        .where(T.c.mailing_id.in_(list(mailing_ids)))
        .group_by(T.c.mailing_id, T.c.status)
    )
    out: dict[int, dict[str, int]] = {}
    for mailing_id, status, count in rows:
        out.setdefault(int(mailing_id), {})[str(status)] = int(count)
    return out
