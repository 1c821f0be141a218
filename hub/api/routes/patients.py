"""Patient cards of a clinic, as its clinic system keeps them.

    PUT    /api/v1/clinics/{clinic}/patients/{id}   upsert (201 created, 200 otherwise)
    DELETE /api/v1/clinics/{clinic}/patients/{id}   card deleted (on_card_deleted)
    GET    /api/v1/clinics/{clinic}/patients/{id}   the card as the hub holds it
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response

from hub.api.deps import ClinicReader, ClinicSystem, RuntimeDep
from hub.api.intake_errors import unprocessable
from hub.intake import patients, tx
from hub.intake.problems import IntakeError
from hub.intake.scope import ClinicScope
from hub.intake.snapshots import load_card
from hub.schemas.patients import CardPublic, PatientIn, PatientResult, PhoneWarning
from hub.types import Card

router = APIRouter(prefix="/api/v1/clinics/{clinic}/patients", tags=["patients"])

PatientId = Annotated[str, Path(min_length=1, max_length=100, description="The clinic system's id.")]


def card_public(card: Card) -> CardPublic:
    return CardPublic(**card.model_dump(exclude={"phones"}), phones=list(card.phones))


def _result(outcome: patients.PatientOutcome) -> PatientResult:
    assert outcome.card is not None
    return PatientResult(
        id=outcome.id, result=outcome.result, changes=outcome.changes,  # type: ignore[arg-type]
        warnings=[PhoneWarning(**w) for w in outcome.warnings], card=card_public(outcome.card),
    )


@router.put("/{patient_id}", response_model=PatientResult,
            responses={201: {"model": PatientResult, "description": "Created"}})
async def put_patient(
    patient_id: PatientId, data: PatientIn, access: ClinicSystem, runtime: RuntimeDep,
    response: Response,
) -> PatientResult:
    """Create or update a card; the answer says what changed and warns about phones no
    message can use (kept as given)."""
    clinic = ClinicScope.of(access.clinic)
    now = runtime.clock.now()
    try:
        outcome = await tx.write(runtime.db, lambda session: patients.upsert_patient(
            session, runtime, clinic, patient_id, data, now=now))
    except IntakeError as exc:
        raise unprocessable(exc) from None
    if outcome.result == "created":
        response.status_code = 201
    return _result(outcome)


@router.delete("/{patient_id}", response_model=PatientResult)
async def delete_patient(patient_id: PatientId, access: ClinicSystem, runtime: RuntimeDep) -> PatientResult:
    """Delete a card: plugins get ``on_card_deleted`` (a portal unlinks the patient)."""
    clinic = ClinicScope.of(access.clinic)
    now = runtime.clock.now()
    outcome = await tx.write(runtime.db, lambda session: patients.delete_patient(
        session, runtime, clinic, patient_id, now=now))
    if outcome is None:
        raise HTTPException(404, f"Unknown patient {patient_id!r}")
    return _result(outcome)


@router.get("/{patient_id}", response_model=CardPublic)
async def get_patient(patient_id: PatientId, access: ClinicReader, runtime: RuntimeDep) -> CardPublic:
    async with runtime.db.session() as session:
        card = await load_card(session, access.clinic_id, patient_id)
    if card is None:
        raise HTTPException(404, f"Unknown patient {patient_id!r}")
    return card_public(card)
