"""May this address get this message?  The stop list and the patient's opt-out.

The clinic's stop list blocks every message to a number; a patient's opt-out flag
(«Отказ от информационной рассылки») blocks every message that is not ``essential``
(a link code the patient asked for is essential; a reminder or a mailing is not).
Checked when a message is queued and again just before it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


async def stop_listed_many(session: AsyncSession, clinic_id: str, addresses: set[str]) -> set[str]:
    """Which of ``addresses`` are on the clinic's stop list."""
    if not addresses:
        return set()
    table: sa.Table = StopListEntry.__table__  # type: ignore[attr-defined]
    rows = await session.execute(
        sa.select(table.c.phone).where(
            table.c.clinic_id == clinic_id, table.c.phone.in_(sorted(addresses))
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
        return Refusal("opt_out", f"patient {patient_id} opted out of informational messages")
    return None


async def blocked(
    session: AsyncSession, messages: Sequence[Mapping[str, Any]]
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """For messages about to be sent: the (clinic, address) pairs on a stop list and the
    (clinic, patient) pairs of opted-out patients (non-essential messages only)."""
    from hub.messages import cards

    by_clinic: dict[str, list[Mapping[str, Any]]] = {}
    for message in messages:
        by_clinic.setdefault(message["clinic_id"], []).append(message)
    stop: set[tuple[str, str]] = set()
    opted: set[tuple[str, str]] = set()
    for clinic_id, group in by_clinic.items():
        addresses = {m["address"] for m in group}
        patients = {m["patient_id"] for m in group if m["patient_id"] and not m["essential"]}
        stop |= {(clinic_id, a) for a in await stop_listed_many(session, clinic_id, addresses)}
        opted |= {(clinic_id, p) for p in await cards.opted_out_many(session, clinic_id, patients)}
    return stop, opted
