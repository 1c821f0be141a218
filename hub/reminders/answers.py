"""The patient's answer about an appointment: stored once, published, passed to plugins.

    record(...)   store the answer (first answer, or a change before the cut-off), then in
                  the same transaction publish the feed event and emit
                  ``on_patient_answered`` (durable: the event worker delivers it)
    current(...)  the stored answer of an appointment, or ``None`` (``current_many``)
    public(...)   its API form (``patient_answer`` on ``GET .../appointments/{id}``)

    answer       feed event type
    confirmed    appointment.confirmed
    cancelled    appointment.cancelled_by_patient
    callback     appointment.callback_requested

Rules (the clinic option ``answer_cutoff_minutes``, 120 by default):

* the first answer is taken until the appointment starts;
* the same answer again changes nothing (a double tap, a reload of the form);
* another answer replaces the first until ``answer_cutoff_minutes`` before the start;
  later the page asks the patient to call the clinic;
* an appointment the clinic cancelled takes no answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub import events, feed
from hub.db.models import AppointmentAnswer
from hub.db.upsert import insert
from hub.schemas.answers import PatientAnswerPublic
from hub.types import Appointment, PatientAnswer

if TYPE_CHECKING:
    from hub.runtime import Runtime

__all__ = [
    "ANSWERS",
    "FEED_TYPES",
    "AnswerRefused",
    "Recorded",
    "current",
    "current_many",
    "public",
    "record",
]

Answer = Literal["confirmed", "cancelled", "callback"]
ANSWERS: Final[tuple[Answer, ...]] = ("confirmed", "cancelled", "callback")
FEED_TYPES: Final[dict[str, str]] = {
    "confirmed": "appointment.confirmed",
    "cancelled": "appointment.cancelled_by_patient",
    "callback": "appointment.callback_requested",
}
MAX_REASON: Final = 500
_TABLE = AppointmentAnswer.__table__  # type: ignore[attr-defined]


class AnswerRefused(Exception):
    """The answer cannot be taken; ``code`` is ``started``, ``cancelled`` or ``too_late``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Recorded:
    """The stored answer and whether this call changed it."""

    answer: AppointmentAnswer
    changed: bool


async def current(
    session: AsyncSession, clinic_id: str, appointment_id: str
) -> AppointmentAnswer | None:
    return await session.get(AppointmentAnswer, (clinic_id, appointment_id))


async def current_many(
    session: AsyncSession, clinic_id: str, appointment_ids: Sequence[str]
) -> dict[str, AppointmentAnswer]:
    """Stored answers by appointment id (appointments without one are left out)."""
    out: dict[str, AppointmentAnswer] = {}
    ids = sorted(set(appointment_ids))
    for i in range(0, len(ids), 1000):
        rows = await session.execute(
            sa.select(AppointmentAnswer).where(
                AppointmentAnswer.clinic_id == clinic_id,  # type: ignore[arg-type]
                AppointmentAnswer.appointment_id.in_(ids[i : i + 1000]),  # type: ignore[attr-defined]
            )
        )
        out.update({row.appointment_id: row for row in rows.scalars()})
    return out


def public(row: AppointmentAnswer | None) -> PatientAnswerPublic | None:
    """The API's form of a stored answer."""
    if row is None:
        return None
    return PatientAnswerPublic(
        answer=row.answer,
        reason=row.reason,
        at=row.answered_at,
        source=row.source,
        history=row.history,
    )


async def _lock(
    session: AsyncSession, clinic_id: str, appointment_id: str
) -> AppointmentAnswer | None:
    query = (
        sa.select(AppointmentAnswer)
        .where(
            AppointmentAnswer.clinic_id == clinic_id,  # type: ignore[arg-type]
            AppointmentAnswer.appointment_id == appointment_id,  # type: ignore[arg-type]
        )
        .with_for_update()
    )
    return (
        await session.execute(query.execution_options(populate_existing=True))
    ).scalar_one_or_none()


async def record(
    session: AsyncSession,
    runtime: Runtime,
    *,
    clinic_id: str,
    appointment: Appointment,
    answer: Answer,
    reason: str | None = None,
    source: str = "answer_page",
    cutoff: dt.timedelta,
    now: dt.datetime,
) -> Recorded:
    """Store ``answer`` about ``appointment`` (see the module's rules).

    :raises AnswerRefused: the appointment started or was cancelled by the clinic, or the
        answer would change after the cut-off.
    """
    if answer not in ANSWERS:
        raise ValueError(f"unknown answer {answer!r}: one of {', '.join(ANSWERS)}")
    reason = (reason or "").strip()[:MAX_REASON] or None
    if answer != "cancelled":
        reason = None
    if now >= appointment.start:
        raise AnswerRefused("started", "the appointment has already started")
    line = {"at": now.isoformat(), "answer": answer, "reason": reason, "source": source}
    row = await _lock(session, clinic_id, appointment.id)
    if row is None:
        if appointment.cancelled:
            raise AnswerRefused("cancelled", "the clinic has cancelled this appointment")
        inserted = await session.execute(
            insert(session, _TABLE)
            .values(
                clinic_id=clinic_id,
                appointment_id=appointment.id,
                answer=answer,
                reason=reason,
                source=source,
                answered_at=now,
                history=[line],
            )
            .on_conflict_do_nothing(index_elements=["clinic_id", "appointment_id"])
            .returning(_TABLE.c.appointment_id)
        )
        if inserted.first() is not None:
            row = await _lock(session, clinic_id, appointment.id)
            assert row is not None
            await _announce(session, runtime, clinic_id, appointment, row, previous=None, now=now)
            return Recorded(row, changed=True)
        row = await _lock(session, clinic_id, appointment.id)  # a concurrent first answer won
        assert row is not None
    if row.answer == answer and (row.reason or None) == reason:
        return Recorded(row, changed=False)
    if appointment.cancelled:
        raise AnswerRefused("cancelled", "the clinic has cancelled this appointment")
    if now >= appointment.start - cutoff:
        raise AnswerRefused("too_late", "the answer can no longer be changed online")
    previous = row.answer
    row.answer, row.reason, row.source, row.answered_at = answer, reason, source, now
    row.history = [*row.history, line]
    await session.flush()
    await _announce(session, runtime, clinic_id, appointment, row, previous=previous, now=now)
    return Recorded(row, changed=True)


async def _announce(
    session: AsyncSession,
    runtime: Runtime,
    clinic_id: str,
    appointment: Appointment,
    row: AppointmentAnswer,
    *,
    previous: str | None,
    now: dt.datetime,
) -> None:
    """The feed event for the clinic system and the durable hook call for plugins."""
    data = {
        "appointment_id": appointment.id,
        "patient_id": appointment.patient_id,
        "answer": row.answer,
        "reason": row.reason,
        "previous": previous,
        "start": appointment.start.isoformat(),
        "via": row.source,
    }
    await feed.publish(
        session,
        clinic_id=clinic_id,
        type=FEED_TYPES[row.answer],
        data=data,
        source="hub" if row.source == "answer_page" else row.source,
        at=now,
    )
    await events.emit(
        session,
        clinic_id=clinic_id,
        hook="on_patient_answered",
        subject=f"appointment:{appointment.id}",
        payload={
            "appointment": appointment,
            "answer": PatientAnswer(
                appointment_id=appointment.id,
                answer=row.answer,
                reason=row.reason,
                at=now,
                source=row.source,
            ),
        },
        now=now,
        runtime=runtime,
        source=row.source,
        exclude=() if row.source == "answer_page" else (row.source,),
    )
