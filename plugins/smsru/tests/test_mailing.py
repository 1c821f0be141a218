"""A group mailing through sms.ru: the answer shows sms.ru's cost estimate (sms/cost),
then every message is sent and charged as estimated."""

from __future__ import annotations

from decimal import Decimal

from hub.testing import Harness

from .fake_smsru import PRICE, FakeSmsRu
from .support import CLINIC, SETTINGS

PATIENTS = {"P-1": "+7 918 000-00-01", "P-2": "+7 918 000-00-02", "P-3": "+7 918 000-00-03"}


async def test_a_mailing_shows_sms_rus_estimate_then_sends_at_that_cost(
    hub: Harness, fake: FakeSmsRu
) -> None:
    await hub.create_clinic(CLINIC, channels={"sms": ["smsru"]})
    await hub.enable("smsru", CLINIC, settings=dict(SETTINGS))
    await hub.seed_reference(CLINIC)
    for number, (patient, phone) in enumerate(PATIENTS.items()):
        await hub.put_patient(patient, CLINIC, phones=[phone])
        await hub.put_appointment(f"A-{number}", CLINIC, patient_id=patient)
    template = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/templates",
        json={
            "name": "Приглашение",
            "kind": "mailing",
            "is_default": True,
            "body": "{patient_first_name}, ждём Вас {date} в {time}, каб. {cabinet}. "
            "Если планы изменились, позвоните нам, пожалуйста.",
        },
    )
    assert template.status_code == 201, template.text
    today = hub.clock.now().date().isoformat()
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/mailings",
        json={
            "name": "Приглашение",
            "period_from": today,
            "period_to": "2026-11-30",
        },
    )
    assert response.status_code == 201, response.text
    mailing = response.json()
    assert mailing["queued"] == 3
    # each text is over 70 Cyrillic characters: two parts at sms.ru's price each
    assert mailing["estimate"] == {
        "provider": "smsru",
        "total_cost": str(PRICE * 6),
        "parts": 6,
        "currency": "RUB",
    }
    assert len(fake.calls("sms/cost")) == 1 and fake.calls("sms/send") == []

    await hub.drain()
    journal = await hub.journal(CLINIC, mailing=mailing["id"])
    assert {r["status"] for r in journal["items"]} == {"sent"}
    assert Decimal(journal["total_cost"]) == PRICE * 6
    assert fake.account.balance == Decimal("100.00") - PRICE * 6
