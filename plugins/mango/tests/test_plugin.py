"""Discovery, settings and the connection check."""

from __future__ import annotations

from hub.testing import Harness

from .fake_mango import FakeMango
from .support import API_KEY, API_SALT, CAMPAIGN, CLINIC, SETTINGS


async def test_plugin_is_discovered(hub: Harness) -> None:
    listed = (await hub.client.get("/api/v1/plugins")).json()["items"]
    (mango,) = [p for p in listed if p["name"] == "mango"]
    assert "send_messages" in mango["hooks"] and "check_settings" in mango["hooks"]


async def check(hub: Harness, **changes: object) -> dict[str, object]:
    await hub.create_clinic(CLINIC, timezone="Asia/Vladivostok")
    response = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/mango?check=true",
        json={"enabled": True, "settings": {**SETTINGS, **changes}},
    )
    return {"status": response.status_code, **response.json()}


async def test_settings_are_masked_and_checked(hub: Harness, fake: FakeMango) -> None:
    answer = await check(hub)
    assert answer["status"] == 200, answer
    text = str(answer)
    assert API_KEY not in text and API_SALT not in text
    assert fake.requests and fake.requests[0].path == "custom-type/list"


async def test_a_wrong_salt_is_named_in_plain_words(hub: Harness, fake: FakeMango) -> None:
    answer = await check(hub, api_salt="wrong-salt")
    assert answer["status"] >= 400
    assert "signing key" in str(answer) and "wrong-salt" not in str(answer)


async def test_a_finished_campaign_is_a_warning(hub: Harness, fake: FakeMango) -> None:
    fake.campaigns[CAMPAIGN].status = 4
    await hub.create_clinic(CLINIC, timezone="Asia/Vladivostok")
    await hub.enable("mango", CLINIC, settings=dict(SETTINGS))
    response = await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/mango/check")
    assert response.status_code == 200, response.text
    assert "finished" in str(response.json())


async def test_bad_settings_are_422(hub: Harness) -> None:
    await hub.create_clinic(CLINIC)
    for bad in (
        {"api_url": "ftp://x"},
        {"export_time": "25:00"},
        {"days_ahead": -1},
        {"extension": "12a"},
        {"custom_fields": {"unknown": "x"}},
    ):
        response = await hub.client.put(
            f"/api/v1/clinics/{CLINIC}/plugins/mango",
            json={"enabled": True, "settings": {**SETTINGS, **bad}},
        )
        assert response.status_code == 422, (bad, response.text)


async def test_missing_custom_fields_are_a_warning(hub: Harness, fake: FakeMango) -> None:
    fake.fields = {fid: name for fid, name in fake.fields.items() if name != "Время"}
    await hub.create_clinic(CLINIC)
    await hub.enable("mango", CLINIC, settings=dict(SETTINGS))
    response = await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/mango/check")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and "«Время»" in str(body["details"]["warnings"])
