"""PluginHost: discovery, registration metadata and isolated, typed hook calls.

This is the only module that touches pluggy's ``pm.hook``.  Everything else calls the
typed methods below, which take the plugin(s) to call explicitly: the runtime decides
which plugins are enabled for a clinic and builds their ``HookContext``.

Discovery goes through the ``clinic_hub`` entry-point group only, one entry point at a
time: a plugin that fails to import, or whose registration hooks fail, is recorded as
*broken* with its error and the hub starts without it.  ``HUB_PLUGINS`` (allow-list)
and ``HUB_PLUGINS_DISABLE`` (deny-list) decide which discovered plugins load.

Each implementation is called on its own (pluggy would stop a fan-out at the first
exception): ``async def`` implementations are awaited, plain ``def`` ones run in a
thread pool, both under ``asyncio.timeout``.  A failure is logged with clinic, plugin
and hook, counted in metrics and remembered as the plugin's last error; whether it is
then swallowed (``call``) or raised as :class:`PluginCallError` (``call_strict``, for
durable deliveries that will be retried) is the caller's choice.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import importlib.metadata
import inspect
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pluggy
from fastapi import APIRouter

from hub import hookspecs
from hub.registration import Action, Job, PluginRouter
from hub.settings import PluginSettings
from hub.types import (
    ActionError,
    Balance,
    ChannelSpec,
    CheckResult,
    CostEstimate,
    DeliveryResult,
    MappingKind,
    OutgoingMessage,
    ReferenceKind,
    SyncResult,
)

if TYPE_CHECKING:
    from hub.context import HookContext
    from hub.metrics import Metrics

log = logging.getLogger("hub.plugins")

ENTRY_POINT_GROUP = hookspecs.PROJECT_NAME
#: What a reference or mapping kind may be called: it appears in URLs.
KIND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: The reference kinds of the hub itself; a plugin may not declare these.
BUILTIN_REFERENCE_KINDS = ("doctors", "specialties", "services", "price_list_sections")
#: Paths of the hub itself, which a plugin's root routes may not claim.
RESERVED_PATHS = (
    "/api",
    "/plugins",
    "/r/",
    "/healthz",
    "/metrics",
    "/docs",
    "/redoc",
    "/openapi",
    "/static-offline-docs",
)


class PluginCallError(Exception):
    """A plugin's hook implementation raised or timed out."""

    def __init__(self, plugin: str, hook: str, error: str) -> None:
        super().__init__(f"{plugin}.{hook}: {error}")
        self.plugin = plugin
        self.hook = hook
        self.error = error


class WrongAnswer(PluginCallError):
    """A plugin's hook answered something of the wrong type (a bug of the plugin:
    calling again will not help)."""


class EmptySettings(PluginSettings):
    """Settings of a plugin that declares none."""


@dataclass
class PluginInfo:
    """What the hub knows about one discovered plugin, loaded or broken."""

    name: str
    version: str = "0"
    distribution: str | None = None
    description: str = ""
    status: str = "loaded"
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    settings_model: type[PluginSettings] = EmptySettings
    channels: list[str] = field(default_factory=list)
    #: The most SMS parts one text may take, by channel, where the provider says.
    max_parts: dict[str, int] = field(default_factory=dict)
    routes: list[PluginRouter] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    actions: dict[str, Action] = field(default_factory=dict)
    reference_kinds: dict[str, ReferenceKind] = field(default_factory=dict)
    mapping_kinds: dict[str, MappingKind] = field(default_factory=dict)
    builtin: bool = False

    @property
    def loaded(self) -> bool:
        return self.status == "loaded"


@dataclass(frozen=True)
class Failure:
    """The last failure of a plugin for a clinic."""

    plugin: str
    clinic_id: str | None
    hook: str
    error: str
    at: float


FailureSink = Callable[[Failure], None]


