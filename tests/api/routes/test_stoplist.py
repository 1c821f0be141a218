"""Stop list API: block and unblock numbers; each change reaches the providers as an event."""

from __future__ import annotations

import pytest

from hub import HookContext, hookimpl
from hub.testing import Harness

URL = "/api/v1/clinics/clinic-1/stoplist"


class Mirror:
    """A provider that keeps its own stop list in step with the clinic's."""

    def __init__(self) -> None:
        self.changes: list[tuple[str, str, bool, str]] = []

    @hookimpl
    def register_channels(self) -> list[str]:
        return ["sms"]

    @hookimpl
    async def on_stoplist_changed(self, ctx: HookContext, phone: str, blocked: bool, note: str) -> None:
        self.changes.append((ctx.clinic.id, phone, blocked, note))


@pytest.fixture
def mirror() -> Mirror:
    return Mirror()


@pytest.fixture
def hub_extra_plugins(mirror: Mirror) -> dict[str, object]:
    return {"mirror": mirror}


async def test_block_list_and_unblock(hub: Harness, mirror: Mirror) -> None:
    await hub.create_clinic("clinic-1")
    await hub.enable("mirror")
    response = await hub.client.put(f"{URL}/8 (918) 123-45-67", json={"note": "жалоба на спам"})
    assert response.status_code == 200, response.text
    assert response.json()["phone"] == "+79181234567"
    listed = (await hub.client.get(URL)).json()["items"]
    assert [(e["phone"], e["note"]) for e in listed] == [("+79181234567", "жалоба на спам")]
    # the same PUT again changes nothing and tells nobody
    assert (await hub.client.put(f"{URL}/+79181234567", json={"note": "жалоба на спам"})).status_code == 200
    assert (await hub.client.delete(f"{URL}/+79181234567")).status_code == 204
    assert (await hub.client.get(URL)).json()["items"] == []
    assert (await hub.client.delete(f"{URL}/+79181234567")).status_code == 404
    await hub.drain()
    assert mirror.changes == [
        ("clinic-1", "+79181234567", True, "жалоба на спам"),
        ("clinic-1", "+79181234567", False, ""),
    ]


async def test_a_blocked_number_gets_nothing(hub: Harness) -> None:
    await hub.create_clinic("clinic-1", channels={"sms": ["console"]})
    await hub.enable("console")
    queued = (await hub.client.post("/api/v1/clinics/clinic-1/messages",
                                    json={"phone": "+79181234567", "text": "x"})).json()["message"]
    await hub.client.put(f"{URL}/+79181234567", json={"note": "просил не писать"})
    await hub.drain()
    message = await hub.message(queued["id"])  # blocked after it was queued: caught at send time
    assert (message["status"], message["error_code"]) == ("failed", "stop_list")
    response = await hub.client.post("/api/v1/clinics/clinic-1/messages",
                                     json={"phone": "89181234567", "text": "x"})
    assert response.status_code == 409
    assert "stop list" in response.json()["detail"]


async def test_bad_number_is_422(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    response = await hub.client.put(f"{URL}/12345")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("phone:")
