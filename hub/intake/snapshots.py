"""Value objects from the mirrored tables: :class:`hub.types.Card` and
:class:`hub.types.Appointment` with its patient, doctor, specialty and services resolved.

``load_appointments`` reads appointments joined with their patients in one query and the
clinic's reference data in another, so 100,000 appointments take two queries (ids are
looked up in chunks of 1,000).  The builders work on plain row mappings, so the intake
code builds the same objects from rows it has in hand without reading them back.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import AppointmentRecord, PatientRecord, ReferenceItem
from hub.text import declension
from hub.text.phones import CardPhones
from hub.types import Appointment, Card, Doctor, Service, Specialty

APPOINTMENT = AppointmentRecord.__table__  # type: ignore[attr-defined]
PATIENT = PatientRecord.__table__  # type: ignore[attr-defined]
REFERENCE = ReferenceItem.__table__  # type: ignore[attr-defined]
CHUNK = 1000

Row = Mapping[Any, Any]


def chunks(values: Sequence[str], size: int = CHUNK) -> Iterable[Sequence[str]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


@dataclass
class References:
    """A clinic's reference data by kind and id (``data`` as stored), and which ids are
    current (not removed by a later replace)."""

    items: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    active: dict[str, set[str]] = field(default_factory=dict)
    #: kinds loaded only in part (by id), with whether the clinic has any current item
    any_active: dict[str, bool] = field(default_factory=dict)
    #: value objects already built from these items (frozen, so shared by appointments)
    built: dict[tuple[str, str], Any] = field(default_factory=dict)

    def value(self, kind: str, item_id: str | None) -> Any:
        """The :class:`Doctor`, :class:`Specialty` or :class:`Service` of an item, or None."""
        if item_id is None:
            return None
        key = (kind, item_id)
        if key not in self.built:
            data = self.get(kind, item_id)
            self.built[key] = None if data is None else _BUILDERS[kind](item_id, data)
        return self.built[key]

    def get(self, kind: str, item_id: str | None) -> dict[str, Any] | None:
        if item_id is None:
            return None
        return self.items.get(kind, {}).get(item_id)

    def is_active(self, kind: str, item_id: str) -> bool:
        return item_id in self.active.get(kind, set())

    def has_any(self, kind: str) -> bool:
        """Whether the clinic has any current item of ``kind``."""
        if kind in self.any_active:
            return self.any_active[kind]
        return bool(self.active.get(kind))


@dataclass(frozen=True)
class ReferenceQuery:
    """A reference query (built once per shape) and its parameters."""

    statement: sa.Select[Any]
    params: dict[str, Any]


#: Above this many ids a kind is loaded whole rather than by id.
WHOLE_KIND_ABOVE = 2000


def references_query(
    clinic_id: str,
    kinds: Sequence[str] | None = None,
    *,
    ids: Mapping[str, Iterable[str | None]] | None = None,
) -> ReferenceQuery | None:
    """The query of :func:`load_references` and its parameters; ``None`` if it can find
    nothing.  The statement is built once per shape (which kinds are read whole, which
    by id) and cached; the clinic and the ids are its parameters."""
    wanted = {kind: sorted({i for i in values if i}) for kind, values in (ids or {}).items()}
    shape: list[tuple[str, bool]] = []  # (kind, by id)
    params: dict[str, Any] = {"clinic_id": clinic_id}
    for kind in kinds or ():
        if kind not in wanted:
            shape.append((kind, False))
    for kind, values in wanted.items():
        if len(values) > WHOLE_KIND_ABOVE:
            shape.append((kind, False))
        elif values:
            shape.append((kind, True))
            params[f"ref_{kind}"] = values
    if (kinds is not None or ids is not None) and not shape:
        return None
    filtered = kinds is not None or ids is not None
    return ReferenceQuery(_references_statement(tuple(shape), filtered), params)


@functools.lru_cache(maxsize=128)
def _references_statement(shape: tuple[tuple[str, bool], ...], filtered: bool) -> sa.Select[Any]:
    query = sa.select(
        REFERENCE.c.kind, REFERENCE.c.external_id, REFERENCE.c.data, REFERENCE.c.removed_at
    ).where(REFERENCE.c.clinic_id == sa.bindparam("clinic_id"))
    if not filtered:
        return query
    conditions: list[sa.ColumnElement[bool]] = []
    for kind, by_id in shape:
        if by_id:
            conditions.append(
                sa.and_(
                    REFERENCE.c.kind == kind,
                    REFERENCE.c.external_id.in_(sa.bindparam(f"ref_{kind}", expanding=True)),
                )
            )
        else:
            conditions.append(REFERENCE.c.kind == kind)
    return query.where(sa.or_(*conditions))


def references_of(rows: Iterable[Sequence[Any]]) -> References:
    """:class:`References` from ``(kind, external_id, data, current)`` rows."""
    refs = References()
    for kind, item_id, data, current in rows:
        refs.items.setdefault(kind, {})[item_id] = data
        if current:
            refs.active.setdefault(kind, set()).add(item_id)
    return refs


async def load_references(
    session: AsyncSession,
    clinic_id: str,
    kinds: Sequence[str] | None = None,
    *,
    ids: Mapping[str, Iterable[str | None]] | None = None,
) -> References:
    """The clinic's reference items (removed ones included) of ``kinds`` (default: all),
    and of the kinds in ``ids`` only those ids — one query either way."""
    query = references_query(clinic_id, kinds, ids=ids)
    if query is None:
        return References()
    rows = (await session.execute(query.statement, query.params)).all()
    return references_of((kind, i, data, removed is None) for kind, i, data, removed in rows)


@functools.lru_cache(maxsize=128)
def references_column(query: sa.Select[Any], dialect: str) -> sa.Label[Any]:
    """The rows of a :func:`references_query` statement as one JSON array column
    (``[[kind, id, data, current], ...]``), to read with another query of the same
    transaction (:func:`references_from_column` reads it back); its parameters are the
    query's.  Cached per statement, as the statements are."""
    found = query.subquery()
    current = found.c.removed_at.is_(None)
    if dialect == "postgresql":
        item = sa.func.json_build_array(found.c.kind, found.c.external_id, found.c.data, current)
        aggregate = sa.func.json_agg(item)
    else:
        data = sa.func.json(sa.cast(found.c.data, sa.Text))
        item = sa.func.json_array(found.c.kind, found.c.external_id, data, current)
        aggregate = sa.func.json_group_array(item)
    return sa.select(aggregate).select_from(found).scalar_subquery().label("reference_items")


