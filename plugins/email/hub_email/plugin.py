"""E-mail through the clinic's SMTP server: the hook implementations (entry point
``email`` in ``clinic_hub``).

Each function is a thin adapter over :mod:`hub_email.delivery`.
"""

from __future__ import annotations

from hub import CheckResult, DeliveryResult, HookContext, OutgoingMessage, hookimpl
from hub_email import delivery
from hub_email.settings import EmailSettings

Ctx = HookContext[EmailSettings]


@hookimpl
def register_settings_model() -> type[EmailSettings]:
    return EmailSettings


@hookimpl
def register_channels() -> list[str]:
    return ["email"]


@hookimpl
async def check_settings(ctx: Ctx) -> CheckResult:
    return await delivery.check(ctx)


@hookimpl
async def send_message(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult | None:
    if message.channel != "email":
        return None
    return await delivery.send(ctx, message)
