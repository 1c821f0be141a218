"""Console: "delivers" every message by writing it to the log and recording it as sent.

For the demo and for tests, where no real gateway is configured.  It serves every
channel, costs nothing, and never fails.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from hub import (
    Balance,
    ChannelSettings,
    DeliveryResult,
    HookContext,
    OutgoingMessage,
    hookimpl,
)


class ConsoleSettings(ChannelSettings):
    """Settings of the console provider."""

    log_text: bool = Field(True, description="Write each message's text to the hub's log.")


@hookimpl
def register_settings_model() -> type[ConsoleSettings]:
    return ConsoleSettings


@hookimpl
def register_channels() -> list[str]:
    return ["sms", "voice", "messenger", "email"]


@hookimpl
async def send_message(
    ctx: HookContext[ConsoleSettings], message: OutgoingMessage
) -> DeliveryResult:
    if ctx.settings.log_text:
        ctx.log.info("console %s to %s: %s", message.channel, message.address, message.text)
    return DeliveryResult.accepted(
        f"console-{message.id}", cost=Decimal("0"), raw={"console": "recorded"}
    )


@hookimpl
async def get_balance(ctx: HookContext[ConsoleSettings]) -> Balance:
    return Balance(amount=Decimal("0"))
