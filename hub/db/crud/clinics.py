"""Clinics: create, read, update."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hub.db.models import Clinic
from hub.schemas.clinics import ClinicCreate, ClinicOptions, ClinicPublic, ClinicUpdate

_IDENTITY = ("name", "timezone", "address", "phone")


def to_public(clinic: Clinic) -> ClinicPublic:
    options = ClinicOptions.model_validate(clinic.options)
    return ClinicPublic(
        id=clinic.id,
        name=clinic.name,
        timezone=clinic.timezone,
        address=clinic.address,
        phone=clinic.phone,
        created_at=clinic.created_at,
        updated_at=clinic.updated_at,
        **options.model_dump(),
    )


async def create(session: AsyncSession, *, data: ClinicCreate, now: dt.datetime) -> Clinic:
    options = ClinicOptions.model_validate(data.model_dump(exclude={"id", *_IDENTITY}))
    clinic = Clinic(
        id=data.id,
        name=data.name,
        timezone=data.timezone,
        address=data.address,
        phone=data.phone,
        options=options.model_dump(mode="json"),
        created_at=now,
        updated_at=now,
    )
    session.add(clinic)
    await session.flush()
    return clinic


async def get(session: AsyncSession, *, clinic_id: str) -> Clinic | None:
    return await session.get(Clinic, clinic_id)


async def list_all(session: AsyncSession, *, only: str | None = None) -> Sequence[Clinic]:
    query = sa.select(Clinic).order_by(col(Clinic.id))
    if only is not None:
        query = query.where(col(Clinic.id) == only)
    return list((await session.execute(query)).scalars())


async def all_ids(session: AsyncSession) -> list[str]:
    """Every clinic's id, sorted."""
    return list(
        (await session.execute(sa.select(col(Clinic.id)).order_by(col(Clinic.id)))).scalars()
    )


def apply_update(clinic: Clinic, update: ClinicUpdate, now: dt.datetime) -> None:
    given = update.model_dump(exclude_unset=True)
    for name in _IDENTITY:
        if given.get(name) is not None:
            setattr(clinic, name, given[name])
    options = ClinicOptions.model_validate(clinic.options).model_dump()
    for name, value in given.items():
        if name in _IDENTITY:
            continue
        if value is None and ClinicOptions.model_fields[name].default is not None:
            options.pop(name, None)  # an explicit null resets the option to its default
        else:
            options[name] = value
    clinic.options = ClinicOptions.model_validate(options).model_dump(mode="json")
    clinic.updated_at = now
