"""Bookings made outside, adopted by the clinic system under its own id.

A plugin writes back a booking the patient made in a portal
(``ctx.upsert_appointment("ondoc-123", data)``): the hub stores it under that id, with
``origin`` = the plugin, and publishes ``appointment.booked`` whose ``appointment_id``
is that id.  The clinic system books it in its own schedule under its own id and
ties the two with one request::

    PUT /api/v1/clinics/{clinic}/appointments/{its_id}   {..., "adopts": "ondoc-123"}

:func:`adopt` then, in the transaction of the ``PUT``, re-keys the stored appointment
to ``its_id`` (with its messages, answer links and the patient's answer), records
``ondoc-123`` as an alias of ``its_id``, and the ``PUT`` is applied as an update of
that appointment: one booking never becomes two, and no ``on_appointment_created`` is
fired again.  A later write-back under the old id (:func:`resolve`) changes the
adopted appointment, and its feed events carry ``its_id``.

Repeating the same ``PUT`` is harmless (the alias already points there).  Refused:
``adopts`` naming no appointment, or one the clinic system made itself (422); an
``its_id`` that already is another appointment, or an id already adopted under
another id (409).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import AnswerLink, AppointmentAlias, AppointmentAnswer, Message
from hub.intake.problems import IntakeError, Problem
from hub.intake.snapshots import APPOINTMENT

ALIAS = AppointmentAlias.__table__  # type: ignore[attr-defined]
_RENAMED = (
    Message.__table__,  # type: ignore[attr-defined]
    AnswerLink.__table__,  # type: ignore[attr-defined]
    AppointmentAnswer.__table__,  # type: ignore[attr-defined]
    ALIAS,
)

__all__ = ["AdoptionConflict", "adopt", "resolve"]


class AdoptionConflict(Exception):
    """The adoption contradicts what the hub holds (answered 409)."""


async def resolve(session: AsyncSession, clinic_id: str, appointment_id: str) -> str:
    """The id the appointment known as ``appointment_id`` has now."""
    current = (
        await session.execute(
            sa.select(ALIAS.c.appointment_id).where(
                ALIAS.c.clinic_id == clinic_id, ALIAS.c.alias == appointment_id
            )
        )
    ).scalar_one_or_none()
    return str(current) if current is not None else appointment_id


def _refused(message: str, kind: str) -> IntakeError:
    return IntakeError([Problem(("body", "adopts"), message, kind)])


async def adopt(
    session: AsyncSession, clinic_id: str, new_id: str, old_id: str, *, now: dt.datetime
) -> bool:
    """Re-key appointment ``old_id`` to ``new_id`` (see the module); ``False`` if it
    already was (a repeated ``PUT``)."""
    if new_id == old_id:
        raise _refused("an appointment cannot adopt itself", "adopts_itself")
    current = await resolve(session, clinic_id, old_id)
    if current == new_id:
        return False
    if current != old_id:
        raise AdoptionConflict(
            f"appointment {old_id!r} was already adopted as {current!r}; "
            f"adopt it under that id or leave adopts out"
        )
    rows = {
        row.external_id: row
        for row in await session.execute(
            sa.select(APPOINTMENT.c.external_id, APPOINTMENT.c.origin)
            .where(
                APPOINTMENT.c.clinic_id == clinic_id,
                APPOINTMENT.c.external_id.in_([old_id, new_id]),
            )
            .with_for_update()
        )
    }
    old = rows.get(old_id)
    if old is None:
        raise _refused(f"no appointment {old_id!r} to adopt in this clinic", "unknown_reference")
    if old.origin is None:
        raise _refused(
            f"appointment {old_id!r} was sent by the clinic system itself, not booked "
            "outside: there is nothing to adopt",
            "not_adoptable",
        )
    if new_id in rows:
        raise AdoptionConflict(
            f"appointment {new_id!r} already exists: it cannot also adopt {old_id!r}"
        )
    await session.execute(
        sa.update(APPOINTMENT)
        .where(APPOINTMENT.c.clinic_id == clinic_id, APPOINTMENT.c.external_id == old_id)
        .values(external_id=new_id)
    )
    for table in _RENAMED:
        await session.execute(
            sa.update(table)
            .where(table.c.clinic_id == clinic_id, table.c.appointment_id == old_id)
            .values(appointment_id=new_id)
        )
    await session.execute(
        sa.insert(ALIAS).values(
            clinic_id=clinic_id, alias=old_id, appointment_id=new_id, adopted_at=now
        )
    )
    return True
