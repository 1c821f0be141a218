"""Robot calls that reached no one: the tasks/finished poll marks the journal entry."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from hub.testing import Harness

from .fake_mango import FakeMango
from .support import CLINIC, run_push, voice_messages


async def poll(hub: Harness) -> dict[str, object]:
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/plugins/mango/jobs/finished_poll/run"
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize(("reason", "code"), [(2, "busy"), (3, "no_answer"), (4, "unreachable")])
async def test_a_call_that_reached_no_one_fails_the_journal_entry(
    hub: Harness, clinic: str, fake: FakeMango, reason: int, code: str
) -> None:
    await hub.put_appointment("A-1", CLINIC)
    await run_push(hub)
    (task,) = fake.tasks
    hub.clock.advance(dt.timedelta(hours=2))
    fake.finish(task, reason, hub.clock.now() - dt.timedelta(minutes=30))
    run = await poll(hub)
    assert run["status"] == "ok", run
    (message,) = await voice_messages(hub)
    assert (message["status"], message["error_code"]) == ("failed", code)


async def test_a_talk_without_answer_is_delivered_and_an_answer_wins(
    hub: Harness, clinic: str, fake: FakeMango, mango_calls: httpx.AsyncClient
) -> None:
    await hub.put_patient("P-2", CLINIC, phones=["+79187654321"])
    await hub.put_appointment("A-1", CLINIC)
    await hub.put_appointment("A-2", CLINIC, patient_id="P-2")
    await run_push(hub)
    first, second = sorted(fake.tasks, key=lambda t: t.number)
    assert (await fake.robot_answer(mango_calls, first.comment, 1)).status_code == 204
    hub.clock.advance(dt.timedelta(hours=1))
    fake.finish(first, 3, hub.clock.now())  # Mango's reason is not the patient's answer
    fake.finish(second, 1, hub.clock.now())
    hub.clock.advance(dt.timedelta(minutes=1))
    await poll(hub)
    by_appointment = {m["appointment_id"]: m["status"] for m in await voice_messages(hub)}
    assert by_appointment == {"A-1": "delivered", "A-2": "delivered"}


async def test_the_poll_walks_windows_of_four_hours(
    hub: Harness, clinic: str, fake: FakeMango
) -> None:
    await hub.put_appointment("A-1", CLINIC)
    await run_push(hub)
    (task,) = fake.tasks
    fake.finish(task, 4, hub.clock.now() + dt.timedelta(hours=1))
    hub.clock.advance(dt.timedelta(hours=12))
    await poll(hub)
    windows = [r.payload for r in fake.requests if r.path == "tasks/finished"]
    assert len(windows) >= 3
    (message,) = await voice_messages(hub)
    assert message["error_code"] == "unreachable"
