"""The phone index of patient cards: find a card by a caller's number without a scan.

A card's phones are stored as the clinic system sent them («8 (918) 123-45-67»); their
E.164 forms (``+79181234567``, local numbers read in the clinic's ``phone_region``) go
to the ``patient_phone`` table, whose primary key ``(clinic_id, e164, patient_id)`` is
the lookup's index, in the transaction that writes the card.  A value that is no valid
number of any country is not indexed (it could never match a caller).  A landline is
indexed: it can call.

    reindex(session, clinic_id, cards, region)   rewrite the index rows of these cards
    find(session, clinic_id, phone, region)      the live cards with that number
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import PatientPhone
from hub.intake.snapshots import PATIENT, build_card
from hub.text.phones import check_phone
from hub.types import Card

PHONE = PatientPhone.__table__  # type: ignore[attr-defined]
CHUNK = 1000

__all__ = ["e164", "find", "reindex"]


def e164(phones: Iterable[str | None], region: str) -> list[str]:
    """The distinct E.164 forms of ``phones`` that are numbers at all, in order."""
    out: list[str] = []
    for raw in phones:
        number = check_phone(raw, region).e164 if raw and raw.strip() else None
        if number is not None and number not in out:
            out.append(number)
    return out


async def reindex(
    session: AsyncSession, clinic_id: str, cards: Sequence[Mapping[str, Any]], region: str
) -> None:
    """Rewrite the index rows of these ``patient`` rows (after they were written)."""
    if not cards:
        return
    ids = sorted({str(card["external_id"]) for card in cards})
    for i in range(0, len(ids), CHUNK):
        await session.execute(
            sa.delete(PHONE).where(
                PHONE.c.clinic_id == clinic_id, PHONE.c.patient_id.in_(ids[i : i + CHUNK])
            )
        )
    rows = [
        {"clinic_id": clinic_id, "patient_id": card["external_id"], "e164": number}
        for card in cards
        for number in e164(card["phones"] or (), region)
    ]
    if rows:
        await session.execute(sa.insert(PHONE), rows)


async def find(session: AsyncSession, clinic_id: str, phone: str, region: str) -> list[Card]:
    """The clinic's cards (not deleted) with ``phone`` among their phones, by id.

    ``phone`` may be spelled any way (``+7 918 123-45-67``, ``89181234567``,
    ``79181234567``); one that is no valid number finds nothing.
    """
    numbers = e164([phone], region)
    if not numbers:
        return []
    query = (
        sa.select(PATIENT)
        .join(
            PHONE,
            sa.and_(
                PHONE.c.clinic_id == PATIENT.c.clinic_id,
                PHONE.c.patient_id == PATIENT.c.external_id,
            ),
        )
        .where(
            PHONE.c.clinic_id == clinic_id,
            PHONE.c.e164 == numbers[0],
            PATIENT.c.deleted_at.is_(None),
        )
        .order_by(PATIENT.c.external_id)
    )
    return [build_card(row._mapping) for row in await session.execute(query)]
