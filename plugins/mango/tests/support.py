"""Constants and helpers shared by the plugin's tests."""

from __future__ import annotations

from typing import Any

from hub.testing import Harness

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


async def run_push(hub: Harness, clinic: str = CLINIC) -> dict[str, Any]:
    """Run the push job now (as an admin's «run now») and the delivery worker; the run."""
    response = await hub.client.post(f"/api/v1/clinics/{clinic}/plugins/mango/jobs/push/run")
    assert response.status_code == 200, response.text
    await hub.drain()
    return dict(response.json())


async def job_runs(hub: Harness, clinic: str = CLINIC) -> list[dict[str, Any]]:
    response = await hub.client.get(f"/api/v1/clinics/{clinic}/jobs", params={"plugin": "mango"})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def action(hub: Harness, name: str, body: dict[str, Any], clinic: str = CLINIC) -> Any:
    return await hub.client.post(
        f"/api/v1/clinics/{clinic}/plugins/mango/actions/{name}", json=body
    )


async def voice_messages(hub: Harness, clinic: str = CLINIC) -> list[dict[str, Any]]:
    journal = await hub.journal(clinic, kind="voice_confirmation", per_page=20)
    return sorted((m for m in journal["items"] if m["channel"] == "voice"), key=lambda m: m["id"])


async def feed_of(hub: Harness, type_: str, clinic: str = CLINIC) -> list[dict[str, Any]]:
    return [e for e in await hub.feed(clinic) if e["type"] == type_]
