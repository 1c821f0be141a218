"""Fixtures: two fake FHIR laboratories behind the hub's shared HTTP client, and a
clinic working with them.

``hub_http_transport`` routes every request the plugin makes (``ctx.http``) to the
fake whose host it names: ``lab.example`` is «Гемотест» (lab ``gemo``),
``other-lab.example`` is «KDL» (lab ``kdl``, the clinic's ``default_lab``).  Nothing
leaves the process.  The clinic's SMS go to the console plugin.
"""

from __future__ import annotations

import httpx
import pytest

from hub.clock import FrozenClock
from hub.testing import Harness

from .fake_lab import FakeLab
from .support import CLINIC, SETTINGS, setup_clinic


class HostRouter(httpx.AsyncBaseTransport):
    """Sends each request to the ASGI app of its host."""

    def __init__(self, apps: dict[str, httpx.ASGITransport]) -> None:
        self.apps = apps

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        app = self.apps.get(request.url.host)
        if app is None:
            raise httpx.ConnectError(f"no route to {request.url.host}", request=request)
        return await app.handle_async_request(request)


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["labs", "console"]


@pytest.fixture
def gemo(hub_clock: FrozenClock) -> FakeLab:
    return FakeLab(clock=hub_clock.now)


@pytest.fixture
def kdl(hub_clock: FrozenClock) -> FakeLab:
    return FakeLab(clock=hub_clock.now)


@pytest.fixture
def hub_http_transport(gemo: FakeLab, kdl: FakeLab) -> httpx.AsyncBaseTransport:
    return HostRouter(
        {
            "lab.example": httpx.ASGITransport(app=gemo.app),
            "other-lab.example": httpx.ASGITransport(app=kdl.app),
        }
    )


@pytest.fixture
async def clinic(hub: Harness) -> str:
    """clinic-1 with both laboratories, catalogues synced, services and doctors mapped."""
    await setup_clinic(hub, dict(SETTINGS))
    return CLINIC
