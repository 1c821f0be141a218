"""The platform tests drive the hub through the probe plugin
(``tests/fixtures/plugins/probe``), pip-installed for the session like a third-party
plugin, over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture
def hub_plugin_names(install_distribution: Callable[[str], str]) -> list[str]:
    install_distribution("probe")
    return ["console", "probe"]
