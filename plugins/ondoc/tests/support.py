"""Constants and helpers shared by the plugin's tests: what a clinic system and an admin do,
over the hub's HTTP API."""

from __future__ import annotations

from typing import Any

import httpx

from hub.testing import Harness

from .fake_ondoc import BRANCH_TOKEN, COMPANY_TOKEN

CLINIC = "clinic-1"
SERVER = "http://ondoc.test"
SETTINGS: dict[str, Any] = {
    "server": SERVER,
    "company_token": COMPANY_TOKEN,
    "branch_token": BRANCH_TOKEN,
}
PLUGIN = f"/api/v1/clinics/{CLINIC}/plugins/ondoc"
#: A card with everything a code needs (Иванов Иван Иванович, a mobile phone, an e-mail).
CARD: dict[str, Any] = {
    "birth_date": "1980-05-17",
    "email": "ivanov@example.ru",
}


async def action(hub: Harness, name: str, **body: Any) -> httpx.Response:
    """``POST .../plugins/ondoc/actions/{name}`` as the clinic system does."""
    return await hub.client.post(f"{PLUGIN}/actions/{name}", json=body)


async def link(hub: Harness, patient_id: str = "P-1001", **body: Any) -> dict[str, Any]:
    response = await action(hub, "link", patient_id=patient_id, **body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def poll(hub: Harness) -> dict[str, Any]:
    """Run the poll job now, as an admin does (``POST .../jobs/poll/run``)."""
    response = await hub.client.post(f"{PLUGIN}/jobs/poll/run")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def events(hub: Harness, prefix: str = "ondoc.") -> list[dict[str, Any]]:
    """The clinic's feed events whose type starts with ``prefix``."""
    return [e for e in await hub.feed(CLINIC) if e["type"].startswith(prefix)]


async def linked_patient(hub: Harness, fake: Any, patient_id: str = "P-1001") -> None:
    """Link a card the way it happens: ``link``, the patient enters the code, a poll."""
    answer = await link(hub, patient_id)
    fake.enter_code(answer["code"])
    run = await poll(hub)
    assert run["status"] == "ok", run
    await hub.drain()
