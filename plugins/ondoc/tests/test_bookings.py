"""Bookings made in the portal (issue §5): written back, in the feed once, adopted by the
clinic system without a duplicate, unmapped ids published rather than dropped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.testing import Harness

from .fake_ondoc import FakeOndoc
from .support import CLINIC, events, linked_patient, poll

MSK = dt.timezone(dt.timedelta(hours=3))
START = dt.datetime(2026, 11, 25, 12, 0, tzinfo=MSK)
APPTS = f"/api/v1/clinics/{CLINIC}/appointments"


async def appointments(hub: Harness) -> list[dict[str, Any]]:
    window = {"start_from": "2026-11-01T00:00:00+03:00", "start_to": "2027-01-01T00:00:00+03:00"}
    response = await hub.client.get(APPTS, params=window)
    assert response.status_code == 200, response.text
    body = response.json()
    return list(body["items"] if isinstance(body, dict) else body)


async def test_a_portal_booking_reaches_the_feed_once_and_is_adopted_without_a_duplicate(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    booking = fake.book("P-1001", doctor_id="D-7", start=START, service_ids=("SRV-1",))
    run = await poll(hub)
    assert run["status"] == "ok" and "1 new" in run["summary"]
    await poll(hub)  # read again: nothing new
    await hub.drain()

    [created] = await events(hub, "ondoc.booking")
    assert created["type"] == "ondoc.booking_created"
    data = created["data"]
    assert data["booking_id"] == booking and data["patient_id"] == "P-1001"
    assert "unmapped" not in data and "problems" not in data
    [booked] = await events(hub, "appointment.booked")
    hub_id = booked["data"]["appointment_id"]
    assert data["appointment_id"] == hub_id
    assert booked["data"]["appointment"]["doctor_id"] == "D-7"
    assert booked["data"]["appointment"]["start"].startswith("2026-11-25T09:00:00")

    # The clinic system books it under its own id, adopting the hub's.
    response = await hub.client.put(
        f"{APPTS}/MIS-900",
        json={
            "adopts": hub_id,
            "patient_id": "P-1001",
            "doctor_id": "D-7",
            "services": [{"id": "SRV-1"}],
            "start": "2026-11-25T12:00:00",
            "end": "2026-11-25T12:30:00",
        },
    )
    assert response.status_code in (200, 201), response.text
    await hub.drain()
    assert [a["id"] for a in await appointments(hub)] == ["MIS-900"]
    # The adopting PUT changed the appointment (the comment): before mirroring it, the
    # plugin tells the portal the clinic's id, so the portal still holds one booking.
    assert fake.acks == {booking: "MIS-900"}
    assert len(fake.appointments) == 1
    await poll(hub)
    assert len(await events(hub, "ondoc.booking")) == 1

    # Later edits in the clinic update the same booking in the portal.
    await hub.put_appointment(
        "MIS-900", CLINIC, start="2026-11-25T13:00:00", end="2026-11-25T13:30:00"
    )
    await hub.drain()
    assert len(fake.appointments) == 1
    assert fake.appointment("MIS-900").data["start"] == "2026-11-25T13:00:00+03:00"  # type: ignore[union-attr]

    # The patient moves it in the portal: the clinic's appointment moves, keeping its cabinet.
    fake.reschedule(booking, start=START + dt.timedelta(hours=3), end=START + dt.timedelta(hours=4))
    await poll(hub)
    [updated] = await events(hub, "ondoc.booking_updated")
    assert updated["data"]["appointment_id"] == "MIS-900"
    moved = (await hub.client.get(f"{APPTS}/MIS-900")).json()
    assert moved["start"].startswith("2026-11-25T12:00:00") and moved["cabinet"] == "214"
    assert [a["id"] for a in await appointments(hub)] == ["MIS-900"]


async def test_an_adoption_with_the_same_data_is_acknowledged_once(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    booking = fake.book("P-1001", doctor_id="D-7", start=START)
    await poll(hub)
    [booked] = await events(hub, "appointment.booked")
    adopted = {**booked["data"]["appointment"], "adopts": booked["data"]["appointment_id"]}
    for name in ("id", "patient", "doctor", "specialty", "cancelled", "communication_status"):
        adopted.pop(name, None)
    response = await hub.client.put(f"{APPTS}/MIS-901", json=adopted)
    assert response.status_code in (200, 201), response.text
    await hub.drain()
    await poll(hub)
    await poll(hub)
    assert fake.acks == {booking: "MIS-901"}
    assert len(fake.calls("POST", "/appointments/changes/")) == 1  # acknowledged once
    assert [a["id"] for a in await appointments(hub)] == ["MIS-901"]


async def test_a_booking_cancelled_in_the_portal_is_cancelled_in_the_hub_with_its_reason(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    booking = fake.book("P-1001", doctor_id="D-7", start=START)
    await poll(hub)
    fake.cancel(booking, "Не смогу прийти")
    await poll(hub)
    await hub.drain()
    assert [e["type"] for e in await events(hub, "ondoc.booking")] == [
        "ondoc.booking_created",
        "ondoc.booking_cancelled",
    ]
    [cancelled] = await events(hub, "appointment.cancelled")
    assert cancelled["data"]["reason"] == "Не смогу прийти"


async def test_a_mirrored_appointment_cancelled_by_the_patient_in_the_portal(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    await hub.put_appointment("A-1", CLINIC)
    await hub.drain()
    fake.cancel("A-1", "Передумал")
    await poll(hub)
    response = await hub.client.get(f"{APPTS}/A-1")
    assert response.json()["cancelled"] is True
    assert response.json()["cancel_reason"] == "Передумал"
    [event] = await events(hub, "ondoc.booking")
    assert event["data"]["appointment_id"] == "A-1" and event["data"]["reason"] == "Передумал"


async def test_a_booking_for_an_unmapped_doctor_and_service_is_published_with_what_is_unmapped(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    fake.book("P-1001", doctor_id="ondoc-doc-5", start=START, service_ids=("SRV-1", "ondoc-srv-9"))
    await poll(hub)
    [created] = await events(hub, "ondoc.booking")
    assert created["data"]["unmapped"] == {
        "doctor_id": "ondoc-doc-5",
        "service_ids": ["ondoc-srv-9"],
    }
    assert created["data"]["appointment_id"] is not None
    [booked] = await events(hub, "appointment.booked")
    assert booked["data"]["appointment"]["doctor_id"] is None
    assert [s["id"] for s in booked["data"]["appointment"]["services"]] == ["SRV-1"]


async def test_a_portal_id_mapped_in_the_platform_is_translated(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    response = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/ondoc/mappings/doctors",
        json=[{"hub_id": "D-7", "external_id": "ondoc-doc-5"}],
    )
    assert response.status_code == 200, response.text
    await linked_patient(hub, fake)
    fake.book("P-1001", doctor_id="ondoc-doc-5", start=START)
    await poll(hub)
    [created] = await events(hub, "ondoc.booking")
    assert "unmapped" not in created["data"]
    [booked] = await events(hub, "appointment.booked")
    assert booked["data"]["appointment"]["doctor_id"] == "D-7"


async def test_a_booking_of_an_unknown_patient_or_unreadable_is_published_not_dropped(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    fake.links["P-GONE"] = "op-77"
    booking = fake.book("P-GONE", doctor_id="D-7", start=START)
    fake.changes.append({"id": "b-x", "type": "created", "appointment": {}, "at": "soon"})
    run = await poll(hub)
    assert run["status"] == "ok", run
    published = {e["data"]["booking_id"]: e for e in await events(hub, "ondoc.booking")}
    unknown, unreadable = published[booking], published["b-x"]
    assert unknown["data"]["appointment_id"] is None
    assert "P-GONE" in unknown["data"]["problems"][0]
    assert unreadable["data"]["booking_id"] == "b-x"
    assert "cannot be read" in unreadable["data"]["problems"][0]
    await poll(hub)
    assert len(await events(hub, "ondoc.booking")) == 2
    assert await events(hub, "appointment.booked") == []


async def test_a_portal_that_is_down_loses_nothing(
    hub: Harness, fake: FakeOndoc, clinic: str
) -> None:
    await linked_patient(hub, fake)
    fake.book("P-1001", doctor_id="D-7", start=START)
    fake.fail_next("/appointments/changes", 502)
    run = await poll(hub)
    assert run["status"] != "ok" and "HTTP 502" in (run["summary"] or "")
    assert await events(hub, "ondoc.booking") == []
    run = await poll(hub)
    assert run["status"] == "ok"
    assert len(await events(hub, "ondoc.booking")) == 1
