"""Runtime: the hub's parts for one process, built from ``HubSettings``.

The API, the workers and the CLI all run on a ``Runtime``: the database, the plugin
host, the shared HTTP client, the secret box, the redactor, the metrics and the clock.
It also answers the one question every part asks: *which plugins are enabled for
this clinic, with which settings* — and builds their ``HookContext`` over the hub
services the runtime was given (``services``: :func:`hub.services.make` in the hub; the
runtime sits below the domain packages and the services above them, so it is handed
the factory rather than importing it).  Those answers
are cached for a few seconds (other processes' changes show up within that time;
this process's own changes at once).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from hub import plugin_secrets, plugin_settings
from hub.clock import Clock
from hub.context import HookContext
from hub.db.engine import Database
from hub.db.models import ApiToken, Clinic, PluginConfig, PluginHealth
from hub.http_client import HubHttp
from hub.metrics import Metrics
from hub.plugins import Failure, PluginHost
from hub.ports import HubServices
from hub.security.redaction import Redactor, redact_logs, stop_redacting
from hub.security.secrets import SecretBox, load_key
from hub.security.tokens import hash_token
from hub.settings import HubSettings, PluginSettings
from hub.types import ClinicInfo

log = logging.getLogger("hub.runtime")

CACHE_SECONDS = 2.0
#: How long a verified token is trusted without asking the database again.  A token
#: revoked through this process stops at once; other processes notice within this time.
TOKEN_CACHE_SECONDS = 5.0
K = TypeVar("K")
V = TypeVar("V")
ADMIN_TOKEN_NAME = "HUB_ADMIN_TOKEN"
#: Builds the hub services of one plugin in one clinic (:func:`hub.services.make`).
ServicesFactory = Callable[["Runtime", ClinicInfo, str], HubServices]


class TtlCache(Generic[K, V]):
    """A small in-process cache whose entries live ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._items: dict[K, tuple[V, float]] = {}

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None or item[1] < time.monotonic():
            self._items.pop(key, None)
            return None
        return item[0]

    def put(self, key: K, value: V) -> None:
        self._items[key] = (value, time.monotonic() + self.seconds)

    def clear(self) -> None:
        self._items.clear()


class ClinicNotFound(LookupError):
    """No clinic with that id: the hub's one error for it (the API answers it 404,
    ``Unknown clinic 'x'``, wherever it is raised)."""

    def __init__(self, clinic_id: str) -> None:
        super().__init__(f"Unknown clinic {clinic_id!r}")
        self.clinic_id = clinic_id
        self.detail = str(self)


class PluginNotEnabled(LookupError):
    """The plugin is not loaded or not enabled for the clinic."""


@dataclass
class ClinicSnapshot:
    """A clinic and its plugin configurations as read at ``loaded_at``."""

    info: ClinicInfo
    options: dict[str, object]
    enabled: dict[str, PluginSettings | plugin_settings.SettingsInvalid]
    loaded_at: float = field(default_factory=time.monotonic)


