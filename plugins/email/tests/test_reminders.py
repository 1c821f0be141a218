"""Contact priority end to end: a clinic whose reminders go ``["sms", "email"]`` reminds a
patient with no mobile phone by e-mail (the journal shows the SMS passed over), and a
patient with a mobile by SMS."""

from __future__ import annotations

import pytest

from hub.testing import Harness

from .fake_smtp import FakeSmtp
from .support import CLINIC, PATIENT, settings_for


@pytest.fixture
def hub_plugin_names() -> list[str]:
    return ["email", "console"]


async def test_a_patient_without_a_mobile_gets_the_reminder_by_email(
    hub: Harness, server: FakeSmtp
) -> None:
    await hub.create_clinic(
        CLINIC,
        address="ул. Ленина, 1",
        channels={"sms": ["console"], "email": ["email"]},
        reminders={"channels": ["sms", "email"]},
    )
    await hub.enable("console", CLINIC)
    await hub.enable("email", CLINIC, settings=settings_for(server))
    await hub.seed_reference(CLINIC)
    await hub.put_patient("P-1", clinic=CLINIC, phones=["8 (4012) 55-66-77"], email=PATIENT)
    await hub.put_patient("P-2", clinic=CLINIC, phones=["8 (918) 123-45-67"])
    await hub.put_appointment("A-1", clinic=CLINIC, patient_id="P-1")
    await hub.put_appointment("A-2", clinic=CLINIC, patient_id="P-2")

    run = await hub.client.post(f"/api/v1/clinics/{CLINIC}/reminders/run", json={})
    assert run.status_code == 200, run.text
    by_appointment = {r["appointment_id"]: r for r in run.json()["recipients"]}
    assert by_appointment["A-1"]["channel"] == "email"
    assert by_appointment["A-1"]["address"] == PATIENT
    assert by_appointment["A-2"]["channel"] == "sms"
    await hub.drain()

    detail = await hub.message(by_appointment["A-1"]["message_id"])
    assert (detail["status"], detail["channel"], detail["provider"]) == ("sent", "email", "email")
    assert detail["subject"] == "Напоминание о приёме"
    skipped = [h for h in detail["history"] if h["event"] == "channel_skipped"]
    assert [(h["channel"], h["code"]) for h in skipped] == [("sms", "not_mobile")]
    (got,) = server.received
    assert got.recipients == [PATIENT]
    assert got.message["Subject"] == "Напоминание о приёме"
    assert "Петровой" in got.message.get_content() or "10:30" in got.message.get_content()

    sms = await hub.message(by_appointment["A-2"]["message_id"])
    assert (sms["status"], sms["channel"], sms["provider"]) == ("sent", "sms", "console")


async def test_without_any_usable_contact_the_skip_names_each_channel(
    hub: Harness, server: FakeSmtp
) -> None:
    await hub.create_clinic(
        CLINIC,
        channels={"sms": ["console"], "email": ["email"]},
        reminders={"channels": ["sms", "email"]},
    )
    await hub.enable("console", CLINIC)
    await hub.enable("email", CLINIC, settings=settings_for(server))
    await hub.seed_reference(CLINIC)
    await hub.put_patient("P-1", clinic=CLINIC, phones=[])
    await hub.put_appointment("A-1", clinic=CLINIC, patient_id="P-1")
    run = (await hub.client.post(f"/api/v1/clinics/{CLINIC}/reminders/run", json={})).json()
    assert [r for r in run["recipients"] if r.get("message_id")] == []
    (skip,) = run["skipped"]
    assert skip["detail"].startswith("sms: ") and "email: " in skip["detail"]


async def test_reminder_channels_are_each_named_once(hub: Harness) -> None:
    response = await hub.client.post(
        "/api/v1/clinics",
        json={
            "id": CLINIC,
            "name": "Клиника",
            "timezone": "Europe/Moscow",
            "reminders": {"channels": ["sms", "sms"]},
        },
    )
    assert response.status_code == 422 and "each channel at most once" in response.text
