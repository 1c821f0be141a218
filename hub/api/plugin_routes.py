"""Mounting what the plugins' ``register_routes`` returned.

Each router goes under ``/plugins/{plugin}``, or at the root for a
:class:`hub.PluginRouter` with ``at_root=True`` (root paths were vetted at
registration).  Every route is marked with the plugin that owns it, which is how
:data:`hub.PluginHubDep` knows whose contexts to give.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, FastAPI, Request

from hub.runtime import Runtime
from hub.webhooks import PLUGIN_MARK


def _mark(plugin: str) -> Callable[[Request], Awaitable[None]]:
    async def mark(request: Request) -> None:
        setattr(request.state, PLUGIN_MARK, plugin)

    return mark


def mount_plugin_routes(app: FastAPI, runtime: Runtime) -> None:
    """Mount every loaded plugin's routers."""
    for name in runtime.host.loaded_names():
        for spec in runtime.host.plugins[name].routes:
            prefix = "" if spec.at_root else f"/plugins/{name}"
            app.include_router(
                spec.router,
                prefix=prefix,
                tags=list(spec.tags) or [f"plugin: {name}"],
                dependencies=[Depends(_mark(name))],
            )
