"""The appointment reference a robot task carries, and what it leads back to.

Mango's robot scenario posts ``{"id": {{Дополнительная информация}}, "status": 1|2}``
to ``/MangoOffice/UpdateStatus``, a route without a clinic: the reference alone must
lead to the clinic, the appointment and the journal message, and knowing it is the
only authority the request has.  So a reference is

* ``m`` and 24 base32 characters (``a-z2-7``: 120 random bits): unguessable, free of
  quotes, spaces, commas and braces, so it reads back the same whether Mango
  substitutes it quoted or not into the body template, and never all digits (the
  hub refuses integers beyond 2**53 in request bodies);
* issued once per journal message (a retried push reuses it), never shared between
  appointments, kept in ``mango_reference``.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from hub_mango.tables import REFERENCE, utc
from sqlalchemy.ext.asyncio import AsyncConnection

RANDOM_BYTES = 15
_SHAPE = re.compile(r"^m[a-z2-7]{24}$")


def new_token() -> str:
    """A fresh reference: ``m`` + 120 random bits in lowercase base32."""
    return "m" + base64.b32encode(secrets.token_bytes(RANDOM_BYTES)).decode().lower()


def well_formed(token: str) -> bool:
    return bool(_SHAPE.match(token))


@dataclass(frozen=True)
class Reference:
    """One issued reference."""

    token: str
    clinic_id: str
    appointment_id: str
    message_id: int | None
    answer_status: int | None
    answered_at: dt.datetime | None
    call_result: str | None


def _row(row: Any) -> Reference:
    return Reference(
        token=row.token,
        clinic_id=row.clinic_id,
        appointment_id=row.appointment_id,
        message_id=row.message_id,
        answer_status=row.answer_status,
        answered_at=utc(row.answered_at),
        call_result=row.call_result,
    )


async def for_message(
    conn: AsyncConnection, clinic_id: str, appointment_id: str, message_id: int, now: dt.datetime
) -> str:
    """The reference of a journal message, issued on first use."""
    query = sa.select(REFERENCE.c.token).where(
        REFERENCE.c.clinic_id == clinic_id, REFERENCE.c.message_id == message_id
    )
    found = (await conn.execute(query)).scalar_one_or_none()
    if found is not None:
        return str(found)
    token = new_token()
    await conn.execute(
        sa.insert(REFERENCE).values(
            token=token,
            clinic_id=clinic_id,
            appointment_id=appointment_id,
            message_id=message_id,
            created_at=now,
        )
    )
    return token


async def find(conn: AsyncConnection, token: str, clinic_id: str | None = None) -> Reference | None:
    """The reference ``token`` (of ``clinic_id`` if given), or ``None``."""
    if not well_formed(token):
        return None
    query = sa.select(REFERENCE).where(REFERENCE.c.token == token)
    if clinic_id is not None:
        query = query.where(REFERENCE.c.clinic_id == clinic_id)
    row = (await conn.execute(query)).first()
    return None if row is None else _row(row)


async def record_answer(conn: AsyncConnection, token: str, status: int, now: dt.datetime) -> bool:
    """Store the robot's answer; ``False`` if this answer was already stored."""
    result = await conn.execute(
        sa.update(REFERENCE)
        .where(
            REFERENCE.c.token == token,
            sa.or_(REFERENCE.c.answer_status.is_(None), REFERENCE.c.answer_status != status),
        )
        .values(answer_status=status, answered_at=now)
    )
    return bool(result.rowcount)


async def record_call_result(conn: AsyncConnection, token: str, result: str) -> None:
    await conn.execute(
        sa.update(REFERENCE).where(REFERENCE.c.token == token).values(call_result=result)
    )
