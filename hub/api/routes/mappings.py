"""A plugin's id mappings for a clinic.

GET    /api/v1/clinics/{clinic}/plugins/{plugin}/mappings/{kind}[?hub_id=&external_id=]
       the pairs (filtered), and the hub items of the kind's ``hub_kind`` left unmapped
PUT    /api/v1/clinics/{clinic}/plugins/{plugin}/mappings/{kind}[?replace=true]
       add pairs in bulk (``replace``: the body becomes the whole mapping)
DELETE /api/v1/clinics/{clinic}/plugins/{plugin}/mappings/{kind}?hub_id=&external_id=
       delete the pairs of a hub id and/or an external id (both absent: all of the kind)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Query
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from hub.api.deps import ClinicReader, ClinicStaff, RuntimeDep
from hub.api.plugin_access import loaded_plugin
from hub.intake import reference as clinic_reference
from hub.intake import tx
from hub.plugin_data import mappings
from hub.types import Mapping, MappingKind

router = APIRouter(prefix="/api/v1/clinics/{clinic}/plugins/{plugin}/mappings", tags=["mappings"])

MAX_PAIRS = 20_000
HubId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=mappings.MAX_HUB_ID)
]
ExternalId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=mappings.MAX_EXTERNAL_ID),
]


class MappingIn(BaseModel):
    """One pair to store."""

    hub_id: HubId
    external_id: ExternalId


class UnmappedItem(BaseModel):
    id: str
    name: str | None = None


class MappingList(BaseModel):
    kind: str
    hub_kind: str | None
    items: list[Mapping]
    unmapped: list[UnmappedItem] = Field(
        description="Current items of hub_kind with no pair (empty without a hub_kind)."
    )


class MappingWrite(BaseModel):
    kind: str
    added: int = 0
    deleted: int = 0
    total: int


def _kind(runtime: RuntimeDep, plugin: str, kind: str) -> MappingKind:
    """The plugin's mapping kind named in the path (404 naming what is unknown): a
    dependency, so an unknown plugin or kind is a 404 even when the body is wrong."""
    info = loaded_plugin(runtime, plugin)
    spec = info.mapping_kinds.get(kind)
    if spec is None:
        raise HTTPException(
            404,
            f"Plugin {plugin!r} has no mapping kind {kind!r} "
            f"(it has: {', '.join(info.mapping_kinds) or 'none'})",
        )
    return spec


KindDep = Annotated[MappingKind, Depends(_kind)]


def _name(item: dict[str, object]) -> str | None:
    for key in ("name", "full_name"):
        if isinstance(item.get(key), str):
            return str(item[key])
    return None


@router.get("/{kind}", response_model=MappingList)
async def list_mappings(
    plugin: str,
    kind: str,
    access: ClinicReader,
    spec: KindDep,
    runtime: RuntimeDep,
    hub_id: Annotated[str | None, Query(max_length=mappings.MAX_HUB_ID)] = None,
    external_id: Annotated[str | None, Query(max_length=mappings.MAX_EXTERNAL_ID)] = None,
) -> MappingList:
    """The pairs, and what of ``hub_kind`` is left to map."""
    async with runtime.db.session() as session:
        items = await mappings.rows(
            session, access.clinic_id, plugin, kind, hub_id=hub_id, external_id=external_id
        )
        unmapped: list[UnmappedItem] = []
        if spec.hub_kind is not None and spec.hub_kind in runtime.host.reference_kinds():
            mapped = {
                m.hub_id for m in await mappings.rows(session, access.clinic_id, plugin, kind)
            }
            unmapped = [
                UnmappedItem(id=item["id"], name=_name(item))
                for item in await clinic_reference.current(session, access.clinic_id, spec.hub_kind)
                if item["id"] not in mapped
            ]
    return MappingList(kind=kind, hub_kind=spec.hub_kind, items=items, unmapped=unmapped)


@router.put("/{kind}", response_model=MappingWrite)
async def put_mappings(
    plugin: str,
    kind: str,
    access: ClinicStaff,
    _spec: KindDep,
    runtime: RuntimeDep,
    pairs: Annotated[list[MappingIn], Body(max_length=MAX_PAIRS)],
    replace: bool = False,
) -> MappingWrite:
    """Add pairs (existing ones are kept); ``?replace=true`` makes the body the whole
    mapping of the kind (pairs left out are deleted)."""
    clean = mappings.clean_pairs((p.hub_id, p.external_id) for p in pairs)
    now = runtime.clock.now()

    async def work(session: AsyncSession) -> MappingWrite:
        before = len(await mappings.rows(session, access.clinic_id, plugin, kind))
        added = await mappings.put(
            session, access.clinic_id, plugin, kind, clean, replace=replace, now=now
        )
        total = len(await mappings.rows(session, access.clinic_id, plugin, kind))
        return MappingWrite(kind=kind, added=added, deleted=before + added - total, total=total)

    return await tx.write(runtime.db, work)


@router.delete("/{kind}", response_model=MappingWrite)
async def delete_mappings(
    plugin: str,
    kind: str,
    access: ClinicStaff,
    _spec: KindDep,
    runtime: RuntimeDep,
    hub_id: Annotated[str | None, Query(max_length=mappings.MAX_HUB_ID)] = None,
    external_id: Annotated[str | None, Query(max_length=mappings.MAX_EXTERNAL_ID)] = None,
    all: bool = False,
) -> MappingWrite:
    """Delete the pairs of ``hub_id`` and/or ``external_id``; the whole kind needs
    ``?all=true`` (422 without any of them)."""
    if hub_id is None and external_id is None and not all:
        raise HTTPException(
            422, "Give hub_id and/or external_id, or all=true to delete every pair of the kind"
        )
    async with runtime.db.session() as session:
        deleted = await mappings.delete(
            session, access.clinic_id, plugin, kind, hub_id=hub_id, external_id=external_id
        )
        total = len(await mappings.rows(session, access.clinic_id, plugin, kind))
    return MappingWrite(kind=kind, deleted=deleted, total=total)
