"""Mailing schedules: create, read, replace, update, delete (one clinic at a time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import MailingSchedule
from hub.schemas.schedules import ScheduleCreate, ScheduleFields, SchedulePublic


def to_public(row: MailingSchedule) -> SchedulePublic:
    assert row.id is not None
    return SchedulePublic(
        id=row.id,
        clinic=row.clinic_id,
        name=row.name,
        kind=row.kind,
        params=row.params,
        channel=row.channel,
        template_id=row.template_id,
        text=row.text,
        subject=row.subject,
        enabled=row.enabled,
        communication_status=row.communication_status,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(data: ScheduleCreate) -> dict[str, Any]:
    fields = data.model_dump(mode="json", include=set(ScheduleFields.model_fields))
    fields["subject"] = fields.get("subject") or None
    return {**fields, "kind": data.kind, "params": data.params.model_dump(mode="json")}


async def create(
    session: AsyncSession, *, clinic_id: str, data: ScheduleCreate, now: dt.datetime
) -> MailingSchedule:
    row = MailingSchedule(clinic_id=clinic_id, created_at=now, updated_at=now, **_values(data))
    session.add(row)
    await session.flush()
    return row


async def get(session: AsyncSession, *, clinic_id: str, schedule_id: int) -> MailingSchedule | None:
    row = await session.get(MailingSchedule, schedule_id)
    return row if row is not None and row.clinic_id == clinic_id else None


async def list_for(
    session: AsyncSession, *, clinic_id: str, enabled: bool | None = None, kind: str | None = None
) -> Sequence[MailingSchedule]:
    query = sa.select(MailingSchedule).where(MailingSchedule.clinic_id == clinic_id)  # type: ignore[arg-type]
    if enabled is not None:
        query = query.where(MailingSchedule.enabled.is_(enabled))  # type: ignore[attr-defined]
    if kind is not None:
        query = query.where(MailingSchedule.kind == kind)  # type: ignore[arg-type]
    return list((await session.execute(query.order_by(MailingSchedule.id))).scalars())  # type: ignore[arg-type]


def replace(row: MailingSchedule, data: ScheduleCreate, now: dt.datetime) -> None:
    for name, value in _values(data).items():
        setattr(row, name, value)
    row.updated_at = now


def apply(row: MailingSchedule, values: dict[str, Any], now: dt.datetime) -> None:
    """Set already validated ``values`` (JSON form) on the row."""
    for name, value in values.items():
        setattr(row, name, value if name != "subject" else value or None)
    row.updated_at = now


async def delete(session: AsyncSession, row: MailingSchedule) -> None:
    await session.delete(row)
