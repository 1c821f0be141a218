"""Fixtures: a fake sms.ru behind the hub's shared HTTP client, and a clinic using it.

``hub_http_transport`` routes every request the plugin makes (``ctx.http``) to the
fake through ``httpx.ASGITransport``: nothing leaves the process.  ``hub_callbacks``
is the way back: an httpx client on the hub app, which the fake posts callbacks with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub.clock import FrozenClock
from hub.testing import Harness

from .fake_smsru import FakeSmsRu
from .support import API_ID, CLINIC, SETTINGS


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["smsru"]


@pytest.fixture
def fake(hub_clock: FrozenClock) -> FakeSmsRu:
    service = FakeSmsRu(API_ID)
    service.clock = hub_clock.now
    return service


@pytest.fixture
def hub_http_transport(fake: FakeSmsRu) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=fake.app)


@pytest.fixture
def smsru_http(fake: FakeSmsRu) -> httpx.AsyncClient:
    """An httpx client whose requests reach the fake (for client tests without a hub)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app))


@pytest.fixture
async def clinic(hub: Harness) -> str:
    """clinic-1 with sms.ru enabled (sender «Clinic», the fake's api_id)."""
    await hub.create_clinic(CLINIC)
    await hub.enable("smsru", CLINIC, settings=dict(SETTINGS))
    return CLINIC


@pytest.fixture
async def hub_callbacks(hub: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the hub app without a token: how sms.ru reaches the callback route."""
    client = hub.client_for(None)
    try:
        yield client
    finally:
        await client.aclose()
