"""Fixtures: a fake QuickTelecom behind the hub's shared HTTP client, and a clinic using it."""

from __future__ import annotations

import httpx
import pytest

from hub.clock import FrozenClock
from hub.testing import Harness

from .fake_qtelecom import FakeQtelecom

LOGIN, PASSWORD = "clinic.1", "qt-S3cret+Pass&word"
CLINIC = "clinic-1"
SETTINGS = {"login": LOGIN, "password": PASSWORD, "sender": "Clinic"}


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["qtelecom"]


@pytest.fixture
def fake(hub_clock: FrozenClock) -> FakeQtelecom:
    service = FakeQtelecom(LOGIN, PASSWORD)
    service.clock = hub_clock.now
    return service


@pytest.fixture
def hub_http_transport(fake: FakeQtelecom) -> httpx.AsyncBaseTransport:
    return httpx.ASGITransport(app=fake.app)


@pytest.fixture
def qtelecom_http(fake: FakeQtelecom) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app))


@pytest.fixture
async def clinic(hub: Harness) -> str:
    await hub.create_clinic(CLINIC, channels={"sms": ["qtelecom"]})
    await hub.enable("qtelecom", CLINIC, settings=dict(SETTINGS))
    return CLINIC
