"""Publishing the plugin's feed events (``<plugin id>.<event>``, e.g. ``ondoc.patient_linked``)."""

from __future__ import annotations

from typing import Any

from hub_ondoc.connection import Ctx
from hub_ondoc.const import Event


async def publish(ctx: Ctx, event: Event, data: dict[str, Any]) -> None:
    await ctx.publish(f"{ctx.plugin}.{event.value}", data)