def references_from_column(value: Any) -> References:
    """The :class:`References` of a :func:`references_column` value (a JSON text on
    SQLite, decoded already on PostgreSQL; NULL there when nothing matched)."""
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return references_of((k, i, d, bool(c)) for k, i, d, c in value or ())


async def any_current(session: AsyncSession, clinic_id: str, kind: str) -> bool:
    """Whether the clinic has any current (not removed) item of ``kind``."""
    row = (
        await session.execute(
            sa.select(REFERENCE.c.external_id)
            .where(
                REFERENCE.c.clinic_id == clinic_id,
                REFERENCE.c.kind == kind,
                REFERENCE.c.removed_at.is_(None),
            )
            .limit(1)
        )
    ).first()
    return row is not None


# --- builders ---------------------------------------------------------------------------


def build_doctor(doctor_id: str, data: Mapping[str, Any]) -> Doctor:
    """A :class:`Doctor`; the ``dative`` override wins over the automatic forms, and its
    short form is its first word (the surname) with the initials."""
    auto: Mapping[str, Any] = data.get("auto") or {}
    first, middle = data.get("first_name", ""), data.get("middle_name", "")
    full = " ".join(p for p in (data.get("last_name", ""), first, middle) if p)
    override = data.get("dative")
    if override:
        dative = override
        dative_short = declension.short_name(override.split()[0], first, middle)
    else:
        dative = auto.get("dative") or full
        dative_short = auto.get("dative_short") or auto.get("short_name") or full
    return Doctor(
        id=doctor_id,
        last_name=data.get("last_name", ""),
        first_name=first,
        middle_name=middle,
        sex=data.get("sex"),
        specialty_id=data.get("specialty_id"),
        full_name=full,
        short_name=auto.get("short_name") or full,
        dative=dative,
        dative_short=dative_short,
    )


def build_specialty(specialty_id: str, data: Mapping[str, Any]) -> Specialty:
    auto: Mapping[str, Any] = data.get("auto") or {}
    name = str(data.get("name", ""))
    return Specialty(
        id=specialty_id, name=name, dative=data.get("dative") or auto.get("dative") or name
    )


def build_service(service_id: str, data: Mapping[str, Any]) -> Service:
    return Service(
        id=service_id, name=data.get("name"), price_list_section=data.get("price_list_section")
    )


_BUILDERS: dict[str, Any] = {
    "doctors": build_doctor,
    "specialties": build_specialty,
    "services": build_service,
}


