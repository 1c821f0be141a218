"""The delivery tests' scripted SMS provider and their helpers (imported by the tests and
by ``conftest.py``; a module of its own, as ``conftest`` is a name every test folder has).

``ScriptedProvider`` answers each ``send_message`` with the next step of its script
(then ``accept`` forever): ``accept``, ``transient``, ``raise`` (an exception),
``permanent`` (the recipient's fault: sms.ru 207) or ``no_money`` (the account's
fault, ``provider_side``: sms.ru 201).  It records every call it gets.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import SecretStr

from hub import ChannelSettings, DeliveryResult, HookContext, OutgoingMessage, hookimpl
from hub.testing import Harness

SECRET = "64589EDB-8F29-C45C-1FB1-2EB497EFB170"


class ScriptedSettings(ChannelSettings):
    api_key: SecretStr = SecretStr("")


class ScriptedProvider:
    """A provider whose answers follow a script."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.script: list[str] = []
        self.calls: list[OutgoingMessage] = []
        self.keys: list[str | None] = []

    @hookimpl
    def register_settings_model(self) -> type[ScriptedSettings]:
        return ScriptedSettings

    @hookimpl
    def register_channels(self) -> list[str]:
        return ["sms"]

    @hookimpl
    async def send_message(
        self, ctx: HookContext[ScriptedSettings], message: OutgoingMessage
    ) -> DeliveryResult:
        self.calls.append(message)
        self.keys.append(ctx.idempotency_key)
        step = self.script.pop(0) if self.script else "accept"
        key = ctx.settings.api_key.get_secret_value()
        raw: dict[str, Any] = {"request": f"api_id={key}&to={message.address}", "step": step}
        if step == "accept":
            return DeliveryResult.accepted(
                f"{self.name}-{message.id}-{len(self.calls)}", cost=Decimal("1.40"), raw=raw
            )
        if step == "transient":
            return DeliveryResult.transient("220", "Сервис временно недоступен", raw=raw)
        if step == "raise":
            raise ConnectionError(f"connection reset while posting api_id={key}")
        if step == "permanent":
            return DeliveryResult.permanent("207", "На этот номер нет маршрута", raw=raw)
        if step == "no_money":
            return DeliveryResult.permanent(
                "201", "Не хватает средств на лицевом счету", provider_side=True, raw=raw
            )
        raise AssertionError(f"unknown step {step!r}")


async def send(
    hub: Harness, text: str = "Напоминание о приёме", phone: str = "8 (918) 123-45-67", **extra: Any
) -> dict[str, Any]:
    response = await hub.client.post(
        "/api/v1/clinics/clinic-1/messages", json={"phone": phone, "text": text, **extra}
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["message"])
