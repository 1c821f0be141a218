"""The clinic's stop list: ``GET /api/v1/clinics/{clinic}/stoplist`` and
``PUT/DELETE /api/v1/clinics/{clinic}/stoplist/{phone}``.

A number on the list gets no message at all (checked when a message is queued and
again when it is sent).  Each change is an ``on_stoplist_changed`` event for the
clinic's plugins, so providers mirror it in their own stop lists (sms.ru's
``stoplist/add``).  The phone may be written any way; it is stored as E.164.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Body, HTTPException, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hub import events
from hub.api.deps import ClinicReader, ClinicSystem, RuntimeDep
from hub.api.errors import invalid
from hub.db.models import StopListEntry
from hub.messages.addresses import InvalidAddress, normalize_phone
from hub.runtime import Runtime
from hub.schemas.clinics import ClinicOptions
from hub.schemas.stoplist import StopListEntryPublic, StopListPublic, StopListPut

router = APIRouter(prefix="/api/v1/clinics/{clinic}/stoplist", tags=["stop list"])


def _phone(raw: str, options: ClinicOptions) -> str:
    try:
        return normalize_phone(raw, options.phone_region, mobile=False)
    except InvalidAddress as exc:
        raise invalid(["path", "phone"], f"{exc.detail} ({exc.reason})", exc.reason) from None


def _public(entry: StopListEntry) -> StopListEntryPublic:
    return StopListEntryPublic(
        phone=entry.phone, note=entry.note, actor=entry.actor, created_at=entry.created_at
    )


async def _emit(
    session: AsyncSession, runtime: Runtime, clinic_id: str, phone: str, blocked: bool, note: str
) -> None:
    await events.emit(
        session,
        clinic_id=clinic_id,
        hook="on_stoplist_changed",
        subject=f"phone:{phone}",
        payload={"phone": phone, "blocked": blocked, "note": note},
        now=runtime.clock.now(),
        runtime=runtime,
    )


@router.get("", response_model=StopListPublic)
async def list_stoplist(access: ClinicReader, runtime: RuntimeDep) -> StopListPublic:
    """Every blocked number of the clinic."""
    async with runtime.db.session() as session:
        table: sa.Table = StopListEntry.__table__  # type: ignore[attr-defined]
        query = (
            sa.select(StopListEntry)
            .where(table.c.clinic_id == access.clinic_id)
            .order_by(table.c.phone)
        )
        rows = (await session.execute(query)).scalars().all()
    return StopListPublic(items=[_public(r) for r in rows])


@router.put("/{phone}", response_model=StopListEntryPublic)
async def block_phone(
    phone: str,
    access: ClinicSystem,
    runtime: RuntimeDep,
    data: Annotated[StopListPut | None, Body()] = None,
) -> StopListEntryPublic:
    """Block a number (or change its note)."""
    number = _phone(phone, ClinicOptions.model_validate(access.clinic.options))
    note = data.note if data is not None else ""
    async with runtime.db.session() as session:
        entry = await session.get(StopListEntry, (access.clinic_id, number))
        if entry is None:
            entry = StopListEntry(
                clinic_id=access.clinic_id,
                phone=number,
                note=note,
                actor=access.principal.actor,
                created_at=runtime.clock.now(),
            )
            session.add(entry)
        elif entry.note == note:
            return _public(entry)
        else:
            entry.note, entry.actor = note, access.principal.actor
        await _emit(session, runtime, access.clinic_id, number, True, note)
        await session.flush()
        return _public(entry)


@router.delete("/{phone}", status_code=204)
async def unblock_phone(phone: str, access: ClinicSystem, runtime: RuntimeDep) -> Response:
    """Remove a number from the stop list."""
    number = _phone(phone, ClinicOptions.model_validate(access.clinic.options))
    async with runtime.db.session() as session:
        entry = await session.get(StopListEntry, (access.clinic_id, number))
        if entry is None:
            raise HTTPException(404, f"{number} is not on the stop list")
        await session.delete(entry)
        await _emit(session, runtime, access.clinic_id, number, False, "")
    return Response(status_code=204)
