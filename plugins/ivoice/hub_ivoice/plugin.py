"""Voice-robot confirmations through Ivoice: the hook implementations (entry point
``ivoice`` in ``clinic_hub``).

Each function is a thin adapter; the work is in :mod:`hub_ivoice.delivery`.
"""

from __future__ import annotations

from fastapi import APIRouter
from hub_ivoice import delivery
from hub_ivoice.settings import IvoiceSettings

from hub import CheckResult, DeliveryResult, HookContext, OutgoingMessage, PluginRouter, hookimpl

Ctx = HookContext[IvoiceSettings]
CHANNEL = "voice"


@hookimpl
def register_settings_model() -> type[IvoiceSettings]:
    return IvoiceSettings


@hookimpl
def register_channels() -> list[str]:
    return [CHANNEL]


@hookimpl
def register_routes() -> list[PluginRouter | APIRouter]:
    return [delivery.router]


@hookimpl
async def check_settings(ctx: Ctx) -> CheckResult:
    return await delivery.check(ctx)


@hookimpl
async def send_message(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult | None:
    if message.channel != CHANNEL:
        return None
    return await delivery.send(ctx, message)
