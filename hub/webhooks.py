"""``PluginHubDep``: how a plugin's own routes reach the hub.

A plugin's routers (what ``register_routes`` returned) are mounted under
``/plugins/{plugin}`` (or at the root for a :class:`hub.PluginRouter` with
``at_root=True``; see :mod:`hub.api.plugin_routes`).  Their handlers reach the hub
through one dependency, typed with the plugin's settings model::

    from hub import PluginHubDep

    @router.post("/callback/{clinic}")
    async def callback(clinic: str, hub: PluginHubDep[MySettings]) -> str:
        ctx = await hub.context(clinic)       # 404 unless the plugin is enabled there
        ctx.settings.api_key                  # typed: MySettings
        ...

``hub.contexts()`` lists the contexts of every clinic the plugin is enabled for, to
find the clinic whose secret signed a request that does not name its clinic;
``async with hub.tables() as conn`` reads the plugin's own tables before any clinic is
known (a route whose body carries an opaque reference the plugin issued, such as
Mango's ``/MangoOffice/UpdateStatus``).

Part of the plugin API: the contexts come from whatever the application put in
``app.state.runtime`` (a :class:`PluginContexts`); this module imports nothing of it.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any, Generic, Protocol, TypeVar, cast

from fastapi import Depends, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.context import HookContext
from hub.settings import PluginSettings

__all__ = ["PLUGIN_MARK", "PluginContexts", "PluginHub", "PluginHubDep"]

S = TypeVar("S", bound=PluginSettings)
#: The ``request.state`` attribute naming the plugin that owns the route.
PLUGIN_MARK = "hub_plugin"


class PluginContexts(Protocol):
    """Where plugin contexts come from (the hub's runtime)."""

    async def plugin_context(
        self, clinic_id: str, plugin: str
    ) -> HookContext[PluginSettings] | None:
        """The plugin's context for the clinic, or ``None`` if it is not set up there."""
        ...

    async def plugin_contexts(self, plugin: str) -> list[HookContext[PluginSettings]]:
        """Contexts of every clinic the plugin is enabled for (with valid settings)."""
        ...

    def plugin_tables(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A transaction on the plugins' own tables (committed at the end of the block)."""
        ...


class PluginHub(Generic[S]):
    """A plugin route's access to the hub, for the plugin that owns the route.

    ``S`` is the plugin's settings model: the contexts' ``settings`` are of that type.
    """

    def __init__(self, source: PluginContexts, plugin: str) -> None:
        self._source = source
        self.plugin = plugin

    async def context(self, clinic_id: str) -> HookContext[S]:
        """The plugin's context for ``clinic_id``; 404 if the plugin is not enabled there."""
        ctx = await self._source.plugin_context(clinic_id, self.plugin)
        if ctx is None:
            raise HTTPException(404, f"{self.plugin} is not set up for clinic {clinic_id!r}")
        # The settings were built with the model this plugin registered: its ``S``.
        return cast("HookContext[S]", ctx)

    async def contexts(self) -> list[HookContext[S]]:
        """Contexts of every clinic the plugin is enabled for (with valid settings)."""
        return cast("list[HookContext[S]]", await self._source.plugin_contexts(self.plugin))

    def tables(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A transaction on the plugin's own tables, like ``ctx.tables()`` but before a
        clinic is known: committed when the block ends, rolled back if it raises."""
        return self._source.plugin_tables()


def _plugin_hub(request: Request) -> PluginHub[Any]:
    plugin = getattr(request.state, PLUGIN_MARK, None)
    if plugin is None:
        raise RuntimeError("PluginHubDep used outside a plugin route")
    return PluginHub(request.app.state.runtime, plugin)


#: ``hub: PluginHubDep[MySettings]`` in a plugin route's signature.
PluginHubDep = Annotated[PluginHub[S], Depends(_plugin_hub)]
