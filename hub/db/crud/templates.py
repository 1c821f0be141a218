"""Message templates of a clinic: list, get, the default one, one default per kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import MessageTemplate

T: sa.Table = MessageTemplate.__table__  # type: ignore[attr-defined]


async def list_all(
    session: AsyncSession, *, clinic_id: str, kind: str | None = None
) -> Sequence[MessageTemplate]:
    query = sa.select(MessageTemplate).where(T.c.clinic_id == clinic_id)
    if kind is not None:
        query = query.where(T.c.kind == kind)
    return list((await session.execute(query.order_by(T.c.id))).scalars())


async def get(session: AsyncSession, *, clinic_id: str, template_id: int) -> MessageTemplate | None:
    row = await session.get(MessageTemplate, template_id)
    return row if row is not None and row.clinic_id == clinic_id else None


async def default(
    session: AsyncSession,
    *,
    clinic_id: str,
    kind: str,
    channel: str = "sms",
    recipient: str = "patient",
) -> MessageTemplate | None:
    """The clinic's default template of ``kind`` (for ``channel`` and ``recipient``)."""
    query = (
        sa.select(MessageTemplate)
        .where(
            T.c.clinic_id == clinic_id,
            T.c.kind == kind,
            T.c.channel == channel,
            T.c.recipient == recipient,
            T.c.is_default.is_(True),
        )
        .order_by(T.c.id)
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def clear_other_defaults(
    session: AsyncSession, template: MessageTemplate, now: dt.datetime
) -> None:
    """Only one default per (clinic, kind, channel, recipient): unset the others."""
    await session.execute(
        sa.update(T)
        .where(
            T.c.clinic_id == template.clinic_id,
            T.c.kind == template.kind,
            T.c.channel == template.channel,
            T.c.recipient == template.recipient,
            T.c.id != template.id,
            T.c.is_default.is_(True),
        )
        .values(is_default=False, updated_at=now)
    )
