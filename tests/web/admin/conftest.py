"""Fixtures of the admin-page tests: the test gateway plugin, loaded by name."""

from __future__ import annotations

import pytest
from gateway_plugin import GatewayPlugin


@pytest.fixture
def gateway() -> GatewayPlugin:
    return GatewayPlugin()


@pytest.fixture
def hub_extra_plugins(gateway: GatewayPlugin) -> dict[str, object]:
    return {"gateway": gateway}
