"""Communication status: once a message about an appointment is sent, the appointment
shows it (seed 003: «статус коммуникации», e.g. «Отправили SMS»).

The value is the one the message was queued with (a reminder schedule may set its
own), else the clinic option ``communication_status``; with neither, nothing is set.
A plugin sets it directly for what it learned (a voice robot's «Запись подтверждена»)
through ``ctx.set_communication_status``; ``message_id`` is then ``null``.
A change is stored on the appointment and published in the clinic's feed as
``appointment.communication_status`` ``{"appointment_id", "communication_status",
"message_id"}`` for the clinic system to show; setting the value the appointment
already has publishes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub import feed
from hub.messages.cards import APPOINTMENT

FEED_TYPE = "appointment.communication_status"


@dataclass(frozen=True)
class Sent:
    clinic_id: str
    appointment_id: str
    message_id: int | None
    status: str


async def mark_sent(session: AsyncSession, items: Sequence[Sent], *, now: dt.datetime) -> int:
    """Set and publish the communication status of each item's appointment; how many changed."""
    changed = 0
    for item in items:
        result = await session.execute(
            sa.update(APPOINTMENT)
            .where(
                APPOINTMENT.c.clinic_id == item.clinic_id,
                APPOINTMENT.c.external_id == item.appointment_id,
                sa.or_(
                    APPOINTMENT.c.communication_status.is_(None),
                    APPOINTMENT.c.communication_status != item.status,
                ),
            )
            .values(communication_status=item.status, updated_at=now)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            continue
        changed += 1
        await feed.publish(
            session,
            clinic_id=item.clinic_id,
            type=FEED_TYPE,
            source="hub",
            at=now,
            data={
                "appointment_id": item.appointment_id,
                "communication_status": item.status,
                "message_id": item.message_id,
            },
        )
    return changed