def _error_text(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class PluginHost:
    """Loads plugins and calls their hooks, one isolated implementation at a time."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        allow: Iterable[str] | None = None,
        deny: Iterable[str] = (),
        metrics: Metrics | None = None,
        redact: Callable[[str], str] = lambda text: text,
        max_threads: int = 32,
    ) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.timeout = timeout
        self.allow = set(allow) if allow is not None else None
        self.deny = set(deny)
        self.metrics = metrics
        self.redact = redact
        self.plugins: dict[str, PluginInfo] = {}
        self.failure_sinks: list[FailureSink] = []
        self.last_failures: dict[tuple[str, str | None], Failure] = {}
        self._impl_cache: dict[tuple[str, str], tuple[pluggy.HookImpl, ...]] = {}
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_threads, thread_name_prefix="hub-plugin"
        )
        for name in self.deny:
            self.pm.set_blocked(name)

    # --- loading ------------------------------------------------------------------

    def wanted(self, name: str) -> bool:
        """Whether the allow- and deny-lists let plugin ``name`` load."""
        if name in self.deny:
            return False
        return self.allow is None or name in self.allow

    def load_entry_points(self) -> None:
        """Discover and register every plugin of the ``clinic_hub`` entry-point group."""
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if not self.wanted(ep.name) or ep.name in self.plugins:
                continue
            dist = ep.dist
            info = PluginInfo(
                name=ep.name,
                version=dist.version if dist else "0",
                distribution=dist.metadata["Name"] if dist else None,
                description=(dist.metadata["Summary"] or "") if dist else "",
                builtin=bool(dist and dist.metadata["Name"] == "clinic-hub"),
            )
            try:
                obj = ep.load()
            except Exception as exc:  # a broken plugin must never stop the hub
                self._mark_broken(info, f"import failed: {_error_text(exc)}")
                continue
            if info.builtin or not info.description:
                info.description = _doc_line(obj)
            self.register(ep.name, obj, info=info)

    def register(
        self, name: str, obj: object, *, info: PluginInfo | None = None, description: str = ""
    ) -> PluginInfo:
        """Register a plugin object (a module or an instance) under ``name``.

        Entry points come through here; tests and the test kit register plugin objects
        directly.  Registration hooks are called at once and their results kept.
        """
        info = info or PluginInfo(name=name, description=description or _doc_line(obj))
        if not self.wanted(name):
            raise ValueError(f"plugin {name!r} is blocked by HUB_PLUGINS / HUB_PLUGINS_DISABLE")
        self._impl_cache.clear()
        try:
            self.pm.register(obj, name=name)
        except Exception as exc:
            self._mark_broken(info, f"registration failed: {_error_text(exc)}")
            return info
        try:
            self.pm.check_pending()
            self._collect_registration(info)
        except Exception as exc:
            self.pm.unregister(name=name)
            self._impl_cache.clear()
            self._mark_broken(info, f"registration failed: {_error_text(exc)}")
            return info
        self.plugins[name] = info
        log.info("plugin loaded: %s %s", name, info.version)
        return info

    def unregister(self, name: str) -> None:
        """Remove a plugin (tests register and unregister plugin classes)."""
        if self.pm.has_plugin(name):
            self.pm.unregister(name=name)
        self._impl_cache.clear()
        self.plugins.pop(name, None)

    def _mark_broken(self, info: PluginInfo, error: str) -> None:
        info.status, info.error = "broken", error
        self.plugins[info.name] = info
        log.error("plugin %s is broken: %s", info.name, error)

    def _collect_registration(self, info: PluginInfo) -> None:
        name = info.name
        info.hooks = sorted(
            caller.name for caller in self.pm.get_hookcallers(self.pm.get_plugin(name)) or ()
        )
        model = self._register_one(name, "register_settings_model")
        if model is not None:
            if not (isinstance(model, type) and issubclass(model, PluginSettings)):
                raise TypeError("register_settings_model must return a PluginSettings subclass")
            info.settings_model = model
        for channel in self._register_many(name, "register_channels"):
            if isinstance(channel, ChannelSpec):
                info.channels.append(channel.name)
                if channel.max_parts is not None:
                    info.max_parts[channel.name] = channel.max_parts
            else:
                info.channels.append(str(channel))
        info.routes = [
            r if isinstance(r, PluginRouter) else PluginRouter(router=r)
            for r in self._register_many(name, "register_routes")
        ]
        for spec in info.routes:
            if not isinstance(spec.router, APIRouter):
                raise TypeError("register_routes must return APIRouter or PluginRouter objects")
            for route in spec.router.routes if spec.at_root else ():
                path = getattr(route, "path", "")
                if path in ("", "/") or path.startswith(RESERVED_PATHS):
                    raise ValueError(f"a plugin may not claim the hub's own path {path!r}")
        info.jobs = list(self._register_many(name, "register_jobs"))
        for job in info.jobs:
            if not isinstance(job, Job) or (job.every is None) == (job.at is None):
                raise TypeError(f"job {job!r}: give exactly one of every= or at=")
        for action in self._register_many(name, "register_actions"):
            if not isinstance(action, Action):
                raise TypeError(f"register_actions returned {action!r}, not an Action")
            info.actions[action.name] = action
        taken = {
            kind: other
            for other, known in self.plugins.items()
            if other != name
            for kind in known.reference_kinds
        }
        for kind in self._register_many(name, "register_reference_kinds"):
            if not isinstance(kind, ReferenceKind) or not KIND_NAME.match(kind.name):
                raise TypeError(
                    f"register_reference_kinds returned {kind!r}: give ReferenceKind objects "
                    "named with lowercase letters, digits and _"
                )
            if kind.name in BUILTIN_REFERENCE_KINDS or kind.name in taken:
                owner = taken.get(kind.name, "the hub")
                raise ValueError(f"reference kind {kind.name!r} is already {owner}'s")
            info.reference_kinds[kind.name] = kind
        for mapping in self._register_many(name, "register_mapping_kinds"):
            if not isinstance(mapping, MappingKind) or not KIND_NAME.match(mapping.name):
                raise TypeError(
                    f"register_mapping_kinds returned {mapping!r}: give MappingKind objects "
                    "named with lowercase letters, digits and _"
                )
            info.mapping_kinds[mapping.name] = mapping

    def _impls(self, plugin: str, hook: str) -> tuple[pluggy.HookImpl, ...]:
        # asked once per hook call (per message for send_message): kept until the next
        # register or unregister
        found = self._impl_cache.get((plugin, hook))
        if found is None:
            caller = getattr(self.pm.hook, hook)
            found = tuple(impl for impl in caller.get_hookimpls() if impl.plugin_name == plugin)
            self._impl_cache[(plugin, hook)] = found
        return found

    def _register_one(self, plugin: str, hook: str) -> Any:
        for impl in self._impls(plugin, hook):
            result = impl.function()
            if result is not None:
                return result
        return None

    def _register_many(self, plugin: str, hook: str) -> list[Any]:
        out: list[Any] = []
        for impl in self._impls(plugin, hook):
            result = cast("Iterable[Any] | None", impl.function())
            out.extend(result or ())
        return out

    def migration_folders(self) -> dict[str, str]:
        """Folders of Alembic revisions shipped by loaded plugins, by plugin name."""
        return {
            name: str(folder)
            for name in self.loaded_names()
            if (folder := self._register_one(name, "register_migrations")) is not None
        }

    # --- queries ------------------------------------------------------------------

    def loaded_names(self) -> list[str]:
        return sorted(name for name, info in self.plugins.items() if info.loaded)

    def get(self, name: str) -> PluginInfo | None:
        info = self.plugins.get(name)
        return info if info and info.loaded else None

    def implements(self, plugin: str, hook: str) -> bool:
        return bool(self._impls(plugin, hook))

    def reference_kinds(self) -> dict[str, str | None]:
        """Every reference kind: the hub's (owner ``None``) and loaded plugins' (owner
        the plugin)."""
        kinds: dict[str, str | None] = dict.fromkeys(BUILTIN_REFERENCE_KINDS)
        for name in self.loaded_names():
            kinds.update(dict.fromkeys(self.plugins[name].reference_kinds, name))
        return kinds

    def providers(self, channel: str) -> list[str]:
        """Loaded plugins that declared ``channel`` and implement ``send_message``."""
        return [
            name
            for name in self.loaded_names()
            if channel in self.plugins[name].channels and self.implements(name, "send_message")
        ]

    def sends_batches(self, plugin: str) -> bool:
        """Whether ``plugin`` implements ``send_messages``."""
        return self.implements(plugin, "send_messages")

    def max_parts(self, plugin: str, channel: str) -> int | None:
        """The most SMS parts ``plugin`` takes in one text over ``channel`` (if it says)."""
        info = self.get(plugin)
        return info.max_parts.get(channel) if info is not None else None

    # --- calling --------------------------------------------------------------------

    async def send_message(
        self, plugin: str, ctx: HookContext[Any], message: Any
    ) -> DeliveryResult:
        """``send_message`` of ``plugin``; ``None`` or a wrong type becomes a permanent,
        provider-side result.  :raises PluginCallError: the plugin raised or timed out."""
        result = await self.call_strict(plugin, "send_message", ctx, message=message)
        if result is None:
            return DeliveryResult.permanent(
                "not_handled",
                f"{plugin} did not take the {message.channel} message",
                provider_side=True,
            )
        if not isinstance(result, DeliveryResult):
            return _bad_result(plugin, "send_message", result)
        return result

    async def send_messages(
        self, plugin: str, ctx: HookContext[Any], messages: tuple[Any, ...]
    ) -> list[DeliveryResult] | None:
        """``send_messages`` of ``plugin``: one result per message, in order, or ``None``
        when the plugin declines (send them one by one then).  A wrong answer (not a list
        of as many ``DeliveryResult``) is a permanent, provider-side result for each.
        :raises PluginCallError: the plugin raised or timed out."""
        result = await self.call_strict(plugin, "send_messages", ctx, messages=messages)
        if result is None:
            return None
        if (
            not isinstance(result, list | tuple)
            or len(result) != len(messages)
            or not all(isinstance(r, DeliveryResult) for r in result)
        ):
            return [_bad_result(plugin, "send_messages", result)] * len(messages)
        return list(result)

    async def call_strict(
        self,
        plugin: str,
        hook: str,
        ctx: HookContext[Any],
        *,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call ``plugin``'s implementation(s) of ``hook``; raise :class:`PluginCallError`.

        Several implementations in one plugin are called in order; the first non-None
        result is returned.  ``ctx`` is passed as the ``ctx`` argument; ``timeout``
        overrides the hub's time limit for this call.
        """
        kwargs["ctx"] = ctx
        impls = self._impls(plugin, hook)
        limit = timeout or self.timeout

        async def run() -> Any:
            for impl in impls:
                args = {a: kwargs[a] for a in impl.argnames if a in kwargs}
                result = await self._invoke(impl.function, args, limit)
                if result is not None:
                    return result
            return None

        return await self._guarded(plugin, hook, ctx.clinic.id, run, limit)

    # --- typed hook calls ---------------------------------------------------------------

    async def _typed(
        self,
        plugin: str,
        hook: str,
        ctx: HookContext[Any],
        expected: type[Any],
        *,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """``call_strict`` whose answer is ``None`` or an ``expected``; any other answer is
        the plugin's failure (recorded, raised as :class:`WrongAnswer`)."""
        result = await self.call_strict(plugin, hook, ctx, timeout=timeout, **kwargs)
        if result is not None and not isinstance(result, expected):
            error = f"returned {type(result).__name__}, not a {expected.__name__}"
            self._record_failure(plugin, ctx.clinic.id, hook, error, None)
            raise WrongAnswer(plugin, hook, error)
        return result

    async def check_settings(self, plugin: str, ctx: HookContext[Any]) -> CheckResult | None:
        """``plugin``'s connection check: its :class:`CheckResult`, or ``None`` if it has none."""
        result: CheckResult | None = await self._typed(plugin, "check_settings", ctx, CheckResult)
        return result

    async def get_balance(self, plugin: str, ctx: HookContext[Any]) -> Balance | None:
        """``plugin``'s account balance, or ``None`` if it reports none."""
        result: Balance | None = await self._typed(plugin, "get_balance", ctx, Balance)
        return result

    async def estimate_cost(
        self, plugin: str, ctx: HookContext[Any], messages: tuple[OutgoingMessage, ...]
    ) -> CostEstimate | None:
        """What sending ``messages`` through ``plugin`` would cost, or ``None``."""
        result: CostEstimate | None = await self._typed(
            plugin, "estimate_cost", ctx, CostEstimate, messages=messages
        )
        return result

    async def get_plugin_status(self, plugin: str, ctx: HookContext[Any]) -> dict[str, Any] | None:
        """The state of ``plugin``'s external account (JSON), or ``None``."""
        result: dict[str, Any] | None = await self._typed(plugin, "get_plugin_status", ctx, dict)
        return result

    async def sync_reference_data(
        self, plugin: str, ctx: HookContext[Any], kind: str, *, timeout: float | None = None
    ) -> SyncResult | None:
        """``plugin``'s ``sync_reference_data(ctx, kind)``: its :class:`SyncResult`, or
        ``None`` if it does not sync ``kind``; raises :class:`PluginCallError` (a wrong
        answer included)."""
        result: SyncResult | None = await self._typed(
            plugin, "sync_reference_data", ctx, SyncResult, timeout=timeout, kind=kind
        )
        return result

    async def notify(self, plugin: str, hook: str, ctx: HookContext[Any], **payload: Any) -> None:
        """Deliver the clinic-data notification ``hook`` (an ``on_*`` hook; its answer is
        ignored) to ``plugin``: what the outbox dispatcher does for each delivery."""
        if not hook.startswith("on_"):
            raise ValueError(f"{hook!r} is not a notification hook")
        await self.call_strict(plugin, hook, ctx, **payload)

    async def run_strict(
        self,
        plugin: str,
        label: str,
        ctx: HookContext[Any],
        function: Callable[..., Any],
        *args: Any,
        timeout: float | None = None,
    ) -> Any:
        """Run a callable a plugin registered (a job, an action) with the same isolation.

        :class:`hub.ActionError` passes through untouched: it is a deliberate answer.
        """
        limit = timeout or self.timeout

        async def run() -> Any:
            return await self._invoke(functools.partial(function, ctx, *args), {}, limit)

        return await self._guarded(plugin, label, ctx.clinic.id, run, limit)

    async def _guarded(
        self,
        plugin: str,
        label: str,
        clinic_id: str | None,
        run: Callable[[], Awaitable[Any]],
        limit: float,
    ) -> Any:
        started = time.perf_counter()
        outcome = "ok"
        try:
            return await run()
        except ActionError:
            raise
        except Exception as exc:
            outcome = "timeout" if isinstance(exc, TimeoutError) else "error"
            error = self.redact(
                f"timed out after {limit:g}s" if outcome == "timeout" else _error_text(exc)
            )
            self._record_failure(plugin, clinic_id, label, error, exc)
            raise PluginCallError(plugin, label, error) from None
        finally:
            if self.metrics is not None:
                self.metrics.hook_call(plugin, label, outcome, time.perf_counter() - started)

    async def call(
        self, plugin: str, hook: str, ctx: HookContext[Any], *, default: Any = None, **kwargs: Any
    ) -> Any:
        """Like :meth:`call_strict`, but a failure (already logged) returns ``default``."""
        try:
            return await self.call_strict(plugin, hook, ctx, **kwargs)
        except PluginCallError:
            return default

    async def fan_out(
        self, hook: str, contexts: Mapping[str, HookContext[Any]], **kwargs: Any
    ) -> dict[str, Any]:
        """Call ``hook`` on each plugin of ``contexts`` (plugin -> its ctx) concurrently.

        Returns each plugin's result; a failing plugin is logged and left out.
        """
        names = [name for name in contexts if self.implements(name, hook)]
        results = await asyncio.gather(
            *(self.call_strict(name, hook, contexts[name], **dict(kwargs)) for name in names),
            return_exceptions=True,
        )
        return {
            name: result
            for name, result in zip(names, results, strict=True)
            if not isinstance(result, BaseException)
        }

    async def _invoke(
        self, function: Callable[..., Any], args: dict[str, Any], limit: float
    ) -> Any:
        async with asyncio.timeout(limit):
            if _is_async(function):
                return await function(**args)
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(self._threads, functools.partial(function, **args))
            if inspect.isawaitable(result):
                return await result
            return result

    def _record_failure(
        self,
        plugin: str,
        clinic_id: str | None,
        hook: str,
        error: str,
        exc: BaseException | None,
    ) -> None:
        failure = Failure(plugin, clinic_id, hook, error, time.time())
        self.last_failures[(plugin, clinic_id)] = failure
        log.warning(
            "plugin call failed: clinic=%s plugin=%s hook=%s error=%s",
            clinic_id,
            plugin,
            hook,
            error,
            extra={"clinic": clinic_id, "plugin": plugin, "hook": hook},
        )
        for sink in self.failure_sinks:
            try:
                sink(failure)
            except Exception:  # a sink must not turn a plugin failure into a hub failure
                log.exception("failure sink raised")

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


def _bad_result(plugin: str, hook: str, result: Any) -> DeliveryResult:
    what = (
        f"{len(result)} results"
        if isinstance(result, list | tuple)
        else f"a {type(result).__name__}"
    )
    return DeliveryResult.permanent(
        "bad_result",
        f"{plugin}.{hook} returned {what}, not the DeliveryResult(s) expected",
        provider_side=True,
    )


def _is_async(function: Callable[..., Any]) -> bool:
    while isinstance(function, functools.partial):
        function = function.func
    return inspect.iscoroutinefunction(function)


def _doc_line(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""
