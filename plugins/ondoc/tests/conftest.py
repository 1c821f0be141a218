"""Fixtures: a fake ONDOC portal behind the hub's shared HTTP client, and a clinic using it.

``hub_http_transport`` routes every request the plugin makes (``ctx.http``) to the fake
(which can also time out): nothing leaves the process.  The clinic sends SMS and e-mail
through the built-in console provider, so that the code's journey is in the journal.
"""

from __future__ import annotations

import httpx
import pytest

from hub.clock import FrozenClock
from hub.settings import HubSettings
from hub.testing import Harness

from .fake_ondoc import FakeOndoc
from .support import CARD, CLINIC, SETTINGS


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["ondoc", "console"]


@pytest.fixture
def hub_settings(hub_settings: HubSettings) -> HubSettings:
    """The harness's settings with room for a busy machine: a hook or action that takes
    more than the harness's 2 s would be retried or refused, and the test would flake."""
    return hub_settings.model_copy(update={"plugin_timeout": 30.0})


@pytest.fixture
def fake(hub_clock: FrozenClock) -> FakeOndoc:
    return FakeOndoc(clock=hub_clock.now)


@pytest.fixture
def hub_http_transport(fake: FakeOndoc) -> httpx.AsyncBaseTransport:
    return fake.transport()


@pytest.fixture
async def clinic(hub: Harness) -> str:
    """clinic-1 (Moscow) with ONDOC enabled, SMS and e-mail through the console, the
    reference data of ``seed_reference`` and card P-1001 (phone, e-mail, birth date)."""
    await hub.create_clinic(CLINIC, channels={"sms": ["console"], "email": ["console"]})
    await hub.enable("console", CLINIC)
    await hub.enable("ondoc", CLINIC, settings=dict(SETTINGS))
    await hub.seed_reference(CLINIC)
    await hub.put_patient("P-1001", CLINIC, **CARD)
    await hub.drain()
    return CLINIC
