"""What plugins write back into the clinic's data: bookings made outside, lab results.

    upsert_booking(...)     a portal booking: stored like the clinic system's own PUT,
                            the other plugins told, the clinic system told through its
                            feed (appointment.booked / changed / cancelled)
    record_lab_results(...) results that came in: on_lab_results_ready for the other
                            plugins, labs.results_ready in the feed

Both exclude the plugin that wrote from the hooks it caused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hub import events, feed
from hub.intake import adoption, appointments, clinic_events, feed_types, tx
from hub.intake.problems import IntakeError, from_validation
from hub.intake.scope import ClinicScope
from hub.runtime import Runtime
from hub.schemas.appointments import AppointmentIn
from hub.types import Appointment, LabResults

__all__ = ["record_lab_results", "upsert_booking"]


async def upsert_booking(
    runtime: Runtime, clinic_id: str, plugin: str, external_id: str, data: dict[str, Any]
) -> Appointment:
    """Create or change appointment ``external_id`` from ``data`` (the PUT body's shape).

    :raises IntakeError: (a ``ValueError``) naming each problem; nothing is written then.
    """
    try:
        parsed = AppointmentIn.model_validate(data)
    except ValidationError as exc:
        raise IntakeError(from_validation(exc)) from None
    now = runtime.clock.now()
    scope = await ClinicScope.load(runtime, clinic_id)

    async def work(session: AsyncSession) -> Appointment:
        outcome = await appointments.upsert_appointment(
            session,
            runtime,
            scope,
            await adoption.resolve(session, clinic_id, external_id),
            parsed,
            now=now,
            source=plugin,
            exclude={plugin},
        )
        assert outcome.appointment is not None
        published = feed_types.written_back(outcome.result, outcome.appointment, outcome.changes)
        if published is not None:
            await feed.publish(
                session,
                clinic_id=clinic_id,
                type=published[0],
                data=published[1],
                source=plugin,
                at=now,
            )
        return outcome.appointment

    return await tx.write(runtime.db, work)


async def record_lab_results(
    session: AsyncSession,
    runtime: Runtime,
    clinic_id: str,
    plugin: str,
    results: LabResults,
    now: dt.datetime,
) -> None:
    """Tell the other plugins and the clinic system about ``results``.

    :raises IntakeError: if the patient (or the given appointment) is unknown.
    """
    card = await clinic_events.card_for(
        session, clinic_id, results.patient_id, results.appointment_id
    )
    await events.emit(
        session,
        clinic_id=clinic_id,
        hook="on_lab_results_ready",
        subject=f"card:{card.id}",
        payload={"card": card, "results": results},
        now=now,
        runtime=runtime,
        source=plugin,
        exclude={plugin},
    )
    await feed.publish(
        session,
        clinic_id=clinic_id,
        type="labs.results_ready",
        data=results.model_dump(mode="json"),
        source=plugin,
        at=now,
    )
