"""ChatpushSettings: what an admin sets per clinic for ChatPush.

``token`` is the instance token of the ChatPush cabinet (``Authorization: Bearer``).
``webhook_secret`` is the secret ChatPush's webhook URL carries (``?secret=``): ChatPush
signs nothing, so the secret in the address is the webhook's only authority.  It is
generated when the settings are first saved without one; saving ``null`` rotates it
(the registration job then moves ChatPush to the new address).  Both are secrets:
encrypted at rest, masked on every read, redacted from logs.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, ClassVar

from hub_chatpush.const import DEFAULT_BASE_URL, DEFAULT_RATE_PER_SECOND, DEFAULT_WEBHOOK_TYPES
from pydantic import Field, SecretStr, field_validator

from hub import ChannelSettings


def new_webhook_secret() -> SecretStr:
    """A fresh, unguessable secret for the webhook address."""
    return SecretStr(secrets.token_urlsafe(32))


class ChatpushSettings(ChannelSettings):
    """Settings of the ChatPush provider for one clinic."""

    account_fields: ClassVar[tuple[str, ...]] = ("token", "base_url")

    token: SecretStr = Field(
        min_length=8,
        description="Токен инстанса из личного кабинета ChatPush (Authorization: Bearer).",
    )
    base_url: str = Field(DEFAULT_BASE_URL, description="ChatPush's API address.")
    rate_limit_per_second: float | None = Field(
        DEFAULT_RATE_PER_SECOND,
        gt=0,
        description="Messages per second this ChatPush account may send (unset: no limit).",
    )
    status_poll_minutes: int = Field(
        10,
        ge=0,
        le=1440,
        description="Ask GET /delivery/{id} about messages this old with no status from "
        "the webhook (0: never).",
    )
    webhook_secret: SecretStr = Field(
        default_factory=new_webhook_secret,
        min_length=16,
        description="Secret of the webhook address (?secret=). Generated when empty; set "
        "to null to rotate it.",
    )
    webhook_types: tuple[str, ...] = Field(
        DEFAULT_WEBHOOK_TYPES,
        min_length=1,
        description="Event types the webhook is registered for (types[]).",
    )
    webhook_check_hours: int = Field(
        6,
        ge=0,
        le=168,
        description="Every N hours make sure ChatPush posts to this clinic's webhook "
        "address (0: never; the action register_webhook does it at once).",
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("base_url must be an http(s) address")
        return value.rstrip("/")

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _generate_secret(cls, value: Any) -> Any:
        return new_webhook_secret() if value is None or value == "" else value

    @property
    def status_poll_every(self) -> dt.timedelta | None:
        minutes = self.status_poll_minutes
        return dt.timedelta(minutes=minutes) if minutes else None

    @property
    def webhook_check_every(self) -> dt.timedelta | None:
        hours = self.webhook_check_hours
        return dt.timedelta(hours=hours) if hours else None
