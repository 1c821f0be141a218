"""What a plugin reads and writes through ``ctx``: the mirrored clinic data, a booking
made outside (written back to the clinic system through the feed), lab results."""

from __future__ import annotations

import datetime as dt

import pytest

from hub import LabResults
from hub.testing import Harness, RecordingPlugin

PORTAL = RecordingPlugin()
OTHER = RecordingPlugin()


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    PORTAL.received.clear()
    OTHER.received.clear()
    return {"portal": PORTAL, "other": OTHER}


@pytest.fixture
async def clinic(hub: Harness) -> Harness:
    await hub.create_clinic("clinic-1")
    await hub.seed_reference()
    await hub.put_patient("P-1001")
    await hub.enable("portal")
    await hub.enable("other")
    await hub.drain()
    PORTAL.received.clear()
    OTHER.received.clear()
    return hub


async def test_reading_the_clinic_data(clinic: Harness) -> None:
    hub = clinic
    await hub.put_appointment("A-1")
    await hub.put_appointment("A-2", start="2026-11-25T09:00:00", end=None)
    await hub.put_appointment("A-3", status="cancelled")
    ctx = await hub.context("portal")
    card = await ctx.get_patient("P-1001")
    assert card is not None and card.full_name == "Иванов Иван Иванович"
    assert await ctx.get_patient("P-404") is None
    a1 = await ctx.get_appointment("A-1")
    assert a1 is not None and a1.doctor is not None and a1.doctor.dative_short == "Петровой А. С."
    assert (await ctx.get_appointment("A-3")).cancelled is True  # type: ignore[union-attr]
    assert await ctx.get_appointment("A-404") is None
    tomorrow = await ctx.find_appointments(dt.datetime(2026, 11, 24), dt.datetime(2026, 11, 25))
    assert [a.id for a in tomorrow] == ["A-1"]
    both = await ctx.find_appointments(
        dt.datetime(2026, 11, 24, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
        include_cancelled=True,
    )
    assert [a.id for a in both] == ["A-1", "A-3", "A-2"]
    doctors = await ctx.reference("doctors")
    assert [(d["id"], d["dative"]) for d in doctors] == [("D-7", "Петровой Анне Сергеевне")]
    with pytest.raises(ValueError, match="unknown reference kind"):
        await ctx.reference("cabinets")


async def test_a_booking_made_outside_reaches_the_others_and_the_feed(clinic: Harness) -> None:
    hub = clinic
    ctx = await hub.context("portal")
    booked = await ctx.upsert_appointment(
        "WEB-1", {"patient_id": "P-1001", "doctor_id": "D-7", "start": "2026-11-24T15:00:00"}
    )
    assert booked.start == dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    assert (
        await ctx.upsert_appointment(
            "WEB-1", {"patient_id": "P-1001", "doctor_id": "D-7", "start": "2026-11-24T15:00:00"}
        )
    ).id == "WEB-1"
    await ctx.upsert_appointment(
        "WEB-1", {"patient_id": "P-1001", "doctor_id": "D-7", "start": "2026-11-24T16:00:00"}
    )
    await ctx.upsert_appointment(
        "WEB-1",
        {
            "patient_id": "P-1001",
            "doctor_id": "D-7",
            "start": "2026-11-24T16:00:00",
            "status": "cancelled",
            "cancel_reason": "отменено на портале",
        },
    )
    await hub.drain()
    assert OTHER.hooks() == [
        "on_appointment_created",
        "on_appointment_updated",
        "on_appointment_cancelled",
    ]
    assert PORTAL.received == []  # never told about its own change
    feed = await hub.feed("clinic-1")
    assert [(e["type"], e["source"]) for e in feed] == [
        ("appointment.booked", "portal"),
        ("appointment.changed", "portal"),
        ("appointment.cancelled", "portal"),
    ]
    assert feed[0]["data"]["appointment"]["start"] == "2026-11-24T12:00:00Z"
    assert feed[1]["data"]["changes"][0]["field"] == "start"
    assert feed[2]["data"]["reason"] == "отменено на портале"
    # the clinic system sees it as its own appointment now
    response = await hub.client.get("/api/v1/clinics/clinic-1/appointments/WEB-1")
    assert response.json()["cancelled"] is True


async def test_a_bad_booking_raises_and_writes_nothing(clinic: Harness) -> None:
    ctx = await clinic.context("portal")
    with pytest.raises(ValueError, match="unknown patient 'P-404'"):
        await ctx.upsert_appointment(
            "WEB-1", {"patient_id": "P-404", "start": "2026-11-24T15:00:00"}
        )
    with pytest.raises(ValueError, match="start"):
        await ctx.upsert_appointment("WEB-1", {"patient_id": "P-1001", "start": "завтра"})
    assert await ctx.get_appointment("WEB-1") is None
    assert await clinic.feed("clinic-1") == []


async def test_lab_results_reported_by_a_plugin(clinic: Harness) -> None:
    hub = clinic
    await hub.put_appointment("A-1")
    await hub.drain()
    OTHER.received.clear()
    PORTAL.received.clear()
    ctx = await hub.context("portal")
    await ctx.report_lab_results(
        LabResults(
            patient_id="P-1001", appointment_id="A-1", order_id="ORD-5", items=({"test": "ОАК"},)
        )
    )
    await hub.drain()
    assert OTHER.hooks() == ["on_lab_results_ready"]
    assert OTHER.received[0].args["results"].order_id == "ORD-5"
    assert PORTAL.received == []
    (event,) = await hub.feed("clinic-1")
    assert (event["type"], event["source"], event["data"]["order_id"]) == (
        "labs.results_ready",
        "portal",
        "ORD-5",
    )
    with pytest.raises(ValueError, match="unknown patient"):
        await ctx.report_lab_results(LabResults(patient_id="P-404"))
