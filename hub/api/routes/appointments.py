"""Appointments of a clinic, as its clinic system keeps them.

PUT    /api/v1/clinics/{clinic}/appointments/{id}   upsert (201 created, 200 otherwise);
                                                    ``"adopts": "<id>"`` ties it to a
                                                    booking made outside (hub.intake.adoption)
DELETE /api/v1/clinics/{clinic}/appointments/{id}   cancel; reason in the body
                                                    ``{"reason": ...}`` or ``?reason=``
GET    /api/v1/clinics/{clinic}/appointments/{id}   one, as the hub holds it
GET    /api/v1/clinics/{clinic}/appointments?start_from=&start_to=   a period
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query, Response
from pydantic import BaseModel

from hub.api.deps import ClinicReader, ClinicSystem, RuntimeDep
from hub.api.intake_errors import unprocessable
from hub.intake import adoption, appointments, tx
from hub.intake.problems import IntakeError
from hub.intake.scope import ClinicScope
from hub.intake.snapshots import load_appointments
from hub.reminders import answers
from hub.schemas.appointments import (
    AppointmentIn,
    AppointmentPublic,
    AppointmentPut,
    AppointmentResult,
    CancelIn,
    IsoDateTime,
    ServicePublic,
)
from hub.types import Appointment

router = APIRouter(prefix="/api/v1/clinics/{clinic}/appointments", tags=["appointments"])

AppointmentId = Annotated[
    str, Path(min_length=1, max_length=100, description="The clinic system's id.")
]
MAX_LIST = 5000


class AppointmentList(BaseModel):
    items: list[AppointmentPublic]


def appointment_public(a: Appointment) -> AppointmentPublic:
    return AppointmentPublic(
        **a.model_dump(exclude={"patient", "doctor", "specialty", "services"}),
        services=[ServicePublic(**s.model_dump()) for s in a.services],
    )


def _result(outcome: appointments.AppointmentOutcome) -> AppointmentResult:
    assert outcome.appointment is not None
    return AppointmentResult(
        id=outcome.id,
        result=outcome.result,
        changes=outcome.changes,
        appointment=appointment_public(outcome.appointment),
    )


@router.put(
    "/{appointment_id}",
    response_model=AppointmentResult,
    responses={
        201: {"model": AppointmentResult, "description": "Created"},
        409: {
            "description": "The id is another appointment already, or `adopts` names "
            "a booking adopted under another id."
        },
    },
)
async def put_appointment(
    appointment_id: AppointmentId,
    data: AppointmentPut,
    access: ClinicSystem,
    runtime: RuntimeDep,
    response: Response,
) -> AppointmentResult:
    """Create or update an appointment; the answer says what happened (created, updated
    with the changed fields, cancelled, restored, unchanged).

    With ``"adopts": "<id>"`` this appointment is the booking a plugin made outside
    under ``<id>`` (from its ``appointment.booked`` feed event): that appointment is
    re-keyed to this id and updated with this body, never duplicated; later write-backs
    by the plugin change it.  422 if ``<id>`` is unknown or the clinic's own; 409 if
    this id is already another appointment or ``<id>`` was adopted under another id.
    """
    clinic = ClinicScope.of(access.clinic)
    now = runtime.clock.now()
    body = AppointmentIn.model_validate(data.model_dump(exclude={"adopts"}))

    async def work(session: Any) -> appointments.AppointmentOutcome:
        if data.adopts is not None:
            await adoption.adopt(session, clinic.id, appointment_id, data.adopts, now=now)
        return await appointments.upsert_appointment(
            session, runtime, clinic, appointment_id, body, now=now
        )

    try:
        outcome = await tx.write(runtime.db, work)
    except IntakeError as exc:
        raise unprocessable(exc) from None
    except adoption.AdoptionConflict as exc:
        raise HTTPException(409, str(exc)) from None
    if outcome.result == "created":
        response.status_code = 201
    result = _result(outcome)
    if data.adopts is not None:
        result.adopted = data.adopts
    return result


@router.delete("/{appointment_id}", response_model=AppointmentResult)
async def cancel_appointment(
    appointment_id: AppointmentId,
    access: ClinicSystem,
    runtime: RuntimeDep,
    body: Annotated[CancelIn | None, Body()] = None,
    reason: Annotated[
        str | None, Query(max_length=1000, description="Why (or in the body).")
    ] = None,
) -> AppointmentResult:
    """Cancel an appointment with a reason (``on_appointment_cancelled``)."""
    clinic = ClinicScope.of(access.clinic)
    now = runtime.clock.now()
    why = (body.reason if body is not None and body.reason else None) or reason or ""
    outcome = await tx.write(
        runtime.db,
        lambda session: appointments.cancel_appointment(
            session, runtime, clinic, appointment_id, why, now=now
        ),
    )
    if outcome is None:
        raise HTTPException(404, f"Unknown appointment {appointment_id!r}")
    return _result(outcome)


@router.get("/{appointment_id}", response_model=AppointmentPublic)
async def get_appointment(
    appointment_id: AppointmentId, access: ClinicReader, runtime: RuntimeDep
) -> AppointmentPublic:
    async with runtime.db.session() as session:
        found = await load_appointments(
            session, access.clinic_id, ids=[appointment_id], include_cancelled=True
        )
        answer = await answers.current(session, access.clinic_id, appointment_id)
    if not found:
        raise HTTPException(404, f"Unknown appointment {appointment_id!r}")
    return appointment_public(found[0]).model_copy(
        update={"patient_answer": answers.public(answer)}
    )


@router.get("", response_model=AppointmentList)
async def list_appointments(
    access: ClinicReader,
    runtime: RuntimeDep,
    start_from: Annotated[
        IsoDateTime, Query(description="From (inclusive); clinic time without an offset.")
    ],
    start_to: Annotated[IsoDateTime, Query(description="To (exclusive).")],
    include_cancelled: bool = False,
) -> AppointmentList:
    """Appointments starting in ``[start_from, start_to)``, by start (at most 5000)."""
    clinic = ClinicScope.of(access.clinic)
    async with runtime.db.session() as session:
        found = await load_appointments(
            session,
            access.clinic_id,
            start_from=clinic.aware(start_from),
            start_to=clinic.aware(start_to),
            include_cancelled=include_cancelled,
        )
        if len(found) > MAX_LIST:
            raise HTTPException(
                422, f"{len(found)} appointments in that period; ask for at most {MAX_LIST}"
            )
        given = await answers.current_many(session, access.clinic_id, [a.id for a in found])
    return AppointmentList(
        items=[
            appointment_public(a).model_copy(
                update={"patient_answer": answers.public(given.get(a.id))}
            )
            for a in found
        ]
    )
