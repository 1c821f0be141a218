"""Fixtures: a fake SMSC behind the hub's shared HTTP client, and a clinic using it."""

from __future__ import annotations

import httpx
import pytest

from hub.clock import FrozenClock
from hub.testing import Harness

from .fake_smsc import FakeSmsc

LOGIN, PASSWORD, API_KEY = "clinic-login", "s3cret-Passw0rd", "AK-9f2c1e7d5b3a"
CLINIC = "clinic-1"
SETTINGS = {"login": LOGIN, "password": PASSWORD, "sender": "Clinic"}


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["smsc"]


@pytest.fixture
def fake(hub_clock: FrozenClock) -> FakeSmsc:
    service = FakeSmsc(LOGIN, PASSWORD, API_KEY)
    service.clock = hub_clock.now
    return service


@pytest.fixture
def hub_http_transport(fake: FakeSmsc) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=fake.app)


@pytest.fixture
def smsc_http(fake: FakeSmsc) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app))


@pytest.fixture
async def clinic(hub: Harness) -> str:
    await hub.create_clinic(CLINIC, channels={"sms": ["smsc"]})
    await hub.enable("smsc", CLINIC, settings=dict(SETTINGS))
    return CLINIC
