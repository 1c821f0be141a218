"""FromniSettings: what an admin sets per clinic for Fromni / Imobis chat-bots.

The seed (ArchiMed+, AmSmsSendGUI, «Отправка уведомлений/событий через Imobis. Чат
боты») asks for one thing: «Ввести токен из личного кабинета Fromni в поле „Токен“».
Everything else has a default.  ``mode`` chooses how a message goes:

    event     the Bots API's "transmit event": the campaign built in the Fromni cabinet
              (its scenario, its channels) receives the message's data and sends it
    cascade   Imobis v3 ``message/send``: a messenger first and, if it has not been
              delivered within ``messenger_ttl`` seconds, an SMS

``token`` and ``webhook_secret`` are secrets: encrypted at rest, masked on every read,
redacted from logs.  The webhook secret is generated (32 random URL-safe bytes) when
the settings are first saved without one; saving ``"webhook_secret": null`` rotates it.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar, Literal

from hub_fromni.const import (
    DEFAULT_API_URL,
    DEFAULT_BOTS_URL,
    DEFAULT_MESSENGER_TTL,
    DEFAULT_RATE_LIMIT,
    TTL_MAX,
    TTL_MIN,
)
from pydantic import Field, SecretStr, field_validator, model_validator

from hub import ChannelSettings

Mode = Literal["event", "cascade"]
Messenger = Literal["telegram", "viber", "vk", "whatsapp"]


def new_webhook_secret() -> SecretStr:
    """A fresh, unguessable path segment for the status webhook address."""
    return SecretStr(secrets.token_urlsafe(32))


class FromniSettings(ChannelSettings):
    """Settings of the Fromni / Imobis provider for one clinic."""

    #: Clinics sharing one token share its rate limit (the webhook secret is per clinic).
    account_fields: ClassVar[tuple[str, ...]] = ("token", "bots_url", "api_url")

    token: SecretStr = Field(
        min_length=8,
        description="«Токен» из личного кабинета Fromni (Authorization: Token …).",
    )
    mode: Mode = Field(
        "event",
        description="event: transmit an event that starts the chat-bot campaign of the "
        "Fromni cabinet; cascade: Imobis message/send, a messenger first, then SMS after "
        "messenger_ttl seconds.",
    )
    event_name: str = Field(
        "clinic_hub_message",
        min_length=1,
        max_length=100,
        description="Name of the event the campaign is launched by (mode event).",
    )
    messenger: Messenger = Field(
        "telegram", description="The cascade's first channel (mode cascade)."
    )
    messenger_sender: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Sender (bot or account name) of the messenger step, if the channel "
        "needs one (Viber does).",
    )
    messenger_ttl: int = Field(
        DEFAULT_MESSENGER_TTL,
        ge=TTL_MIN,
        le=TTL_MAX,
        description="Seconds the messenger step may take before the SMS step is sent.",
    )
    sms_fallback: bool = Field(
        True, description="Mode cascade: send an SMS when the messenger did not deliver."
    )
    sms_sender: str | None = Field(
        None,
        min_length=1,
        max_length=11,
        description="Approved SMS sender name of the SMS step (needed with sms_fallback).",
    )
    bots_url: str = Field(DEFAULT_BOTS_URL, description="The Fromni Bots API address.")
    api_url: str = Field(
        DEFAULT_API_URL, description="The Imobis API v3 address (cascade, balance, token check)."
    )
    webhook_secret: SecretStr = Field(
        default_factory=new_webhook_secret,
        min_length=16,
        description="Secret part of the status webhook address. Generated when empty; set "
        "to null to rotate it.",
    )
    rate_limit_per_second: float | None = Field(
        DEFAULT_RATE_LIMIT,
        gt=0,
        description="Requests per second to this account (neither API publishes its limit).",
    )

    @field_validator("bots_url", "api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or len(value) < len("http://x"):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _generate_secret(cls, value: Any) -> Any:
        return new_webhook_secret() if value is None or value == "" else value

    @field_validator("messenger_sender", "sms_sender", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _sms_step_needs_a_sender(self) -> FromniSettings:
        if self.mode == "cascade" and self.sms_fallback and self.sms_sender is None:
            raise ValueError(
                "mode cascade with sms_fallback needs sms_sender (the SMS step's approved "
                "sender name)"
            )
        return self
