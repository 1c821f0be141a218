"""MangoSettings: what an admin sets per clinic for Mango Office.

The names are the issue's interface: ``api_url``, ``api_key`` («уникальный код ВАТС»,
secret), ``api_salt`` («ключ для создания подписи», secret), ``campaign_id`` («ID
кампании исходящего обзвона»), ``export_time``, ``days_ahead``, ``custom_fields``,
``extension``.  The rest are knobs with defaults.  Each field's description is what
admins see in the settings schema (``GET /api/v1/plugins``).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from hub_mango.const import (
    DEFAULT_API_URL,
    FIELD_DATE,
    FIELD_DOCTOR,
    FIELD_PATIENT,
    FIELD_SERVICE,
    FIELD_TIME,
)
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from hub import ChannelSettings


class CustomFields(BaseModel):
    """Which custom field («пользовательское поле») of the campaign receives what, by name.

    Mango's field ids are looked up by these names at every push (``custom-type/list``).
    An empty name leaves that value out.
    """

    model_config = ConfigDict(extra="forbid")

    time: str = Field(FIELD_TIME, description="The appointment's time, HH:MM, clinic time.")
    date: str = Field(FIELD_DATE, description="The appointment's date, DD.MM.YYYY.")
    service: str = Field(FIELD_SERVICE, description="The service(s) booked.")
    doctor: str = Field(FIELD_DOCTOR, description="The doctor's name and specialty.")
    patient: str = Field(FIELD_PATIENT, description="The patient's full name.")


class MangoSettings(ChannelSettings):
    """Settings of Mango Office for one clinic."""

    #: Clinics sharing one Mango account share its rate limit.
    account_fields: ClassVar[tuple[str, ...]] = ("api_key", "api_url")

    api_url: str = Field(
        DEFAULT_API_URL,
        description="The VPBX API base URL (Mango's cabinet: «Интеграции» → «API "
        "коннектор»); change only for a proxy or a test double.",
    )
    api_key: SecretStr = Field(
        min_length=1,
        description="The account's unique code («Уникальный код вашей ВАТС», vpbx_api_key).",
    )
    api_salt: SecretStr = Field(
        min_length=1,
        description="The signing key («Ключ для создания подписи»).",
    )
    campaign_id: int | None = Field(
        None,
        gt=0,
        description="The outbound campaign the voice robot dials («ID кампании исходящего "
        "обзвона»). Empty: no daily push (telephony only).",
    )
    export_time: dt.time = Field(
        dt.time(0, 0),
        description="Local time of the daily push to the robot (HH:MM, clinic time).",
    )
    days_ahead: int = Field(
        1, ge=0, le=30, description="Push the appointments this many days later."
    )
    custom_fields: CustomFields = Field(
        default_factory=CustomFields,
        description="The campaign's custom fields («Время», «Дата», «Услуга», «Специалист», "
        "«Пациент_ФИО») by name.",
    )
    extension: str | None = Field(
        None,
        pattern=r"^\d{1,10}$",
        description="Default extension («добавочный номер») click to call rings first.",
    )
    finished_poll_minutes: int = Field(
        30,
        ge=0,
        le=1440,
        description="Every this many minutes, ask tasks/finished which robot calls ended "
        "without reaching the patient (no answer, busy, unreachable). 0: never.",
    )

    @field_validator("api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")) or len(value) < len("http://x"):
            raise ValueError("must be an http:// or https:// URL, e.g. " + DEFAULT_API_URL)
        return value.rstrip("/") + "/"

    @field_validator("extension", mode="before")
    @classmethod
    def _blank_extension(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    # --- job schedule (Job.at / Job.every name these; None: the job does not run) -------------

    @property
    def push_at(self) -> dt.time | None:
        return self.export_time if self.campaign_id else None

    @property
    def finished_poll_every(self) -> dt.timedelta | None:
        minutes = self.finished_poll_minutes
        return dt.timedelta(minutes=minutes) if minutes and self.campaign_id else None
