"""QtelecomSettings: what an admin sets per clinic for QuickTelecom.

As AmSmsSendGUI's «Отправка SMS» window asks: the login and the password of the
QuickTelecom account («логин и пароль … предоставляются самим провайдером»), the same
as for the web cabinet go.qtelecom.ru.  The password is encrypted at rest, masked on
every read and redacted from logs.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from hub_qtelecom.const import DEFAULT_BASE_URL
from pydantic import Field, SecretStr

from hub import ChannelSettings


class QtelecomSettings(ChannelSettings):
    """Settings of the QuickTelecom provider for one clinic."""

    account_fields: ClassVar[tuple[str, ...]] = ("login", "base_url")

    login: str = Field(
        min_length=1, max_length=100, description="Логин QuickTelecom (as for go.qtelecom.ru)."
    )
    password: SecretStr = Field(
        min_length=1, description="Пароль QuickTelecom (as for go.qtelecom.ru)."
    )
    sender: str | None = Field(
        None,
        min_length=1,
        max_length=11,
        description="Имя отправителя, зарегистрированное в QuickTelecom (unset: the default).",
    )
    base_url: str = Field(
        DEFAULT_BASE_URL,
        description="The HTTP protocol's address (service.qtelecom.ru, or a reserve host).",
    )
    status_poll_minutes: int = Field(
        10,
        ge=0,
        le=1440,
        description="Ask action=status about messages this old with no final state (0: never).",
    )

    @property
    def status_poll_every(self) -> dt.timedelta | None:
        return dt.timedelta(minutes=self.status_poll_minutes) if self.status_poll_minutes else None