def build_card(row: Row) -> Card:
    """A :class:`Card` from a ``patient`` row (or its mapping)."""
    return Card(
        id=row["external_id"],
        last_name=row["last_name"],
        first_name=row["first_name"],
        middle_name=row["middle_name"] or "",
        birth_date=row["birth_date"],
        sex=row["sex"],
        phones=tuple(row["phones"] or ()),
        email=row["email"],
        opt_out=bool(row["opt_out"]),
        inpatient=bool(row["inpatient"]),
        deleted=row["deleted_at"] is not None,
    )


def build_appointment(row: Row, patient: Row | None, refs: References) -> Appointment:
    """An :class:`Appointment` from an ``appointment`` row, its patient and the references.

    The specialty defaults to the doctor's; a service's price-list section to the one
    of the service in the reference data.
    """
    doctor_id = row["doctor_id"]
    doctor: Doctor | None = refs.value("doctors", doctor_id)
    specialty_id = row["specialty_id"] or (doctor.specialty_id if doctor else None)
    specialty: Specialty | None = refs.value("specialties", specialty_id)
    services = []
    for item in row["services"] or ():
        ref: Service | None = refs.value("services", item["id"])
        section = item.get("price_list_section")
        if ref is not None and (section is None or section == ref.price_list_section):
            services.append(ref)
        else:
            services.append(
                Service(
                    id=item["id"],
                    name=ref.name if ref else None,
                    price_list_section=section or (ref.price_list_section if ref else None),
                )
            )
    card = None
    if patient is not None:
        key = ("card", patient["external_id"])
        card = refs.built.get(key)  # one row per patient id within one load
        if card is None:
            card = refs.built[key] = build_card(patient)
    return Appointment(
        id=row["external_id"],
        patient_id=row["patient_id"],
        patient=card,
        doctor_id=doctor_id,
        doctor=doctor,
        specialty_id=specialty_id,
        specialty=specialty,
        services=tuple(services),
        start=row["start"],
        end=row["end"],
        cabinet=row["cabinet"],
        status=row["status"],
        comment=row["comment"] or "",
        cancelled=bool(row["cancelled"]),
        cancel_reason=row["cancel_reason"],
        communication_status=row["communication_status"],
    )


# --- loaders ----------------------------------------------------------------------------

#: The columns the builders read (and the patient's phone verdict): a day of reminders
#: converts no timestamp or JSON value it would not use.
_APPOINTMENT_NAMES = (
    "external_id",
    "patient_id",
    "doctor_id",
    "specialty_id",
    "services",
    "start",
    "end",
    "cabinet",
    "status",
    "comment",
    "cancelled",
    "cancel_reason",
    "communication_status",
)
_PATIENT_NAMES = (
    "external_id",
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "sex",
    "phones",
    "email",
    "phone_verdict",
    "opt_out",
    "inpatient",
    "deleted_at",
)


