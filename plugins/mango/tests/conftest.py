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

from .fake_mango import FakeMango
from .support import API_KEY, API_SALT, CAMPAIGN


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
