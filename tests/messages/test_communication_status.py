"""A plugin sets an appointment's communication status (``ctx.set_communication_status``):
stored, shown on the appointment, published once per change."""

from __future__ import annotations

import pytest

from hub.testing import Harness, RecordingPlugin


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    return {"robot": RecordingPlugin()}


async def test_a_plugin_sets_the_communication_status(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.enable("robot")
    await hub.seed_reference()
    await hub.put_patient()
    await hub.put_appointment("A-1")
    robot = await hub.context("robot")
    assert await robot.set_communication_status("A-1", "Запись подтверждена") is True
    assert await robot.set_communication_status("A-1", "Запись подтверждена") is False
    assert await robot.set_communication_status("A-404", "Запись подтверждена") is False
    with pytest.raises(ValueError):
        await robot.set_communication_status("A-1", "  ")
    shown = (await hub.client.get("/api/v1/clinics/clinic-1/appointments/A-1")).json()
    assert shown["communication_status"] == "Запись подтверждена"
    events = [e for e in await hub.feed() if e["type"] == "appointment.communication_status"]
    assert [e["data"] for e in events] == [
        {"appointment_id": "A-1", "communication_status": "Запись подтверждена", "message_id": None}
    ]
