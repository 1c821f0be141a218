"""``HookContext``: one per (clinic, plugin), and a copy of it per delivery."""

from __future__ import annotations

import pytest

from hub import HookContext
from hub.testing import Harness


class Caller:
    """A plugin that implements no hook: only its context is used."""


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return []


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    return {"caller": Caller()}


async def test_with_key_is_the_same_context_with_another_key(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.enable("caller")
    ctx = await hub.context("caller")
    keyed = ctx.with_key("delivery-7")
    assert isinstance(keyed, HookContext) and keyed is not ctx
    assert (keyed.idempotency_key, ctx.idempotency_key) == ("delivery-7", None)
    assert (keyed.clinic, keyed.plugin, keyed.settings) == (ctx.clinic, "caller", ctx.settings)
    assert (keyed.http, keyed.public_url, keyed.log.extra) == (
        ctx.http,
        ctx.public_url,
        ctx.log.extra,
    )
    assert keyed.with_key(None).idempotency_key is None
    assert keyed.idempotency_key == "delivery-7"
