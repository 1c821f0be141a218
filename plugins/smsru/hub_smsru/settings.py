"""SmsruSettings: what an admin sets per clinic for sms.ru.

The model is the reference: each field's description is what admins see in the
settings schema (``GET /api/v1/plugins``).  ``api_id`` and ``callback_secret`` are
secrets: encrypted at rest, masked on every read, redacted from logs.

The callback secret is generated (32 random URL-safe bytes) when the settings are
first saved without one, and stored like any secret; saving ``"callback_secret": null``
rotates it (the registration job then moves sms.ru to the new address).
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any, ClassVar

from hub_smsru.const import DEFAULT_BASE_URL
from pydantic import Field, SecretStr, field_validator

from hub import ChannelSettings

#: How often the low-balance check runs when a threshold is set.
LOW_BALANCE_EVERY = dt.timedelta(minutes=10)
#: How often the plugin makes sure sms.ru knows its callback address.
CALLBACK_REGISTRATION_EVERY = dt.timedelta(hours=6)


def new_callback_secret() -> SecretStr:
    """A fresh, unguessable path segment for the callback URL."""
    return SecretStr(secrets.token_urlsafe(32))


class SmsruSettings(ChannelSettings):
    """Settings of the sms.ru provider for one clinic."""

    #: Clinics sharing one sms.ru key share its rate limit (the callback secret and
    #: the sender are per clinic).
    account_fields: ClassVar[tuple[str, ...]] = ("api_id", "base_url")

    api_id: SecretStr = Field(
        min_length=8,
        description="The account's key («Ваш api_id» in the sms.ru account, section "
        "«Программистам»; in some clinic systems «Ключ смс-шлюза»).",
    )
    sender: str | None = Field(
        None,
        min_length=2,
        max_length=11,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 .\-_&!]*$",
        description="Approved alphanumeric sender name (Latin letters, digits, up to 11 "
        "characters). Empty: the account's default sender.",
    )
    base_url: str = Field(
        DEFAULT_BASE_URL,
        description="Where the sms.ru API is; change only for a proxy or a test double.",
    )
    test: bool = Field(
        False,
        description="sms.ru test mode: requests are checked and answered, nothing is sent "
        "or charged.",
    )
    translit: bool = Field(
        False, description="Ask sms.ru to transliterate Cyrillic (cheaper, longer SMS parts)."
    )
    cost_lookup: bool = Field(
        True,
        description="Ask sms.ru the cost of each SMS as it is sent (sms/cost, in parallel), "
        "so the journal shows it at once. Off: one request per SMS, the cost is filled in "
        "by the status poll.",
    )
    batch_send: bool = Field(
        True,
        description="Send the SMS of this clinic that are ready at the same moment in one "
        "sms/send request (up to 100 numbers, each with its own text): many times the rate "
        "of one request per SMS. Off: one request per SMS.",
    )
    low_balance_threshold: Decimal | None = Field(
        None,
        ge=0,
        description="Publish a `smsru.low_balance` feed event when the balance falls below "
        "this many roubles (once per crossing). Empty: no warning.",
    )
    status_poll_minutes: int = Field(
        15,
        ge=0,
        le=1440,
        description="Every this many minutes, ask sms/status about messages sent at least "
        "this long ago that have had no delivery callback. 0: never poll.",
    )
    callback_secret: SecretStr = Field(
        default_factory=new_callback_secret,
        min_length=16,
        description="Secret part of the delivery-status callback address. Generated when "
        "empty; set to null to rotate it.",
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or len(value) < len("http://x"):
            raise ValueError("must be an http:// or https:// URL, e.g. https://sms.ru")
        return value

    @field_validator("sender", mode="before")
    @classmethod
    def _blank_sender(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("callback_secret", mode="before")
    @classmethod
    def _generate_secret(cls, value: Any) -> Any:
        return new_callback_secret() if value is None or value == "" else value

    # --- job intervals (Job.every names these; None: the job does not run) ----------------

    @property
    def status_poll_every(self) -> dt.timedelta | None:
        minutes = self.status_poll_minutes
        return dt.timedelta(minutes=minutes) if minutes else None

    @property
    def low_balance_every(self) -> dt.timedelta | None:
        return LOW_BALANCE_EVERY if self.low_balance_threshold is not None else None

    @property
    def callback_registration_every(self) -> dt.timedelta:
        return CALLBACK_REGISTRATION_EVERY
