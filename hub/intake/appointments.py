"""Appointments: upsert (created / updated / cancelled / restored / unchanged) and cancel.

What the hub decides from a ``PUT`` compared with what it holds:

    not held                      -> created    on_appointment_created (none if it
                                                 arrives already cancelled)
    held, active, now cancelled   -> cancelled  on_appointment_cancelled(reason)
    held, cancelled, now active   -> restored   on_appointment_restored
    held, active, fields differ   -> updated    on_appointment_updated(changes)
    held, cancelled, still so     -> updated (stored quietly) or unchanged, no event
    nothing differs               -> unchanged  no event

``status`` values ``cancelled``/``canceled`` (any case) cancel.  A status change sets
``status_changed_at``.  References are checked: the patient must exist and not be
deleted; doctor, specialty and service ids must be in the clinic's current reference
data, and a price-list section too once the clinic has sent any.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.crud import bulk
from hub.events import NewEvent, emit_many
from hub.events.outbox import enabled_column, enabled_from_column
from hub.intake.problems import IntakeError, Problem
from hub.intake.scope import ClinicScope
from hub.intake.snapshots import (
    APPOINTMENT,
    PATIENT,
    References,
    any_current,
    build_appointment,
    load_references,
    references_column,
    references_from_column,
    references_of,
    references_query,
)
from hub.runtime import Runtime
from hub.schemas.appointments import AppointmentIn
from hub.types import Appointment, FieldChange

CANCELLED_STATUSES = frozenset({"cancelled", "canceled"})
FIELDS = (
    "patient_id",
    "doctor_id",
    "specialty_id",
    "services",
    "start",
    "end",
    "cabinet",
    "status",
    "comment",
)
KEYS = ("clinic_id", "external_id")


@dataclass
class AppointmentOutcome:
    """What happened to one appointment."""

    id: str
    result: str
    changes: list[FieldChange] = field(default_factory=list)
    appointment: Appointment | None = None
    problems: list[Problem] = field(default_factory=list)


def subject(appointment_id: str) -> str:
    return f"appointment:{appointment_id}"


def is_cancelled_status(status: str) -> bool:
    return status.strip().lower() in CANCELLED_STATUSES


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value


def _check(
    data: AppointmentIn,
    clinic: ClinicScope,
    patients: dict[str, dict[str, Any]],
    refs: References,
    prefix: tuple[str | int, ...],
    old: dict[str, Any] | None,
) -> tuple[list[Problem], dict[str, Any]]:
    """Problems of one item, and its values as stored (times aware UTC).

    A reference removed from the clinic's lists since the appointment was stored is
    still accepted for it, as long as the appointment keeps it.
    """
    problems: list[Problem] = []
    kept_services = {s["id"] for s in old["services"]} if old else set()

    def known(kind: str, item_id: str, field: str) -> bool:
        if refs.is_active(kind, item_id):
            return True
        return old is not None and old[field] == item_id and refs.get(kind, item_id) is not None

    def problem(loc: tuple[str | int, ...], msg: str, kind: str = "unknown_reference") -> None:
        problems.append(Problem((*prefix, *loc), msg, kind))

    start = clinic.aware(data.start)
    end = clinic.aware(data.end) if data.end is not None else None
    if end is not None and end <= start:
        problem(
            ("end",),
            "the appointment ends before it starts (end must be after start)",
            "end_before_start",
        )
    patient = patients.get(data.patient_id)
    if patient is None:
        problem(
            ("patient_id",),
            f"unknown patient {data.patient_id!r}: send the card first "
            "(PUT .../patients/{id}, or in the same bulk request)",
        )
    elif patient["deleted_at"] is not None:
        problem(
            ("patient_id",),
            f"the card of patient {data.patient_id!r} was deleted",
            "deleted_reference",
        )
    if data.doctor_id is not None and not known("doctors", data.doctor_id, "doctor_id"):
        problem(("doctor_id",), f"unknown doctor {data.doctor_id!r}: not in reference/doctors")
    if data.specialty_id is not None and not known(
        "specialties", data.specialty_id, "specialty_id"
    ):
        problem(
            ("specialty_id",),
            f"unknown specialty {data.specialty_id!r}: not in reference/specialties",
        )
    check_sections = refs.has_any("price_list_sections")
    for i, service in enumerate(data.services):
        if not refs.is_active("services", service.id) and service.id not in kept_services:
            problem(
                ("services", i, "id"), f"unknown service {service.id!r}: not in reference/services"
            )
        section = service.price_list_section
        if (
            section is not None
            and check_sections
            and not refs.is_active("price_list_sections", section)
        ):
            problem(
                ("services", i, "price_list_section"),
                f"unknown price-list section {section!r}: not in reference/price_list_sections",
            )
    values = {
        "patient_id": data.patient_id,
        "doctor_id": data.doctor_id,
        "specialty_id": data.specialty_id,
        "services": [
            {"id": s.id, "price_list_section": s.price_list_section} for s in data.services
        ],
        "start": start,
        "end": end,
        "cabinet": data.cabinet,
        "status": data.status,
        "comment": data.comment,
    }
    return problems, values


async def upsert_appointments(
    session: AsyncSession,
    runtime: Runtime,
    clinic: ClinicScope,
    items: Sequence[tuple[str, AppointmentIn]],
    *,
    now: dt.datetime,
    source: str = "clinic",
    exclude: Collection[str] = (),
    loc: Sequence[tuple[str | int, ...]] | None = None,
) -> list[AppointmentOutcome]:
    """Upsert appointments (ids unique within ``items``); one outcome per item, in order.

    Refused items (``result="error"``) write nothing; the others are written with two
    statements (insert, update) and their events with two more.  One appointment with
    one event (a single ``PUT``) is written by :func:`emit_many` with its event: on
    PostgreSQL in one statement.
    """
    existing = await bulk.select_for_update(
        session,
        APPOINTMENT,
        clinic_id=clinic.id,
        key="external_id",
        values=[appointment_id for appointment_id, _ in items],
    )
    patients, enabled, refs = await _patients_and_references(session, clinic.id, items, existing)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    pending: list[tuple[AppointmentOutcome, dict[str, Any], str | None]] = []
    outcomes: list[AppointmentOutcome] = []
    for index, (appointment_id, data) in enumerate(items):
        prefix = loc[index] if loc is not None else ("body",)
        old = existing.get(appointment_id)
        problems, values = _check(data, clinic, patients, refs, prefix, old)
        if problems:
            outcomes.append(AppointmentOutcome(appointment_id, "error", problems=problems))
            continue
        cancelled = is_cancelled_status(data.status)
        hook: str | None
        if old is None:
            row = {
                "clinic_id": clinic.id,
                "external_id": appointment_id,
                **values,
                "cancelled": cancelled,
                "cancel_reason": data.cancel_reason if cancelled else None,
                "communication_status": None,
                "origin": None if source == "clinic" else source,
                "status_changed_at": now,
                "created_at": now,
                "updated_at": now,
            }
            inserts.append(row)
            outcome = AppointmentOutcome(appointment_id, "created")
            hook = None if cancelled else "on_appointment_created"
        else:
            changes = [
                FieldChange(field=name, old=_json(old[name]), new=_json(values[name]))
                for name in FIELDS
                if old[name] != values[name]
            ]
            row = {**old, **values, "cancelled": cancelled}
            if any(c.field == "status" for c in changes):
                row["status_changed_at"] = now
            if cancelled and not old["cancelled"]:
                row["cancel_reason"] = data.cancel_reason or ""
                outcome, hook = (
                    AppointmentOutcome(appointment_id, "cancelled", changes),
                    "on_appointment_cancelled",
                )
            elif old["cancelled"] and not cancelled:
                row["cancel_reason"] = None
                outcome, hook = (
                    AppointmentOutcome(appointment_id, "restored", changes),
                    "on_appointment_restored",
                )
            elif changes:
                outcome = AppointmentOutcome(appointment_id, "updated", changes)
                hook = None if cancelled else "on_appointment_updated"
            else:
                outcome = AppointmentOutcome(appointment_id, "unchanged")
                outcome.appointment = build_appointment(old, patients.get(old["patient_id"]), refs)
                outcomes.append(outcome)
                continue
            row["updated_at"] = now
            updates.append(row)
        outcome.appointment = build_appointment(row, patients.get(row["patient_id"]), refs)
        outcomes.append(outcome)
        pending.append((outcome, row, hook))
    events = [
        NewEvent(
            clinic.id, hook, subject(outcome.id), _payload(hook, outcome, row), source, exclude
        )
        for outcome, row, hook in pending
        if hook is not None
    ]
    changed = _changed_only(updates, existing)
    along: bulk.Write | None = None
    if len(events) == 1 and len(inserts) + len(changed) == 1:
        # one appointment and its event (a single PUT): emit_many writes both, on
        # PostgreSQL in one statement
        along = (
            bulk.insert_one(APPOINTMENT, inserts[0])
            if inserts
            else bulk.update_one(APPOINTMENT, KEYS, changed[0])
        )
    else:
        await bulk.insert_many(session, APPOINTMENT, inserts)
        await bulk.update_many(session, APPOINTMENT, KEYS, changed)
    await emit_many(
        session,
        runtime=runtime,
        now=now,
        events=events,
        enabled=None if enabled is None else {clinic.id: enabled},
        along=along,
    )
    return outcomes


async def _patients_and_references(
    session: AsyncSession,
    clinic_id: str,
    items: Sequence[tuple[str, AppointmentIn]],
    existing: dict[str, dict[str, Any]],
) -> tuple[dict[str, dict[str, Any]], list[str] | None, References]:
    """The patients the items name (by id), the plugins enabled for the clinic, and the
    reference items the appointments (new and stored) name.

    The plugins are read with the patients, in the same statement (the events'
    deliveries go to them); so are the reference items when the items name one patient
    (a single PUT: one statement where there were three).  ``None`` for the plugins if
    no patient was found: then no item passes, and no event is written.
    """
    query = references_query(clinic_id, ("specialties",), ids=_reference_ids(items, existing))
    patient_ids = [data.patient_id for _, data in items]
    also: tuple[sa.Label[Any], ...] = (enabled_column(),)
    params: dict[str, Any] = {}
    with_references = query is not None and len(set(patient_ids)) == 1
    if with_references:
        assert query is not None
        also += (references_column(query.statement, session.get_bind().dialect.name),)
        params = query.params
    patients = await bulk.select_for_update(
        session,
        PATIENT,
        clinic_id=clinic_id,
        key="external_id",
        values=patient_ids,
        lock=False,
        also=also,
        params=params,
    )
    enabled: list[str] | None = None
    refs: References | None = None
    for row in patients.values():
        enabled = enabled_from_column(row.pop("enabled_plugins"))
        if with_references:
            refs = references_from_column(row.pop("reference_items"))
    if refs is None:  # not read with the patients, or no patient found
        refs = References()
        if query is not None:
            rows = (await session.execute(query.statement, query.params)).all()
            refs = references_of((k, i, data, removed is None) for k, i, data, removed in rows)
    named = {s.price_list_section for _, d in items for s in d.services if s.price_list_section}
    if named - refs.active.get("price_list_sections", set()):
        refs.any_active["price_list_sections"] = await any_current(
            session, clinic_id, "price_list_sections"
        )
    return patients, enabled, refs


def _changed_only(
    updates: list[dict[str, Any]], existing: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The updated rows narrowed to their keys and the columns any of them changes: one
    UPDATE for the batch that sets (and binds) only those, not every column again."""
    if not updates:
        return updates
    columns = sorted(
        {
            name
            for row in updates
            for name, value in row.items()
            if name not in KEYS and value != existing[row["external_id"]][name]
        }
        | {"updated_at"}
    )
    return [{name: row[name] for name in (*KEYS, *columns)} for row in updates]


