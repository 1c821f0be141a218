"""A clinic's plugins: enable, configure, test the connection, read status and audit.

GET  /api/v1/clinics/{clinic}/plugins                   every plugin, enabled or not
GET  /api/v1/clinics/{clinic}/plugins/{plugin}          one, secrets masked
PUT  /api/v1/clinics/{clinic}/plugins/{plugin}[?check=true]
POST /api/v1/clinics/{clinic}/plugins/{plugin}/check    test the stored settings
GET  /api/v1/clinics/{clinic}/plugins/{plugin}/status   the external account's state
GET  /api/v1/clinics/{clinic}/audit[?plugin=]           who changed which settings
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from hub import plugin_settings
from hub.api.deps import ClinicAccess, ClinicStaff, RuntimeDep
from hub.api.plugin_access import enabled_context, loaded_plugin
from hub.db.crud import plugins as crud
from hub.db.models import PluginConfig
from hub.plugins import PluginCallError, PluginInfo
from hub.runtime import Runtime
from hub.schemas.plugins import (
    AuditList,
    AuditPublic,
    CheckPublic,
    ClinicPluginList,
    ClinicPluginPublic,
    PluginConfigUpdate,
)
from hub.settings import PluginSettings
from hub.types import CheckResult

router = APIRouter(prefix="/api/v1/clinics/{clinic}", tags=["plugin settings"])


def _public(runtime: Runtime, info: PluginInfo, row: PluginConfig | None) -> ClinicPluginPublic:
    values = plugin_settings.stored_values(row, runtime.box)
    problems: list[dict[str, Any]] = []
    try:
        plugin_settings.build(info.name, info.settings_model, values)
    except plugin_settings.SettingsInvalid as exc:
        problems = exc.errors
    return ClinicPluginPublic(
        name=info.name,
        version=info.version,
        description=info.description,
        enabled=bool(row and row.enabled),
        settings=plugin_settings.public(info.settings_model, values),
        valid=not problems,
        problems=problems,
        updated_at=row.updated_at if row else None,
    )


@router.get("/plugins", response_model=ClinicPluginList)
async def list_clinic_plugins(access: ClinicStaff, runtime: RuntimeDep) -> ClinicPluginList:
    """Every loaded plugin with ``enabled`` and its settings for this clinic."""
    async with runtime.db.session() as session:
        rows = await crud.configs_of(session, clinic_id=access.clinic_id)
    return ClinicPluginList(
        items=[
            _public(runtime, runtime.host.plugins[name], rows.get(name))
            for name in runtime.host.loaded_names()
        ]
    )


@router.get("/plugins/{plugin}", response_model=ClinicPluginPublic)
async def get_clinic_plugin(
    plugin: str, access: ClinicStaff, runtime: RuntimeDep
) -> ClinicPluginPublic:
    info = loaded_plugin(runtime, plugin)
    async with runtime.db.session() as session:
        row = await crud.get_config(session, clinic_id=access.clinic_id, plugin=plugin)
    return _public(runtime, info, row)


async def _check(
    runtime: Runtime, access: ClinicAccess, info: PluginInfo, settings: PluginSettings
) -> CheckResult:
    ctx = await runtime.context(access.clinic_id, info.name, settings=settings)
    runtime.register_secrets(info.settings_model, settings.model_dump())
    try:
        result = await runtime.host.check_settings(info.name, ctx)
    except PluginCallError as exc:
        return CheckResult.failed(f"The check itself failed: {exc.error}")
    if result is None:
        return CheckResult.passed(note=f"{info.name} has no connection check")
    return result


def _settings_422(exc: plugin_settings.SettingsInvalid) -> HTTPException:
    return HTTPException(
        422,
        [
            {
                "loc": ["body", "settings", *e["field"].split(".")],
                "msg": e["message"],
                "type": e["type"],
            }
            for e in exc.errors
        ],
    )


@router.put("/plugins/{plugin}", response_model=ClinicPluginPublic)
async def configure_plugin(
    plugin: str,
    data: PluginConfigUpdate,
    access: ClinicStaff,
    runtime: RuntimeDep,
    check: Annotated[
        bool, Query(description="Test the connection first; save only if it passes.")
    ] = False,
) -> ClinicPluginPublic:
    """Enable or disable a plugin for the clinic and change its settings."""
    info = loaded_plugin(runtime, plugin)
    update = data.settings or {}
    secrets = plugin_settings.secret_fields(info.settings_model)
    protected = plugin_settings.admin_only_fields(info.settings_model) & set(update)
    if access.principal.role != "admin" and protected:
        raise HTTPException(
            403,
            "Only an admin may change secrets and where they are sent "
            f"({', '.join(sorted(protected))})",
        )
    async with runtime.db.session() as session:
        row = await crud.get_config(session, clinic_id=access.clinic_id, plugin=plugin)
        stored = plugin_settings.stored_values(row, runtime.box)
        enabled = data.enabled if data.enabled is not None else bool(row and row.enabled)
        merged = None
        if enabled or data.settings is not None:
            try:
                merged = plugin_settings.merge(plugin, info.settings_model, stored, update)
            except plugin_settings.SettingsInvalid as exc:
                raise _settings_422(exc) from None
            if check:
                result = await _check(runtime, access, info, merged.settings)
                if not result.ok:
                    raise HTTPException(
                        422,
                        "Connection check failed, nothing was saved: " + " ".join(result.problems),
                    )
        now = runtime.clock.now()
        changed = list(merged.changed) if merged else []
        if row is None:
            row = PluginConfig(clinic_id=access.clinic_id, plugin=plugin, updated_at=now)
            session.add(row)
        if row.enabled != enabled:
            changed.insert(0, "enabled")
        row.enabled = enabled
        if merged is not None:
            row.settings = merged.plain
            row.secrets = runtime.box.seal(merged.secret)
            runtime.register_secrets(info.settings_model, merged.secret)
        row.updated_at = now
        if changed:
            action = (
                "enable"
                if changed[0] == "enabled" and enabled
                else ("disable" if changed[0] == "enabled" else "update")
            )
            await crud.audit(
                session,
                clinic_id=access.clinic_id,
                plugin=plugin,
                actor=access.principal.actor,
                action=action,
                fields=[f"{name} (secret)" if name in secrets else name for name in changed],
                at=now,
            )
        public = _public(runtime, info, row)
    runtime.invalidate(access.clinic_id)
    return public


@router.post("/plugins/{plugin}/check", response_model=CheckPublic)
async def check_plugin(plugin: str, access: ClinicStaff, runtime: RuntimeDep) -> CheckPublic:
    """Test the stored settings now: credentials valid, service reachable."""
    info = loaded_plugin(runtime, plugin)
    async with runtime.db.session() as session:
        row = await crud.get_config(session, clinic_id=access.clinic_id, plugin=plugin)
    try:
        settings = plugin_settings.build(
            plugin, info.settings_model, plugin_settings.stored_values(row, runtime.box)
        )
    except plugin_settings.SettingsInvalid as exc:
        return CheckPublic(
            ok=False,
            problems=[f"Setting {e['field']}: {e['message']}" for e in exc.errors],
        )
    result = await _check(runtime, access, info, settings)
    return CheckPublic(ok=result.ok, problems=list(result.problems), details=result.details)


@router.get("/plugins/{plugin}/status")
async def plugin_status(plugin: str, access: ClinicStaff, runtime: RuntimeDep) -> dict[str, Any]:
    """What the plugin reports of the external account (limits, quotas...)."""
    ctx = await enabled_context(runtime, access.clinic_id, plugin)
    try:
        status = await runtime.host.get_plugin_status(plugin, ctx)
    except PluginCallError as exc:
        return {"ok": False, "error": exc.error}
    return {"ok": True, "status": status or {}}


@router.get("/audit", response_model=AuditList)
async def settings_audit(
    access: ClinicStaff, runtime: RuntimeDep, plugin: str | None = None
) -> AuditList:
    """Settings changes, newest first: who, when, which fields (never their values)."""
    async with runtime.db.session() as session:
        rows = await crud.audit_log(session, clinic_id=access.clinic_id, plugin=plugin)
    return AuditList(
        items=[
            AuditPublic(
                id=r.id or 0,
                clinic=r.clinic_id,
                plugin=r.plugin,
                actor=r.actor,
                at=r.at,
                action=r.action,
                fields=r.fields,
            )
            for r in rows
        ]
    )
