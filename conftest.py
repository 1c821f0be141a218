"""Checks for every test of the repository, the hub's and the plugins' alike."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _collector_left_on(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that turns the garbage collector off turns it back on: the tests after it
    would otherwise run without it, hiding leaks and failing the collector's own tests."""
    yield
    if not gc.isenabled():
        gc.enable()
        pytest.fail(f"{request.node.nodeid} left the garbage collector off")
