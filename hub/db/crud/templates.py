"""Message templates of a clinic: list, get, create, update, delete, the default one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import MessageTemplate

T = MessageTemplate


async def list_all(session: AsyncSession, *, clinic_id: str, kind: str | None = None) -> Sequence[MessageTemplate]:
    query = sa.select(T).where(T.clinic_id == clinic_id)  # type: ignore[arg-type]
    if kind is not None:
        query = query.where(T.kind == kind)  # type: ignore[arg-type]
    return list((await session.execute(query.order_by(T.id))).scalars())  # type: ignore[arg-type]


async def get(session: AsyncSession, *, clinic_id: str, template_id: int) -> MessageTemplate | None:
    row = await session.get(T, template_id)
    return row if row is not None and row.clinic_id == clinic_id else None


async def default(
    session: AsyncSession, *, clinic_id: str, kind: str, channel: str = "sms",
    recipient: str = "patient",
) -> MessageTemplate | None:
    """The clinic's default template of ``kind`` (for ``channel`` and ``recipient``)."""
    return (
        await session.execute(
            sa.select(T).where(
                T.clinic_id == clinic_id, T.kind == kind, T.channel == channel,  # type: ignore[arg-type]
                T.recipient == recipient, T.is_default.is_(True),  # type: ignore[arg-type,attr-defined]
            ).order_by(T.id).limit(1)  # type: ignore[arg-type]
        )
    ).scalar_one_or_none()


async def clear_other_defaults(session: AsyncSession, template: MessageTemplate, now: dt.datetime) -> None:
    """Only one default per (clinic, kind, channel, recipient): unset the others."""
    await session.execute(
        sa.update(T).where(
            T.clinic_id == template.clinic_id, T.kind == template.kind,  # type: ignore[arg-type]
            T.channel == template.channel, T.recipient == template.recipient,  # type: ignore[arg-type]
            T.id != template.id, T.is_default.is_(True),  # type: ignore[arg-type,attr-defined]
        ).values(is_default=False, updated_at=now)
    )
