"""Answers reported by a plugin (``ctx.report_answer``, e.g. a voice robot): stored like
the page's, published with the plugin as source, passed to the other plugins only."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.testing import Harness, RecordingPlugin


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    return {"robot": RecordingPlugin(), "portal": RecordingPlugin()}


async def test_a_plugin_reports_an_answer(
    hub: Harness, hub_extra_plugins: dict[str, RecordingPlugin]
) -> None:
    await hub.create_clinic("clinic-1", timezone="Europe/Moscow")
    await hub.enable("robot")
    await hub.enable("portal")
    await hub.seed_reference()
    await hub.put_patient()
    await hub.put_appointment("A-1")
    robot = await hub.context("robot")
    assert await robot.report_answer("A-1", "confirmed") is True
    assert await robot.report_answer("A-1", "confirmed") is False  # the same again: nothing
    with pytest.raises(ValueError, match="unknown appointment"):
        await robot.report_answer("A-404", "confirmed")
    (event,) = [e for e in await hub.feed() if e["type"].startswith("appointment.confirmed")]
    assert (event["source"], event["data"]["via"]) == ("robot", "robot")
    await hub.drain()
    assert [
        r.hook for r in hub_extra_plugins["portal"].received if r.hook == "on_patient_answered"
    ] == ["on_patient_answered"]
    assert [r for r in hub_extra_plugins["robot"].received if r.hook == "on_patient_answered"] == []
    shown = (await hub.client.get("/api/v1/clinics/clinic-1/appointments/A-1")).json()
    assert (shown["patient_answer"]["answer"], shown["patient_answer"]["source"]) == (
        "confirmed",
        "robot",
    )
    # after the start nothing is taken
    hub.clock.advance(dt.timedelta(days=2))
    assert await robot.report_answer("A-1", "cancelled") is False
