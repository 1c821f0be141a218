"""Installed plugins: ``GET /api/v1/plugins`` (what is installed, and its health)."""

from __future__ import annotations

from fastapi import APIRouter

from hub.api.deps import RuntimeDep, StaffDep
from hub.db.crud import plugins as crud
from hub.plugins import PluginInfo
from hub.schemas.plugins import (
    ActionPublic,
    JobPublic,
    KindPublic,
    PluginFailurePublic,
    PluginList,
    PluginPublic,
)

router = APIRouter(prefix="/api/v1/plugins", tags=["plugins"])


def describe(info: PluginInfo, failures: list[PluginFailurePublic]) -> PluginPublic:
    return PluginPublic(
        name=info.name,
        version=info.version,
        distribution=info.distribution,
        description=info.description,
        status=info.status,
        error=info.error,
        builtin=info.builtin,
        hooks=info.hooks,
        channels=info.channels,
        settings_schema=info.settings_model.model_json_schema(),
        actions=[
            ActionPublic(
                name=a.name,
                description=a.description,
                input_schema=a.input_model.model_json_schema(),
                timeout=a.timeout,
            )
            for a in info.actions.values()
        ],
        jobs=[
            JobPublic(
                name=j.name,
                description=j.description,
                every=None if j.every is None else str(j.every),
                at=None if j.at is None else str(j.at),
                timeout=j.timeout,
                sync_kind=j.sync_kind,
            )
            for j in info.jobs
        ],
        reference_kinds=[
            KindPublic(name=k.name, description=k.description)
            for k in info.reference_kinds.values()
        ],
        mapping_kinds=[
            KindPublic(name=k.name, description=k.description, hub_kind=k.hub_kind)
            for k in info.mapping_kinds.values()
        ],
        last_errors=failures,
    )


@router.get("", response_model=PluginList)
async def list_plugins(runtime: RuntimeDep, _: StaffDep) -> PluginList:
    """Every discovered plugin, loaded or broken, with its settings schema and health."""
    async with runtime.db.session() as session:
        health = await crud.health(session)
    items = []
    for name in sorted(runtime.host.plugins):
        failures = [
            PluginFailurePublic(
                clinic=row.clinic_id or None,
                hook=row.hook,
                error=row.error,
                at=row.at,
                failures=row.failures,
            )
            for row in health.get(name, [])
        ]
        items.append(describe(runtime.host.plugins[name], failures))
    return PluginList(items=items)
