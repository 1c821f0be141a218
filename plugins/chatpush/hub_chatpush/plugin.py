"""Messenger messages through ChatPush: the hook implementations (entry point
``chatpush`` in ``clinic_hub``).

Each function is a thin adapter; the work is in :mod:`hub_chatpush.delivery`.
"""

from __future__ import annotations

from fastapi import APIRouter
from hub_chatpush import delivery
from hub_chatpush.settings import ChatpushSettings

from hub import (
    Action,
    Balance,
    CheckResult,
    DeliveryResult,
    HookContext,
    Job,
    OutgoingMessage,
    PluginRouter,
    hookimpl,
)

Ctx = HookContext[ChatpushSettings]
CHANNEL = "messenger"


@hookimpl
def register_settings_model() -> type[ChatpushSettings]:
    return ChatpushSettings


@hookimpl
def register_channels() -> list[str]:
    return [CHANNEL]


@hookimpl
def register_routes() -> list[PluginRouter | APIRouter]:
    return [delivery.router]


@hookimpl
def register_jobs() -> list[Job]:
    return [
        Job(
            "status_poll",
            delivery.poll_statuses,
            every="status_poll_every",
            description="GET /delivery/{id} for messages sent status_poll_minutes ago with "
            "no status from the webhook",
        ),
        Job(
            "register_webhook",
            delivery.registration_job,
            every="webhook_check_every",
            description="make sure ChatPush posts delivery statuses to this clinic's address",
        ),
    ]


@hookimpl
def register_actions() -> list[Action]:
    return [
        Action(
            "register_webhook",
            delivery.register_webhook_action,
            delivery.NoInput,
            description="Register this clinic's webhook address with ChatPush now.",
        )
    ]


@hookimpl
async def check_settings(ctx: Ctx) -> CheckResult:
    return await delivery.check(ctx)


@hookimpl
async def send_message(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult | None:
    if message.channel != CHANNEL:
        return None
    return await delivery.send(ctx, message)


@hookimpl
async def get_balance(ctx: Ctx) -> Balance:
    return await delivery.balance(ctx)
