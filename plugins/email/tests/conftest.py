"""Fixtures: a real SMTP server (the fake, aiosmtpd with TLS and login) per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .fake_smtp import FakeSmtp


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["email"]


@pytest.fixture
def start_server() -> Iterator[Callable[..., FakeSmtp]]:
    """``start_server(security="starttls", require_client_certificate=True)``."""
    started: list[FakeSmtp] = []

    def start(**options: Any) -> FakeSmtp:
        server = FakeSmtp(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def server(start_server: Callable[..., FakeSmtp]) -> FakeSmtp:
    """The clinic's mail server: implicit TLS on its port, login required."""
    return start_server(security="tls")
