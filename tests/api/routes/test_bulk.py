"""Bulk intake: per-item results, good items kept and bad ones reported, 10,000 at once."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
import sqlalchemy as sa

from hub.testing import Harness, RecordingPlugin

RECORDER = RecordingPlugin()
URL = "/api/v1/clinics/clinic-1/bulk"


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    RECORDER.received.clear()
    return {"recorder": RECORDER}


@pytest.fixture
async def clinic(hub: Harness) -> Harness:
    await hub.create_clinic("clinic-1")
    await hub.seed_reference()
    await hub.enable("recorder")
    return hub


def patient(pid: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "last_name": "Сидорова",
        "first_name": "Мария",
        "phones": ["+7 918 000-00-00"],
        **fields,
    }


def appointment(aid: str, pid: str = "P-1", hour: int = 10, **fields: Any) -> dict[str, Any]:
    return {
        "id": aid,
        "patient_id": pid,
        "doctor_id": "D-7",
        "services": [{"id": "SRV-1", "price_list_section": "PL-A"}],
        "start": f"2026-11-24T{hour:02d}:00:00",
        "end": f"2026-11-24T{hour:02d}:30:00",
        **fields,
    }


async def _count(hub: Harness, table: str) -> int:
    async with hub.runtime.db.session() as session:
        return int((await session.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_good_items_are_kept_and_bad_ones_reported(clinic: Harness) -> None:
    hub = clinic
    body = {
        "patients": [
            patient("P-1"),
            patient("P-2", phones=["abc"]),
            patient("P-3", phones=[]),
            {"last_name": "Без id"},
        ],
        "appointments": [
            appointment("A-1"),
            appointment("A-2", pid="P-2"),  # its patient was refused in this batch
            appointment("A-3", end="2026-11-24T09:00:00"),
            appointment("A-1", hour=12),  # the same id twice
            appointment("A-4", pid="P-3", start="24.11.2026 10:00"),
            appointment("A-5", pid="P-3", hour=11, doctor_id="D-404"),
            appointment("A-6", pid="P-3", hour=11),
        ],
    }
    response = await hub.client.post(URL, json=body)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    summary = [(i["index"], i["kind"], i["id"], i["result"]) for i in items]
    assert summary == [
        (0, "patient", "P-1", "created"),
        (1, "patient", "P-2", "error"),
        (2, "patient", "P-3", "created"),
        (3, "patient", None, "error"),
        (0, "appointment", "A-1", "created"),
        (1, "appointment", "A-2", "error"),
        (2, "appointment", "A-3", "error"),
        (3, "appointment", "A-1", "error"),
        (4, "appointment", "A-4", "error"),
        (5, "appointment", "A-5", "error"),
        (6, "appointment", "A-6", "created"),
    ]
    errors = {(i["kind"], i["index"]): i for i in items if i["result"] == "error"}
    assert errors[("patient", 1)]["problems"][0]["loc"] == ["patients", 1, "phones", 0]
    assert "phones.0: is not a phone number" in errors[("patient", 1)]["error"]
    assert ["patients", 3, "id"] in [p["loc"] for p in errors[("patient", 3)]["problems"]]
    assert "unknown patient 'P-2'" in errors[("appointment", 1)]["error"]
    assert "ends before it starts" in errors[("appointment", 2)]["error"]
    assert "duplicate id" in errors[("appointment", 3)]["error"]
    assert errors[("appointment", 4)]["problems"][0]["loc"] == ["appointments", 4, "start"]
    assert "unknown doctor 'D-404'" in errors[("appointment", 5)]["error"]
    assert items[2]["warnings"][0]["reason"] == "no_phone"
    assert response.json()["counts"] == {
        "appointments.created": 2,
        "appointments.error": 5,
        "patients.created": 2,
        "patients.error": 2,
    }
    assert await _count(hub, "patient") == 2
    assert await _count(hub, "appointment") == 2
    await hub.drain()
    assert sorted(r.subject_id or "" for r in RECORDER.received) == ["A-1", "A-6", "P-1", "P-3"]


async def test_resending_the_batch_changes_nothing_and_emits_nothing(clinic: Harness) -> None:
    hub = clinic
    body = {
        "patients": [patient("P-1")],
        "appointments": [appointment("A-1"), appointment("A-2", hour=11)],
    }
    await hub.client.post(URL, json=body)
    await hub.drain()
    before = len(RECORDER.received)
    again = await hub.client.post(URL, json=body)
    assert {i["result"] for i in again.json()["items"]} == {"unchanged"}
    body["appointments"][1]["status"] = "cancelled"
    body["appointments"][0]["cabinet"] = "5"
    changed = await hub.client.post(URL, json=body)
    assert [(i["id"], i["result"], i["changes"]) for i in changed.json()["items"]] == [
        ("P-1", "unchanged", []),
        ("A-1", "updated", ["cabinet"]),
        ("A-2", "cancelled", ["status"]),
    ]
    body["appointments"][1]["status"] = "booked"
    restored = await hub.client.post(URL, json=body)
    assert restored.json()["items"][2]["result"] == "restored"
    await hub.drain()
    assert [r.hook for r in RECORDER.received[before:]] == [
        "on_appointment_updated",
        "on_appointment_cancelled",
        "on_appointment_restored",
    ]


async def test_bad_envelope_is_422(clinic: Harness) -> None:
    for body in ({"patients": "P-1"}, {"visits": []}, [appointment("A-1")]):
        response = await clinic.client.post(URL, json=body)
        assert response.status_code == 422, body
    empty = await clinic.client.post(URL, json={})
    assert empty.json() == {"counts": {}, "items": []}


async def test_ten_thousand_appointments_in_one_request(clinic: Harness) -> None:
    hub = clinic
    n = 10_000
    day = dt.datetime(2026, 11, 24, 8, 0)
    body = {
        "patients": [patient(f"P-{i}") for i in range(n // 2)],
        "appointments": [
            {
                "id": f"A-{i}",
                "patient_id": f"P-{i // 2}",
                "doctor_id": "D-7",
                "services": [{"id": "SRV-1"}],
                "start": (day + dt.timedelta(minutes=(i % 600))).isoformat(),
            }
            for i in range(n)
        ],
    }
    started = time.perf_counter()
    response = await hub.client.post(URL, json=body, timeout=300)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text[:500]
    assert response.json()["counts"] == {"appointments.created": n, "patients.created": n // 2}
    assert await _count(hub, "appointment") == n
    assert await _count(hub, "delivery") == n + n // 2  # one per event for the one plugin
    again = await hub.client.post(URL, json=body, timeout=300)
    assert again.json()["counts"] == {"appointments.unchanged": n, "patients.unchanged": n // 2}
    assert await _count(hub, "delivery") == n + n // 2
    print(f"\n10,000 appointments + 5,000 patients in one request: {elapsed:.1f} s")
