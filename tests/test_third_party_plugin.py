"""A third-party plugin installed with pip appears, is configured per clinic and only
serves the clinics it is enabled for — with no change to the hub.

The distribution is ``tests/fixtures/plugins/hello`` (its own pyproject.toml, an entry
point in ``clinic_hub``, a settings model with a secret), pip-installed for the session.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

from hub import Appointment, Card
from hub.testing import DEFAULT_NOW, Harness

APPOINTMENT = Appointment(id="A-1", patient_id="P-1", start=DEFAULT_NOW)


@pytest.fixture
def hub_plugin_names(install_distribution: Callable[[str], str]) -> list[str]:
    install_distribution("hello")
    return ["console", "hello"]


def _whoami(request: httpx.Request) -> httpx.Response:
    if request.headers.get("authorization") != "Bearer hk_good_key_0042":
        return httpx.Response(401, json={"error": "bad key"})
    return httpx.Response(200, json={"account": "clinic-42"})


@pytest.fixture
def hub_http_transport() -> httpx.AsyncBaseTransport:
    return httpx.MockTransport(_whoami)


async def test_plugin_is_discovered_with_metadata_and_schema(hub: Harness) -> None:
    plugins = {p["name"]: p for p in (await hub.client.get("/api/v1/plugins")).json()["items"]}
    hello = plugins["hello"]
    assert hello["status"] == "loaded"
    assert hello["version"] == "1.2.0"
    assert hello["distribution"] == "clinic-hub-hello"
    assert hello["description"].startswith("Hello: the worked example")
    schema = hello["settings_schema"]
    assert schema["required"] == ["api_key"]
    assert schema["properties"]["api_key"]["format"] == "password"
    assert schema["properties"]["greeting"]["default"] == "Здравствуйте"
    assert {"check_settings", "on_appointment_created", "register_routes"} <= set(hello["hooks"])
    assert [a["name"] for a in hello["actions"]] == ["greet"]
    assert [j["name"] for j in hello["jobs"]] == ["ping"]


def test_hub_plugins_command_lists_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "plugins", "--json"],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
    )
    plugins = {p["name"]: p for p in json.loads(result.stdout)}
    assert plugins["hello"]["distribution"] == "clinic-hub-hello"
    assert "api_key" in plugins["hello"]["settings_schema"]["properties"]


async def test_hooks_fire_only_for_the_clinic_it_is_enabled_for(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.create_clinic("clinic-2")
    await hub.enable("hello", "clinic-1", settings={"api_key": "hk_good_key_0042"})
    for clinic in ("clinic-1", "clinic-2"):
        await hub.fire("on_appointment_created", clinic, appointment=APPOINTMENT)
        await hub.fire(
            "on_card_updated", clinic, card=Card(id="P-1", last_name="Иванов", first_name="Иван")
        )
    assert [e["type"] for e in await hub.feed("clinic-1")] == ["hello.appointment_seen"]
    assert await hub.feed("clinic-2") == []
    ctx = await hub.context("hello", "clinic-1")
    assert await ctx.state.get("card:P-1") == "Иванов Иван"


async def test_settings_check_uses_the_service(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    url = "/api/v1/clinics/clinic-1/plugins/hello"
    bad = await hub.client.put(
        url,
        params={"check": "true"},
        json={
            "enabled": True,
            "settings": {"api_key": "hk_wrong_key_9999", "service_url": "http://hello.test"},
        },
    )
    assert bad.status_code == 422
    assert "rejected the api_key" in bad.json()["detail"]
    assert (await hub.client.get(url)).json()["enabled"] is False  # nothing was saved
    good = await hub.client.put(
        url,
        params={"check": "true"},
        json={
            "enabled": True,
            "settings": {"api_key": "hk_good_key_0042", "service_url": "http://hello.test"},
        },
    )
    assert good.status_code == 200, good.text
    check = await hub.client.post(f"{url}/check")
    assert check.json() == {"ok": True, "problems": [], "details": {"account": "clinic-42"}}


async def test_action_job_route_and_state(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.enable(
        "hello", "clinic-1", settings={"api_key": "hk_good_key_0042", "greeting": "Добрый день"}
    )
    action = await hub.client.post(
        "/api/v1/clinics/clinic-1/plugins/hello/actions/greet", json={"name": "Анна"}
    )
    assert action.json() == {"text": "Добрый день, Анна!", "greeted": 1, "message_id": None}
    invalid = await hub.client.post("/api/v1/clinics/clinic-1/plugins/hello/actions/greet", json={})
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["loc"] == ["body", "name"]

    assert (await hub.tick())["plugin-jobs"] == 1
    assert (await hub.tick())["plugin-jobs"] == 0  # not due again for 60 minutes
    hub.clock.advance(60 * 60)
    assert (await hub.tick())["plugin-jobs"] == 1
    runs = (await hub.client.get("/api/v1/clinics/clinic-1/jobs")).json()["items"]
    assert [(r["job"], r["status"], r["summary"]) for r in runs] == [
        ("ping", "ok", "ping 2"),
        ("ping", "ok", "ping 1"),
    ]

    body = json.dumps({"event": "hello"}).encode()
    signature = hashlib.sha256(b"hk_good_key_0042" + body).hexdigest()
    anonymous = hub.client_for(None)
    forged = await anonymous.post(
        "/plugins/hello/webhook/clinic-1", content=body, headers={"X-Hello-Signature": "0" * 64}
    )
    assert forged.status_code == 403
    signed = await anonymous.post(
        "/plugins/hello/webhook/clinic-1", content=body, headers={"X-Hello-Signature": signature}
    )
    assert signed.json() == {"status": "ok"}
    unknown_clinic = await anonymous.post(
        "/plugins/hello/webhook/clinic-9", content=body, headers={"X-Hello-Signature": signature}
    )
    assert unknown_clinic.status_code == 404
    assert [e["type"] for e in await hub.feed("clinic-1")] == ["hello.webhook"]


async def test_plugin_queues_a_message_that_the_console_provider_sends(hub: Harness) -> None:
    """Writing back: a plugin queues a message; the clinic's provider (console) sends it."""
    await hub.create_clinic("clinic-1", channels={"sms": ["console"]})
    await hub.enable("console", "clinic-1")
    await hub.enable("hello", "clinic-1", settings={"api_key": "hk_good_key_0042"})
    action = await hub.client.post(
        "/api/v1/clinics/clinic-1/plugins/hello/actions/greet",
        json={"name": "Анна", "phone": "8 (918) 123-45-67"},
    )
    message_id = action.json()["message_id"]
    assert isinstance(message_id, int)
    await hub.drain()
    message = (await hub.client.get(f"/api/v1/messages/{message_id}")).json()
    assert (message["phone"], message["text"]) == ("+79181234567", "Здравствуйте, Анна!")
    assert (message["status"], message["provider"]) == ("sent", "console")
    assert message["provider_message_id"] == f"console-{message_id}"
