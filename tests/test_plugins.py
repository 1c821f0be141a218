"""PluginHost: discovery through entry points, allow/deny lists, broken plugins,
registration checks, sync and async implementations, first result, time-outs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from fastapi import APIRouter

from hub import Balance, ClinicInfo, HookContext, PluginRouter, hookimpl
from hub.plugins import PluginCallError, PluginHost
from hub.settings import HubSettings


@pytest.fixture(scope="module", autouse=True)
def installed(install_distribution: Callable[[str], str]) -> None:
    install_distribution("hello")
    install_distribution("broken")


class FakeCtx:
    """Just enough of a HookContext for calls made directly on the host."""

    clinic = ClinicInfo(id="clinic-1", name="Клиника", timezone="Europe/Moscow")


CTX: HookContext = FakeCtx()  # type: ignore[assignment]


def test_discovers_entry_points_and_lists_broken_ones() -> None:
    host = PluginHost()
    host.load_entry_points()
    assert {"console", "hello"} <= set(host.loaded_names())
    broken = host.plugins["broken"]
    assert broken.status == "broken"
    assert "import failed: ModuleNotFoundError" in (broken.error or "")
    assert "hub_broken_missing_dependency" in (broken.error or "")
    assert host.plugins["console"].builtin is True
    assert host.plugins["hello"].distribution == "clinic-hub-hello"


def test_allow_list_and_deny_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_PLUGINS", "console, hello")
    monkeypatch.setenv("HUB_PLUGINS_DISABLE", "hello")
    settings = HubSettings(dev=True)
    assert settings.plugins == ["console", "hello"]
    host = PluginHost(allow=settings.plugins, deny=settings.plugins_disable)
    host.load_entry_points()
    assert host.loaded_names() == ["console"]
    assert "broken" not in host.plugins  # not allowed: not even imported


def test_deny_list_alone_blocks_one() -> None:
    host = PluginHost(deny=["hello"])
    host.load_entry_points()
    assert "hello" not in host.plugins and "console" in host.plugins
    with pytest.raises(ValueError, match="blocked"):
        host.register("hello", object())


class Misspelt:
    @hookimpl
    def on_apointment_created(self, ctx: HookContext) -> None:  # sic
        pass


def test_misspelt_hook_marks_the_plugin_broken() -> None:
    host = PluginHost()
    info = host.register("typo", Misspelt())
    assert info.status == "broken"
    assert "on_apointment_created" in (info.error or "")
    assert host.get("typo") is None


class ClaimsHubPath:
    @hookimpl
    def register_routes(self) -> list[PluginRouter]:
        router = APIRouter()
        router.add_api_route("/api/v1/clinics", lambda: None)
        return [PluginRouter(router, at_root=True)]


def test_plugin_cannot_claim_the_hubs_own_paths() -> None:
    info = PluginHost().register("squatter", ClaimsHubPath())
    assert info.status == "broken"
    assert "may not claim the hub's own path '/api/v1/clinics'" in (info.error or "")


class SyncAndAsync:
    def __init__(self) -> None:
        self.thread_names: list[str] = []

    @hookimpl
    def get_balance(self, ctx: HookContext) -> Balance:
        import threading

        self.thread_names.append(threading.current_thread().name)
        return Balance(amount=12)

    @hookimpl
    async def get_plugin_status(self, ctx: HookContext) -> dict[str, int]:
        await asyncio.sleep(0)
        return {"used_today": 7}


async def test_sync_impls_run_in_a_thread_and_async_ones_are_awaited() -> None:
    host = PluginHost()
    plugin = SyncAndAsync()
    host.register("both", plugin)
    assert await host.call_strict("both", "get_balance", CTX) == Balance(amount=12)
    assert plugin.thread_names[0].startswith("hub-plugin")
    assert await host.call_strict("both", "get_plugin_status", CTX) == {"used_today": 7}


class Balance42:
    @hookimpl
    async def get_balance(self, ctx: HookContext) -> Balance:
        return Balance(amount=42)


async def test_a_plugin_registered_again_under_its_name_is_the_one_called() -> None:
    """The host remembers each plugin's implementations between calls, and forgets them
    when a plugin is registered or unregistered."""
    host = PluginHost()
    host.register("p", SyncAndAsync())
    assert await host.call_strict("p", "get_balance", CTX) == Balance(amount=12)
    host.unregister("p")
    assert not host.implements("p", "get_balance")
    host.register("p", Balance42())
    assert await host.call_strict("p", "get_balance", CTX) == Balance(amount=42)
    assert not host.implements("p", "get_plugin_status")


class Slow:
    @hookimpl
    def get_balance(self, ctx: HookContext) -> None:
        time.sleep(2)


async def test_timeout_raises_for_durable_callers_and_defaults_for_others() -> None:
    host = PluginHost(timeout=0.2)
    host.register("slow", Slow())
    with pytest.raises(PluginCallError, match="timed out after 0.2s"):
        await host.call_strict("slow", "get_balance", CTX)
    assert await host.call("slow", "get_balance", CTX, default="unknown") == "unknown"
    failure = host.last_failures[("slow", "clinic-1")]
    assert failure.hook == "get_balance" and "timed out" in failure.error


def test_plugin_description_and_hooks_from_the_distribution() -> None:
    host = PluginHost(allow=["hello"])
    host.load_entry_points()
    hello = host.plugins["hello"]
    assert hello.version == "1.2.0"
    assert "check_settings" in hello.hooks and "register_jobs" in hello.hooks
