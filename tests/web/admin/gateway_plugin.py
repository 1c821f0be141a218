"""A small SMS gateway plugin for the admin-page tests: settings with a secret and an
address, a connection check, sending with a cost, a balance, and two actions (one
answering JSON, one a file) — everything a settings page is generated from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr

from hub import (
    Action,
    Balance,
    ChannelSettings,
    CheckResult,
    CostEstimate,
    DeliveryResult,
    HookContext,
    Job,
    MappingKind,
    OutgoingMessage,
    ReferenceKind,
    SyncResult,
    hookimpl,
)

RIGHT_KEY = "right-key-0123456789"
#: Numbers ending so are refused by "the gateway" (a recipient failure).
BAD_SUFFIX = "99"
COST = Decimal("2.50")


class GatewaySettings(ChannelSettings):
    """Settings of the test gateway."""

    api_key: SecretStr = Field(description="Ключ доступа к шлюзу.")
    sender: str | None = Field(None, max_length=11, description="Имя отправителя.")
    base_url: str = Field("https://gateway.test/api", description="Адрес API шлюза.")
    test_mode: bool = Field(False, description="Тестовый режим: ничего не отправляется.")
    priority: Literal["low", "normal", "high"] = Field("normal", description="Приоритет.")
    retries: int = Field(3, ge=0, le=10, description="Повторов при сбое.")
    low_balance: Decimal | None = Field(None, description="Порог низкого баланса, руб.")


class LabelInput(BaseModel):
    patient_id: str = Field(description="Код пациента")
    copies: int = Field(1, ge=1, le=5, description="Сколько этикеток")


class PingInput(BaseModel):
    note: str = Field("", description="Заметка")


class GatewayPlugin:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    @hookimpl
    def register_settings_model(self) -> type[GatewaySettings]:
        return GatewaySettings

    @hookimpl
    def register_channels(self) -> list[str]:
        return ["sms"]

    @hookimpl
    async def check_settings(self, ctx: HookContext[Any]) -> CheckResult:
        if ctx.settings.api_key.get_secret_value() != RIGHT_KEY:
            return CheckResult.failed("Шлюз отклонил ключ (код 301)")
        return CheckResult.passed(account="clinic-account", balance="123.45")

    @hookimpl
    async def send_message(self, ctx: HookContext[Any], message: OutgoingMessage) -> DeliveryResult:
        self.sent.append(message)
        if message.address.endswith(BAD_SUFFIX):
            return DeliveryResult.permanent(
                "202", "Неправильно указан номер телефона получателя", raw={"status": "ERROR"}
            )
        return DeliveryResult.accepted(
            f"gw-{message.id}", cost=COST, raw={"status": "OK", "sms_id": f"gw-{message.id}"}
        )

    @hookimpl
    async def estimate_cost(
        self, ctx: HookContext[Any], messages: tuple[OutgoingMessage, ...]
    ) -> CostEstimate:
        parts = sum(1 + len(m.text) // 70 for m in messages)
        return CostEstimate(total_cost=COST * parts, parts=parts)

    @hookimpl
    async def get_balance(self, ctx: HookContext[Any]) -> Balance:
        return Balance(amount=Decimal("1234.56"))

    @hookimpl
    def register_reference_kinds(self) -> list[ReferenceKind]:
        return [ReferenceKind(name="gateway_tariffs", description="Тарифы шлюза")]

    @hookimpl
    def register_mapping_kinds(self) -> list[MappingKind]:
        return [MappingKind(name="services", hub_kind="services", description="Услуги шлюза")]

    @hookimpl
    async def sync_reference_data(self, ctx: HookContext[Any], kind: str) -> SyncResult | None:
        if kind != "gateway_tariffs":
            return None
        await ctx.store_reference(kind, [{"id": "T1", "name": "Базовый тариф"}])
        return SyncResult(kind=kind, counts={"created": 1})

    @hookimpl
    def register_jobs(self) -> list[Job]:
        async def refresh(ctx: HookContext[Any]) -> str:
            return "Баланс 1234.56 руб."

        return [Job(name="refresh_balance", run=refresh, every=dt.timedelta(minutes=10))]

    @hookimpl
    def register_actions(self) -> list[Action]:
        async def label(ctx: HookContext[Any], data: LabelInput) -> Any:
            zpl = "".join(f"^XA^FD{data.patient_id}^FS^XZ\n" for _ in range(data.copies))
            file_answer = getattr(__import__("hub"), "FileAnswer", None)
            if file_answer is not None:
                return file_answer(content=zpl, media_type="application/zpl", filename="labels.zpl")
            return {"zpl": zpl}

        async def ping(ctx: HookContext[Any], data: PingInput) -> Any:
            return {"pong": True, "note": data.note}

        return [
            Action(
                name="print_labels",
                run=label,
                input_model=LabelInput,
                description="Печать этикеток",
            ),
            Action(name="ping", run=ping, input_model=PingInput, description="Проверка связи"),
        ]
