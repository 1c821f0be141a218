"""Batched sending (``send_messages``): the SMS of a clinic ready at the same moment go in
one ``sms/send`` request of the multi form (``to[<number>]=<text>``, up to 100), and
each message's result, retries and journal entry are exactly those of a single send."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hub.testing import Harness

from .fake_smsru import PRICE, TEXTS, FakeSmsRu
from .support import CLINIC, SETTINGS

PHONES = [f"+7918000000{i}" for i in range(5)]


@pytest.fixture
async def clinic(hub: Harness) -> str:
    await hub.create_clinic(CLINIC, channels={"sms": ["smsru"]})
    await hub.enable("smsru", CLINIC, settings=dict(SETTINGS))
    return CLINIC


async def queue(hub: Harness, phone: str, text: str) -> int:
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages", json={"phone": phone, "text": text}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["message"]["id"])


async def queue_all(hub: Harness, phones: list[str] = PHONES) -> list[int]:
    return [
        await queue(hub, phone, f"Напоминаем о приёме, пациент {i}")
        for i, phone in enumerate(phones)
    ]


def numbers(form: dict[str, str]) -> dict[str, str]:
    """The multi form's number -> text."""
    return {k[3:-1]: v for k, v in form.items() if k.startswith("to[")}


async def test_messages_ready_together_go_in_one_multi_request_each_with_its_own_text(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    ids = await queue_all(hub)
    await hub.drain()
    [request] = fake.calls("sms/send")
    assert "to" not in request.form and "msg" not in request.form
    assert numbers(request.form) == {
        p.lstrip("+"): f"Напоминаем о приёме, пациент {i}" for i, p in enumerate(PHONES)
    }
    assert request.form["from"] == "Clinic"
    [priced] = fake.calls("sms/cost")  # the cost of the batch, asked the same way
    assert numbers(priced.form) == numbers(request.form)
    for i, message_id in enumerate(ids):
        message = await hub.message(message_id)
        phone = PHONES[i].lstrip("+")
        sms_id = message["provider_message_id"]
        assert (message["status"], message["cost"]) == ("sent", str(PRICE))
        assert fake.messages[sms_id].phone == phone
        assert fake.messages[sms_id].text == f"Напоминаем о приёме, пациент {i}"
        # the journal keeps the envelope with this message's own number only
        assert list(message["raw"]["sms"]) == [phone]
        assert message["raw"]["sms"][phone]["sms_id"] == sms_id
    journal = await hub.journal(CLINIC, status="sent")
    assert journal["total"] == len(PHONES) and journal["total_cost"] == str(PRICE * 5)


async def test_each_number_gets_its_own_code_from_the_multi_answer(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    refused, limited = PHONES[1].lstrip("+"), PHONES[2].lstrip("+")
    fake.number_codes[refused] = 207  # permanent, the recipient's: the message fails
    fake.number_codes[limited] = 231  # transient: retried later
    ids = await queue_all(hub)
    await hub.drain()
    assert len(fake.calls("sms/send")) == 1
    statuses = [(await hub.message(i))["status"] for i in ids]
    assert statuses == ["sent", "failed", "queued", "sent", "sent"]
    failed = await hub.message(ids[1])
    assert (failed["error_code"], failed["error"]) == ("207", TEXTS[207])
    retried = await hub.message(ids[2])
    assert retried["error_code"] == "231" and retried["attempts"] == 1
    assert [line["event"] for line in retried["history"]] == ["queued", "attempt"]
    assert len(fake.messages) == 3 and fake.account.balance == Decimal("100.00") - 3 * PRICE

    fake.number_codes.clear()
    hub.clock.advance(3600)
    await hub.drain()
    assert (await hub.message(ids[2]))["status"] == "sent"
    assert len(fake.messages) == 4, "only the retried message was sent again"


async def test_a_request_level_error_retries_every_message_of_the_request(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.fail_next(220)
    ids = await queue_all(hub)
    await hub.drain()
    for message_id in ids:
        message = await hub.message(message_id)
        assert (message["status"], message["error_code"]) == ("queued", "220")
    assert fake.messages == {}

    hub.clock.advance(3600)
    await hub.drain()
    assert [(await hub.message(i))["status"] for i in ids] == ["sent"] * len(ids)
    assert len(fake.messages) == len(ids), "each sent exactly once"


async def test_an_account_error_falls_back_for_every_message_of_the_request(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.fail_next(200)  # the api_id is wrong: provider-side, no other provider here
    ids = await queue_all(hub, PHONES[:2])
    await hub.drain()
    for message_id in ids:
        message = await hub.message(message_id)
        assert (message["status"], message["error_code"]) == ("failed", "200")
        assert message["history"][-1]["event"] == "fallback"


async def test_one_number_twice_goes_in_two_requests(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    """``to[<number>]`` is a form key: a number can be in a request once."""
    first = await queue(hub, PHONES[0], "Первое")
    second = await queue(hub, PHONES[0], "Второе")
    await hub.drain()
    sends = fake.calls("sms/send")
    assert sorted(numbers(r.form)[PHONES[0].lstrip("+")] for r in sends) == ["Второе", "Первое"]
    for message_id in (first, second):
        assert (await hub.message(message_id))["status"] == "sent"
    assert {m.text for m in fake.messages.values()} == {"Первое", "Второе"}


async def test_batch_send_off_sends_one_request_per_sms(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    await hub.enable("smsru", CLINIC, settings={**SETTINGS, "batch_send": False})
    ids = await queue_all(hub)
    await hub.drain()
    sends = fake.calls("sms/send")
    assert sorted(r.form["to"] for r in sends) == sorted(p.lstrip("+") for p in PHONES)
    assert all(not numbers(r.form) for r in sends)
    assert [(await hub.message(i))["status"] for i in ids] == ["sent"] * len(ids)


async def test_a_message_of_no_digits_fails_alone(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    """The plugin's own check, as for a single send (the hub normally refuses such a
    number when it is queued)."""
    from hub_smsru import delivery

    from hub import OutgoingMessage

    ctx: Any = await hub.context("smsru", CLINIC)

    def sms(i: int, address: str) -> OutgoingMessage:
        return OutgoingMessage(
            id=i,
            clinic_id=CLINIC,
            kind="one_off",
            channel="sms",
            address=address,
            text="Текст",
            idempotency_key=f"k{i}",
        )

    results = await delivery.send_batch(ctx, [sms(1, PHONES[0]), sms(2, "нет номера")])
    assert results is not None
    assert [r.outcome for r in results] == ["accepted", "permanent"]
    assert results[1].error_code == "202"
    assert len(fake.calls("sms/send")) == 1
