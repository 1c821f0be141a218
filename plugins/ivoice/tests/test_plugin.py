"""The ivoice plugin in a running hub: a robot call about an appointment in Mgerm's payload,
the robot's patientConfirmation back as the patient's answer in the feed, errors in the
journal with Ivoice's codes and words, the token checked and never shown."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.testing import Harness

from .conftest import CALLBACK, CLINIC, SECRET, TOKEN
from .fake_ivoice import Call, FakeIvoice

PLUGIN = f"/api/v1/clinics/{CLINIC}/plugins/ivoice"


async def queue_call(hub: Harness, **target: Any) -> int:
    body = {"channel": "voice", "text": "Напоминание о приёме", **target}
    response = await hub.client.post(f"/api/v1/clinics/{CLINIC}/messages", json=body)
    assert response.status_code in (200, 201, 202), response.text
    return int(response.json()["message"]["id"])


@pytest.fixture
async def appointment(hub: Harness, clinic: str) -> str:
    await hub.seed_reference(CLINIC)
    await hub.put_patient("P-1001", CLINIC)
    await hub.put_appointment("A-1", CLINIC)
    return "A-1"


@pytest.fixture
async def call(hub: Harness, fake: FakeIvoice, appointment: str) -> Call:
    await queue_call(hub, appointment_id=appointment)
    await hub.drain()
    (made,) = fake.calls
    return made


async def feed_of(hub: Harness, type_: str) -> list[dict[str, Any]]:
    return [e for e in await hub.feed(CLINIC) if e["type"] == type_]


async def voice_message(hub: Harness) -> dict[str, Any]:
    (message,) = (await hub.journal(CLINIC, per_page=20))["items"]
    return dict(message)


async def test_the_call_carries_the_appointment_in_mgerms_payload(hub: Harness, call: Call) -> None:
    payload = call.payload
    assert set(payload) == {"id", "patient", "referrals", "firstReferral"}
    assert payload["id"] == "P-1001" and payload["patient"]["phone"] == "79181234567"
    assert payload["patient"]["fullName"] == "Иванов Иван Иванович"
    first = payload["firstReferral"]
    assert payload["referrals"] == [first] and first["id"] == "A-1"
    assert (first["timeStart"], first["hospital"]["name"]) == ("10:30", "Клиника clinic-1")
    assert first["doctor"]["specialty"] == {
        "id": "S-3",
        "name": "врач-терапевт",
        "dative": "врачу-терапевту",
    }
    assert first["doctor"]["dative"] == "Петровой Анне Сергеевне"
    message = await voice_message(hub)
    assert (message["status"], message["provider"]) == ("sent", "ivoice")


async def test_true_confirms_the_appointment(
    hub: Harness, fake: FakeIvoice, call: Call, ivoice_calls: httpx.AsyncClient
) -> None:
    response = await fake.answer(ivoice_calls, CALLBACK, call, True)
    assert response.json() == {"ok": True, "taken": True}
    (event,) = await feed_of(hub, "appointment.confirmed")
    assert event["source"] == "ivoice" and event["data"]["appointment_id"] == "A-1"
    shown = (await hub.client.get(f"/api/v1/clinics/{CLINIC}/appointments/A-1")).json()
    assert shown["communication_status"] == "Запись подтверждена"
    assert (await voice_message(hub))["status"] == "delivered"
    again = await fake.answer(ivoice_calls, CALLBACK, call, "true")
    assert again.json() == {"ok": True, "taken": False}
    assert len(await feed_of(hub, "appointment.confirmed")) == 1


async def test_false_is_the_patients_cancellation(
    hub: Harness, fake: FakeIvoice, call: Call, ivoice_calls: httpx.AsyncClient
) -> None:
    response = await fake.answer(ivoice_calls, CALLBACK, call, False)
    assert response.json() == {"ok": True, "taken": True}
    (event,) = await feed_of(hub, "appointment.cancelled_by_patient")
    assert event["source"] == "ivoice" and event["data"]["appointment_id"] == "A-1"
    assert await feed_of(hub, "appointment.confirmed") == []


async def test_unknown_ids_wrong_secrets_and_bad_bodies_change_nothing(
    hub: Harness, call: Call, ivoice_calls: httpx.AsyncClient
) -> None:
    unknown = await ivoice_calls.post(CALLBACK, json={"id": "P-404", "patientConfirmation": True})
    assert unknown.status_code == 200 and unknown.json() == {"ok": True, "taken": False}
    wrong = CALLBACK.replace(SECRET, "not-the-callback-secret")
    refused = await ivoice_calls.post(wrong, json={"id": "P-1001", "patientConfirmation": True})
    assert refused.status_code == 403
    for body in ({"id": "P-1001", "patientConfirmation": "yes"}, {"patientConfirmation": True}):
        bad = await ivoice_calls.post(CALLBACK, json=body)
        assert bad.status_code == 422, bad.text
    assert await feed_of(hub, "appointment.confirmed") == []
    assert (await voice_message(hub))["status"] == "sent"


async def test_errors_fail_with_ivoices_code_and_words_or_are_retried(
    hub: Harness, fake: FakeIvoice, appointment: str
) -> None:
    no_appointment = await queue_call(hub, phone="+79181234567")
    fake.fail_next(402)
    refused = await queue_call(hub, appointment_id=appointment)
    await hub.drain()
    first = await hub.message(no_appointment)
    assert (first["status"], first["error_code"]) == ("failed", "no_appointment")
    detail = await hub.message(refused)
    assert (detail["status"], detail["error_code"]) == ("failed", "402")
    assert "Недостаточно средств на балансе." in detail["error"]
    await hub.put_appointment("B-1", CLINIC)
    cancelled = await queue_call(hub, appointment_id="B-1")
    gone = await hub.client.delete(
        f"/api/v1/clinics/{CLINIC}/appointments/B-1", params={"reason": "пациент перезвонил"}
    )
    assert gone.status_code == 200, gone.text
    await hub.drain()
    gone = await hub.message(cancelled)
    assert (gone["status"], gone["error_code"]) == ("failed", "appointment_cancelled")
    assert fake.calls == []
    fake.fail_next(429)
    retried = await queue_call(hub, appointment_id=appointment, text="ещё раз")
    await hub.drain()
    assert (await hub.message(retried))["status"] == "queued"
    hub.clock.advance(3600)
    await hub.drain()
    assert (await hub.message(retried))["status"] == "sent"
    assert TOKEN not in str(await hub.journal(CLINIC, per_page=20))


async def test_the_token_is_checked_and_never_shown(hub: Harness, clinic: str) -> None:
    check = (await hub.client.post(f"{PLUGIN}/check")).json()
    assert check["ok"] is True
    assert check["details"]["callback_url"].startswith(
        f"http://hub.test/plugins/ivoice/callback/{CLINIC}/•••"
    )
    wrong = await hub.client.put(
        f"{PLUGIN}?check=true", json={"settings": {"token": "not-the-token-1234"}}
    )
    assert wrong.status_code == 422 and "did not accept the token" in wrong.text
    shown = await hub.client.get(PLUGIN)
    for text in (wrong.text, shown.text, str(check)):
        assert TOKEN not in text and SECRET not in text and "not-the-token-1234" not in text
