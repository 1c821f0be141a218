"""Fallback across providers, end to end: a clinic routed ``sms: ["smsru", "smsc"]`` whose
sms.ru account is out of money (sms.ru's code 201) has its reminders delivered by SMSC;
the journal shows both attempts and the provider that delivered."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from hub.clock import FrozenClock
from hub.testing import Harness

from .conftest import CLINIC, SETTINGS
from .fake_smsc import FakeSmsc

smsru_fake = pytest.importorskip("smsru.tests.fake_smsru")
SMSRU_KEY = "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9"


class ByHost(httpx.AsyncBaseTransport):
    """Each host to its own fake, as the real internet would route them."""

    def __init__(self, apps: dict[str, httpx.AsyncBaseTransport]) -> None:
        self.apps = apps

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.apps[request.url.host].handle_async_request(request)


@pytest.fixture
def smsru(hub_clock: FrozenClock) -> object:
    service = smsru_fake.FakeSmsRu(SMSRU_KEY)
    service.clock = hub_clock.now
    return service


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["smsru", "smsc"]


@pytest.fixture
def hub_http_transport(fake: FakeSmsc, smsru: object) -> httpx.AsyncBaseTransport:
    return ByHost(
        {
            "sms.ru": httpx.ASGITransport(app=smsru.app),  # type: ignore[attr-defined]
            "smsc.ru": httpx.ASGITransport(app=fake.app),
        }
    )


async def test_reminders_go_through_smsc_when_smsru_is_out_of_money(
    hub: Harness, fake: FakeSmsc, smsru: object
) -> None:
    await hub.create_clinic(CLINIC, address="ул. Ленина, 1", channels={"sms": ["smsru", "smsc"]})
    await hub.enable("smsru", CLINIC, settings={"api_id": SMSRU_KEY, "cost_lookup": False})
    await hub.enable("smsc", CLINIC, settings=dict(SETTINGS))
    smsru.account.balance = Decimal("0")  # type: ignore[attr-defined]
    await hub.seed_reference(CLINIC)
    await hub.put_patient(clinic=CLINIC)
    await hub.put_appointment("A-1", clinic=CLINIC)
    run = await hub.client.post(f"/api/v1/clinics/{CLINIC}/reminders/run", json={})
    assert run.status_code == 200, run.text
    queued = [r for r in run.json()["recipients"] if r.get("message_id")]
    assert len(queued) == 1, str(run.json())
    (recipient,) = queued
    await hub.drain()
    detail = await hub.message(recipient["message_id"])
    assert (detail["status"], detail["provider"]) == ("sent", "smsc")
    attempts = [
        (h.get("provider"), h.get("code")) for h in detail["history"] if h["event"] == "attempt"
    ]
    assert attempts[0] == ("smsru", "201")  # sms.ru: «Не хватает средств на лицевом счету»
    assert attempts[-1][0] == "smsc"
    (sent,) = fake.sent()
    assert sent.phone.endswith("9181234567")
