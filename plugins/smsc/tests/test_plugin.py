"""The smsc plugin in a running hub: a reminder sent with SMSC's cost, statuses polled,
errors in the journal with SMSC's codes and texts, the balance and the connection check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hub.testing import Harness

from .conftest import CLINIC, LOGIN, PASSWORD
from .fake_smsc import FakeSmsc


async def send(hub: Harness, phone: str = "+79181234567", text: str = "Ждём вас завтра") -> int:
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages", json={"phone": phone, "text": text}
    )
    assert response.status_code in (200, 201, 202), response.text
    return int(response.json()["message"]["id"])


async def test_a_message_is_sent_with_smscs_cost_and_delivered_by_the_poll(
    hub: Harness, fake: FakeSmsc, clinic: str
) -> None:
    message_id = await send(hub)
    await hub.drain()
    detail = await hub.message(message_id)
    assert (detail["status"], detail["provider"]) == ("sent", "smsc")
    assert Decimal(str(detail["cost"])) == Decimal("2.10")
    (sent,) = fake.sent()
    assert sent.text == "Ждём вас завтра" and sent.sender == "Clinic"
    fake.deliver(sent.id)
    hub.clock.advance(dt.timedelta(minutes=11).total_seconds())
    run = await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/smsc/jobs/status_poll/run")
    assert run.status_code == 200, run.text
    assert "1 delivered" in run.json()["summary"]
    assert (await hub.message(message_id))["status"] == "delivered"


async def test_a_number_smsc_refuses_fails_with_its_code_and_text(
    hub: Harness, fake: FakeSmsc, clinic: str
) -> None:
    fake.fail_next(8)
    message_id = await send(hub)
    await hub.drain()
    detail = await hub.message(message_id)
    assert (detail["status"], detail["error_code"]) == ("failed", "8")
    assert (
        detail["error"] == "сообщение на указанный номер не может быть доставлено"
    )  # SMSC's words


async def test_a_blocked_ip_is_retried(hub: Harness, fake: FakeSmsc, clinic: str) -> None:
    fake.fail_next(4)
    message_id = await send(hub)
    await hub.drain()
    assert (await hub.message(message_id))["status"] == "queued"
    hub.clock.advance(3600)
    await hub.drain()
    assert (await hub.message(message_id))["status"] == "sent"


async def test_balance_and_connection_check(hub: Harness, fake: FakeSmsc, clinic: str) -> None:
    fake.balance = Decimal("84.75")
    balance = await hub.client.get(f"/api/v1/clinics/{CLINIC}/balance")
    assert balance.status_code == 200, balance.text
    assert "84.75" in balance.text
    check = await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/smsc/check")
    assert check.json()["ok"] is True
    wrong = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/smsc?check=true",
        json={"settings": {"login": LOGIN, "password": "not-the-password"}},
    )
    assert wrong.status_code == 422
    assert "did not accept the login and password" in wrong.text


async def test_settings_need_a_key_or_a_login_and_password_and_never_show_them(
    hub: Harness, clinic: str
) -> None:
    bad = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/smsc",
        json={"settings": {"password": None, "login": None}},
    )
    assert bad.status_code == 422
    assert "api_key, or login and password" in bad.text
    shown = await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/smsc")
    assert PASSWORD not in shown.text
