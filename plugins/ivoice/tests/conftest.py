"""Fixtures: a fake Ivoice behind the hub's shared HTTP client, and a clinic using it.

``ivoice_calls`` is the way back: a client on the hub app, which the fake robot posts
the patient's answer with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub.testing import Harness

from .fake_ivoice import PATH, FakeIvoice

TOKEN = "iv-token-0123456789abcdef"
SECRET = "callback-secret-0123456789"
CLINIC = "clinic-1"
API_URL = f"https://api.ivoice.online{PATH}"
SETTINGS = {"api_url": API_URL, "token": TOKEN, "callback_secret": SECRET}
CALLBACK = f"/plugins/ivoice/callback/{CLINIC}/{SECRET}"


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["ivoice"]


@pytest.fixture
def fake() -> FakeIvoice:
    return FakeIvoice(TOKEN)


@pytest.fixture
def hub_http_transport(fake: FakeIvoice) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=fake.app)


@pytest.fixture
def ivoice_http(fake: FakeIvoice) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app))


@pytest.fixture
async def clinic(hub: Harness) -> str:
    await hub.create_clinic(CLINIC, channels={"voice": ["ivoice"]})
    await hub.enable("ivoice", CLINIC, settings=dict(SETTINGS))
    return CLINIC


@pytest.fixture
async def ivoice_calls(hub: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the hub app without a token: how the robot reaches the callback."""
    client = hub.client_for(None)
    try:
        yield client
    finally:
        await client.aclose()
