"""The must-shows, through the hub's HTTP API with the fake sms.ru: a one-off SMS is sent
and delivered, per-number errors fail with code and text, a 220 is retried, the balance
is the fake's, delivery statuses come by callback or by the status poll."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import httpx
import pytest

from hub.testing import Harness

from .fake_smsru import PRICE, TEXTS, FakeSmsRu, callback_form, status_record
from .support import API_ID, CLINIC, SETTINGS, callback_path, stored_secret

PHONE = "+79181234567"


@pytest.fixture
async def clinic(hub: Harness) -> str:
    """clinic-1 sending SMS through sms.ru, its callback address registered at the fake."""
    await hub.create_clinic(CLINIC, channels={"sms": ["smsru"]})
    await hub.enable("smsru", CLINIC, settings=dict(SETTINGS))
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/plugins/smsru/actions/register_callback", json={}
    )
    assert response.status_code == 200 and response.json()["registered"], response.text
    return CLINIC


async def send(hub: Harness, text: str = "Напоминаем о приёме завтра в 10:30") -> dict[str, Any]:
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages", json={"phone": PHONE, "text": text}
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["message"])


async def sent(hub: Harness, text: str = "Напоминаем о приёме завтра в 10:30") -> dict[str, Any]:
    queued = await send(hub, text)
    await hub.drain()
    return await hub.message(queued["id"])


async def test_one_off_sms_is_sent_then_delivered_by_callback(
    hub: Harness, clinic: str, fake: FakeSmsRu, hub_callbacks: httpx.AsyncClient
) -> None:
    message = await sent(hub)
    sms_id = message["provider_message_id"]
    assert message["status"] == "sent" and message["provider"] == "smsru"
    assert sms_id in fake.messages and fake.messages[sms_id].text == message["text"]
    assert message["cost"] == str(PRICE)
    assert message["raw"]["sms"]["79181234567"]["sms_id"] == sms_id
    row = (await hub.journal(CLINIC))["items"][0]
    assert (row["status"], row["cost"]) == ("sent", "3.49")

    hub.clock.advance(90)
    fake.deliver(sms_id, 103)
    responses = await fake.send_callbacks(hub_callbacks)
    assert [(r.status_code, r.text) for r in responses] == [(200, "100")]
    message = await hub.message(message["id"])
    assert message["status"] == "delivered"
    assert message["delivered_at"] == hub.clock.now().isoformat().replace("+00:00", "Z")
    journal = await hub.journal(CLINIC, status="sent")
    assert journal["items"][0]["status"] == "delivered" and journal["total_cost"] == "3.49"


@pytest.mark.parametrize("code", [104, 105, 106, 107, 108, 150])
async def test_undelivered_callback_fails_the_message_with_code_and_text(
    hub: Harness, clinic: str, fake: FakeSmsRu, hub_callbacks: httpx.AsyncClient, code: int
) -> None:
    message = await sent(hub)
    fake.deliver(message["provider_message_id"], code)
    await fake.send_callbacks(hub_callbacks)
    message = await hub.message(message["id"])
    assert (message["status"], message["error_code"]) == ("failed", str(code))
    assert message["error"] == TEXTS[code]


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda f: f.number_codes.update({"79181234567": 207}), 207),
        (lambda f: f.number_codes.update({"79181234567": 202}), 202),
        (lambda f: f.number_codes.update({"79181234567": 215}), 215),
        (lambda f: f.account.stoplist.update({"79181234567": "отказ"}), 209),
    ],
)
async def test_per_number_errors_fail_the_message_with_code_and_text(
    hub: Harness, clinic: str, fake: FakeSmsRu, setup: Any, code: int
) -> None:
    setup(fake)
    message = await sent(hub)
    assert (message["status"], message["error_code"]) == ("failed", str(code))
    assert message["error"] == TEXTS[code]
    assert message["attempts"] == 1 and message["sent_at"] is None
    assert fake.messages == {} and fake.account.balance == Decimal("100.00")
    failed = await hub.journal(CLINIC, status="error")
    assert failed["total"] == 1 and failed["items"][0]["error_code"] == str(code)


async def test_a_220_answer_is_retried_then_succeeds(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.fail_next(220, times=2)
    queued = await send(hub)
    for _ in range(2):
        await hub.drain()
        message = await hub.message(queued["id"])
        assert message["status"] == "queued" and message["error_code"] == "220"
        hub.clock.set(dt.datetime.fromisoformat(message["next_attempt_at"]))
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["status"] == "sent" and message["attempts"] == 3
    attempts = [h for h in message["history"] if h["event"] == "attempt"]
    assert [a["outcome"] for a in attempts] == ["transient", "transient", "accepted"]
    assert len(fake.calls("sms/send")) == 3 and len(fake.messages) == 1


async def test_no_money_is_a_provider_side_failure(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.account.balance = Decimal("1.00")
    message = await sent(hub)
    assert (message["status"], message["error_code"]) == ("failed", "201")
    assert message["error"] == TEXTS[201]
    assert "no other provider" in message["history"][-1]["text"]


async def test_balance_is_the_fakes(hub: Harness, clinic: str, fake: FakeSmsRu) -> None:
    fake.account.balance = Decimal("4122.56")
    balance = (await hub.client.get(f"/api/v1/clinics/{CLINIC}/balance")).json()
    assert balance["provider"] == "smsru" and balance["amount"] == "4122.56"
    await sent(hub)
    balance = (await hub.client.get(f"/api/v1/clinics/{CLINIC}/balance")).json()
    assert balance["amount"] == str(Decimal("4122.56") - PRICE)


async def test_balance_error_is_reported_not_raised(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.fail_next(500, method="my/balance")
    response = await hub.client.get(f"/api/v1/clinics/{CLINIC}/balance")
    assert response.status_code == 200
    assert response.json()["amount"] is None and "500" in response.json()["error"]


# --- callbacks with several records, unknown ids, wrong hashes ------------------------------------


async def test_several_records_in_one_callback_and_an_unknown_id(
    hub: Harness, clinic: str, fake: FakeSmsRu, hub_callbacks: httpx.AsyncClient
) -> None:
    first, second, third = [await sent(hub, f"Сообщение {i}") for i in range(3)]
    at = hub.clock.now()
    records = [
        status_record(first["provider_message_id"], 103, at),
        status_record("199901-0000001", 103, at),  # not a message of this hub
        status_record(second["provider_message_id"], 102, at),  # still in transit
        status_record(third["provider_message_id"], 108, at),
    ]
    response = await hub_callbacks.post(
        callback_path(await stored_secret(hub)), data=callback_form(API_ID, records)
    )
    assert (response.status_code, response.text) == (200, "100")
    statuses = [(await hub.message(m["id"]))["status"] for m in (first, second, third)]
    assert statuses == ["delivered", "sent", "failed"]


async def test_a_repeated_callback_changes_nothing(
    hub: Harness, clinic: str, fake: FakeSmsRu, hub_callbacks: httpx.AsyncClient
) -> None:
    message = await sent(hub)
    form = callback_form(
        API_ID, [status_record(message["provider_message_id"], 103, hub.clock.now())]
    )
    path = callback_path(await stored_secret(hub))
    for _ in range(2):
        response = await hub_callbacks.post(path, data=form)
        assert response.text == "100"
    history = (await hub.message(message["id"]))["history"]
    assert [h["status"] for h in history].count("delivered") == 1


async def test_a_wrong_hash_changes_nothing(
    hub: Harness, clinic: str, fake: FakeSmsRu, hub_callbacks: httpx.AsyncClient
) -> None:
    message = await sent(hub)
    form = callback_form(
        "SOMEONE-ELSES-KEY", [status_record(message["provider_message_id"], 104, hub.clock.now())]
    )
    response = await hub_callbacks.post(callback_path(await stored_secret(hub)), data=form)
    assert response.status_code == 403
    after = await hub.message(message["id"])
    assert after["status"] == "sent" and after["history"] == message["history"]


async def test_a_failed_callback_answer_makes_the_fake_send_again(
    hub: Harness, clinic: str, fake: FakeSmsRu, hub_callbacks: httpx.AsyncClient
) -> None:
    """sms.ru resends until it gets ``100``: a rotated secret (404) keeps records pending."""
    message = await sent(hub)
    fake.deliver(message["provider_message_id"], 103)
    await hub.enable("smsru", CLINIC, settings={"callback_secret": None})
    hub.runtime.invalidate()
    responses = await fake.send_callbacks(hub_callbacks)
    assert responses[0].status_code == 404
    await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/plugins/smsru/actions/register_callback", json={}
    )
    responses = await fake.send_callbacks(hub_callbacks)
    assert [r.text for r in responses] == ["100"]
    assert (await hub.message(message["id"]))["status"] == "delivered"


# --- the status poll ---------------------------------------------------------------------------


async def test_the_status_poll_reports_what_no_callback_did(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    delivered, failed, waiting = [await sent(hub, f"Сообщение {i}") for i in range(3)]
    await hub.tick()  # the first poll: nothing is old enough yet
    fake.deliver(delivered["provider_message_id"], 103)
    fake.deliver(failed["provider_message_id"], 105)
    hub.clock.advance(dt.timedelta(minutes=16))
    await hub.tick()
    after = [await hub.message(m["id"]) for m in (delivered, failed, waiting)]
    assert [m["status"] for m in after] == ["delivered", "failed", "sent"]
    assert (after[1]["error_code"], after[1]["error"]) == ("105", TEXTS[105])
    assert after[0]["cost"] == str(PRICE)
    polls = fake.calls("sms/status")
    assert len(polls) == 1 and len(polls[0].form["sms_id"].split(",")) == 3
    log = (await hub.client.get(f"/api/v1/clinics/{CLINIC}/jobs")).json()["items"]
    summary = next(
        r["summary"]
        for r in log
        if r["job"] == "status_poll" and "asked about 3" in (r["summary"] or "")
    )
    assert "1 delivered, 1 failed, 1 pending" in summary


async def test_the_status_poll_can_be_turned_off(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    await hub.enable("smsru", CLINIC, settings={"status_poll_minutes": 0})
    hub.runtime.invalidate()
    await sent(hub)
    hub.clock.advance(dt.timedelta(hours=2))
    await hub.tick()
    assert fake.calls("sms/status") == []
