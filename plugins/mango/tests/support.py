"""Constants and helpers shared by the plugin's tests."""

from __future__ import annotations

from typing import Any

API_KEY = "k3y0fthevpbxaccount0123456789abc"
API_SALT = "s4ltf0rs1gn1ngr3qu3sts0123456789"
API_URL = "https://app.mango-office.ru/vpbx/"
CAMPAIGN = 56919
CLINIC = "clinic-1"
#: Vladivostok is UTC+10: 00:00 there is 14:00 UTC the day before.
VLADIVOSTOK = "Asia/Vladivostok"
SETTINGS: dict[str, Any] = {
    "api_key": API_KEY,
    "api_salt": API_SALT,
    "campaign_id": CAMPAIGN,
    "export_time": "18:00",
    "extension": "101",
}


def webhook_base(clinic: str = CLINIC) -> str:
    return f"/plugins/mango/{clinic}"
