"""SMS through SMSC.ru: the hook implementations (entry point ``smsc`` in ``clinic_hub``).

Each function is a thin adapter; the work is in :mod:`hub_smsc.delivery`.
"""

from __future__ import annotations

from hub_smsc import delivery
from hub_smsc.const import MAX_PARTS
from hub_smsc.settings import SmscSettings

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

Ctx = HookContext[SmscSettings]


@hookimpl
def register_settings_model() -> type[SmscSettings]:
    return SmscSettings


@hookimpl
def register_channels() -> list[ChannelSpec]:
    # send.php takes up to 1000 characters (error 1 beyond)
    return [ChannelSpec(name="sms", max_parts=MAX_PARTS)]


@hookimpl
def register_jobs() -> list[Job]:
    return [
        Job(
            "status_poll",
            delivery.poll_statuses,
            every="status_poll_every",
            description="status.php for messages sent status_poll_minutes ago with no final state",
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
