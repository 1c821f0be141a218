"""Two scripted SMS providers (``messagekit.ScriptedProvider``) and a clinic routed to them."""

from __future__ import annotations

import pytest
from messagekit import SECRET, ScriptedProvider

from hub.testing import Harness


@pytest.fixture
def primary() -> ScriptedProvider:
    return ScriptedProvider("primary")


@pytest.fixture
def backup() -> ScriptedProvider:
    return ScriptedProvider("backup")


@pytest.fixture
def hub_extra_plugins(primary: ScriptedProvider, backup: ScriptedProvider) -> dict[str, object]:
    return {"primary": primary, "backup": backup}


@pytest.fixture
async def clinic(hub: Harness) -> str:
    """clinic-1 (Moscow) sending SMS through primary, then backup."""
    await hub.create_clinic("clinic-1", channels={"sms": ["primary", "backup"]})
    await hub.enable("primary", "clinic-1", settings={"api_key": SECRET})
    await hub.enable("backup", "clinic-1", settings={"api_key": "backup-key-0001"})
    return "clinic-1"
