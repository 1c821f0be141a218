"""The chatpush plugin in a running hub: a messenger message sent with ChatPush's cost,
its status from the webhook registered with a secret address or, without it, from the
poll; errors in the journal with ChatPush's codes and texts; the token never shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest

from hub.settings import HubSettings
from hub.testing import BASE_URL, Harness

from .conftest import CLINIC, SECRET, TOKEN
from .fake_chatpush import FakeChatpush

PLUGIN = f"/api/v1/clinics/{CLINIC}/plugins/chatpush"
WEBHOOK = f"{BASE_URL}/plugins/chatpush/webhook/{CLINIC}?secret={SECRET}"


async def send(hub: Harness, phone: str = "+79181234567", text: str = "Ждём вас завтра") -> int:
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages",
        json={"phone": phone, "text": text, "channel": "messenger"},
    )
    assert response.status_code in (200, 201, 202), response.text
    return int(response.json()["message"]["id"])


async def run_job(hub: Harness, job: str) -> dict[str, Any]:
    response = await hub.client.post(f"{PLUGIN}/jobs/{job}/run")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_message_is_sent_with_its_cost_and_delivered_by_the_webhook(
    hub: Harness, fake: FakeChatpush, clinic: str, chatpush_calls: httpx.AsyncClient
) -> None:
    run = await run_job(hub, "register_webhook")
    assert run["summary"].startswith("registered") and SECRET not in run["summary"]
    (hook,) = fake.hooks.values()
    assert (hook.url, hook.types) == (WEBHOOK, ["delivery_status"])
    assert (await run_job(hub, "register_webhook"))["summary"] == "webhook already registered"

    message_id = await send(hub)
    await hub.drain()
    detail = await hub.message(message_id)
    assert (detail["status"], detail["provider"]) == ("sent", "chatpush")
    assert Decimal(str(detail["cost"])) == Decimal("1.50")
    (sent,) = fake.sent()
    assert (sent.phone, sent.text) == ("79181234567", "Ждём вас завтра")

    fake.set_status(sent.id, "delivered")
    (answer,) = await fake.emit(chatpush_calls, sent.id)
    assert answer.status_code == 200 and answer.json()["taken"] is True
    assert (await hub.message(message_id))["status"] == "delivered"


async def test_a_webhook_with_a_wrong_or_no_secret_is_refused_and_changes_nothing(
    hub: Harness, fake: FakeChatpush, clinic: str, chatpush_calls: httpx.AsyncClient
) -> None:
    message_id = await send(hub)
    await hub.drain()
    (sent,) = fake.sent()
    fake.set_status(sent.id, "failed", "blocked")
    event = {"type": "delivery_status", "payload": {"delivery": sent.as_json()}}
    address = WEBHOOK.removeprefix(BASE_URL).split("?")[0]
    for query in ("?secret=not-the-secret-at-all", ""):
        response = await chatpush_calls.post(address + query, json=event)
        assert response.status_code == 403, response.text
    assert (await hub.message(message_id))["status"] == "sent"
    incoming = {"type": "max_incoming_msg", "payload": {"new_message": {"direction": "incoming"}}}
    response = await chatpush_calls.post(f"{address}?secret={SECRET}", json=incoming)
    assert response.json() == {"ok": True, "taken": False}
    bad = await chatpush_calls.post(f"{address}?secret={SECRET}", content=b"not json")
    assert bad.status_code == 422


async def test_registration_replaces_the_address_of_a_rotated_secret(
    hub: Harness, fake: FakeChatpush, clinic: str
) -> None:
    await run_job(hub, "register_webhook")
    await hub.enable("chatpush", CLINIC, settings={"webhook_secret": None})
    hub.runtime.invalidate()
    answer = await hub.client.post(f"{PLUGIN}/actions/register_webhook", json={})
    assert answer.status_code == 200, answer.text
    assert answer.json()["removed_stale"] == 1 and "•••" in answer.json()["url"]
    (hook,) = fake.hooks.values()
    assert hook.url.startswith(WEBHOOK.split("?")[0]) and SECRET not in hook.url
    shown = await hub.client.get(PLUGIN)
    assert shown.json()["settings"]["rate_limit_per_second"] == 1.0  # ChatPush's pace [?]
    new_secret = hook.url.split("secret=")[1]
    for text in (answer.text, shown.text):
        assert new_secret not in text and TOKEN not in text


async def test_a_failure_polled_is_journaled_with_chatpushs_status_and_words(
    hub: Harness, fake: FakeChatpush, clinic: str
) -> None:
    message_id = await send(hub)
    await hub.drain()
    (sent,) = fake.sent()
    fake.set_status(sent.id, "undelivered", "Number is not registered in the messenger")
    hub.clock.advance(dt.timedelta(minutes=11).total_seconds())
    run = await run_job(hub, "status_poll")
    assert "1 failed" in run["summary"]
    detail = await hub.message(message_id)
    assert (detail["status"], detail["error_code"]) == ("failed", "undelivered")
    assert detail["error"] == "Number is not registered in the messenger"


async def test_errors_fail_with_chatpushs_code_and_text_or_are_retried(
    hub: Harness, fake: FakeChatpush, clinic: str
) -> None:
    fake.fail_next(422, {"phone": ["The phone is not registered in the messenger."]})
    refused = await send(hub)
    await hub.drain()
    detail = await hub.message(refused)
    assert (detail["status"], detail["error_code"]) == ("failed", "422")
    assert "The phone is not registered in the messenger." in detail["error"]
    fake.fail_next(429)
    retried = await send(hub, text="второе")
    await hub.drain()
    assert (await hub.message(retried))["status"] == "queued"
    hub.clock.advance(3600)
    await hub.drain()
    assert (await hub.message(retried))["status"] == "sent"
    journal = await hub.journal(CLINIC, per_page=20)
    assert TOKEN not in str(journal)


async def test_balance_and_token_check(hub: Harness, fake: FakeChatpush, clinic: str) -> None:
    fake.total_amount = Decimal("84.75")
    balance = await hub.client.get(
        f"/api/v1/clinics/{CLINIC}/balance", params={"channel": "messenger"}
    )
    assert balance.status_code == 200 and balance.json()["amount"] == "84.75"
    assert (await hub.client.post(f"{PLUGIN}/check")).json()["ok"] is True
    wrong = await hub.client.put(
        f"{PLUGIN}?check=true", json={"settings": {"token": "not-the-token-1234"}}
    )
    assert wrong.status_code == 422 and "did not accept the token" in wrong.text
    assert "not-the-token-1234" not in wrong.text


class TestWithoutPublicUrl:
    @pytest.fixture
    def hub_settings(self, hub_settings: HubSettings) -> HubSettings:
        return hub_settings.model_copy(update={"public_url": None})

    async def test_nothing_is_registered_and_the_poll_reports_the_status(
        self, hub: Harness, fake: FakeChatpush, clinic: str
    ) -> None:
        run = await run_job(hub, "register_webhook")
        assert "HUB_PUBLIC_URL is not set" in run["summary"] and fake.hooks == {}
        message_id = await send(hub)
        await hub.drain()
        (sent,) = fake.sent()
        fake.set_status(sent.id, "read")
        hub.clock.advance(dt.timedelta(minutes=5).total_seconds())
        assert "asked about 0" in (await run_job(hub, "status_poll"))["summary"]
        hub.clock.advance(dt.timedelta(minutes=6).total_seconds())
        assert "1 delivered" in (await run_job(hub, "status_poll"))["summary"]
        assert (await hub.message(message_id))["status"] == "delivered"
