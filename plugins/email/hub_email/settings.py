"""EmailSettings: what an admin sets per clinic for sending e-mail.

The fields follow the seed's «Email-рассылка» tab: «Сервер» (``host``, ``port``,
``security``), «Логин» (``username``), «Пароль» (``password``), «Токен − ввод
электронного сертификата» (``client_certificate`` + ``client_key``) and «Email − адрес
почты» (``sender``).  ``password`` and ``client_key`` are secrets: encrypted at rest,
masked on every read, redacted from logs.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator

from hub import ChannelSettings
from hub_email.const import DEFAULT_PORTS, Security

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")
_PEM_CERT = "-----BEGIN CERTIFICATE-----"


class EmailSettings(ChannelSettings):
    """Settings of the clinic's SMTP server for one clinic."""

    #: Clinics sending through one mailbox share its rate limit.
    account_fields: ClassVar[tuple[str, ...]] = ("host", "port", "username")

    host: str = Field(
        min_length=1,
        max_length=253,
        description="The mail server («Сервер»), e.g. smtp.yandex.ru or mail.clinic.local.",
    )
    security: Security = Field(
        Security.TLS,
        description="How the connection is protected: `tls` (implicit TLS, port 465), "
        "`starttls` (upgraded with STARTTLS, port 587; refused if the server cannot) or "
        "`none` (no encryption: only for a relay on the clinic's own network).",
    )
    port: int | None = Field(
        None, ge=1, le=65535, description="The server's port. Empty: 465, 587 or 25 by `security`."
    )
    username: str | None = Field(
        None,
        max_length=320,
        description="Login for the mail server («Логин»). Empty: send without logging in "
        "(a relay that trusts the hub's address).",
    )
    password: SecretStr | None = Field(
        None, description="Password for the mail server («Пароль»; often an app password)."
    )
    sender: str = Field(
        max_length=320,
        description="The address the mail comes from («Email − адрес почты»); the server "
        "must allow this login to send as it.",
    )
    sender_name: str | None = Field(
        None,
        max_length=200,
        description="The name shown with the address, e.g. «Клиника Здоровье».",
    )
    client_certificate: str | None = Field(
        None,
        description="Client certificate in PEM («Токен − ввод электронного сертификата»), "
        "for servers that require one. Its private key goes in `client_key`.",
    )
    client_key: SecretStr | None = Field(
        None, description="The private key of the client certificate, in PEM (unencrypted)."
    )
    ca_certificate: str | None = Field(
        None,
        description="The certificate (PEM) of the authority that signed the server's "
        "certificate, for a clinic's own mail server; empty: the system's trusted roots.",
    )
    timeout_seconds: float = Field(
        30.0, gt=0, le=300, description="How long to wait for the server at each step."
    )
    default_subject: str = Field(
        "Сообщение из клиники",
        min_length=1,
        max_length=200,
        description="Subject of a message that comes without one.",
    )

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        value = value.strip()
        if not _HOST.match(value):
            raise ValueError("must be a host name or an IP address, without scheme or port")
        return value

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        value = value.strip()
        if not _EMAIL.match(value):
            raise ValueError("must be an e-mail address, e.g. reminders@clinic.ru")
        return value

    @field_validator(
        "username", "sender_name", "client_certificate", "ca_certificate", mode="before"
    )
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("client_certificate", "ca_certificate")
    @classmethod
    def _pem(cls, value: str | None) -> str | None:
        if value is not None and _PEM_CERT not in value:
            raise ValueError("must be a PEM certificate (-----BEGIN CERTIFICATE-----...)")
        return value

    @model_validator(mode="after")
    def _pairs(self) -> EmailSettings:
        if self.username and self.password is None:
            raise ValueError("password is required when username is set")
        if self.client_certificate and self.client_key is None:
            raise ValueError("client_key is required with client_certificate")
        if self.client_certificate and self.security is Security.NONE:
            raise ValueError("a client certificate needs security `tls` or `starttls`")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]
