"""The qtelecom plugin in a running hub: reminders sent and their states polled, errors in
the journal with QuickTelecom's words, the balance, the connection check and a password
that never shows."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest

from hub.testing import Harness

from .conftest import CLINIC, LOGIN, PASSWORD
from .fake_qtelecom import TEXTS, FakeQtelecom


async def send(hub: Harness, phone: str = "+79181234567", text: str = "Ждём вас завтра") -> int:
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages", json={"phone": phone, "text": text}
    )
    assert response.status_code in (200, 201, 202), response.text
    return int(response.json()["message"]["id"])


async def poll(hub: Harness) -> str:
    hub.clock.advance(dt.timedelta(minutes=11).total_seconds())
    run = await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/qtelecom/jobs/status_poll/run")
    assert run.status_code == 200, run.text
    return str(run.json()["summary"])


async def test_messages_are_sent_and_their_final_states_polled(
    hub: Harness, fake: FakeQtelecom, clinic: str
) -> None:
    delivered, undelivered, waiting = [await send(hub, f"+7918123456{n}") for n in range(3)]
    await hub.drain()
    detail = await hub.message(delivered)
    assert (detail["status"], detail["provider"], detail["cost"]) == ("sent", "qtelecom", None)
    first, second, _ = fake.sent()
    assert (first.text, first.sender, first.phone) == ("Ждём вас завтра", "Clinic", "+79181234560")
    assert f'sms id="{first.id}"' in str(detail["raw"])  # QuickTelecom's answer, as received
    fake.deliver(first.id)
    fake.set_state(second.id, "not_delivered")
    assert await poll(hub) == "asked about 3: 1 delivered, 1 failed, 1 pending"
    assert (await hub.message(delivered))["status"] == "delivered"
    failed = await hub.message(undelivered)
    assert (failed["status"], failed["error_code"], failed["error"]) == (
        "failed",
        "not_delivered",
        "Сообщение не доставлено",
    )
    assert (await hub.message(waiting))["status"] == "sent"


async def test_a_one_off_text_longer_than_quicktelecom_takes_is_refused_at_once(
    hub: Harness, fake: FakeQtelecom, clinic: str
) -> None:
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages", json={"phone": "+79181234567", "text": "я" * 470}
    )
    assert response.status_code == 422  # 8 parts; QuickTelecom takes 480 characters
    assert "qtelecom sends at most 7 parts" in response.text
    assert fake.requests == []


async def test_a_number_quicktelecom_refuses_fails_with_its_words(
    hub: Harness, fake: FakeQtelecom, clinic: str
) -> None:
    fake.fail_next(TEXTS["bad_number"].format(target="+79181234567"))
    message_id = await send(hub)
    await hub.drain()
    detail = await hub.message(message_id)
    assert (detail["status"], detail["error_code"]) == ("failed", "bad_number")
    assert detail["error"] == "Неправильный номер телефона: +79181234567"


async def test_a_busy_quicktelecom_is_asked_again_later(
    hub: Harness, fake: FakeQtelecom, clinic: str
) -> None:
    fake.fail_next(TEXTS["busy"])
    message_id = await send(hub)
    await hub.drain()
    assert (await hub.message(message_id))["status"] == "queued"
    hub.clock.advance(3600)
    await hub.drain()
    assert (await hub.message(message_id))["status"] == "sent"
    assert len(fake.sent()) == 1


async def test_balance_and_connection_check(hub: Harness, fake: FakeQtelecom, clinic: str) -> None:
    fake.balance = Decimal("84.75")
    balance = await hub.client.get(f"/api/v1/clinics/{CLINIC}/balance")
    assert balance.status_code == 200, balance.text
    assert "84.75" in balance.text
    check = (await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/qtelecom/check")).json()
    assert check["ok"] is True and check["details"]["balance"] == "84.75", check
    assert fake.requests[-1].params["action"] == "balance"
    wrong = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/qtelecom?check=true",
        json={"settings": {"login": LOGIN, "password": "not-the-password"}},
    )
    assert wrong.status_code == 422
    assert "did not accept the login and password" in wrong.text
    assert "not-the-password" not in wrong.text


async def test_a_refused_password_fails_on_the_accounts_side_and_never_shows(
    hub: Harness, fake: FakeQtelecom, clinic: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.password = "changed-in-the-cabinet"
    message_id = await send(hub)
    await hub.drain()
    detail = await hub.message(message_id)
    assert (detail["status"], detail["error_code"]) == ("failed", "auth")
    assert detail["error"] == TEXTS["auth"]
    attempts = [h for h in detail["history"] if h["event"] == "attempt"]
    assert attempts and all(h.get("provider") == "qtelecom" for h in attempts)
    shown = await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/qtelecom")
    assert shown.status_code == 200 and LOGIN in shown.text
    for text in (str(detail), shown.text, caplog.text):
        assert PASSWORD not in text
