"""OndocSettings: what an admin sets per clinic for the ONDOC portal.

The fields follow the plugin's settings window in the seed («Сервер», «Access token
(старое API)», «Access token (новое API)», «Часовой пояс») and the clinic-wide setting
«Приоритет выбора контакта пациента для отправки 9-значного кода».  Both tokens are
secrets: encrypted at rest, masked on every read, never logged.

Times go to the portal in the clinic's own time zone; ``utc_offset`` overrides it with a
fixed offset as «Часовой пояс» does (``+03:00``, also written ``GMT+3``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from hub_ondoc.const import DEFAULT_CODE_TEXT, DEFAULT_POLL_MINUTES
from pydantic import Field, SecretStr, field_validator

from hub import PluginSettings

Contact = Literal["phone", "email"]

DEFAULT_PRIORITY: tuple[Contact, ...] = ("phone", "email")
#: The hub channels that reach each kind of contact (phones: SMS; e-mail: e-mail).
CHANNELS: dict[str, str] = {"phone": "sms", "email": "email"}

_OFFSET = re.compile(r"^(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


class OndocSettings(PluginSettings):
    """Settings of the ONDOC integration for one clinic."""

    server: str = Field(
        description="«Сервер»: the ONDOC address the data is sent to and fetched from, "
        "e.g. https://api.ondoc.example.",
    )
    company_token: SecretStr = Field(
        min_length=8,
        description="«Access token (старое API)»: the company's key (МИС → API, «Компания»), "
        "copied from the clinic's ONDOC account, section «Интеграция и реферальный код». "
        "Used for the directories.",
    )
    branch_token: SecretStr = Field(
        min_length=8,
        description="«Access token (новое API)»: the branch's key («Филиал»), from the same "
        "section. Used for codes, links and appointments.",
    )
    poll_minutes: int = Field(
        DEFAULT_POLL_MINUTES,
        ge=1,
        le=1440,
        description="Every this many minutes, fetch what happened in the portal: patients "
        "who entered their code or were unlinked, bookings made, changed or cancelled there.",
    )
    contact_priority: list[Contact] = Field(
        default_factory=lambda: list(DEFAULT_PRIORITY),
        min_length=1,
        max_length=2,
        description="Where the 9-digit code goes first (`phone`: SMS to the card's mobile "
        "phone; `email`: the card's e-mail) and where it goes if that is missing or fails.",
    )
    code_text: str = Field(
        DEFAULT_CODE_TEXT,
        min_length=1,
        max_length=1000,
        description="The text carrying the code; `{code}` is the code (required), `{clinic}` "
        "the clinic's name.",
    )
    utc_offset: str | None = Field(
        None,
        description="«Часовой пояс»: a fixed UTC offset for the times sent to the portal "
        "(`+03:00` for Kazan). Empty: the clinic's own time zone.",
    )
    directory_sync_hours: int = Field(
        24,
        ge=0,
        le=24 * 7,
        description="Every this many hours, upload doctors, services and specialties to the "
        "portal and read back which of them are mapped there. 0: only on demand.",
    )

    @field_validator("server")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or len(value) < len("http://x"):
            raise ValueError("must be an http:// or https:// URL, e.g. https://api.ondoc.example")
        return value

    @field_validator("contact_priority")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError('name each contact once: ["phone", "email"] or one of them')
        return value

    @field_validator("code_text")
    @classmethod
    def _has_code(cls, value: str) -> str:
        if "{code}" not in value:
            raise ValueError("must contain {code}, where the 9-digit code goes")
        try:
            value.format(code="123456789", clinic="Клиника")
        except (KeyError, IndexError, ValueError):
            raise ValueError(
                "only {code} and {clinic} may stand in braces (write {{ and }} for braces)"
            ) from None
        return value

    @field_validator("utc_offset", mode="before")
    @classmethod
    def _offset(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError("must be an offset such as +03:00")
        match = _OFFSET.match(value.strip())
        if match is None:
            raise ValueError("must be an offset such as +03:00 (or GMT+3)")
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes >= 60 or (hours == 14 and minutes):
            raise ValueError("must be between -14:00 and +14:00")
        return f"{sign}{hours:02d}:{minutes:02d}"

    # --- derived ----------------------------------------------------------------------

    def zone(self, clinic_tz: dt.tzinfo) -> dt.tzinfo:
        """The zone times are given to the portal in: the override, else the clinic's."""
        if self.utc_offset is None:
            return clinic_tz
        sign = -1 if self.utc_offset.startswith("-") else 1
        hours, minutes = (int(p) for p in self.utc_offset[1:].split(":"))
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))

    def channels(self) -> list[str]:
        """The hub channels to try, in ``contact_priority`` order."""
        return [CHANNELS[c] for c in self.contact_priority]

    def code_message(self, code: str, clinic: str) -> str:
        return self.code_text.format(code=code, clinic=clinic)

    # --- job intervals (Job.every names these) ------------------------------------------

    @property
    def poll_every(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.poll_minutes)

    @property
    def directory_sync_every(self) -> dt.timedelta | None:
        hours = self.directory_sync_hours
        return dt.timedelta(hours=hours) if hours else None
