"""Plugin settings per clinic: validation, secrets (encrypted, masked, kept, cleared),
enable/disable, the connection check, the audit log and roles."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pydantic import Field, SecretStr

from hub import CheckResult, HookContext, PluginSettings, hookimpl
from hub.testing import Harness

SECRET = "64589EDB-8F29-C45C-1FB1-2EB497EFB170"
URL = "/api/v1/clinics/clinic-1/plugins/gateway"


class GatewaySettings(PluginSettings):
    api_id: SecretStr = Field(description="Account key.")
    password: SecretStr | None = Field(None, description="Optional second secret.")
    sender: str | None = Field(None, max_length=11, description="Sender name.")
    per_second: int = Field(5, ge=1, le=100, description="Rate limit.")
    base_url: str = Field("https://gw.example", description="Where the gateway is.")
    region: str = Field(
        "ru",
        description="Not an address, but marked admin-only.",
        json_schema_extra={"admin_only": True},
    )


class Gateway:
    """A gateway whose connection check accepts one key only."""

    @hookimpl
    def register_settings_model(self) -> type[GatewaySettings]:
        return GatewaySettings

    raise_with_key = False

    @hookimpl
    async def check_settings(self, ctx: HookContext[GatewaySettings]) -> CheckResult:
        if self.raise_with_key:
            raise RuntimeError(f"login refused for key {ctx.settings.api_id.get_secret_value()}")
        if ctx.settings.api_id.get_secret_value() != SECRET:
            return CheckResult.failed(
                "The gateway rejected the api_id: copy it again from your account."
            )
        return CheckResult.passed(balance="100.00")


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    return {"gateway": Gateway()}


@pytest.fixture
async def clinic(hub: Harness) -> str:
    await hub.create_clinic("clinic-1")
    return "clinic-1"


async def test_every_installed_plugin_is_listed_disabled(hub: Harness, clinic: str) -> None:
    items = (await hub.client.get("/api/v1/clinics/clinic-1/plugins")).json()["items"]
    assert {i["name"]: i["enabled"] for i in items} == {"console": False, "gateway": False}


async def test_validation_names_every_bad_field(hub: Harness, clinic: str) -> None:
    response = await hub.client.put(
        URL,
        json={"enabled": True, "settings": {"sender": "x" * 20, "per_second": 0, "colour": "red"}},
    )
    assert response.status_code == 422
    fields = {e["loc"][-1] for e in response.json()["errors"]}
    assert fields == {"colour"}  # unknown fields are reported first, alone
    response = await hub.client.put(
        URL, json={"enabled": True, "settings": {"sender": "x" * 20, "per_second": 0}}
    )
    assert response.status_code == 422
    fields = {e["loc"][-1]: e["msg"] for e in response.json()["errors"]}
    assert set(fields) == {"api_id", "sender", "per_second"}
    assert "Field required" in fields["api_id"]


async def test_secret_is_masked_kept_when_omitted_and_cleared_by_null(
    hub: Harness, clinic: str
) -> None:
    saved = await hub.client.put(
        URL,
        json={"enabled": True, "settings": {"api_id": SECRET, "password": "p4ssw0rd-long-enough"}},
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["settings"]["api_id"] == "••••B170"
    assert body["settings"]["password"] == "••••ough"
    assert SECRET not in saved.text

    changed = await hub.client.put(URL, json={"settings": {"sender": "Clinic"}})
    assert changed.json()["settings"] == {
        "api_id": "••••B170",
        "password": "••••ough",
        "sender": "Clinic",
        "per_second": 5,
        "base_url": "https://gw.example",
        "region": "ru",
    }
    ctx = await hub.context("gateway")
    assert ctx.settings.api_id.get_secret_value() == SECRET
    assert ctx.settings.sender == "Clinic"

    # a form that read the settings and saves them back as shown keeps the secrets
    shown = changed.json()["settings"]
    resaved = await hub.client.put(URL, json={"settings": {**shown, "sender": "Clinic2"}})
    assert resaved.status_code == 200, resaved.text
    ctx = await hub.context("gateway")
    assert ctx.settings.api_id.get_secret_value() == SECRET
    assert ctx.settings.password.get_secret_value() == "p4ssw0rd-long-enough"

    cleared = await hub.client.put(URL, json={"settings": {"password": None}})
    assert cleared.json()["settings"]["password"] is None
    required = await hub.client.put(URL, json={"settings": {"api_id": None}})
    assert required.status_code == 422  # a required secret cannot be cleared


async def test_secrets_are_encrypted_at_rest(hub: Harness, clinic: str, tmp_path: Path) -> None:
    await hub.client.put(URL, json={"enabled": True, "settings": {"api_id": SECRET}})
    if hub.runtime.db.is_sqlite:
        path = hub.runtime.settings.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(FULL)")
        for file in Path(path).parent.glob(Path(path).name + "*"):
            assert SECRET.encode() not in file.read_bytes(), file
    async with hub.runtime.db.session() as session:
        from sqlalchemy import text

        dump = str(
            (await session.execute(text("SELECT settings, secrets FROM plugin_config"))).all()
        )
    assert SECRET not in dump
    assert "gAAAAA" in dump  # a Fernet token


async def test_secrets_under_test_are_redacted_from_check_errors(hub: Harness, clinic: str) -> None:
    """A check that fails with the candidate key in its error text leaks nothing."""
    leaky = "leaky-key-that-must-not-show-0042"
    gateway: Gateway = hub.runtime.host.pm.get_plugin("gateway")  # type: ignore[assignment]
    gateway.raise_with_key = True
    response = await hub.client.put(
        URL, params={"check": "true"}, json={"enabled": True, "settings": {"api_id": leaky}}
    )
    assert response.status_code == 422
    assert leaky not in response.text and "***" in response.text


async def test_check_before_saving(hub: Harness, clinic: str) -> None:
    refused = await hub.client.put(
        URL,
        params={"check": "true"},
        json={"enabled": True, "settings": {"api_id": "wrong-key-123456"}},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "Connection check failed, nothing was saved: "
        "The gateway rejected the api_id: copy it again from your account."
    )
    assert (await hub.client.get(URL)).json()["enabled"] is False
    accepted = await hub.client.put(
        URL, params={"check": "true"}, json={"enabled": True, "settings": {"api_id": SECRET}}
    )
    assert accepted.status_code == 200
    on_demand = await hub.client.post(f"{URL}/check")
    assert on_demand.json() == {"ok": True, "problems": [], "details": {"balance": "100.00"}}


async def test_check_of_invalid_stored_settings_says_which(hub: Harness, clinic: str) -> None:
    result = await hub.client.post(f"{URL}/check")
    assert result.json()["ok"] is False
    assert result.json()["problems"] == ["Setting api_id: Field required"]


async def test_audit_log_names_fields_never_values(hub: Harness, clinic: str) -> None:
    await hub.client.put(
        URL, json={"enabled": True, "settings": {"api_id": SECRET, "sender": "Clinic"}}
    )
    await hub.client.put(URL, json={"settings": {"sender": "Other"}})
    await hub.client.put(URL, json={"enabled": False})
    log = await hub.client.get("/api/v1/clinics/clinic-1/audit", params={"plugin": "gateway"})
    items = log.json()["items"]
    assert [(i["action"], i["fields"]) for i in items] == [
        ("disable", ["enabled"]),
        ("update", ["sender"]),
        ("enable", ["enabled", "api_id (secret)", "sender"]),
    ]
    assert all(i["actor"].startswith("test admin (token") for i in items)
    assert SECRET not in log.text and "Clinic" not in log.text


async def test_webadmin_reads_masked_but_cannot_change_secrets(hub: Harness, clinic: str) -> None:
    await hub.client.put(URL, json={"enabled": True, "settings": {"api_id": SECRET}})
    webadmin = hub.client_for(await hub.token("webadmin"))
    read = await webadmin.get(URL)
    assert read.status_code == 200 and read.json()["settings"]["api_id"] == "••••B170"
    forbidden = await webadmin.put(URL, json={"settings": {"api_id": "another-secret-value"}})
    assert forbidden.status_code == 403
    assert "api_id" in forbidden.json()["detail"]
    # nor where they are sent: a server of theirs would receive the api_id
    for field, value in (("base_url", "https://evil.example"), ("region", "kz")):
        redirect = await webadmin.put(URL, json={"settings": {field: value}})
        assert redirect.status_code == 403, field
        assert field in redirect.json()["detail"]
    allowed = await webadmin.put(URL, json={"settings": {"sender": "Clinic"}})
    assert allowed.status_code == 200


async def test_clinic_token_cannot_touch_settings(hub: Harness, clinic: str) -> None:
    system = hub.client_for(await hub.token("clinic", "clinic-1"))
    assert (await system.get(URL)).status_code == 403


async def test_unknown_plugin_is_404(hub: Harness, clinic: str) -> None:
    response = await hub.client.put(
        "/api/v1/clinics/clinic-1/plugins/nosuch", json={"enabled": True}
    )
    assert response.status_code == 404
    assert "Unknown plugin 'nosuch'" in response.json()["detail"]


async def test_enabling_reaches_the_plugin_only_for_that_clinic(hub: Harness, clinic: str) -> None:
    await hub.create_clinic("clinic-2")
    await hub.client.put(URL, json={"enabled": True, "settings": {"api_id": SECRET}})
    assert await hub.runtime.enabled_plugins("clinic-1") == ["gateway"]
    assert await hub.runtime.enabled_plugins("clinic-2") == []
    await hub.client.put(URL, json={"enabled": False})
    assert await hub.runtime.enabled_plugins("clinic-1") == []
