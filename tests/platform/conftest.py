"""The platform's capabilities, driven over HTTP through the probe test plugin.

``tests/fixtures/plugins/probe`` (distribution ``clinic-hub-probe``, plugin ``probe``)
is pip-installed for the session and uses only the public ``hub`` API; each test module
here drives one capability on SQLite, and on PostgreSQL when ``HUB_TEST_POSTGRES_URL``
is set.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.testing import Harness


@pytest.fixture
def hub_plugin_names(install_distribution: Callable[[str], str]) -> list[str]:
    install_distribution("probe")
    return ["console", "probe"]


@pytest.fixture
async def probe(hub: Harness) -> Harness:
    """The hub with clinic-1, the probe enabled there with its default settings."""
    await hub.create_clinic("clinic-1")
    await hub.enable("probe", "clinic-1")
    return hub
