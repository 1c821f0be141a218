"""Appointments through the API: change detection, local times, references, bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hub.testing import Harness, RecordingPlugin

RECORDER = RecordingPlugin()
URL = "/api/v1/clinics/clinic-1/appointments"
BODY: dict[str, Any] = {
    "patient_id": "P-1001",
    "doctor_id": "D-7",
    "specialty_id": "S-3",
    "start": "2026-11-24T10:30:00",
    "end": "2026-11-24T11:00:00",
    "cabinet": "214",
    "services": [{"id": "SRV-1", "price_list_section": "PL-A"}],
    "status": "booked",
    "comment": "",
}


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    RECORDER.received.clear()
    return {"recorder": RECORDER}


@pytest.fixture
async def clinic(hub: Harness) -> Harness:
    await hub.create_clinic("clinic-1")
    await hub.seed_reference()
    await hub.put_patient("P-1001")
    await hub.enable("recorder")
    return hub


async def _put(hub: Harness, body: dict[str, Any], appointment_id: str = "A-1") -> dict[str, Any]:
    response = await hub.client.put(f"{URL}/{appointment_id}", json=body)
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def test_create_update_cancel_restore_each_reach_the_plugin(clinic: Harness) -> None:
    hub = clinic
    created = await hub.client.put(f"{URL}/A-1", json=BODY)
    assert created.status_code == 201
    assert created.json()["result"] == "created"
    assert (await _put(hub, BODY))["result"] == "unchanged"  # the same PUT twice
    updated = await _put(
        hub,
        {**BODY, "start": "2026-11-24T11:00:00", "end": "2026-11-24T11:30:00", "cabinet": "301"},
    )
    assert updated["result"] == "updated"
    assert updated["changes"] == [
        {"field": "start", "old": "2026-11-24T07:30:00Z", "new": "2026-11-24T08:00:00Z"},
        {"field": "end", "old": "2026-11-24T08:00:00Z", "new": "2026-11-24T08:30:00Z"},
        {"field": "cabinet", "old": "214", "new": "301"},
    ]
    cancelled = await hub.client.request("DELETE", f"{URL}/A-1", json={"reason": "пациент заболел"})
    assert cancelled.status_code == 200
    assert cancelled.json()["result"] == "cancelled"
    assert cancelled.json()["appointment"]["cancel_reason"] == "пациент заболел"
    again = await hub.client.request("DELETE", f"{URL}/A-1", json={"reason": "ещё раз"})
    assert again.json()["result"] == "unchanged"
    restored = await _put(
        hub,
        {**BODY, "start": "2026-11-24T11:00:00", "end": "2026-11-24T11:30:00", "cabinet": "301"},
    )
    assert restored["result"] == "restored"
    assert restored["appointment"]["cancelled"] is False
    await hub.drain()
    got = [r for r in RECORDER.received if r.hook.startswith("on_appointment")]
    assert [r.hook for r in got] == [
        "on_appointment_created",
        "on_appointment_updated",
        "on_appointment_cancelled",
        "on_appointment_restored",
    ]
    assert [c.field for c in got[1].args["changes"]] == ["start", "end", "cabinet"]
    assert got[1].args["appointment"].cabinet == "301"
    assert got[2].args["reason"] == "пациент заболел"
    assert got[2].args["appointment"].cancelled is True
    assert got[3].args["appointment"].cancelled is False


async def test_the_plugin_gets_the_appointment_resolved(clinic: Harness) -> None:
    hub = clinic
    await _put(hub, {**BODY, "specialty_id": None, "services": [{"id": "SRV-1"}]})
    await hub.drain()
    appointment = RECORDER.received[-1].args["appointment"]
    assert appointment.start == dt.datetime(2026, 11, 24, 7, 30, tzinfo=dt.UTC)
    assert appointment.start.astimezone(dt.timezone(dt.timedelta(hours=3))).hour == 10
    assert appointment.patient.full_name == "Иванов Иван Иванович"
    assert (appointment.doctor.dative, appointment.doctor.dative_short) == (
        "Петровой Анне Сергеевне",
        "Петровой А. С.",
    )
    # the specialty defaults to the doctor's, the price-list section to the service's
    assert (appointment.specialty_id, appointment.specialty.dative) == ("S-3", "врачу-терапевту")
    assert appointment.services[0].model_dump() == {
        "id": "SRV-1",
        "name": "Приём терапевта",
        "price_list_section": "PL-A",
    }


async def test_times_with_an_offset_are_kept(clinic: Harness) -> None:
    body = await _put(clinic, {**BODY, "start": "2026-11-24T10:30:00+05:00", "end": None})
    assert body["appointment"]["start"] == "2026-11-24T05:30:00Z"


async def test_status_change_is_an_update_and_cancelled_status_cancels(clinic: Harness) -> None:
    hub = clinic
    await _put(hub, BODY)
    arrived = await _put(hub, {**BODY, "status": "arrived"})
    assert arrived["changes"] == [{"field": "status", "old": "booked", "new": "arrived"}]
    cancelled = await _put(hub, {**BODY, "status": "Cancelled", "cancel_reason": "перенос"})
    assert cancelled["result"] == "cancelled"
    assert cancelled["appointment"]["cancel_reason"] == "перенос"
    await hub.drain()
    assert [r.hook for r in RECORDER.received if "appointment" in r.hook] == [
        "on_appointment_created",
        "on_appointment_updated",
        "on_appointment_cancelled",
    ]
    assert RECORDER.received[-1].args["reason"] == "перенос"


async def test_delete_takes_the_reason_from_the_query(clinic: Harness) -> None:
    await _put(clinic, BODY)
    response = await clinic.client.delete(f"{URL}/A-1", params={"reason": "врач в отпуске"})
    assert response.json()["appointment"]["cancel_reason"] == "врач в отпуске"
    assert (await clinic.client.delete(f"{URL}/A-404")).status_code == 404


async def test_appointment_first_seen_cancelled_is_stored_without_an_event(clinic: Harness) -> None:
    body = await _put(clinic, {**BODY, "status": "cancelled"})
    assert (body["result"], body["appointment"]["cancelled"]) == ("created", True)
    await clinic.drain()
    assert [r.hook for r in RECORDER.received if "appointment" in r.hook] == []


@pytest.mark.parametrize(
    ("change", "loc", "words"),
    [
        ({"patient_id": "P-404"}, ["body", "patient_id"], "unknown patient"),
        ({"end": "2026-11-24T10:00:00"}, ["body", "end"], "ends before it starts"),
        ({"end": "2026-11-24T10:30:00"}, ["body", "end"], "ends before it starts"),
        ({"start": "24.11.2026 10:30"}, ["body", "start"], "ISO 8601"),
        ({"start": "2026-11-24"}, ["body", "start"], "ISO 8601"),
        ({"start": 1795000000}, ["body", "start"], "ISO 8601"),
        ({"start": "2026-13-24T10:30:00"}, ["body", "start"], "ISO 8601"),
        ({"doctor_id": "D-404"}, ["body", "doctor_id"], "unknown doctor"),
        ({"specialty_id": "S-404"}, ["body", "specialty_id"], "unknown specialty"),
        ({"services": [{"id": "SRV-404"}]}, ["body", "services", 0, "id"], "unknown service"),
        (
            {"services": [{"id": "SRV-1", "price_list_section": "PL-X"}]},
            ["body", "services", 0, "price_list_section"],
            "unknown price-list section",
        ),
        ({"room": "214"}, ["body", "room"], "Extra inputs"),
        ({"patient_id": None}, ["body", "patient_id"], ""),
    ],
)
async def test_bad_input_is_422_naming_the_problem_and_writes_nothing(
    clinic: Harness, change: dict[str, Any], loc: list[Any], words: str
) -> None:
    response = await clinic.client.put(f"{URL}/A-1", json={**BODY, **change})
    assert response.status_code == 422, response.text
    problems = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
    assert tuple(loc) in problems, problems
    assert words in problems[tuple(loc)]
    assert (await clinic.client.get(f"{URL}/A-1")).status_code == 404
    await clinic.drain()
    assert [r.hook for r in RECORDER.received if "appointment" in r.hook] == []


async def test_a_deleted_patient_takes_no_new_appointment(clinic: Harness) -> None:
    await clinic.client.delete("/api/v1/clinics/clinic-1/patients/P-1001")
    response = await clinic.client.put(f"{URL}/A-1", json=BODY)
    assert response.status_code == 422
    assert "deleted" in response.json()["errors"][0]["msg"]


async def test_read_back_one_and_a_period(clinic: Harness) -> None:
    hub = clinic
    await _put(hub, BODY, "A-1")
    await _put(hub, {**BODY, "start": "2026-11-25T09:00:00", "end": None}, "A-2")
    await _put(
        hub, {**BODY, "start": "2026-11-24T12:00:00", "end": None, "status": "cancelled"}, "A-3"
    )
    one = await hub.client.get(f"{URL}/A-3")
    assert (one.status_code, one.json()["cancelled"]) == (200, True)
    period = await hub.client.get(
        URL, params={"start_from": "2026-11-24T00:00:00", "start_to": "2026-11-25T00:00:00"}
    )
    assert [a["id"] for a in period.json()["items"]] == ["A-1"]
    with_cancelled = await hub.client.get(
        URL,
        params={
            "start_from": "2026-11-24T00:00:00",
            "start_to": "2026-11-26T00:00:00",
            "include_cancelled": True,
        },
    )
    assert [a["id"] for a in with_cancelled.json()["items"]] == ["A-1", "A-3", "A-2"]
    bad = await hub.client.get(
        URL, params={"start_from": "вчера", "start_to": "2026-11-25T00:00:00"}
    )
    assert bad.status_code == 422


async def test_concurrent_puts_of_a_new_appointment_create_it_once(clinic: Harness) -> None:
    """Racing writers: one creates, the others find it and compare (one event in all)."""
    import asyncio

    hub = clinic
    responses = await asyncio.gather(
        *(hub.client.put(f"{URL}/A-RACE", json=BODY) for _ in range(6))
    )
    assert sorted(r.json()["result"] for r in responses) == ["created"] + ["unchanged"] * 5
    await hub.drain()
    assert [r.hook for r in RECORDER.received if r.subject_id == "A-RACE"] == [
        "on_appointment_created"
    ]
