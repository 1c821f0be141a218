"""Secrets inside nested settings: a ``SecretStr`` in a nested model or a list item is
encrypted at rest, masked on read, kept when omitted on update and never logged,
exactly like a top-level secret."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hub.testing import Harness

URL = "/api/v1/clinics/clinic-1/plugins/probe"
TOKEN_A = "lab-a-token-0000-1111"
TOKEN_B = "lab-b-token-0000-2222"
PASSWORD = "upstream-password-3333"
SETTINGS = {
    "labs": [{"name": "Гемотест", "token": TOKEN_A}, {"name": "Инвитро", "token": TOKEN_B}],
    "upstream": {"login": "clinic", "password": PASSWORD},
}


async def _save(hub: Harness, settings: dict[str, Any]) -> dict[str, Any]:
    response = await hub.client.put(URL, json={"enabled": True, "settings": settings})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _tokens(hub: Harness) -> dict[str, str]:
    ctx = await hub.context("probe")
    return {lab.name: lab.token.get_secret_value() for lab in ctx.settings.labs}


async def test_nested_secrets_are_masked_on_read(probe: Harness) -> None:
    saved = await _save(probe, SETTINGS)
    assert saved["settings"]["labs"] == [
        {"name": "Гемотест", "token": "••••1111", "url": "https://lab.example"},
        {"name": "Инвитро", "token": "••••2222", "url": "https://lab.example"},
    ]
    assert saved["settings"]["upstream"] == {"login": "clinic", "password": "••••3333"}
    read = await probe.client.get(URL)
    for secret in (TOKEN_A, TOKEN_B, PASSWORD):
        assert secret not in read.text
    assert await _tokens(probe) == {"Гемотест": TOKEN_A, "Инвитро": TOKEN_B}


async def test_nested_secrets_are_encrypted_at_rest(probe: Harness) -> None:
    await _save(probe, SETTINGS)
    async with probe.runtime.db.session() as session:
        dump = str(
            (await session.execute(sa.text("SELECT settings, secrets FROM plugin_config"))).all()
        )
    for secret in (TOKEN_A, TOKEN_B, PASSWORD):
        assert secret not in dump
    assert "gAAAAA" in dump
    if probe.runtime.db.is_sqlite:
        path = Path(probe.runtime.settings.database_url.removeprefix("sqlite:///"))
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(FULL)")
        for file in path.parent.glob(path.name + "*"):
            assert TOKEN_A.encode() not in file.read_bytes(), file


async def test_an_omitted_or_masked_nested_secret_keeps_its_value(probe: Harness) -> None:
    await _save(probe, SETTINGS)
    new_b = "lab-b-token-new-4444"
    changed = await _save(
        probe,
        {
            "labs": [
                {"name": "Инвитро", "token": new_b},  # reordered: matched by name
                {"name": "Гемотест", "url": "https://gemotest.example"},  # token left out
                {"name": "Хеликс", "token": "lab-c-token-0000-5555"},
            ],
            "upstream": {"login": "clinic-2", "password": "••••3333"},  # sent back masked
        },
    )
    assert [lab["token"] for lab in changed["settings"]["labs"]] == [
        "••••4444",
        "••••1111",
        "••••5555",
    ]
    assert await _tokens(probe) == {
        "Инвитро": new_b,
        "Гемотест": TOKEN_A,
        "Хеликс": "lab-c-token-0000-5555",
    }
    ctx = await probe.context("probe")
    assert ctx.settings.upstream is not None
    assert ctx.settings.upstream.login == "clinic-2"
    assert ctx.settings.upstream.password.get_secret_value() == PASSWORD

    other = await _save(probe, {"catalogue": []})  # another field: labs untouched
    assert len(other["settings"]["labs"]) == 3


async def test_a_new_item_without_its_secret_is_422(probe: Harness) -> None:
    await _save(probe, SETTINGS)
    response = await probe.client.put(
        URL, json={"settings": {"labs": [{"name": "Новая лаборатория"}]}}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "settings", "labs", "0", "token"]
    assert TOKEN_A not in response.text


async def test_nested_secrets_are_never_logged(
    probe: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await _save(probe, SETTINGS)
    ctx = await probe.context("probe")
    with caplog.at_level(logging.INFO):
        ctx.log.warning("calling the lab with %s and %s", TOKEN_B, f"password={PASSWORD}")
    assert TOKEN_B not in caplog.text and PASSWORD not in caplog.text
    assert "***" in caplog.text


async def test_the_audit_log_names_the_field_as_secret(probe: Harness) -> None:
    await _save(probe, SETTINGS)
    log = await probe.client.get("/api/v1/clinics/clinic-1/audit", params={"plugin": "probe"})
    fields = log.json()["items"][0]["fields"]
    assert {"labs (secret)", "upstream (secret)"} <= set(fields)
    assert TOKEN_A not in log.text


async def test_only_an_admin_may_change_a_field_holding_secrets(probe: Harness) -> None:
    await _save(probe, SETTINGS)
    webadmin = probe.client_for(await probe.token("webadmin"))
    forbidden = await webadmin.put(URL, json={"settings": {"labs": []}})
    assert forbidden.status_code == 403 and "labs" in forbidden.json()["detail"]
    read = await webadmin.get(URL)
    assert read.json()["settings"]["labs"][0]["token"] == "••••1111"
