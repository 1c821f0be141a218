"""One-off sends (issue 4 item 6), balance (9) and communication status (10), through the
API as a clinic uses them: from an appointment with a template, or to a phone with a text."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from hub import (
    Balance,
    ChannelSettings,
    ChannelSpec,
    DeliveryResult,
    HookContext,
    OutgoingMessage,
    hookimpl,
)
from hub.testing import Harness

URL = "/api/v1/clinics/clinic-1/messages"


async def events_of(hub: Harness, type: str, count: int = 1) -> list[dict[str, Any]]:
    """The feed's events of ``type`` once ``count`` are visible: on PostgreSQL the feed
    holds back new events while an older transaction anywhere on the server is open."""
    found: list[dict[str, Any]] = []
    for _ in range(50):
        found = [e for e in await hub.feed() if e["type"] == type]
        if len(found) >= count:
            break
        await asyncio.sleep(0.1)
    return found


BODY = "{patient_name_patronymic}, ждём Вас {date} в {time} у {doctor_dative_short}, каб. {cabinet}"


class Gateway:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self.balance_fails = False

    @hookimpl
    def register_settings_model(self) -> type[ChannelSettings]:
        return ChannelSettings

    @hookimpl
    def register_channels(self) -> list[str | ChannelSpec]:
        # the gateway's own limit of SMS parts per text, as sms.ru's 8
        return [ChannelSpec(name="sms", max_parts=8), "email"]

    @hookimpl
    async def send_message(self, ctx: HookContext, message: OutgoingMessage) -> DeliveryResult:
        self.sent.append(message)
        return DeliveryResult.accepted(f"gw-{message.id}", cost=Decimal("3.69"))

    @hookimpl
    async def get_balance(self, ctx: HookContext) -> Balance:
        if self.balance_fails:
            raise ConnectionError("gateway did not answer")
        return Balance(amount=Decimal("52.54"))


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()


@pytest.fixture
def hub_extra_plugins(gateway: Gateway) -> dict[str, object]:
    return {"gateway": gateway}


@pytest.fixture
async def clinic(hub: Harness) -> str:
    await hub.create_clinic(
        "clinic-1", channels={"sms": ["gateway"]}, communication_status="Отправили SMS"
    )
    await hub.enable("gateway")
    await hub.seed_reference()
    await hub.put_patient()
    await hub.put_appointment()
    return "clinic-1"


async def _template(hub: Harness, **fields: object) -> int:
    response = await hub.client.post(
        "/api/v1/clinics/clinic-1/templates", json={"name": "Напоминание", "body": BODY, **fields}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_send_from_an_appointment_with_a_template(
    hub: Harness, clinic: str, gateway: Gateway
) -> None:
    template = await _template(hub)
    response = await hub.client.post(URL, json={"appointment_id": "A-1", "template_id": template})
    assert response.status_code == 201, response.text
    answer = response.json()
    message = answer["message"]
    assert (
        message["text"] == "Иван Иванович, ждём Вас 24.11.2026 в 10:30 у Петровой А. С., каб. 214"
    )
    assert (message["phone"], message["recipient"]) == ("+79181234567", "Иванов Иван Иванович")
    assert (message["appointment_id"], message["appointment_at"]) == ("A-1", "2026-11-24T07:30:00Z")
    assert (message["kind"], message["patient_id"]) == ("reminder", "P-1001")
    assert answer["balance"]["amount"] == "52.54"
    await hub.drain()
    assert [m.text for m in gateway.sent] == [message["text"]]


async def test_default_template_of_the_kind_is_used(hub: Harness, clinic: str) -> None:
    await _template(hub, name="не по умолчанию", body="другой текст {date}")
    await _template(hub, is_default=True)
    response = await hub.client.post(URL, json={"appointment_id": "A-1"})
    assert response.status_code == 201, response.text
    assert response.json()["message"]["text"].startswith("Иван Иванович, ждём Вас")


async def test_phone_and_text(hub: Harness, clinic: str) -> None:
    response = await hub.client.post(
        URL, json={"phone": "8-926-555-12-34", "text": "Ваш анализ готов"}
    )
    assert response.status_code == 201, response.text
    message = response.json()["message"]
    assert (message["phone"], message["kind"], message["status"]) == (
        "+79265551234",
        "custom",
        "queued",
    )


async def test_a_corrected_phone_replaces_the_cards(hub: Harness, clinic: str) -> None:
    response = await hub.client.post(
        URL, json={"appointment_id": "A-1", "text": "x", "phone": "+79265551234"}
    )
    assert response.json()["message"]["phone"] == "+79265551234"


async def test_sent_appointment_message_sets_the_communication_status(
    hub: Harness, clinic: str
) -> None:
    await hub.client.post(URL, json={"appointment_id": "A-1", "text": "Ждём Вас завтра"})
    assert not [e for e in await hub.feed() if e["type"] == "appointment.communication_status"]
    await hub.drain()
    events = await events_of(hub, "appointment.communication_status")
    assert [e["data"]["appointment_id"] for e in events] == ["A-1"]
    assert events[0]["data"]["communication_status"] == "Отправили SMS"
    async with hub.runtime.db.session() as session:
        from hub.intake.snapshots import load_appointments

        (appointment,) = await load_appointments(session, "clinic-1", ids=["A-1"])
    assert appointment.communication_status == "Отправили SMS"
    # a second message about it changes nothing, so nothing new is published
    await hub.client.post(URL, json={"appointment_id": "A-1", "text": "Ещё раз"})
    await hub.drain()
    assert len(await events_of(hub, "appointment.communication_status", 2)) == 1


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"phone": "+79181234567", "text": "   "}, 422, "text is empty"),
        ({"phone": "+79181234567"}, 422, "text is required"),
        ({"text": "x"}, 422, "give phone, patient_id or appointment_id"),
        ({"phone": "+79181234567", "text": "я" * 537}, 422, "9 SMS parts; gateway sends at most 8"),
        ({"phone": "+7 495 123-45-67", "text": "x"}, 422, "not_mobile"),
        ({"phone": "12345", "text": "x"}, 422, "invalid_phone"),
        ({"appointment_id": "A-404", "template_id": 1}, 422, "no appointment 'A-404'"),
        ({"appointment_id": "A-1", "template_id": 999}, 422, "no template 999"),
        ({"appointment_id": "A-1"}, 422, "no default sms template of kind 'reminder'"),
        ({"patient_id": "P-404", "text": "x"}, 422, "no patient card 'P-404'"),
        ({"phone": "+79181234567", "text": "x", "surprise": 1}, 422, "surprise"),
    ],
)
async def test_bad_input_is_a_clear_error(
    hub: Harness, clinic: str, body: dict[str, object], status: int, says: str
) -> None:
    response = await hub.client.post(URL, json=body)
    assert response.status_code == status, response.text
    assert says in str(response.json()["detail"])
    assert (await hub.journal())["total"] == 0


async def test_a_template_that_renders_an_empty_placeholder_is_refused(
    hub: Harness, clinic: str
) -> None:
    await hub.put_appointment("A-2", cabinet=None)
    template = await _template(hub)
    response = await hub.client.post(URL, json={"appointment_id": "A-2", "template_id": template})
    assert response.status_code == 422
    assert "{cabinet}" in response.json()["detail"]


async def test_opted_out_patient_gets_nothing_unless_essential(hub: Harness, clinic: str) -> None:
    await hub.put_patient(opt_out=True)
    response = await hub.client.post(URL, json={"appointment_id": "A-1", "text": "Акция!"})
    assert response.status_code == 409
    assert "opted out" in response.json()["detail"]
    essential = await hub.client.post(
        URL, json={"patient_id": "P-1001", "text": "Код 123456789", "essential": True}
    )
    assert essential.status_code == 201


async def test_card_without_a_mobile_is_refused_and_reported_in_the_feed(
    hub: Harness, clinic: str
) -> None:
    await hub.put_patient("P-2", phones=["+7 (495) 123-45-67"])
    await hub.put_appointment("A-2", patient_id="P-2")
    response = await hub.client.post(URL, json={"appointment_id": "A-2", "text": "x"})
    assert response.status_code == 422
    assert "not_mobile" in response.json()["detail"]
    warnings = [e for e in await events_of(hub, "card.warning") if e["source"] == "hub"]
    assert warnings[-1]["data"]["patient_id"] == "P-2"
    assert warnings[-1]["data"]["reason"] == "not_mobile"


async def test_no_provider_for_the_channel_is_409(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    response = await hub.client.post(URL, json={"phone": "+79181234567", "text": "x"})
    assert response.status_code == 409
    assert "no enabled provider plugin sends sms" in response.json()["detail"]


async def test_balance_endpoint_and_a_failing_provider(
    hub: Harness, clinic: str, gateway: Gateway
) -> None:
    response = await hub.client.get("/api/v1/clinics/clinic-1/balance")
    assert response.json() == {
        "provider": "gateway",
        "amount": "52.54",
        "currency": "RUB",
        "error": None,
    }
    gateway.balance_fails = True
    response = await hub.client.get("/api/v1/clinics/clinic-1/balance")
    assert response.status_code == 200
    assert response.json()["amount"] is None
    assert "did not answer" in response.json()["error"]
    assert (
        await hub.client.get("/api/v1/clinics/clinic-1/balance", params={"provider": "nope"})
    ).status_code == 404


async def test_preview_with_a_real_appointment(hub: Harness, clinic: str) -> None:
    template = await _template(hub)
    response = await hub.client.post(
        f"/api/v1/clinics/clinic-1/templates/{template}/preview", json={"appointment_id": "A-1"}
    )
    preview = response.json()
    assert (
        preview["text"] == "Иван Иванович, ждём Вас 24.11.2026 в 10:30 у Петровой А. С., каб. 214"
    )
    assert (preview["sample"], preview["sendable"]) == (False, True)
    assert (preview["characters"], preview["parts"]) == (69, 1)  # one UCS-2 SMS (70 at most)


async def test_a_template_with_the_confirm_link_gets_a_working_answer_link(
    hub: Harness, clinic: str
) -> None:
    template = await _template(hub, body="Подтвердите приём {date} в {time}: {confirm_link}")
    response = await hub.client.post(URL, json={"appointment_id": "A-1", "template_id": template})
    assert response.status_code == 201, response.text
    text = response.json()["message"]["text"]
    link = text.rsplit(" ", 1)[-1]
    assert link.startswith("http://hub.test/r/") and len(link.rsplit("/", 1)[-1]) >= 22
    page = await hub.client_for(None).get(link.removeprefix("http://hub.test"))
    assert page.status_code == 200
    assert "Клиника clinic-1" in page.text and "Подтвердить" in page.text
