"""PromobotSettings: what an admin sets per clinic for its front-desk scanner.

The names follow the clinic system's own settings («Настройки системы. Интеграции» →
«Интеграция с Promobot»): «Включить распознавание документов с помощью сканера
Promobot» is enabling the plugin for the clinic; «Адрес сканера» is ``scanner_url``.
No secrets: the scanner is a device on the clinic's network without authentication.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hub_promobot.const import (
    DEFAULT_MIN_CONFIDENCE,
    DEFAULT_TIMEOUT_SECONDS,
    MAX_TIMEOUT_SECONDS,
)
from pydantic import Field, field_validator

from hub import PluginSettings


class PromobotSettings(PluginSettings):
    """Settings of the Promobot scanner for one clinic."""

    scanner_url: str = Field(
        max_length=500,
        description="«Адрес сканера»: the scanner's address on the clinic's network, as "
        "Promobot's engineer gives it, e.g. http://192.168.1.50:8080. The hub instance "
        "that serves the scan must be able to reach it (see the plugin's README).",
    )
    timeout_seconds: int = Field(
        DEFAULT_TIMEOUT_SECONDS,
        ge=1,
        le=MAX_TIMEOUT_SECONDS,
        description="How long a scan waits for the person at the desk to put the document "
        "on the glass, in seconds.",
    )
    min_confidence: float = Field(
        DEFAULT_MIN_CONFIDENCE,
        ge=0,
        le=1,
        description="A field recognised with a lower confidence (0-1) is still answered, "
        "but flagged for a person to check against the document.",
    )

    @field_validator("scanner_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "must be the scanner's http:// or https:// address, e.g. http://192.168.1.50:8080"
            )
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must be a plain address: no user, query or fragment")
        return value
