"""The few facts about patient cards and appointments that messaging needs.

Kept in one module so that the rest of ``hub.messages`` does not depend on how the
intake part stores cards and appointments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def opted_out(session: AsyncSession, clinic_id: str, patient_id: str | None) -> bool:
    """Whether the patient's card carries the opt-out flag (``False`` if unknown)."""
    return False


async def appointment_start(
    session: AsyncSession, clinic_id: str, appointment_id: str
) -> dt.datetime | None:
    """When the appointment starts (aware UTC), or ``None`` if the hub does not know it."""
    return None


async def opted_out_many(
    session: AsyncSession, clinic_id: str, patient_ids: set[str]
) -> set[str]:
    """Which of these patients carry the opt-out flag."""
    return set()


async def after_sent(session: AsyncSession, runtime: Any, sent: list[Any]) -> None:
    """Set the communication status of the appointments these sent messages were about."""
    return None
