"""The few facts about patient cards and appointments that messaging needs.

Kept in one module so that the rest of ``hub.messages`` depends on the intake tables
(``patient``, ``appointment``) in one place only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import AppointmentRecord, PatientRecord

PATIENT = PatientRecord.__table__  # type: ignore[attr-defined]
APPOINTMENT = AppointmentRecord.__table__  # type: ignore[attr-defined]


async def opted_out(session: AsyncSession, clinic_id: str, patient_id: str | None) -> bool:
    """Whether the patient's card carries the opt-out flag (``False`` if unknown)."""
    if patient_id is None:
        return False
    return bool(await opted_out_many(session, clinic_id, {patient_id}))


async def opted_out_many(session: AsyncSession, clinic_id: str, patient_ids: Iterable[str]) -> set[str]:
    """Which of these patients carry the opt-out flag."""
    ids = sorted(set(patient_ids))
    if not ids:
        return set()
    rows = await session.execute(
        sa.select(PATIENT.c.external_id).where(
            PATIENT.c.clinic_id == clinic_id, PATIENT.c.external_id.in_(ids),
            PATIENT.c.opt_out.is_(True),
        )
    )
    return set(rows.scalars())


async def appointment_start(
    session: AsyncSession, clinic_id: str, appointment_id: str
) -> dt.datetime | None:
    """When the appointment starts (aware UTC), or ``None`` if the hub does not know it."""
    start: dt.datetime | None = (
        await session.execute(
            sa.select(APPOINTMENT.c.start).where(
                APPOINTMENT.c.clinic_id == clinic_id, APPOINTMENT.c.external_id == appointment_id
            )
        )
    ).scalar_one_or_none()
    return start
