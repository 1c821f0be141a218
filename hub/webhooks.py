"""Plugin routes: mounting what ``register_routes`` returned, and ``PluginHubDep``.

A plugin's routers are mounted under ``/plugins/{plugin}`` (or at the root for a
:class:`hub.PluginRouter` with ``at_root=True``).  Their handlers reach the hub
through one dependency::

    from hub import PluginHubDep

    @router.post("/callback/{clinic}")
    async def callback(clinic: str, hub: PluginHubDep) -> str:
        ctx = await hub.context(clinic)       # 404 unless the plugin is enabled there
        ...

``hub.contexts()`` lists the contexts of every clinic the plugin is enabled for, to
find the clinic whose secret signed a request that does not name its clinic;
``async with hub.tables() as conn`` reads the plugin's own tables before any clinic is
known (a route whose body carries an opaque reference the plugin issued, such as
Mango's ``/MangoOffice/UpdateStatus``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from hub import plugin_settings
from hub.context import HookContext
from hub.db.models import PluginConfig
from hub.runtime import ClinicNotFound, PluginNotEnabled, Runtime
from hub.settings import PluginSettings


class PluginHub:
    """A plugin route's access to the hub, for the plugin that owns the route."""

    def __init__(self, runtime: Runtime, plugin: str) -> None:
        self.runtime = runtime
        self.plugin = plugin

    async def context(self, clinic_id: str) -> HookContext[PluginSettings]:
        """The plugin's context for ``clinic_id``; 404 if the plugin is not enabled there."""
        try:
            return await self.runtime.context(clinic_id, self.plugin)
        except (ClinicNotFound, PluginNotEnabled, plugin_settings.SettingsInvalid):
            raise HTTPException(
                404, f"{self.plugin} is not set up for clinic {clinic_id!r}"
            ) from None

    @asynccontextmanager
    async def tables(self) -> AsyncIterator[AsyncConnection]:
        """A transaction on the plugin's own tables, like ``ctx.tables()`` but before a
        clinic is known: committed when the block ends, rolled back if it raises."""
        from hub.plugin_data import tables

        async with tables.transaction(self.runtime.db) as conn:
            yield conn

    async def contexts(self) -> list[HookContext[PluginSettings]]:
        """Contexts of every clinic the plugin is enabled for (with valid settings)."""
        async with self.runtime.db.session() as session:
            clinic_ids = (
                (
                    await session.execute(
                        sa.select(col(PluginConfig.clinic_id)).where(
                            col(PluginConfig.plugin) == self.plugin,
                            col(PluginConfig.enabled).is_(True),
                        )
                    )
                )
                .scalars()
                .all()
            )
        out = []
        for clinic_id in sorted(clinic_ids):
            try:
                out.append(await self.runtime.context(clinic_id, self.plugin))
            except (ClinicNotFound, PluginNotEnabled, plugin_settings.SettingsInvalid):
                continue
        return out


def _plugin_hub(request: Request) -> PluginHub:
    plugin = getattr(request.state, "hub_plugin", None)
    if plugin is None:
        raise RuntimeError("PluginHubDep used outside a plugin route")
    return PluginHub(request.app.state.runtime, plugin)


PluginHubDep = Annotated[PluginHub, Depends(_plugin_hub)]


def _mark(plugin: str):  # type: ignore[no-untyped-def]
    async def mark(request: Request) -> None:
        request.state.hub_plugin = plugin

    return mark


def mount_plugin_routes(app: FastAPI, runtime: Runtime) -> None:
    """Mount every loaded plugin's routers (root paths were vetted at registration)."""
    for name in runtime.host.loaded_names():
        for spec in runtime.host.plugins[name].routes:
            prefix = "" if spec.at_root else f"/plugins/{name}"
            app.include_router(
                spec.router,
                prefix=prefix,
                tags=list(spec.tags) or [f"plugin: {name}"],
                dependencies=[Depends(_mark(name))],
            )