def _reference_ids(
    items: Sequence[tuple[str, AppointmentIn]], existing: dict[str, dict[str, Any]]
) -> dict[str, list[str | None]]:
    """The reference ids the appointments name, new and stored, by kind."""
    olds = list(existing.values())
    return {
        "doctors": [d.doctor_id for _, d in items] + [o["doctor_id"] for o in olds],
        "services": [s.id for _, d in items for s in d.services]
        + [s["id"] for o in olds for s in o["services"]],
        "price_list_sections": [s.price_list_section for _, d in items for s in d.services],
    }


def _payload(hook: str, outcome: AppointmentOutcome, row: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {"appointment": outcome.appointment}
    if hook == "on_appointment_updated":
        payload["changes"] = outcome.changes
    elif hook == "on_appointment_cancelled":
        payload["reason"] = row["cancel_reason"] or ""
    return payload


async def upsert_appointment(
    session: AsyncSession,
    runtime: Runtime,
    clinic: ClinicScope,
    appointment_id: str,
    data: AppointmentIn,
    *,
    now: dt.datetime,
    source: str = "clinic",
    exclude: Collection[str] = (),
) -> AppointmentOutcome:
    """One appointment; raises :class:`IntakeError` if it is refused."""
    outcome = (
        await upsert_appointments(
            session,
            runtime,
            clinic,
            [(appointment_id, data)],
            now=now,
            source=source,
            exclude=exclude,
        )
    )[0]
    if outcome.problems:
        raise IntakeError(outcome.problems)
    return outcome


async def cancel_appointment(
    session: AsyncSession,
    runtime: Runtime,
    clinic: ClinicScope,
    appointment_id: str,
    reason: str,
    *,
    now: dt.datetime,
    source: str = "clinic",
    exclude: Collection[str] = (),
) -> AppointmentOutcome | None:
    """Cancel (a ``DELETE``); ``None`` if unknown, ``unchanged`` if already cancelled."""
    existing = await bulk.select_for_update(
        session,
        APPOINTMENT,
        clinic_id=clinic.id,
        key="external_id",
        values=[appointment_id],
    )
    old = existing.get(appointment_id)
    if old is None:
        return None
    patients = await bulk.select_for_update(
        session,
        PATIENT,
        clinic_id=clinic.id,
        key="external_id",
        values=[old["patient_id"]],
        lock=False,
    )
    refs = await load_references(
        session,
        clinic.id,
        ("specialties",),
        ids={"doctors": [old["doctor_id"]], "services": [s["id"] for s in old["services"]]},
    )
    patient = patients.get(old["patient_id"])
    if old["cancelled"]:
        return AppointmentOutcome(
            appointment_id, "unchanged", appointment=build_appointment(old, patient, refs)
        )
    row = {
        **old,
        "cancelled": True,
        "cancel_reason": reason,
        "status": "cancelled",
        "updated_at": now,
    }
    changes = []
    if old["status"] != "cancelled":
        row["status_changed_at"] = now
        changes.append(FieldChange(field="status", old=old["status"], new="cancelled"))
    await bulk.update_many(session, APPOINTMENT, KEYS, [row])
    outcome = AppointmentOutcome(
        appointment_id, "cancelled", changes, build_appointment(row, patient, refs)
    )
    await emit_many(
        session,
        runtime=runtime,
        now=now,
        events=[
            NewEvent(
                clinic.id,
                "on_appointment_cancelled",
                subject(appointment_id),
                {"appointment": outcome.appointment, "reason": reason},
                source,
                exclude,
            )
        ],
    )
    return outcome
