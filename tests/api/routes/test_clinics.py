"""Clinics API: create, list, get, patch, with the contract's defaults and errors."""

from __future__ import annotations

import pytest

from hub import DeliveryResult, HookContext, OutgoingMessage, hookimpl
from hub.testing import Harness


async def test_create_clinic_with_defaults(hub: Harness) -> None:
    response = await hub.client.post(
        "/api/v1/clinics",
        json={"id": "clinic-1", "name": "Клиника на Ленина", "timezone": "Asia/Vladivostok"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] == "clinic-1"
    assert body["timezone"] == "Asia/Vladivostok"
    assert body["reminders"]["days_ahead"] == 1
    assert body["reminders"]["send_time"] == "12:00:00"
    assert body["phone_region"] == "RU"


async def test_contract_example_is_accepted(hub: Harness) -> None:
    response = await hub.client.post(
        "/api/v1/clinics",
        json={
            "id": "clinic-1",
            "name": "Клиника на Ленина",
            "timezone": "Europe/Moscow",
            "address": "ул. Ленина, 1",
            "phone": "+74951234567",
            "reminders": {
                "days_ahead": 2,
                "send_time": "11:30",
                "excluded_services": ["SRV-9"],
                "excluded_price_list_sections": ["PL-DMS"],
            },
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["reminders"]["excluded_services"] == ["SRV-9"]
    listed = await hub.client.get("/api/v1/clinics")
    assert [c["id"] for c in listed.json()["items"]] == ["clinic-1"]


async def test_patch_changes_only_given_fields(hub: Harness) -> None:
    await hub.create_clinic("clinic-1", address="ул. Ленина, 1")
    response = await hub.client.patch(
        "/api/v1/clinics/clinic-1",
        json={"timezone": "Europe/Kaliningrad", "reminders": {"send_time": "10:00"}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timezone"] == "Europe/Kaliningrad"
    assert body["address"] == "ул. Ленина, 1"
    assert body["reminders"]["send_time"] == "10:00:00"


async def test_invalid_timezone_and_slug_are_named(hub: Harness) -> None:
    response = await hub.client.post(
        "/api/v1/clinics", json={"id": "Clinic 1", "name": "x", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 422
    fields = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
    assert ("body", "id") in fields
    assert "unknown time zone" in fields[("body", "timezone")]


async def test_duplicate_clinic_is_409(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    response = await hub.client.post(
        "/api/v1/clinics", json={"id": "clinic-1", "name": "x", "timezone": "Europe/Moscow"}
    )
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]


async def test_unknown_clinic_is_404(hub: Harness) -> None:
    response = await hub.client.get("/api/v1/clinics/nope")
    assert response.status_code == 404
    assert response.json()["detail"] == "Unknown clinic 'nope'"


async def test_channels_must_name_providers_of_that_channel(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    response = await hub.client.patch(
        "/api/v1/clinics/clinic-1", json={"channels": {"sms": ["console", "nosuch"]}}
    )
    assert response.status_code == 422
    assert "'nosuch' is not an installed plugin" in response.json()["errors"][0]["msg"]
    ok = await hub.client.patch("/api/v1/clinics/clinic-1", json={"channels": {"sms": ["console"]}})
    assert ok.json()["channels"] == {"sms": ["console"]}


class SecondSms:
    """A second SMS provider, so a clinic can route to two."""

    @hookimpl
    def register_channels(self) -> list[str]:
        return ["sms"]

    @hookimpl
    def send_message(self, ctx: HookContext, message: OutgoingMessage) -> DeliveryResult:
        return DeliveryResult(outcome="accepted")


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    return {"second": SecondSms()}


async def test_routing_to_a_provider_not_enabled_is_warned_of_when_saved_and_shown(
    hub: Harness,
) -> None:
    created = await hub.client.post(
        "/api/v1/clinics",
        json={
            "id": "c1",
            "name": "x",
            "timezone": "Europe/Moscow",
            "channels": {"sms": ["second", "console"]},
        },
    )
    assert created.status_code == 201
    assert [w.split(",")[0] for w in created.json()["warnings"]] == [
        "channels.sms: 'second' is not enabled for this clinic",
        "channels.sms: 'console' is not enabled for this clinic",
    ]
    assert "no enabled provider is left for sms" in created.json()["warnings"][0]
    enabled = await hub.client.put(
        "/api/v1/clinics/c1/plugins/console", json={"enabled": True, "settings": {}}
    )
    assert enabled.status_code in (200, 201), enabled.text
    shown = (await hub.client.get("/api/v1/clinics/c1")).json()["warnings"]
    assert len(shown) == 1
    assert "'second' is not enabled" in shown[0] and "go to 'console'" in shown[0]
    patched = await hub.client.patch("/api/v1/clinics/c1", json={"channels": {"sms": ["console"]}})
    assert patched.json()["warnings"] == []
