"""May this address get this message?  The stop list and the patient's opt-out.

The clinic's stop list blocks every message to a number; a patient's opt-out flag
(«Отказ от информационной рассылки») blocks every message that is not ``essential``
(a link code the patient asked for is essential; a reminder or a mailing is not).
Checked when a message is queued and again just before it is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import StopListEntry


@dataclass(frozen=True)
class Refusal:
    """Why a message may not go: a stable ``code`` and a sentence."""

    code: str
    text: str


async def stop_listed(session: AsyncSession, clinic_id: str, address: str) -> StopListEntry | None:
    return await session.get(StopListEntry, (clinic_id, address))


async def stop_listed_many(
    session: AsyncSession, clinic_id: str, addresses: set[str]
) -> set[str]:
    """Which of ``addresses`` are on the clinic's stop list."""
    if not addresses:
        return set()
    rows = await session.execute(
        sa.select(StopListEntry.phone).where(
            StopListEntry.clinic_id == clinic_id,  # type: ignore[arg-type]
            StopListEntry.phone.in_(addresses),  # type: ignore[attr-defined]
        )
    )
    return set(rows.scalars())


async def opted_out(session: AsyncSession, clinic_id: str, patient_id: str | None) -> bool:
    """Whether the patient's card carries the opt-out flag."""
    from hub.messages import cards

    return await cards.opted_out(session, clinic_id, patient_id)


async def refusal(
    session: AsyncSession,
    *,
    clinic_id: str,
    address: str,
    patient_id: str | None,
    essential: bool,
) -> Refusal | None:
    """The reason this message must not be sent, or ``None``."""
    entry = await stop_listed(session, clinic_id, address)
    if entry is not None:
        note = f" ({entry.note})" if entry.note else ""
        return Refusal("stop_list", f"{address} is on the clinic's stop list{note}")
    if not essential and await opted_out(session, clinic_id, patient_id):
        return Refusal(
            "opt_out", f"patient {patient_id} opted out of informational messages"
        )
    return None
