"""Fromni / Imobis chat-bots: the hook implementations (entry point ``fromni`` in ``clinic_hub``).

Each function is a thin adapter; the work is in :mod:`hub_fromni.delivery` (sending,
balance, check, status) and :mod:`hub_fromni.webhook` (the status webhook route).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from hub_fromni import delivery, webhook
from hub_fromni.settings import FromniSettings

from hub import Balance, CheckResult, DeliveryResult, HookContext, OutgoingMessage, hookimpl

Ctx = HookContext[FromniSettings]


@hookimpl
def register_settings_model() -> type[FromniSettings]:
    return FromniSettings


@hookimpl
def register_channels() -> list[str]:
    return ["messenger"]


@hookimpl
def register_routes() -> list[APIRouter]:
    return [webhook.router]


@hookimpl
async def check_settings(ctx: Ctx) -> CheckResult:
    return await delivery.check(ctx)


@hookimpl
async def send_message(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult | None:
    if message.channel != "messenger":
        return None
    return await delivery.send(ctx, message)


@hookimpl
async def get_balance(ctx: Ctx) -> Balance:
    return await delivery.balance(ctx)


@hookimpl
async def get_plugin_status(ctx: Ctx) -> dict[str, Any]:
    return await delivery.status(ctx)
