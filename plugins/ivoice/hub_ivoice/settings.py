"""IvoiceSettings: what an admin sets per clinic for the Ivoice voice robot.

``api_url`` and ``token`` are what Ivoice gives the clinic for «Интеграция с API Ivoice
со стороны заказчика».  ``callback_secret`` is the secret part of the address the
robot's scenario posts its answer to (the admin chooses it and gives Ivoice the
address; the check shows it with the secret masked).  Secrets are encrypted at rest,
masked on every read and redacted from logs.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from hub_ivoice.const import DEFAULT_RATE_PER_SECOND
from pydantic import Field, SecretStr, field_validator

from hub import ChannelSettings


class IvoiceSettings(ChannelSettings):
    """Settings of the Ivoice voice robot for one clinic."""

    account_fields: ClassVar[tuple[str, ...]] = ("token", "api_url")

    api_url: str = Field(
        min_length=8,
        description="Адрес API Ivoice для запуска звонка робота (from Ivoice).",
    )
    token: SecretStr = Field(min_length=8, description="Токен API Ivoice (Authorization: Bearer).")
    callback_secret: SecretStr = Field(
        min_length=16,
        description="Secret part of the address the robot posts its answer to (the "
        "connection check shows the address).",
    )
    rate_limit_per_second: float | None = Field(
        DEFAULT_RATE_PER_SECOND,
        gt=0,
        description="Robot calls per second this Ivoice account may start (unset: no limit).",
    )
    answer_hours: int = Field(
        72,
        ge=1,
        le=720,
        description="How long the robot's answer about a call is taken (hours after the call).",
    )

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("api_url must be an http(s) address")
        return value

    @property
    def answer_window(self) -> dt.timedelta:
        return dt.timedelta(hours=self.answer_hours)
