"""Constants and helpers shared by the plugin's tests."""

from __future__ import annotations

from typing import Any

from hub_email.client import SmtpConfig
from hub_email.const import Security

from .certificates import certificates
from .fake_smtp import FakeSmtp

CLINIC = "clinic-1"
LOGIN = "reminders"
PASSWORD = "s3cret-pass"
SENDER = "reminders@clinic.example"
PATIENT = "ivanova@example.ru"


def config_for(server: FakeSmtp, **changes: Any) -> SmtpConfig:
    """A client configuration that reaches ``server`` and trusts its authority."""
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": Security(server.security),
        "username": LOGIN,
        "password": PASSWORD,
        "sender": SENDER,
        "sender_name": "Клиника «Здоровье»",
        "ca_certificate": certificates().authority.certificate,
        "timeout": 10.0,
        **changes,
    }
    return SmtpConfig(**values)


def settings_for(server: FakeSmtp, **changes: Any) -> dict[str, Any]:
    """The plugin settings (as an admin PUTs them) that reach ``server``."""
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "security": server.security,
        "username": LOGIN,
        "password": PASSWORD,
        "sender": SENDER,
        "sender_name": "Клиника «Здоровье»",
        "ca_certificate": certificates().authority.certificate,
        "timeout_seconds": 10,
        **changes,
    }
