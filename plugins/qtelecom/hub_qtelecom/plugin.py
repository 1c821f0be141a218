"""SMS through QuickTelecom: the hook implementations (entry point ``qtelecom`` in
``clinic_hub``).

Each function is a thin adapter; the work is in :mod:`hub_qtelecom.delivery`.
"""

from __future__ import annotations

from hub_qtelecom import delivery
from hub_qtelecom.const import MAX_PARTS
from hub_qtelecom.settings import QtelecomSettings

from hub import (
    Balance,
    ChannelSpec,
    CheckResult,
    DeliveryResult,
    HookContext,
    Job,
    OutgoingMessage,
    hookimpl,
)

Ctx = HookContext[QtelecomSettings]


@hookimpl
def register_settings_model() -> type[QtelecomSettings]:
    return QtelecomSettings


@hookimpl
def register_channels() -> list[ChannelSpec]:
    # QuickTelecom takes texts of up to 480 characters: 7 Cyrillic parts
    return [ChannelSpec(name="sms", max_parts=MAX_PARTS)]


@hookimpl
def register_jobs() -> list[Job]:
    return [
        Job(
            "status_poll",
            delivery.poll_statuses,
            every="status_poll_every",
            description="action=status about messages status_poll_minutes old with no final state",
        )
    ]


@hookimpl
async def check_settings(ctx: Ctx) -> CheckResult:
    return await delivery.check(ctx)


@hookimpl
async def send_message(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult | None:
    if message.channel != "sms":
        return None
    return await delivery.send(ctx, message)


@hookimpl
async def get_balance(ctx: Ctx) -> Balance:
    return await delivery.balance(ctx)
