"""SmscSettings: what an admin sets per clinic for SMSC.ru («SMS Центр»).

Either ``login`` + ``password`` (the cabinet's login and password) or ``api_key`` (the
key made in the cabinet, «Настройки → API-ключ»). Secrets are encrypted at rest, masked
on every read and redacted from logs.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from hub_smsc.const import DEFAULT_BASE_URL
from pydantic import Field, SecretStr, model_validator

from hub import ChannelSettings


class SmscSettings(ChannelSettings):
    """Settings of the SMSC.ru provider for one clinic."""

    account_fields: ClassVar[tuple[str, ...]] = ("login", "api_key", "base_url")

    login: str | None = Field(
        None, min_length=1, max_length=100, description="Логин личного кабинета SMSC."
    )
    password: SecretStr | None = Field(
        None, min_length=1, description="Пароль личного кабинета SMSC (with the login)."
    )
    api_key: SecretStr | None = Field(
        None,
        min_length=8,
        description="API-ключ из личного кабинета SMSC (instead of the login and password).",
    )
    sender: str | None = Field(
        None, min_length=1, max_length=11, description="Имя отправителя, согласованное в SMSC."
    )
    base_url: str = Field(DEFAULT_BASE_URL, description="SMSC's API address (a white label's).")
    status_poll_minutes: int = Field(
        10,
        ge=0,
        le=1440,
        description="Ask status.php about messages this old with no final status (0: never).",
    )

    @model_validator(mode="after")
    def _credentials(self) -> SmscSettings:
        if self.api_key is None and (self.login is None or self.password is None):
            raise ValueError("set api_key, or login and password, of the SMSC account")
        return self

    @property
    def status_poll_every(self) -> dt.timedelta | None:
        return dt.timedelta(minutes=self.status_poll_minutes) if self.status_poll_minutes else None

    def credentials(self) -> dict[str, str]:
        """The auth parameters of every request."""
        if self.api_key is not None:
            return {"apikey": self.api_key.get_secret_value()}
        assert self.login is not None and self.password is not None
        return {"login": self.login, "psw": self.password.get_secret_value()}
