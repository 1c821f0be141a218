"""Finding a plugin for a request: loaded (404/409 otherwise), enabled for the clinic."""

from __future__ import annotations

from fastapi import HTTPException

from hub import plugin_settings
from hub.context import HookContext
from hub.plugins import PluginInfo
from hub.runtime import PluginNotEnabled, Runtime
from hub.settings import PluginSettings


def loaded_plugin(runtime: Runtime, name: str) -> PluginInfo:
    """The plugin ``name`` if it is loaded; 404 (unknown) or 409 (broken) otherwise."""
    info = runtime.host.plugins.get(name)
    if info is None:
        raise HTTPException(404, f"Unknown plugin {name!r}: see GET /api/v1/plugins")
    if not info.loaded:
        raise HTTPException(409, f"Plugin {name!r} is installed but broken: {info.error}")
    return info


async def enabled_context(
    runtime: Runtime, clinic_id: str, plugin: str
) -> HookContext[PluginSettings]:
    """The plugin's context for the clinic; 409 if it is not enabled or misconfigured."""
    loaded_plugin(runtime, plugin)
    try:
        return await runtime.context(clinic_id, plugin)
    except PluginNotEnabled:
        raise HTTPException(409, f"Plugin {plugin!r} is not enabled for this clinic") from None
    except plugin_settings.SettingsInvalid as exc:
        raise HTTPException(
            409,
            f"Settings of {plugin!r} are invalid: "
            + "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors),
        ) from None
