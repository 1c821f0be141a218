"""Mirroring appointments (issue §3): linked patients only, cancel with its reason, a restore
not sent, future appointments sent on link, failures retried by the outbox."""

from __future__ import annotations

from hub.testing import Harness

from .fake_ondoc import FakeOndoc
from .support import CLINIC, action, link, linked_patient, poll

APPTS = f"/api/v1/clinics/{CLINIC}/appointments"


async def dead_deliveries(hub: Harness) -> list[dict[str, object]]:
    response = await hub.client.get(
        "/api/v1/deliveries", params={"status": "dead", "clinic": CLINIC, "plugin": "ondoc"}
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_an_appointment_of_a_linked_patient_is_sent_with_the_clinic_ids_and_offset(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    await hub.put_appointment("A-1", CLINIC, comment="натощак")
    await hub.drain()
    appt = fake.appointment("A-1")
    assert appt is not None and appt.status == "active"
    assert appt.data == {
        "mis_patient_id": "P-1001",
        "doctor_id": "D-7",
        "specialty_id": "S-3",
        "service_ids": ["SRV-1"],
        "start": "2026-11-24T10:30:00+03:00",
        "end": "2026-11-24T11:00:00+03:00",
        "cabinet": "214",
        "comment": "натощак",
    }
    await hub.put_appointment("A-1", CLINIC, cabinet="301")
    await hub.drain()
    assert fake.appointment("A-1").data["cabinet"] == "301"  # type: ignore[union-attr]


async def test_the_utc_offset_setting_overrides_the_clinic_zone(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    response = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/ondoc", json={"settings": {"utc_offset": "GMT+4"}}
    )
    assert response.status_code == 200, response.text
    await linked_patient(hub, fake)
    await hub.put_appointment("A-1", CLINIC)
    await hub.drain()
    assert fake.appointment("A-1").data["start"] == "2026-11-24T11:30:00+04:00"  # type: ignore[union-attr]


async def test_an_unlinked_patients_appointment_never_leaves_the_hub(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await link(hub)  # a code was issued, but the patient never entered it
    await hub.put_appointment("A-1", CLINIC)
    await hub.put_appointment("A-1", CLINIC, cabinet="301")
    await hub.client.request("DELETE", f"{APPTS}/A-1", json={"reason": "Болеет"})
    await hub.drain()
    assert fake.calls("PUT", "/appointments") == []
    assert fake.calls("DELETE", "/appointments") == []
    assert fake.appointments == {}


async def test_a_cancel_carries_its_reason(hub: Harness, fake: FakeOndoc, clinic: str) -> None:
    await linked_patient(hub, fake)
    await hub.put_appointment("A-1", CLINIC)
    await hub.put_appointment("A-2", CLINIC)
    await hub.drain()
    response = await hub.client.request(
        "DELETE", f"{APPTS}/A-1", json={"reason": "Пациент заболел"}
    )
    assert response.status_code in (200, 204), response.text
    await hub.put_appointment("A-2", CLINIC, status="cancelled", cancel_reason="Врач в отпуске")
    await hub.drain()
    assert {r.path: r.body for r in fake.calls("DELETE", "/appointments")} == {
        "/appointments/A-1": {"reason": "Пациент заболел"},
        "/appointments/A-2": {"reason": "Врач в отпуске"},
    }
    a1, a2 = fake.appointment("A-1"), fake.appointment("A-2")
    assert a1 is not None and (a1.status, a1.reason) == ("cancelled", "Пациент заболел")
    assert a2 is not None and (a2.status, a2.reason) == ("cancelled", "Врач в отпуске")


async def test_a_cancel_without_a_reason_still_says_why(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    await hub.put_appointment("A-1", CLINIC)
    await hub.drain()
    await hub.client.delete(f"{APPTS}/A-1")
    await hub.drain()
    assert fake.appointment("A-1").reason == "Отменена в клинике"  # type: ignore[union-attr]


async def test_a_restored_appointment_is_not_sent(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    await hub.put_appointment("A-1", CLINIC)
    await hub.drain()
    await hub.client.request("DELETE", f"{APPTS}/A-1", json={"reason": "Ошибка записи"})
    await hub.drain()
    calls = len(fake.requests)
    await hub.put_appointment("A-1", CLINIC, status="booked")  # restored in the clinic system
    await hub.drain()
    assert fake.requests[calls:] == []
    assert fake.appointment("A-1").status == "cancelled"  # type: ignore[union-attr]


async def test_when_a_patient_links_their_future_appointments_are_sent(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await hub.put_appointment("A-1", CLINIC)
    await hub.put_appointment("A-2", CLINIC, start="2026-11-30T09:00:00", end="2026-11-30T09:20:00")
    await hub.put_appointment(
        "A-old", CLINIC, start="2026-11-20T09:00:00", end="2026-11-20T09:20:00"
    )
    await hub.put_appointment("A-gone", CLINIC, status="cancelled", cancel_reason="x")
    await hub.drain()
    assert fake.appointments == {}
    answer = await link(hub)
    fake.enter_code(answer["code"])
    await poll(hub)
    assert {a.mis_appointment_id for a in fake.appointments.values()} == {"A-1", "A-2"}


async def test_a_failed_mirror_call_is_retried_by_the_outbox_until_it_goes_through(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    fake.fail_next("/appointments/A-1", 503)
    fake.time_out_next("/appointments/A-1")
    await hub.put_appointment("A-1", CLINIC)
    await hub.drain()
    assert fake.appointment("A-1") is None
    for _ in range(3):
        hub.clock.advance(600)
        await hub.drain()
    assert fake.appointment("A-1") is not None
    # time-out, 503, then through (the time-out never reached the portal's log)
    assert len(fake.calls("PUT", "/appointments/A-1")) == 2


async def test_a_mirror_call_that_keeps_failing_is_dead_and_visible(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    fake.fail_next("/appointments/A-1", 500, times=100)
    await hub.put_appointment("A-1", CLINIC)
    for _ in range(30):
        await hub.drain()
        hub.clock.advance(3600)
    [dead] = await dead_deliveries(hub)
    assert "HTTP 500" in str(dead["last_error"])
    plugins = (await hub.client.get("/api/v1/plugins")).json()["items"]
    [ondoc] = [p for p in plugins if p["name"] == "ondoc"]
    assert any("HTTP 500" in str(e) for e in ondoc["last_errors"])
    status = (await action(hub, "status", patient_id="P-1001")).json()
    assert status["linked"] is True
