"""Reference data: bulk replace of one kind, with the automatic dative forms.

``PUT .../reference/doctors`` (or ``specialties``, ``services``,
``price_list_sections``) replaces the whole list: items are created, updated or left
unchanged, and those left out are marked removed (old appointments keep resolving
their names; new ones may not use them).  On save, doctors get ``full_name``,
``short_name``, ``dative`` and ``dative_short`` and specialties ``dative``
(:mod:`hub.text.declension`), stored under ``auto``; a non-null ``dative`` sent by the
clinic overrides the automatic form and always wins.  Forms are recomputed only for
items whose name changed, so the morphology dictionary stays off the hot path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.crud import bulk
from hub.intake.problems import IntakeError, Problem
from hub.intake.scope import ClinicScope
from hub.intake.snapshots import REFERENCE, build_doctor, build_specialty, load_references
from hub.text import declension

KEYS = ("clinic_id", "kind", "external_id")
_NAME_FIELDS = {
    "doctors": ("last_name", "first_name", "middle_name", "sex"),
    "specialties": ("name",),
}


def automatic_forms(kind: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The computed name forms of an item (``None`` for kinds without any)."""
    if kind == "doctors":
        last, first, middle, sex = (data.get(k) for k in _NAME_FIELDS["doctors"])
        return {
            "full_name": " ".join(p for p in (last, first, middle) if p),
            "short_name": declension.short_name(last, first, middle),
            "dative": declension.person_dative(last, first, middle, sex),
            "dative_short": declension.short_dative(last, first, middle, sex),
        }
    if kind == "specialties":
        return {"dative": declension.phrase_dative(str(data["name"]))}
    return None


def public_item(kind: str, item_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """An item as the API and ``ctx.reference(kind)`` show it: what was sent, the
    override as ``dative_override`` and the forms in use."""
    item: dict[str, Any] = {"id": item_id, **{k: v for k, v in data.items() if k != "auto"}}
    if kind == "doctors":
        doctor = build_doctor(item_id, data)
        item.update(dative_override=data.get("dative"), dative=doctor.dative,
                    dative_short=doctor.dative_short, full_name=doctor.full_name,
                    short_name=doctor.short_name)
    elif kind == "specialties":
        item.update(dative_override=data.get("dative"), dative=build_specialty(item_id, data).dative)
    return item


def _same_names(kind: str, old: dict[str, Any], new: dict[str, Any]) -> bool:
    return all(old.get(k) == new.get(k) for k in _NAME_FIELDS.get(kind, ()))


async def replace(
    session: AsyncSession, clinic: ClinicScope, kind: str, items: Sequence[BaseModel],
    *, now: dt.datetime,
) -> dict[str, Any]:
    """Replace the clinic's ``kind`` list with ``items``; counts and the stored list.

    Raises :class:`IntakeError` (nothing written) for duplicate ids or references to
    unknown specialties / price-list sections.
    """
    refs = await load_references(session, clinic.id, ("specialties", "price_list_sections"))
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        item_id = str(getattr(item, "id"))  # noqa: B009 - every reference model has an id
        if item_id in seen:
            problems.append(Problem(("body", index, "id"), f"duplicate id {item_id!r}", "duplicate"))
        seen.add(item_id)
        specialty = getattr(item, "specialty_id", None)
        if kind == "doctors" and specialty and not refs.is_active("specialties", specialty):
            problems.append(Problem(("body", index, "specialty_id"),
                                    f"unknown specialty {specialty!r}: not in reference/specialties",
                                    "unknown_reference"))
        section = getattr(item, "price_list_section", None)
        if (kind == "services" and section and refs.has_any("price_list_sections")
                and not refs.is_active("price_list_sections", section)):
            problems.append(Problem(("body", index, "price_list_section"),
                                    f"unknown price-list section {section!r}", "unknown_reference"))
    if problems:
        raise IntakeError(problems)
    existing = {
        row.external_id: (row.data, row.removed_at)
        for row in (await session.execute(
            sa.select(REFERENCE.c.external_id, REFERENCE.c.data, REFERENCE.c.removed_at)
            .where(REFERENCE.c.clinic_id == clinic.id, REFERENCE.c.kind == kind)
            .with_for_update()
        )).all()
    }
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []
    for item in items:
        data = item.model_dump(mode="json", exclude={"id"})
        item_id = str(getattr(item, "id"))  # noqa: B009
        old = existing.get(item_id)
        if old is not None and _same_names(kind, old[0], data) and "auto" in old[0]:
            data["auto"] = old[0]["auto"]
        else:
            auto = automatic_forms(kind, data)
            if auto is not None:
                data["auto"] = auto
        row = {"clinic_id": clinic.id, "kind": kind, "external_id": item_id, "data": data,
               "removed_at": None, "updated_at": now}
        if old is None:
            inserts.append(row)
            counts["created"] += 1
        elif old[0] != data or old[1] is not None:
            updates.append(row)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        stored.append(public_item(kind, item_id, data))
    for item_id, (data, removed_at) in existing.items():
        if item_id not in seen and removed_at is None:
            updates.append({"clinic_id": clinic.id, "kind": kind, "external_id": item_id,
                            "data": data, "removed_at": now, "updated_at": now})
            counts["removed"] += 1
    await bulk.insert_many(session, REFERENCE, inserts)
    await bulk.update_many(session, REFERENCE, KEYS, updates)
    return {"kind": kind, **counts, "items": stored}


async def current(session: AsyncSession, clinic_id: str, kind: str) -> list[dict[str, Any]]:
    """The clinic's current (not removed) items of ``kind``, as :func:`public_item`."""
    rows = (await session.execute(
        sa.select(REFERENCE.c.external_id, REFERENCE.c.data)
        .where(REFERENCE.c.clinic_id == clinic_id, REFERENCE.c.kind == kind,
               REFERENCE.c.removed_at.is_(None))
        .order_by(REFERENCE.c.external_id)
    )).all()
    return [public_item(kind, item_id, data) for item_id, data in rows]
