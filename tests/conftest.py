"""Core tests run with the built-in console plugin and the test plugins they register,
never the bundled provider plugins (those have their own suites)."""

from __future__ import annotations

import pytest


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["console"]
