"""Fixtures: a fake scanner behind the hub's shared HTTP client, and a clinic using it.

``hub_http_transport`` routes every request the plugin makes (``ctx.http``) to the
fake (:class:`~.fake_scanner.FakeTransport`): nothing leaves the process.  The hub's
own time limit for plugin calls is lowered to 1 s, so that a test passing only
under the ``scan`` action's own, longer limit shows that limit is the one applied.
"""

from __future__ import annotations

import httpx
import pytest

from hub.settings import HubSettings
from hub.testing import Harness

from .fake_scanner import FakeScanner, FakeTransport
from .support import CLINIC, HUB_PLUGIN_TIMEOUT, SETTINGS


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["promobot"]


@pytest.fixture
def hub_settings(hub_settings: HubSettings) -> HubSettings:
    return hub_settings.model_copy(update={"plugin_timeout": HUB_PLUGIN_TIMEOUT})


@pytest.fixture
def fake() -> FakeScanner:
    return FakeScanner()


@pytest.fixture
def hub_http_transport(fake: FakeScanner) -> httpx.AsyncBaseTransport:
    return FakeTransport(fake)


@pytest.fixture
def scanner_http(fake: FakeScanner) -> httpx.AsyncClient:
    """An httpx client whose requests reach the fake (client tests without a hub)."""
    return httpx.AsyncClient(transport=FakeTransport(fake))


@pytest.fixture
async def clinic(hub: Harness) -> str:
    """clinic-1 with the scanner enabled at the fake's address."""
    await hub.create_clinic(CLINIC)
    await hub.enable("promobot", CLINIC, settings=dict(SETTINGS))
    return CLINIC
