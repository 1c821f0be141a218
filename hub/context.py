"""HookContext: what a plugin gets with every call, and its ways to act on the hub.

A context is made for one (clinic, plugin) pair.  It carries data (the clinic, the
plugin's validated settings, the shared HTTP client, a bound logger, the idempotency
key of the current delivery) and coroutines that act on the hub on the plugin's
behalf: publish a feed event, keep state, read the mirrored clinic data, queue
messages, report delivery statuses and patient answers.  It never exposes a database
session: the hub's tables are not part of the plugin API.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from hub import feed, state
from hub.settings import PluginSettings
from hub.types import ClinicInfo

if TYPE_CHECKING:
    from hub.runtime import Runtime

S = TypeVar("S", bound=PluginSettings)


class BoundLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger that prefixes every line with the clinic and plugin, and adds them as
    ``extra`` fields for structured handlers."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        extra = dict(self.extra or {})
        kwargs["extra"] = {**extra, **kwargs.get("extra", {})}
        return f"[{extra.get('clinic')}/{extra.get('plugin')}] {msg}", kwargs


class PluginState:
    """A plugin's own key/value store for one clinic (JSON values).

    Use it for external-id mappings, link codes, cursors of a poll: anything the
    plugin must remember between calls and across restarts.
    """

    def __init__(self, runtime: Runtime, clinic_id: str, plugin: str) -> None:
        self._runtime, self._clinic_id, self._plugin = runtime, clinic_id, plugin

    async def get(self, key: str, default: Any = None) -> Any:
        return await state.get(self._runtime.db, self._clinic_id, self._plugin, key, default)

    async def set(self, key: str, value: Any) -> None:
        await state.put(
            self._runtime.db, self._clinic_id, self._plugin, key, value, self._runtime.clock.now()
        )

    async def delete(self, key: str) -> bool:
        """Remove ``key``; ``True`` if it was there."""
        return await state.delete(self._runtime.db, self._clinic_id, self._plugin, key)

    async def items(self, prefix: str = "") -> dict[str, Any]:
        """Every key starting with ``prefix``, with its value."""
        return await state.items(self._runtime.db, self._clinic_id, self._plugin, prefix)


class HookContext(Generic[S]):
    """The clinic, the plugin's settings and the hub's services for one hook call.

    :ivar clinic: the clinic the call is for (id, name, IANA time zone, contacts).
    :ivar plugin: this plugin's id (its entry-point name).
    :ivar settings: this plugin's validated settings for the clinic.
    :ivar http: the shared ``httpx.AsyncClient``; do not close it.
    :ivar log: a logger with the clinic and plugin bound.
    :ivar idempotency_key: stable across retries of the current delivery (``None``
        outside deliveries); pass it to services that honour one.
    :ivar state: the plugin's key/value store for this clinic.
    """

    def __init__(
        self,
        *,
        runtime: Runtime,
        clinic: ClinicInfo,
        plugin: str,
        settings: S,
        idempotency_key: str | None = None,
    ) -> None:
        self._runtime = runtime
        self.clinic = clinic
        self.plugin = plugin
        self.settings = settings
        self.http: httpx.AsyncClient = runtime.http
        self.idempotency_key = idempotency_key
        self.log = BoundLogger(
            logging.getLogger(f"hub.plugin.{plugin}"), {"clinic": clinic.id, "plugin": plugin}
        )
        self.state = PluginState(runtime, clinic.id, plugin)

    def with_key(self, idempotency_key: str | None) -> HookContext[S]:
        """The same context for another delivery."""
        return HookContext(
            runtime=self._runtime, clinic=self.clinic, plugin=self.plugin,
            settings=self.settings, idempotency_key=idempotency_key,
        )

    @property
    def public_url(self) -> str | None:
        """The hub's public base URL (``HUB_PUBLIC_URL``), for callback URLs; or ``None``."""
        return self._runtime.settings.public_url

    def now(self) -> Any:
        """The hub's current time (aware, UTC); tests control it."""
        return self._runtime.clock.now()

    async def publish(self, type: str, data: dict[str, Any]) -> str:
        """Publish an event in the clinic's feed for the clinic system to apply.

        Name it ``<plugin>.<what>`` (``ondoc.link_code_issued``) unless it is one of
        the feed's common types (``appointment.confirmed``...).  Returns its cursor.
        """
        async with self._runtime.db.session() as session:
            return await feed.publish(
                session, clinic_id=self.clinic.id, type=type, data=data,
                source=self.plugin, at=self._runtime.clock.now(),
            )
