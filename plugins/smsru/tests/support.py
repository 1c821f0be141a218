"""Constants and helpers shared by the plugin's tests."""

from __future__ import annotations

from typing import Any

from hub.testing import Harness

API_ID = "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9"
CLINIC = "clinic-1"
SETTINGS: dict[str, Any] = {"api_id": API_ID, "sender": "Clinic"}


def callback_path(secret: str, clinic: str = CLINIC) -> str:
    return f"/plugins/smsru/callback/{clinic}/{secret}"


async def stored_secret(hub: Harness, clinic: str = CLINIC) -> str:
    """The clinic's generated callback secret, as the plugin sees it."""
    ctx = await hub.context("smsru", clinic)
    return str(ctx.settings.callback_secret.get_secret_value())  # type: ignore[attr-defined]
