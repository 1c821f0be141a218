"""SMS through sms.ru: the hook implementations (entry point ``smsru`` in ``clinic_hub``).

Each function is a thin adapter; the work is in :mod:`hub_smsru.delivery` (sending,
cost, statuses), :mod:`hub_smsru.callback` (the callback route) and
:mod:`hub_smsru.account` (check, status, callback registration, low balance, stop list).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from hub_smsru import account, callback, delivery
from hub_smsru.const import MAX_PARTS
from hub_smsru.settings import SmsruSettings

from hub import (
    Action,
    Balance,
    ChannelSpec,
    CheckResult,
    CostEstimate,
    DeliveryResult,
    HookContext,
    Job,
    OutgoingMessage,
    hookimpl,
)

Ctx = HookContext[SmsruSettings]


@hookimpl
def register_settings_model() -> type[SmsruSettings]:
    return SmsruSettings


@hookimpl
def register_channels() -> list[ChannelSpec]:
    # sms.ru refuses a text of more than 8 parts (code 205)
    return [ChannelSpec(name="sms", max_parts=MAX_PARTS)]


@hookimpl
def register_routes() -> list[APIRouter]:
    return [callback.router]


@hookimpl
def register_jobs() -> list[Job]:
    return [
        Job(
            "status_poll",
            delivery.poll_statuses,
            every="status_poll_every",
            description="sms/status for messages sent status_poll_minutes ago with no callback",
        ),
        Job(
            "low_balance",
            account.check_low_balance,
            every="low_balance_every",
            description="publish smsru.low_balance when the balance falls below the threshold",
        ),
        Job(
            "register_callback",
            account.registration_job,
            every="callback_registration_every",
            description="make sure sms.ru posts delivery statuses to this clinic's address",
        ),
    ]


@hookimpl
def register_actions() -> list[Action]:
    return [
        Action(
            "register_callback",
            account.register_callback_action,
            account.NoInput,
            description="Register this clinic's delivery-status address with sms.ru now.",
        ),
        Action(
            "stoplist",
            account.stoplist_action,
            account.NoInput,
            description="The stop list kept at sms.ru: number -> note.",
        ),
    ]


@hookimpl
async def check_settings(ctx: Ctx) -> CheckResult:
    return await account.check(ctx)


@hookimpl
async def send_message(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult | None:
    if message.channel != "sms":
        return None
    return await delivery.send(ctx, message)


@hookimpl
async def send_messages(
    ctx: Ctx, messages: tuple[OutgoingMessage, ...]
) -> list[DeliveryResult] | None:
    if any(m.channel != "sms" for m in messages):
        return None  # not all ours: one by one, and send_message declines the others
    return await delivery.send_batch(ctx, messages)


@hookimpl
async def get_balance(ctx: Ctx) -> Balance:
    return await account.balance(ctx)


@hookimpl
async def estimate_cost(ctx: Ctx, messages: tuple[OutgoingMessage, ...]) -> CostEstimate | None:
    return await delivery.estimate(ctx, messages)


@hookimpl
async def get_plugin_status(ctx: Ctx) -> dict[str, Any]:
    return await account.status(ctx)


@hookimpl
async def on_stoplist_changed(ctx: Ctx, phone: str, blocked: bool, note: str) -> None:
    await account.sync_stoplist(ctx, phone, blocked, note)
