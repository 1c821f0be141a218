"""Clinics: identity, time zone, contact data and the options every feature reads."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from hub.schemas.common import Slug, StrictModel, TimeZoneName

Channel = Literal["sms", "voice", "messenger", "email"]


class ReminderOptions(StrictModel):
    """The clinic's default appointment reminder (seed 000: daily at 12:00 local time)."""

    enabled: bool = True
    days_ahead: int = Field(
        1, ge=0, le=60, description="Remind of appointments this many days later."
    )
    send_time: dt.time = Field(dt.time(12, 0), description="Local time of the daily run.")
    channel: Channel = "sms"
    template_id: int | None = Field(None, description="Template to use; unset = the default one.")
    excluded_services: list[str] = Field(default_factory=list)
    excluded_price_list_sections: list[str] = Field(default_factory=list)


class QuietHours(StrictModel):
    """No texts at night: messages due in this local window wait until ``end``."""

    enabled: bool = True
    start: dt.time = dt.time(21, 0)
    end: dt.time = dt.time(9, 0)


class ClinicOptions(StrictModel):
    """Everything about a clinic besides its identity; each part has defaults."""

    phone_region: str = Field(
        "RU", min_length=2, max_length=2, description="Region of local phone numbers."
    )
    reminders: ReminderOptions = Field(default_factory=ReminderOptions)
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    channels: dict[Channel, list[str]] = Field(
        default_factory=dict,
        description="Provider plugins per channel, in order of preference (fallback order).",
    )
    communication_status: str | None = Field(
        None,
        description="Set on an appointment once a message about it is sent (e.g. «Отправили SMS»).",
    )
    answer_cutoff_minutes: int = Field(
        120, ge=0, description="A patient may change the answer until this long before the start."
    )

    @field_validator("phone_region")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class ClinicFields(StrictModel):
    name: str = Field(min_length=1, max_length=255)
    timezone: TimeZoneName
    address: str = Field("", max_length=500)
    phone: str = Field("", max_length=64)


class ClinicCreate(ClinicFields, ClinicOptions):
    """``POST /api/v1/clinics``."""

    id: Slug


class ClinicUpdate(StrictModel):
    """``PATCH /api/v1/clinics/{clinic}``: only the fields given change."""

    name: str | None = Field(None, min_length=1, max_length=255)
    timezone: TimeZoneName | None = None
    address: str | None = Field(None, max_length=500)
    phone: str | None = Field(None, max_length=64)
    phone_region: str | None = Field(None, min_length=2, max_length=2)
    reminders: ReminderOptions | None = None
    quiet_hours: QuietHours | None = None
    channels: dict[Channel, list[str]] | None = None
    communication_status: str | None = None
    answer_cutoff_minutes: int | None = Field(None, ge=0)


class ClinicPublic(ClinicOptions):
    """A clinic as the API shows it."""

    id: str
    name: str
    timezone: str
    address: str
    phone: str
    created_at: dt.datetime
    updated_at: dt.datetime
    warnings: list[str] = Field(
        default=[],
        description="What in the routing will not work as written: a provider named for a "
        "channel that is not enabled for this clinic (its messages fall back to the next).",
    )


class ClinicList(BaseModel):
    items: list[ClinicPublic]
