"""Who gets a reminder: ``ctx.remindable_appointments(day)`` applies the SMS reminders'
own rules (one function for both), so a voice robot calls exactly whom an SMS run would
text, and skips the others for the same reasons."""

from __future__ import annotations

import datetime as dt
from typing import Any

from probekit import CLINIC, action, probe_clinic  # noqa: F401

from hub.testing import Harness

TOMORROW = dt.date(2026, 11, 24)


async def setup(hub: Harness) -> None:
    hub.clock.set(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
    await probe_clinic(
        hub,
        address="ул. Ленина, 1",
        reminders={"excluded_services": ["SRV-9"], "excluded_price_list_sections": ["PL-DMS"]},
    )
    await hub.seed_reference()
    await hub.put_reference(
        "price_list_sections",
        [{"id": "PL-A", "name": "Платные"}, {"id": "PL-DMS", "name": "ДМС"}],
    )
    await hub.put_reference(
        "services",
        [
            {"id": "SRV-1", "name": "Приём терапевта", "price_list_section": "PL-A"},
            {"id": "SRV-9", "name": "Справка", "price_list_section": "PL-A"},
            {"id": "SRV-2", "name": "Приём по ДМС", "price_list_section": "PL-DMS"},
        ],
    )
    patients: dict[str, dict[str, Any]] = {
        "P-1001": {"phones": ["8 (918) 123-45-67"]},
        "P-opt": {"phones": ["+79181110001"], "opt_out": True},
        "P-in": {"phones": ["+79181110002"], "inpatient": True},
        "P-none": {"phones": []},
        "P-land": {"phones": ["+7 (495) 123-45-67"]},
        "P-stop": {"phones": ["+79181110003"]},
    }
    for patient_id, fields in patients.items():
        await hub.put_patient(patient_id, **fields)
    stop = await hub.client.put(f"/api/v1/clinics/{CLINIC}/stoplist/+79181110003", json={})
    assert stop.status_code in (200, 201), stop.text
    day = TOMORROW.isoformat()
    for patient_id in patients:
        await hub.put_appointment(
            "A-" + patient_id[2:].replace("1001", "ok"),
            patient_id=patient_id,
            start=f"{day}T11:00",
            end=None,
        )
    await hub.put_appointment(
        "A-srv", services=[{"id": "SRV-1"}, {"id": "SRV-9"}], start=f"{day}T12:00", end=None
    )
    await hub.put_appointment("A-dms", services=[{"id": "SRV-2"}], start=f"{day}T13:00", end=None)
    await hub.put_appointment("A-cancel", status="cancelled", start=f"{day}T14:00", end=None)
    await hub.put_appointment(
        "A-later", start=f"{(TOMORROW + dt.timedelta(days=1)).isoformat()}T09:00", end=None
    )


async def test_the_same_appointments_as_the_sms_reminder_for_the_same_reasons(
    hub: Harness,
) -> None:
    await setup(hub)
    found = await action(hub, "remindable", {"day": TOMORROW.isoformat()})
    assert found["eligible"] == ["A-ok"]
    skipped = {s["appointment_id"]: s["reason"] for s in found["skipped"]}
    assert skipped == {
        "A-opt": "opt_out",
        "A-in": "inpatient",
        "A-none": "no_phone",
        "A-land": "not_mobile",
        "A-stop": "stop_list",
        "A-srv": "excluded_service",
        "A-dms": "excluded_price_list_section",
        "A-cancel": "cancelled",
    }
    # the hub's own SMS reminder (a dry run) decides the same
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/reminders/run", json={"dry_run": True}
    )
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["date"] == TOMORROW.isoformat()
    assert [r["appointment_id"] for r in run["recipients"]] == found["eligible"]
    assert {s["appointment_id"]: s["reason"] for s in run["skipped"]} == skipped


async def test_cards_without_a_usable_phone_are_flagged_and_voice_takes_a_landline(
    hub: Harness,
) -> None:
    await setup(hub)
    await action(hub, "remindable", {"day": TOMORROW.isoformat()})
    warnings = [e["data"] for e in await hub.feed() if e["type"] == "card.warning"]
    assert sorted((w["patient_id"], w["reason"]) for w in warnings) == [
        ("P-land", "not_mobile"),
        ("P-none", "no_phone"),
    ]
    voice = await action(hub, "remindable", {"day": TOMORROW.isoformat(), "channel": "voice"})
    assert sorted(voice["eligible"]) == ["A-land", "A-ok"]