def _split(row: Sequence[Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A row of :func:`_appointments_query` as the appointment's columns and its
    patient's (``None`` without a card), by position: the appointment's columns first."""
    values = tuple(row)
    cut = len(_APPOINTMENT_NAMES)
    appointment = dict(zip(_APPOINTMENT_NAMES, values[:cut], strict=True))
    patient = dict(zip(_PATIENT_NAMES, values[cut:], strict=True))
    return appointment, (patient if patient["external_id"] is not None else None)


def _appointments_query(clinic_id: str) -> sa.Select[Any]:
    return (
        sa.select(
            *(APPOINTMENT.c[name] for name in _APPOINTMENT_NAMES),
            *(PATIENT.c[name].label(f"p__{name}") for name in _PATIENT_NAMES),
        )
        .select_from(
            APPOINTMENT.outerjoin(
                PATIENT,
                sa.and_(
                    PATIENT.c.clinic_id == APPOINTMENT.c.clinic_id,
                    PATIENT.c.external_id == APPOINTMENT.c.patient_id,
                ),
            )
        )
        .where(APPOINTMENT.c.clinic_id == clinic_id)
    )


async def _build_all(
    session: AsyncSession, clinic_id: str, rows: Sequence[tuple[Row, Row | None]]
) -> list[Appointment]:
    """Value objects of split rows (appointment, patient), with the reference items they
    name (one query)."""
    refs = await load_references(
        session,
        clinic_id,
        ("specialties",),
        ids={
            "doctors": {a["doctor_id"] for a, _ in rows},
            "services": {s["id"] for a, _ in rows for s in (a["services"] or ())},
        },
    )
    return [build_appointment(appointment, patient, refs) for appointment, patient in rows]


#: Appointments per chunk of :func:`stream_appointments`.
STREAM_CHUNK = 1000


@dataclass
class AppointmentChunk:
    """One chunk of :func:`stream_appointments`: the appointments, and the verdicts on
    their cards' phones as stored with the cards (by patient id; a card without one is
    left out, and its phones are checked when used)."""

    appointments: list[Appointment]
    phone_verdicts: dict[str, CardPhones]


async def stream_appointments(
    session: AsyncSession,
    clinic_id: str,
    *,
    start_from: dt.datetime,
    start_to: dt.datetime,
    include_cancelled: bool = False,
    chunk: int | None = None,
) -> AsyncIterator[AppointmentChunk]:
    """The appointments starting in ``[start_from, start_to)`` in chunks of ``chunk``,
    ordered by (start, id): each chunk is one keyset query (after the last row of the
    one before) plus one for its reference items, so memory stays flat however many
    appointments the period holds (``chunk`` defaults to :data:`STREAM_CHUNK`)."""
    chunk = chunk or STREAM_CHUNK
    base = _appointments_query(clinic_id).where(APPOINTMENT.c.start < start_to)
    if not include_cancelled:
        base = base.where(APPOINTMENT.c.cancelled.is_(False))
    base = base.order_by(APPOINTMENT.c.start, APPOINTMENT.c.external_id).limit(chunk)
    after: tuple[dt.datetime, str] | None = None
    while True:
        if after is None:
            query = base.where(APPOINTMENT.c.start >= start_from)
        else:
            query = base.where(
                sa.or_(
                    APPOINTMENT.c.start > after[0],
                    sa.and_(APPOINTMENT.c.start == after[0], APPOINTMENT.c.external_id > after[1]),
                )
            )
        rows = [_split(r) for r in (await session.execute(query)).all()]
        if not rows:
            return
        built = await _build_all(session, clinic_id, rows)
        verdicts: dict[str, CardPhones] = {}
        for _, patient in rows:
            verdict = CardPhones.from_json(patient["phone_verdict"]) if patient else None
            if patient is not None and verdict is not None:
                verdicts[patient["external_id"]] = verdict
        yield AppointmentChunk(built, verdicts)
        if len(rows) < chunk:
            return
        last = rows[-1][0]
        after = (last["start"], last["external_id"])


async def load_appointments(
    session: AsyncSession,
    clinic_id: str,
    *,
    ids: Sequence[str] | None = None,
    start_from: dt.datetime | None = None,
    start_to: dt.datetime | None = None,
    include_cancelled: bool = False,
) -> list[Appointment]:
    """Appointments of the clinic, ordered by start: those with ``ids`` and/or starting in
    ``[start_from, start_to)``; cancelled ones only if ``include_cancelled``."""
    base = _appointments_query(clinic_id)
    if start_from is not None:
        base = base.where(APPOINTMENT.c.start >= start_from)
    if start_to is not None:
        base = base.where(APPOINTMENT.c.start < start_to)
    if not include_cancelled:
        base = base.where(APPOINTMENT.c.cancelled.is_(False))
    queries = (
        [base]
        if ids is None
        else [base.where(APPOINTMENT.c.external_id.in_(list(part))) for part in chunks(list(ids))]
    )
    rows: list[tuple[Row, Row | None]] = []
    for query in queries:
        rows.extend(_split(r) for r in (await session.execute(query)).all())
    if not rows:
        return []
    out = await _build_all(session, clinic_id, rows)
    out.sort(key=lambda a: (a.start, a.id))
    return out


async def load_card(session: AsyncSession, clinic_id: str, patient_id: str) -> Card | None:
    """The patient's card (``deleted=True`` if the clinic deleted it), or ``None``."""
    row = (
        await session.execute(
            sa.select(PATIENT).where(
                PATIENT.c.clinic_id == clinic_id, PATIENT.c.external_id == patient_id
            )
        )
    ).first()
    return build_card(row._mapping) if row is not None else None


async def load_cards(
    session: AsyncSession, clinic_id: str, patient_ids: Sequence[str]
) -> dict[str, Card]:
    """Cards by id (missing ids are left out), in chunks of 1,000 ids."""
    out: dict[str, Card] = {}
    for part in chunks(sorted(set(patient_ids))):
        rows = await session.execute(
            sa.select(PATIENT).where(
                PATIENT.c.clinic_id == clinic_id, PATIENT.c.external_id.in_(list(part))
            )
        )
        for row in rows:
            card = build_card(row._mapping)
            out[card.id] = card
    return out
