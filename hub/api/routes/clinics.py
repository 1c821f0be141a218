"""Clinics: ``POST/GET /api/v1/clinics``, ``GET/PATCH /api/v1/clinics/{clinic}``."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, HTTPException

from hub.api.deps import AdminDep, ClinicAdmin, ClinicReader, PrincipalDep, RuntimeDep
from hub.db.crud import clinics as crud
from hub.plugins import PluginHost
from hub.runtime import ClinicNotFound, Runtime
from hub.schemas.clinics import Channel, ClinicCreate, ClinicList, ClinicPublic, ClinicUpdate

router = APIRouter(prefix="/api/v1/clinics", tags=["clinics"])


def _check_channels(host: PluginHost, channels: Mapping[Channel, list[str]] | None) -> None:
    """Every provider named for a channel must be a loaded plugin serving that channel."""
    problems = []
    for channel, names in (channels or {}).items():
        serving = host.providers(channel)
        for name in names:
            if name not in serving:
                problems.append(
                    {
                        "loc": ["body", "channels", channel],
                        "msg": f"{name!r} is not an installed plugin that sends {channel} "
                        f"(installed: {', '.join(serving) or 'none'})",
                        "type": "unknown_provider",
                    }
                )
    if problems:
        raise HTTPException(422, problems)


async def _routing_warnings(runtime: Runtime, public: ClinicPublic) -> ClinicPublic:
    """``public`` with a warning for each provider routed but not enabled here."""
    enabled = set(await runtime.enabled_plugins(public.id))
    warnings = []
    for channel, names in (public.channels or {}).items():
        for name in names:
            if name not in enabled:
                usable = [n for n in names if n in enabled]
                then = (
                    f"its {channel} messages go to {usable[0]!r}"
                    if usable
                    else f"no enabled provider is left for {channel}: those messages fail"
                )
                warnings.append(
                    f"channels.{channel}: {name!r} is not enabled for this clinic, so {then}. "
                    f"Enable it (PUT /api/v1/clinics/{public.id}/plugins/{name}) or remove it "
                    "from the list."
                )
    return public.model_copy(update={"warnings": warnings})


@router.post(
    "",
    status_code=201,
    response_model=ClinicPublic,
    responses={409: {"description": "A clinic with this id exists already."}},
)
async def create_clinic(data: ClinicCreate, runtime: RuntimeDep, _: AdminDep) -> ClinicPublic:
    """Create a clinic; its id is a slug chosen by the caller."""
    _check_channels(runtime.host, data.channels)
    async with runtime.db.session() as session:
        if await crud.get(session, clinic_id=data.id) is not None:
            raise HTTPException(409, f"Clinic {data.id!r} already exists")
        clinic = await crud.create(session, data=data, now=runtime.clock.now())
        public = crud.to_public(clinic)
    return await _routing_warnings(runtime, public)


@router.get("", response_model=ClinicList)
async def list_clinics(runtime: RuntimeDep, principal: PrincipalDep) -> ClinicList:
    """Every clinic (a clinic token sees its own only)."""
    only = principal.clinic_id if principal.role == "clinic" else None
    async with runtime.db.session() as session:
        rows = await crud.list_all(session, only=only)
    return ClinicList(items=[await _routing_warnings(runtime, crud.to_public(r)) for r in rows])


@router.get("/{clinic}", response_model=ClinicPublic)
async def get_clinic(access: ClinicReader, runtime: RuntimeDep) -> ClinicPublic:
    async with runtime.db.session() as session:
        clinic = await crud.get(session, clinic_id=access.clinic_id)
    if clinic is None:
        raise ClinicNotFound(access.clinic_id)
    return await _routing_warnings(runtime, crud.to_public(clinic))


@router.patch("/{clinic}", response_model=ClinicPublic)
async def update_clinic(
    data: ClinicUpdate, access: ClinicAdmin, runtime: RuntimeDep
) -> ClinicPublic:
    """Change some fields; the ones left out keep their values."""
    _check_channels(runtime.host, data.channels)
    async with runtime.db.session() as session:
        clinic = await crud.get(session, clinic_id=access.clinic_id)
        if clinic is None:
            raise ClinicNotFound(access.clinic_id)
        crud.apply_update(clinic, data, runtime.clock.now())
        public = crud.to_public(clinic)
    runtime.invalidate(access.clinic_id)
    return await _routing_warnings(runtime, public)
