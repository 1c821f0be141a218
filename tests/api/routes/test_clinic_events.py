"""Clinic events: service charged, lab results, discount card; the event history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hub.events import history
from hub.testing import Harness, RecordingPlugin

RECORDER = RecordingPlugin()
URL = "/api/v1/clinics/clinic-1/events"


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    RECORDER.received.clear()
    return {"recorder": RECORDER}


@pytest.fixture
async def clinic(hub: Harness) -> Harness:
    await hub.create_clinic("clinic-1")
    await hub.seed_reference()
    await hub.put_reference(
        "services",
        [
            {"id": "SRV-1", "name": "Приём терапевта", "price_list_section": "PL-A"},
            {"id": "LAB-1", "name": "Общий анализ крови"},
        ],
    )
    await hub.put_patient("P-1001")
    await hub.put_patient("P-2002", last_name="Петров")
    await hub.put_appointment("A-1")
    await hub.enable("recorder")
    return hub


async def _post(hub: Harness, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = await hub.client.post(URL, json=body)
    assert response.status_code == status, response.text
    return dict(response.json())


async def test_service_charged_reaches_on_service_charged(clinic: Harness) -> None:
    hub = clinic
    body = await _post(
        hub, {"type": "service.charged", "appointment_id": "A-1", "service_id": "SRV-1"}
    )
    assert (body["hook"], body["subject"], body["plugins"]) == (
        "on_service_charged",
        "appointment:A-1",
        ["recorder"],
    )
    # a service added at the visit (not booked) is taken from the reference data
    await _post(hub, {"type": "service.charged", "appointment_id": "A-1", "service_id": "LAB-1"})
    await hub.drain()
    got = [r for r in RECORDER.received if r.hook == "on_service_charged"]
    assert [(r.args["appointment"].id, r.args["service"].name) for r in got] == [
        ("A-1", "Приём терапевта"),
        ("A-1", "Общий анализ крови"),
    ]
    assert got[0].args["service"].price_list_section == "PL-A"


async def test_lab_results_and_discount_card_reach_their_hooks(clinic: Harness) -> None:
    hub = clinic
    await _post(
        hub,
        {
            "type": "lab_results.ready",
            "patient_id": "P-1001",
            "appointment_id": "A-1",
            "complete": False,
            "items": [{"test": "ОАК", "value": "4.5"}],
        },
    )
    await _post(hub, {"type": "discount_card.issued", "patient_id": "P-2002", "number": "DC-77"})
    await hub.drain()
    labs, card = RECORDER.received
    assert labs.hook == "on_lab_results_ready"
    assert (labs.args["card"].id, labs.args["results"].complete) == ("P-1001", False)
    assert labs.args["results"].items == ({"test": "ОАК", "value": "4.5"},)
    assert (card.hook, card.args["card"].last_name, card.args["number"]) == (
        "on_discount_card_issued",
        "Петров",
        "DC-77",
    )


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (
            {"type": "service.charged", "appointment_id": "A-404", "service_id": "SRV-1"},
            ["body", "appointment_id"],
        ),
        (
            {"type": "service.charged", "appointment_id": "A-1", "service_id": "SRV-404"},
            ["body", "service_id"],
        ),
        ({"type": "lab_results.ready", "patient_id": "P-404"}, ["body", "patient_id"]),
        (
            {"type": "lab_results.ready", "patient_id": "P-2002", "appointment_id": "A-1"},
            ["body", "appointment_id"],
        ),
        (
            {"type": "discount_card.issued", "patient_id": "P-1001"},
            ["body", "discount_card.issued", "number"],
        ),
        ({"type": "card.exploded", "patient_id": "P-1001"}, ["body"]),
    ],
)
async def test_bad_events_are_422_and_record_nothing(
    clinic: Harness, body: dict[str, Any], loc: list[str]
) -> None:
    response = await clinic.client.post(URL, json=body)
    assert response.status_code == 422, response.text
    assert loc in [e["loc"] for e in response.json()["errors"]]
    listed = (await clinic.client.get(URL, params={"hook": "on_service_charged"})).json()["items"]
    assert listed == []


async def test_event_history_for_schedules(clinic: Harness) -> None:
    hub = clinic
    since = hub.clock.advance(60)
    await hub.put_appointment("A-1", status="arrived")
    await _post(hub, {"type": "discount_card.issued", "patient_id": "P-1001", "number": "DC-1"})
    await hub.client.delete("/api/v1/clinics/clinic-1/appointments/A-1")
    await hub.drain()
    listed = (await hub.client.get(URL, params={"since": since.isoformat()})).json()["items"]
    assert [(e["hook"], e["deliveries"]) for e in listed] == [
        ("on_appointment_cancelled", {"recorder": "done"}),
        ("on_discount_card_issued", {"recorder": "done"}),
        ("on_appointment_updated", {"recorder": "done"}),
    ]
    async with hub.runtime.db.session() as session:
        cards = await history.clinic_events(session, "clinic-1", hooks=["on_discount_card_issued"])
        changes = await history.status_changes(session, "clinic-1", since=since)
    assert [(r.args["card"].id, r.args["number"]) for r in cards] == [("P-1001", "DC-1")]
    assert [(c.appointment_id, c.old, c.new) for c in changes] == [
        ("A-1", "booked", "arrived"),
        ("A-1", None, "cancelled"),
    ]


async def test_delivered_events_are_pruned_after_the_retention(clinic: Harness) -> None:
    hub = clinic
    await hub.drain()
    hub.runtime.settings = hub.runtime.settings.model_copy(update={"event_retention_days": 1})
    hub.clock.advance(dt.timedelta(days=2))
    await hub.put_appointment("A-1", cabinet="9")  # new: kept
    ticks = await hub.tick()
    assert ticks["events-prune"] > 0
    async with hub.runtime.db.session() as session:
        left = await history.clinic_events(session, "clinic-1")
    assert [r.hook for r in left] == ["on_appointment_updated"]
