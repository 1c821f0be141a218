"""Fixtures: a fake Fromni / Imobis behind the hub's shared HTTP client, and a clinic using it.

``hub_http_transport`` routes every request the plugin makes (``ctx.http``) to the fake
through ``httpx.ASGITransport``; ``fake.hub`` is the way back, an httpx client on the
hub app without a token, as Fromni reaches the status webhook.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub.testing import Harness

from .fake_fromni import FakeFromni

TOKEN = "4f1c2a9e-7b3d-4e8a-9c5f-1d2e3f4a5b6c"
CLINIC = "clinic-1"
EVENT_SETTINGS = {"token": TOKEN}
CASCADE_SETTINGS = {
    "token": TOKEN,
    "mode": "cascade",
    "messenger": "telegram",
    "messenger_ttl": 900,
    "sms_sender": "Clinic",
}


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["fromni"]


@pytest.fixture
def fake() -> FakeFromni:
    return FakeFromni(TOKEN)


@pytest.fixture
def hub_http_transport(fake: FakeFromni) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=fake.app)


@pytest.fixture
async def fromni_http(fake: FakeFromni) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client whose requests reach the fake (client tests without a hub)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as client:
        yield client


@pytest.fixture
async def fromni_calls(hub: Harness, fake: FakeFromni) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the hub app without a token, handed to the fake for its webhooks."""
    client = hub.client_for(None)
    fake.hub = client
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def clinic(hub: Harness, fromni_calls: httpx.AsyncClient) -> str:
    """clinic-1 routing its messenger messages through Fromni (mode event)."""
    await hub.create_clinic(CLINIC, channels={"messenger": ["fromni"]})
    await hub.enable("fromni", CLINIC, settings=dict(EVENT_SETTINGS))
    return CLINIC
