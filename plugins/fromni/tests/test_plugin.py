"""The fromni plugin in a running hub: a messenger message sent as a chat-bot event or an
Imobis cascade, its status webhook (secret in the address) moving the journal, errors
with Fromni's codes and texts, the balance, the connection check, and the token and
webhook secret never shown.

The first test runs on SQLite and PostgreSQL (the journal and its reports are the
store's business); the others on SQLite only.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import httpx
import pytest

from hub.testing import BASE_URL, Harness

from .conftest import CASCADE_SETTINGS, CLINIC, TOKEN
from .fake_fromni import FakeFromni

sqlite_only = pytest.mark.parametrize("hub_database_url", ["sqlite"], indirect=True)


async def send(hub: Harness, text: str = "Ждём вас завтра в 10:00") -> int:
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages",
        json={"phone": "+7 (918) 123-45-67", "text": text, "channel": "messenger"},
    )
    assert response.status_code in (200, 201, 202), response.text
    return int(response.json()["message"]["id"])


async def sent_message(hub: Harness) -> tuple[int, dict[str, object]]:
    message_id = await send(hub)
    await hub.drain()
    detail = await hub.message(message_id)
    assert (detail["status"], detail["provider"]) == ("sent", "fromni"), detail
    return message_id, detail


async def test_an_event_starts_the_campaign_and_the_webhook_marks_it_delivered(
    hub: Harness, fake: FakeFromni, clinic: str
) -> None:
    message_id, detail = await sent_message(hub)
    launch = fake.only()
    assert detail["provider_message_id"] == launch.id
    data = launch.body["data"]
    assert launch.body["name"] == "clinic_hub_message"
    assert data["client"] == {"phone": 79181234567}
    assert (data["text"], data["custom_id"]) == ("Ждём вас завтра в 10:00", str(message_id))
    assert data["report"].startswith(f"{BASE_URL}/plugins/fromni/status/{CLINIC}/")

    answer = await fake.report(launch.id, "delivered", channel="telegram", price="0.45")
    assert (answer.status_code, answer.json()) == (200, {"result": "success"})
    detail = await hub.message(message_id)
    assert detail["status"] == "delivered" and Decimal(str(detail["cost"])) == Decimal("0.45")


@sqlite_only
async def test_cascade_mode_reports_the_sms_fallback(
    hub: Harness, fake: FakeFromni, clinic: str
) -> None:
    no_sender = {k: v for k, v in CASCADE_SETTINGS.items() if k != "sms_sender"}
    refused = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/fromni", json={"settings": no_sender}
    )
    assert refused.status_code == 422 and "needs sms_sender" in refused.text
    await hub.enable("fromni", CLINIC, settings=dict(CASCADE_SETTINGS))
    message_id, _ = await sent_message(hub)
    cascade = fake.only()
    assert [(s["channel"], s["ttl"]) for s in cascade.body["route"]] == [
        ("telegram", 900),
        ("sms", 172800),
    ]
    assert cascade.body["route"][1]["sender"] == "Clinic"
    assert cascade.body["custom_id"] == str(message_id)

    await fake.expire_to_sms(cascade.id)
    assert [r.status_code for r in fake.webhooks] == [200, 200]
    detail = await hub.message(message_id)
    assert detail["status"] == "delivered" and Decimal(str(detail["cost"])) == Decimal("2.50")
    reports = [line for line in detail["history"] if line["event"] == "report"]
    assert [(r["status"], r["channel"]) for r in reports] == [("delivered", "sms")]


@sqlite_only
async def test_an_undelivered_status_fails_the_message_with_fromnis_code_and_words(
    hub: Harness, fake: FakeFromni, clinic: str
) -> None:
    message_id, _ = await sent_message(hub)
    await fake.report(fake.only().id, "undelivered", channel="telegram", code=14, error="Blocked")
    detail = await hub.message(message_id)
    assert (detail["status"], detail["error_code"], detail["error"]) == ("failed", "14", "Blocked")


@sqlite_only
async def test_a_campaign_missing_for_the_event_fails_with_fromnis_words(
    hub: Harness, fake: FakeFromni, clinic: str
) -> None:
    fake.events.clear()
    message_id = await send(hub)
    await hub.drain()
    detail = await hub.message(message_id)
    assert (detail["status"], detail["error_code"]) == ("failed", "500")
    assert detail["error"] == "Campaign for event 'clinic_hub_message' not found"


@sqlite_only
async def test_a_server_fault_is_retried(hub: Harness, fake: FakeFromni, clinic: str) -> None:
    message_id = await send(hub)
    fake.http_error_next(503)
    await hub.drain()
    assert (await hub.message(message_id))["status"] == "queued"
    hub.clock.advance(3600)
    await hub.drain()
    assert (await hub.message(message_id))["status"] == "sent"


@sqlite_only
async def test_a_webhook_with_a_wrong_secret_is_refused_and_changes_nothing(
    hub: Harness, fake: FakeFromni, clinic: str, fromni_calls: httpx.AsyncClient
) -> None:
    message_id, _ = await sent_message(hub)
    status = {"id": fake.only().id, "status": "delivered", "channel": "telegram"}
    secret = (fake.only().report or "").rsplit("/", 1)[-1]
    for path in (
        f"/plugins/fromni/status/{CLINIC}/not-the-secret",
        f"/plugins/fromni/status/clinic-nowhere/{secret}",
    ):
        refused = await fromni_calls.post(path, json=status)
        assert refused.status_code == 404, refused.text
    assert (await hub.message(message_id))["status"] == "sent"


@sqlite_only
async def test_a_status_about_an_unknown_message_is_acknowledged_without_effect(
    hub: Harness, fake: FakeFromni, clinic: str, fromni_calls: httpx.AsyncClient
) -> None:
    message_id, _ = await sent_message(hub)
    report = fake.only().report or ""
    answer = await fromni_calls.post(
        report, json={"id": "ffffffffffffffffffffffff", "status": "read"}
    )
    assert (answer.status_code, answer.json()) == (200, {"result": "success"})
    assert (await hub.message(message_id))["status"] == "sent"
    bad = await fromni_calls.post(
        report, content=b"not json", headers={"content-type": "text/plain"}
    )
    assert bad.status_code == 422


@sqlite_only
async def test_balance_check_and_status(hub: Harness, fake: FakeFromni, clinic: str) -> None:
    fake.balance = Decimal("84.75")
    balance = await hub.client.get(f"/api/v1/clinics/{CLINIC}/balance?channel=messenger")
    assert balance.status_code == 200 and "84.75" in balance.text, balance.text
    check = await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/fromni/check")
    assert check.json()["ok"] is True, check.text
    masked = f"{BASE_URL}/plugins/fromni/status/{CLINIC}/•••"
    assert check.json()["details"]["webhook"] == masked
    status = await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/fromni/status")
    assert status.json()["status"]["webhook"]["url"] == masked
    wrong = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/fromni?check=true",
        json={"settings": {"token": "00000000-wrong-token-0000"}},
    )
    assert wrong.status_code == 422 and "did not accept the token" in wrong.text


@sqlite_only
async def test_the_token_and_the_webhook_secret_are_never_shown(
    hub: Harness, fake: FakeFromni, clinic: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    message_id, _ = await sent_message(hub)
    secret = (fake.only().report or "").rsplit("/", 1)[-1]
    assert len(secret) >= 32
    await fake.report(fake.only().id, "delivered", channel="telegram")
    refused = await send(hub)
    fake.api_error_next(500, f"Token {TOKEN} is blocked")  # a refusal repeating the token
    await hub.drain()
    assert (await hub.message(refused))["error"] == "Token *** is blocked"
    shown = [
        caplog.text,
        json.dumps(await hub.message(message_id)),
        json.dumps(await hub.message(refused)),
        json.dumps(await hub.journal(CLINIC)),
        (await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/fromni")).text,
        (await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/fromni/status")).text,
        (await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/fromni/check")).text,
    ]
    for text in shown:
        assert TOKEN not in text and secret not in text
    settings = (await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/fromni")).json()
    assert settings["settings"]["rate_limit_per_second"] == 10.0  # the account's pace
