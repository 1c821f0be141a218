"""The plugin in a running hub: discovery, settings, the connection check, the status."""

from __future__ import annotations

from typing import Any

import pytest

from hub.testing import Harness

from .fake_scanner import MODEL, VERSION, FakeScanner
from .support import CLINIC, SCANNER_URL

PLUGIN = f"/api/v1/clinics/{CLINIC}/plugins/promobot"


async def test_the_plugin_is_discovered_with_its_settings_and_action(hub: Harness) -> None:
    listed = (await hub.client.get("/api/v1/plugins")).json()["items"]
    plugin = {p["name"]: p for p in listed}["promobot"]
    assert plugin["status"] == "loaded" and plugin["distribution"] == "clinic-hub-promobot"
    assert set(plugin["hooks"]) == {
        "check_settings",
        "get_plugin_status",
        "register_actions",
        "register_settings_model",
    }
    schema = plugin["settings_schema"]
    assert schema["required"] == ["scanner_url"]
    assert schema["properties"]["timeout_seconds"]["default"] == 60
    assert schema["properties"]["min_confidence"]["default"] == 0.9
    (action,) = plugin["actions"]
    # its own time limit: the longest wait a clinic can set (300 s) plus the margin (10 s)
    # plus 5 s, not the hub's default for plugin calls
    assert (action["name"], action["timeout"]) == ("scan", 315.0)


async def test_the_scan_action_lists_its_input(hub: Harness) -> None:
    await hub.create_clinic(CLINIC)
    actions = (await hub.client.get(f"{PLUGIN}/actions")).json()
    (scan,) = actions
    properties = scan["input_schema"]["properties"]
    assert properties["document"]["enum"] == ["passport", "snils", "oms", "auto"]
    assert scan["input_schema"]["required"] == ["document"]


async def test_bad_settings_are_a_422_naming_the_field(hub: Harness) -> None:
    await hub.create_clinic(CLINIC)
    for settings, field in [
        ({}, "scanner_url"),
        ({"scanner_url": "192.168.10.50"}, "scanner_url"),
        ({"scanner_url": "ftp://192.168.10.50"}, "scanner_url"),
        ({"scanner_url": "http://user:pw@192.168.10.50"}, "scanner_url"),
        ({"scanner_url": SCANNER_URL, "timeout_seconds": 0}, "timeout_seconds"),
        ({"scanner_url": SCANNER_URL, "timeout_seconds": 301}, "timeout_seconds"),
        ({"scanner_url": SCANNER_URL, "min_confidence": 1.5}, "min_confidence"),
    ]:
        response = await hub.client.put(PLUGIN, json={"enabled": True, "settings": settings})
        assert response.status_code == 422, response.text
        assert field in response.text


async def test_the_address_is_kept_without_a_trailing_slash(hub: Harness) -> None:
    await hub.create_clinic(CLINIC)
    saved = await hub.enable("promobot", CLINIC, settings={"scanner_url": SCANNER_URL + "/ "})
    assert saved["settings"]["scanner_url"] == SCANNER_URL


async def check(hub: Harness) -> dict[str, Any]:
    response = await hub.client.post(f"{PLUGIN}/check")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.usefixtures("clinic")
async def test_the_check_says_ready_busy_error_or_unreachable(
    hub: Harness, fake: FakeScanner
) -> None:
    ready = await check(hub)
    assert ready["ok"] is True and ready["details"] == {
        "message": "The scanner is ready.",
        "state": "ready",
        "model": MODEL,
        "version": VERSION,
    }
    fake.state = "busy"
    busy = await check(hub)
    assert busy["ok"] is True and busy["details"]["state"] == "busy"
    assert "busy with a scan right now" in busy["details"]["message"]
    fake.state = "error"
    error = await check(hub)
    assert error["ok"] is False and "reports an error of its own" in error["problems"][0]
    fake.down = True
    unreachable = await check(hub)
    assert unreachable["ok"] is False and unreachable["details"] == {"state": "unreachable"}
    (problem,) = unreachable["problems"]
    assert f"cannot reach the Promobot scanner at {SCANNER_URL}" in problem
    assert "clinic's own network" in problem and "a `hub worker` alone does not" in problem


async def test_nothing_is_saved_when_the_scanner_cannot_be_reached(
    hub: Harness, fake: FakeScanner
) -> None:
    await hub.create_clinic(CLINIC)
    fake.down = True
    body = {"enabled": True, "settings": {"scanner_url": SCANNER_URL}}
    response = await hub.client.put(PLUGIN, params={"check": "true"}, json=body)
    assert response.status_code == 422
    assert "Connection check failed, nothing was saved" in response.json()["detail"]
    assert (await hub.client.get(PLUGIN)).json()["enabled"] is False


@pytest.mark.usefixtures("clinic")
async def test_something_else_at_the_address_is_named(hub: Harness, fake: FakeScanner) -> None:
    fake.app.router.routes.clear()  # a web server, but not a scanner: 404 everywhere
    result = await check(hub)
    assert result["ok"] is False
    assert "not as a Promobot scanner does" in result["problems"][0]


@pytest.mark.usefixtures("clinic")
async def test_the_status_shows_the_scanners_state(hub: Harness, fake: FakeScanner) -> None:
    status = (await hub.client.get(f"{PLUGIN}/status")).json()
    assert status == {
        "ok": True,
        "status": {
            "state": "ready",
            "message": "The scanner is ready.",
            "model": MODEL,
            "version": VERSION,
        },
    }
    fake.down = True
    down = (await hub.client.get(f"{PLUGIN}/status")).json()["status"]
    assert down["state"] == "unreachable" and "clinic's own network" in down["message"]
