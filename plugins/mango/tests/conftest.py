"""Fixtures: a fake Mango behind the hub's shared HTTP client, and a clinic using it.

``hub_http_transport`` routes every request the plugin makes (``ctx.http``) to the
fake through ``httpx.ASGITransport``: nothing leaves the process.  ``mango_calls`` is
the way back: an httpx client on the hub app without a token, as Mango reaches the
webhooks and the robot's status route.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub.testing import Harness

from .fake_mango import FakeMango
from .support import API_KEY, API_SALT, CAMPAIGN, CLINIC, SETTINGS, VLADIVOSTOK


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["mango"]


@pytest.fixture
def fake() -> FakeMango:
    service = FakeMango(API_KEY, API_SALT)
    service.add_campaign(CAMPAIGN)
    return service


@pytest.fixture
def hub_http_transport(fake: FakeMango) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=fake.app)


@pytest.fixture
async def mango_http(fake: FakeMango) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client whose requests reach the fake (client tests without a hub)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app)) as client:
        yield client


@pytest.fixture
async def clinic(hub: Harness) -> str:
    """clinic-1 in Vladivostok with Mango enabled, its reference data and a patient
    whose number is stored as «8 (918) 123-45-67»."""
    await hub.create_clinic(CLINIC, timezone=VLADIVOSTOK)
    await hub.enable("mango", CLINIC, settings=dict(SETTINGS))
    await hub.seed_reference(CLINIC)
    await hub.put_patient("P-1001", CLINIC)
    return CLINIC


@pytest.fixture
async def mango_calls(hub: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the hub app without a token: how Mango reaches the hub."""
    client = hub.client_for(None)
    try:
        yield client
    finally:
        await client.aclose()
