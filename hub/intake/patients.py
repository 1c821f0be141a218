"""Patient cards: upsert (created / updated / restored / unchanged) and delete.

The hub compares what the clinic sent with what it holds; only a real change is
written and produces ``on_card_updated`` (``on_card_deleted`` for a deletion), in the
same transaction.  The same ``PUT`` twice is ``unchanged`` the second time and emits
nothing.  A deleted card keeps its row (``deleted_at``); a ``PUT`` brings it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.crud import bulk
from hub.events import NewEvent, emit_many
from hub.intake import phone_index, phones
from hub.intake.problems import IntakeError, Problem
from hub.intake.scope import ClinicScope
from hub.intake.snapshots import PATIENT, build_card
from hub.runtime import Runtime
from hub.schemas.patients import PatientIn
from hub.text.phones import CardPhones
from hub.types import Card

FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "sex",
    "phones",
    "email",
    "opt_out",
    "inpatient",
)


@dataclass
class PatientOutcome:
    """What happened to one card."""

    id: str
    result: str
    changes: list[str] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    card: Card | None = None
    problems: list[Problem] = field(default_factory=list)


def subject(patient_id: str) -> str:
    return f"card:{patient_id}"


def _values(data: PatientIn) -> dict[str, Any]:
    return {name: getattr(data, name) for name in FIELDS}


async def upsert_patients(
    session: AsyncSession,
    runtime: Runtime,
    clinic: ClinicScope,
    items: Sequence[tuple[str, PatientIn]],
    *,
    now: dt.datetime,
    source: str = "clinic",
    exclude: Collection[str] = (),
    loc: Sequence[tuple[str | int, ...]] | None = None,
) -> list[PatientOutcome]:
    """Upsert cards (ids unique within ``items``); one outcome per item, in order.

    An item whose phones are not phones at all is refused (``result="error"``) and
    nothing of it is written; the others are.  ``loc`` prefixes each item's problems.
    Each card written gets the verdict on its phones (``phone_verdict``); an unchanged
    card whose stored verdict is missing or stale gets only that column rewritten.
    """
    existing = await bulk.select_for_update(
        session,
        PATIENT,
        clinic_id=clinic.id,
        key="external_id",
        values=[patient_id for patient_id, _ in items],
    )
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    events: list[NewEvent] = []
    outcomes: list[PatientOutcome] = []
    reindexed: list[dict[str, Any]] = []
    verdicts_only: list[dict[str, Any]] = []
    for index, (patient_id, data) in enumerate(items):
        prefix = loc[index] if loc is not None else ("body",)
        problems, warnings = phones.check(data.phones, clinic.phone_region, prefix)
        if problems:
            outcomes.append(PatientOutcome(patient_id, "error", problems=problems))
            continue
        values = _values(data)
        verdict = CardPhones.of(values["phones"], clinic.phone_region)
        old = existing.get(patient_id)
        if old is None:
            row = {
                "clinic_id": clinic.id,
                "external_id": patient_id,
                **values,
                "phone_verdict": verdict.to_json(),
                "deleted_at": None,
                "created_at": now,
                "updated_at": now,
            }
            inserts.append(row)
            reindexed.append(row)
            result, changes = "created", []
        else:
            changes = [name for name in FIELDS if old[name] != values[name]]
            restored = old["deleted_at"] is not None
            row = {**old, **values, "phone_verdict": verdict.to_json(), "deleted_at": None}
            if restored:
                result = "restored"
            elif changes:
                result = "updated"
            else:
                if CardPhones.from_json(old["phone_verdict"]) != verdict:  # older row, new region
                    verdicts_only.append(
                        {
                            "clinic_id": clinic.id,
                            "external_id": patient_id,
                            "phone_verdict": verdict.to_json(),
                        }
                    )
                outcomes.append(
                    PatientOutcome(patient_id, "unchanged", [], warnings, build_card(old))
                )
                continue
            row["updated_at"] = now
            updates.append(row)
            if "phones" in changes:
                reindexed.append(row)
        card = build_card(row)
        outcomes.append(PatientOutcome(patient_id, result, changes, warnings, card))
        events.append(
            NewEvent(
                clinic.id, "on_card_updated", subject(patient_id), {"card": card}, source, exclude
            )
        )
    await bulk.insert_many(session, PATIENT, inserts)
    await bulk.update_many(session, PATIENT, ("clinic_id", "external_id"), updates)
    await bulk.update_many(session, PATIENT, ("clinic_id", "external_id"), verdicts_only)
    await phone_index.reindex(session, clinic.id, reindexed, clinic.phone_region)
    await emit_many(session, runtime=runtime, now=now, events=events)
    return outcomes


async def upsert_patient(
    session: AsyncSession,
    runtime: Runtime,
    clinic: ClinicScope,
    patient_id: str,
    data: PatientIn,
    *,
    now: dt.datetime,
    source: str = "clinic",
    exclude: Collection[str] = (),
) -> PatientOutcome:
    """One card; raises :class:`IntakeError` if it is refused."""
    outcome = (
        await upsert_patients(
            session, runtime, clinic, [(patient_id, data)], now=now, source=source, exclude=exclude
        )
    )[0]
    if outcome.problems:
        raise IntakeError(outcome.problems)
    return outcome


async def delete_patient(
    session: AsyncSession,
    runtime: Runtime,
    clinic: ClinicScope,
    patient_id: str,
    *,
    now: dt.datetime,
    source: str = "clinic",
    exclude: Collection[str] = (),
) -> PatientOutcome | None:
    """Delete a card (``on_card_deleted``); ``None`` if the hub never had it.

    Deleting a deleted card again is ``unchanged`` and emits nothing.
    """
    existing = await bulk.select_for_update(
        session,
        PATIENT,
        clinic_id=clinic.id,
        key="external_id",
        values=[patient_id],
    )
    old = existing.get(patient_id)
    if old is None:
        return None
    if old["deleted_at"] is not None:
        return PatientOutcome(patient_id, "unchanged", card=build_card(old))
    row = {**old, "deleted_at": now, "updated_at": now}
    await bulk.update_many(session, PATIENT, ("clinic_id", "external_id"), [row])
    card = build_card(row)
    await emit_many(
        session,
        runtime=runtime,
        now=now,
        events=[
            NewEvent(
                clinic.id, "on_card_deleted", subject(patient_id), {"card": card}, source, exclude
            )
        ],
    )
    return PatientOutcome(patient_id, "deleted", ["deleted"], card=card)