class Runtime:
    """Everything one hub process runs on."""

    def __init__(
        self,
        settings: HubSettings,
        *,
        services: ServicesFactory,
        clock: Clock | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.services = services
        self.clock = clock or Clock()
        self.metrics = Metrics()
        self.redactor = Redactor()
        self.box = SecretBox(load_key(settings))
        self.db = Database(settings.database_url)
        self.host = PluginHost(
            timeout=settings.plugin_timeout,
            allow=settings.plugins,
            deny=settings.plugins_disable,
            metrics=self.metrics,
            redact=self.redactor.redact,
        )
        self.host.failure_sinks.append(self._on_failure)
        self._http = HubHttp(settings, http_transport)
        #: ``ctx.http`` and ``ctx.post_form`` (one pool of connections under both)
        self.http = self._http.client
        self.post_form = self._http.post_form
        self._snapshots: dict[str, ClinicSnapshot] = {}
        self.principals: TtlCache[str, Any] = TtlCache(TOKEN_CACHE_SECONDS)
        self._loading: dict[str, asyncio.Future[ClinicSnapshot]] = {}
        self._generation = 0
        self._background: set[asyncio.Task[None]] = set()

    # --- lifecycle ----------------------------------------------------------------

    def load_plugins(
        self, *, entry_points: bool = True, plugins: Mapping[str, object] | None = None
    ) -> None:
        """Load plugins: the entry points, then ``plugins`` given by name (tests)."""
        if entry_points:
            self.host.load_entry_points()
        for name, obj in (plugins or {}).items():
            self.host.register(name, obj)

    async def start(self) -> None:
        """Start redacting secrets from logs and seed ``HUB_ADMIN_TOKEN``."""
        redact_logs(self.redactor)
        if self.settings.admin_token is not None:
            await self._seed_admin_token(self.settings.admin_token.get_secret_value())

    async def close(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self._http.aclose()
        await self.db.dispose()
        self.host.close()
        stop_redacting(self.redactor)

    async def _seed_admin_token(self, token: str) -> None:
        async with self.db.session() as session:
            existing = (
                await session.execute(
                    sa.select(ApiToken).where(col(ApiToken.name) == ADMIN_TOKEN_NAME)
                )
            ).scalar_one_or_none()
            digest = hash_token(token)
            if existing is None:
                session.add(
                    ApiToken(
                        name=ADMIN_TOKEN_NAME,
                        role="admin",
                        token_hash=digest,
                        created_at=self.clock.now(),
                    )
                )
            elif existing.token_hash != digest or existing.revoked_at is not None:
                existing.token_hash, existing.revoked_at = digest, None

    # --- clinics and their plugins ---------------------------------------------------

    def invalidate(self, clinic_id: str | None = None) -> None:
        """Forget cached configuration (of one clinic, or all)."""
        self._generation += 1  # a reload already running must not store what it read
        if clinic_id is None:
            self._snapshots.clear()
            self._loading.clear()
        else:
            self._snapshots.pop(clinic_id, None)
            self._loading.pop(clinic_id, None)

    async def snapshot(self, clinic_id: str) -> ClinicSnapshot:
        cached = self._snapshots.get(clinic_id)
        if cached is not None and time.monotonic() - cached.loaded_at < CACHE_SECONDS:
            return cached
        # One reload per clinic at a time: a worker running 32 deliveries at once must not
        # send 32 identical queries (and open as many connections) when the cache expires.
        loading = self._loading.get(clinic_id)
        if loading is None:
            loading = asyncio.ensure_future(self._load_snapshot(clinic_id))
            self._loading[clinic_id] = loading
            loading.add_done_callback(
                lambda done: (
                    self._loading.pop(clinic_id, None)
                    if self._loading.get(clinic_id) is done
                    else None
                )
            )
        return await asyncio.shield(loading)

    async def _load_snapshot(self, clinic_id: str) -> ClinicSnapshot:
        generation = self._generation
        async with self.db.session() as session:
            clinic = await session.get(Clinic, clinic_id)
            if clinic is None:
                raise ClinicNotFound(clinic_id)
            rows = (
                await session.execute(
                    sa.select(PluginConfig).where(
                        col(PluginConfig.clinic_id) == clinic_id,
                        col(PluginConfig.enabled).is_(True),
                    )
                )
            ).scalars()
            enabled: dict[str, PluginSettings | plugin_settings.SettingsInvalid] = {}
            for row in rows:
                info = self.host.get(row.plugin)
                if info is None:
                    continue
                values = plugin_settings.stored_values(row, self.box)
                self.register_secrets(info.settings_model, values)
                try:
                    enabled[row.plugin] = plugin_settings.build(
                        row.plugin, info.settings_model, values
                    )
                except plugin_settings.SettingsInvalid as exc:
                    enabled[row.plugin] = exc
        snapshot = ClinicSnapshot(
            info=clinic_info(clinic), options=dict(clinic.options), enabled=enabled
        )
        if generation == self._generation:
            self._snapshots[clinic_id] = snapshot
        return snapshot

    def register_secrets(self, model: type[PluginSettings], values: Mapping[str, object]) -> None:
        """Teach the redactor a plugin's secret values (plain or ``SecretStr``), those
        inside nested models and lists included."""
        for name in plugin_settings.secret_fields(model):
            annotation = model.model_fields[name].annotation
            self.redactor.add(*plugin_secrets.secret_values(annotation, values.get(name)))

    async def enabled_plugins(self, clinic_id: str) -> list[str]:
        """Loaded plugins enabled for the clinic (with valid settings or not)."""
        return sorted((await self.snapshot(clinic_id)).enabled)

    async def context(
        self,
        clinic_id: str,
        plugin: str,
        *,
        idempotency_key: str | None = None,
        settings: PluginSettings | None = None,
    ) -> HookContext[PluginSettings]:
        """The context of ``plugin`` for ``clinic_id``.

        Raises :class:`PluginNotEnabled` if the plugin is not enabled there, and
        :class:`hub.plugin_settings.SettingsInvalid` if its stored settings no longer
        validate (say, after an upgrade added a required field).  ``settings`` builds a
        context for settings not saved yet (the connection check).
        """
        snapshot = await self.snapshot(clinic_id)
        if settings is None:
            stored = snapshot.enabled.get(plugin)
            if stored is None:
                raise PluginNotEnabled(f"plugin {plugin!r} is not enabled for clinic {clinic_id!r}")
            if isinstance(stored, plugin_settings.SettingsInvalid):
                raise stored
            settings = stored
        return HookContext(
            services=self.services(self, snapshot.info, plugin),
            clinic=snapshot.info,
            plugin=plugin,
            settings=settings,
            idempotency_key=idempotency_key,
        )

    async def plugin_context(
        self, clinic_id: str, plugin: str
    ) -> HookContext[PluginSettings] | None:
        """The plugin's context for the clinic, or ``None`` if the clinic is unknown or the
        plugin is not enabled there with valid settings (for ``hub.PluginHubDep``)."""
        try:
            return await self.context(clinic_id, plugin)
        except (ClinicNotFound, PluginNotEnabled, plugin_settings.SettingsInvalid):
            return None

    def plugin_tables(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A transaction on the plugins' own tables (``PluginHub.tables()``), as
        ``ctx.tables()`` gives: committed when the block ends, rolled back if it raises."""
        return self.db.engine.begin()

    async def plugin_contexts(self, plugin: str) -> list[HookContext[PluginSettings]]:
        """Contexts of ``plugin`` in every clinic it is enabled for (with valid settings)."""
        async with self.db.session() as session:
            clinic_ids = (
                await session.execute(
                    sa.select(col(PluginConfig.clinic_id)).where(
                        col(PluginConfig.plugin) == plugin,
                        col(PluginConfig.enabled).is_(True),
                    )
                )
            ).scalars()
            found = sorted(clinic_ids)
        out = []
        for clinic_id in found:
            ctx = await self.plugin_context(clinic_id, plugin)
            if ctx is not None:
                out.append(ctx)
        return out

    async def enabled_contexts(
        self, clinic_id: str, hook: str | None = None
    ) -> dict[str, HookContext[PluginSettings]]:
        """Contexts of every enabled plugin with valid settings (implementing ``hook``)."""
        snapshot = await self.snapshot(clinic_id)
        out: dict[str, HookContext[PluginSettings]] = {}
        for name, settings in sorted(snapshot.enabled.items()):
            if isinstance(settings, plugin_settings.SettingsInvalid):
                continue
            if hook is not None and not self.host.implements(name, hook):
                continue
            out[name] = HookContext(
                services=self.services(self, snapshot.info, name),
                clinic=snapshot.info,
                plugin=name,
                settings=settings,
            )
        return out

    # --- plugin health ----------------------------------------------------------------

    def _on_failure(self, failure: Failure) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._save_failure(failure))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _save_failure(self, failure: Failure) -> None:
        clinic_id = failure.clinic_id or ""
        at = dt.datetime.fromtimestamp(failure.at, dt.UTC)
        try:
            async with self.db.session() as session:
                row = await session.get(PluginHealth, (failure.plugin, clinic_id))
                if row is None:
                    session.add(
                        PluginHealth(
                            plugin=failure.plugin,
                            clinic_id=clinic_id,
                            hook=failure.hook,
                            error=failure.error,
                            at=at,
                            failures=1,
                        )
                    )
                else:
                    row.hook, row.error, row.at = failure.hook, failure.error, at
                    row.failures += 1
        except Exception:
            log.exception("could not record the failure of plugin %s", failure.plugin)


def clinic_info(clinic: Clinic) -> ClinicInfo:
    return ClinicInfo(
        id=clinic.id,
        name=clinic.name,
        timezone=clinic.timezone,
        address=clinic.address,
        phone=clinic.phone,
    )
