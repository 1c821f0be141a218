"""Clinic events: a service charged, lab results ready, a discount card issued.

Each is checked against the mirrored data (the appointment, patient and service must
be known), resolved into value objects and emitted as its ``on_*`` hook in one
transaction.  Card events have the subject ``card:<id>``, a charge
``appointment:<id>``, so they keep their order with the other events of the same
card or appointment.  The ``event`` table keeps them all; schedules read them back
through :mod:`hub.events.history`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub import events
from hub.intake.problems import IntakeError, Problem
from hub.intake.snapshots import load_appointments, load_card, load_references
from hub.runtime import Runtime
from hub.schemas.clinic_events import DiscountCardIssued, LabResultsReady, ServiceCharged
from hub.types import Card, LabResults, Service

HOOKS = {
    "service.charged": "on_service_charged",
    "lab_results.ready": "on_lab_results_ready",
    "discount_card.issued": "on_discount_card_issued",
}


def _unknown(field: str, msg: str) -> IntakeError:
    return IntakeError([Problem(("body", field), msg, "unknown_reference")])


async def card_for(
    session: AsyncSession, clinic_id: str, patient_id: str, appointment_id: str | None = None
) -> Card:
    """The patient's card; the appointment, if given, must be one of theirs."""
    card = await load_card(session, clinic_id, patient_id)
    if card is None:
        raise _unknown("patient_id", f"unknown patient {patient_id!r}")
    if appointment_id is not None:
        found = await load_appointments(
            session, clinic_id, ids=[appointment_id], include_cancelled=True
        )
        if not found or found[0].patient_id != patient_id:
            raise _unknown(
                "appointment_id",
                f"unknown appointment {appointment_id!r} of patient {patient_id!r}",
            )
    return card


async def _service_charged(
    session: AsyncSession, clinic_id: str, data: ServiceCharged
) -> tuple[str, dict[str, Any]]:
    found = await load_appointments(
        session, clinic_id, ids=[data.appointment_id], include_cancelled=True
    )
    if not found:
        raise _unknown("appointment_id", f"unknown appointment {data.appointment_id!r}")
    appointment = found[0]
    service = next((s for s in appointment.services if s.id == data.service_id), None)
    if service is None:
        refs = await load_references(session, clinic_id, ids={"services": [data.service_id]})
        item = refs.get("services", data.service_id)
        if item is None:
            raise _unknown(
                "service_id", f"unknown service {data.service_id!r}: not in reference/services"
            )
        service = Service(
            id=data.service_id,
            name=item.get("name"),
            price_list_section=item.get("price_list_section"),
        )
    return f"appointment:{appointment.id}", {"appointment": appointment, "service": service}


async def record(
    session: AsyncSession,
    runtime: Runtime,
    clinic_id: str,
    data: ServiceCharged | LabResultsReady | DiscountCardIssued,
    *,
    now: dt.datetime,
) -> tuple[int, str, str, list[str]]:
    """Emit the event; ``(event id, hook, subject, plugins it goes to)``."""
    hook = HOOKS[data.type]
    if isinstance(data, ServiceCharged):
        subject, payload = await _service_charged(session, clinic_id, data)
    elif isinstance(data, LabResultsReady):
        card = await card_for(session, clinic_id, data.patient_id, data.appointment_id)
        results = LabResults(**data.model_dump(exclude={"type"}))
        subject, payload = f"card:{card.id}", {"card": card, "results": results}
    else:
        card = await card_for(session, clinic_id, data.patient_id)
        subject, payload = f"card:{card.id}", {"card": card, "number": data.number}
    plugins = await events.subscribers(session, runtime, clinic_id, hook)
    event_id = await events.emit(
        session,
        clinic_id=clinic_id,
        hook=hook,
        subject=subject,
        payload=payload,
        now=now,
        runtime=runtime,
    )
    return event_id, hook, subject, plugins
