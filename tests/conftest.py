"""Core tests run with the built-in console plugin and the test plugins they register,
never the bundled provider plugins (those have their own suites).

``install_distribution`` pip-installs a test plugin distribution (a folder with its own
pyproject.toml) into this environment for the session, as an integrator would, and
uninstalls it afterwards.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FIXTURE_PLUGINS = Path(__file__).parent / "fixtures" / "plugins"


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["console"]


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
        check=True,
    )


@pytest.fixture(scope="session")
def install_distribution() -> Iterator[Callable[[str], str]]:
    """``install("hello")`` pip-installs ``tests/fixtures/plugins/hello``; returns its
    distribution name.  Everything installed is uninstalled when the session ends."""
    installed: list[str] = []

    def install(folder: str) -> str:
        path = FIXTURE_PLUGINS / folder
        name = str(tomllib.loads((path / "pyproject.toml").read_text())["project"]["name"])
        if name not in installed:
            _pip("install", "--no-deps", "--no-build-isolation", str(path))
            installed.append(name)
            importlib.invalidate_caches()
        return name

    yield install
    for name in installed:
        _pip("uninstall", "--yes", name)
