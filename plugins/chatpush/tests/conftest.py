"""Fixtures: a fake ChatPush behind the hub's shared HTTP client, and a clinic using it.

``hub_http_transport`` routes every request the plugin makes (``ctx.http``) to the fake;
``chatpush_calls`` is the way back: a client on the hub app, which the fake posts its
webhook events with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub.clock import FrozenClock
from hub.testing import Harness

from .fake_chatpush import FakeChatpush

TOKEN = "eyJhbGciOiJIUzI1NiJ9.instance-token-0123456789"
SECRET = "webhook-secret-0123456789abcdef"
CLINIC = "clinic-1"
SETTINGS = {"token": TOKEN, "webhook_secret": SECRET}


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["chatpush"]


@pytest.fixture
def fake(hub_clock: FrozenClock) -> FakeChatpush:
    service = FakeChatpush(TOKEN)
    service.clock = hub_clock.now
    return service


@pytest.fixture
def hub_http_transport(fake: FakeChatpush) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=fake.app)


@pytest.fixture
def chatpush_http(fake: FakeChatpush) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app))


@pytest.fixture
async def clinic(hub: Harness) -> str:
    await hub.create_clinic(CLINIC, channels={"messenger": ["chatpush"]})
    await hub.enable("chatpush", CLINIC, settings=dict(SETTINGS))
    return CLINIC


@pytest.fixture
async def chatpush_calls(hub: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the hub app without a token: how ChatPush reaches the webhook."""
    client = hub.client_for(None)
    try:
        yield client
    finally:
        await client.aclose()
