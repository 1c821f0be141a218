"""The robot's answer, POST /MangoOffice/UpdateStatus: 1 confirms, 2 cancels, once."""

from __future__ import annotations

import httpx
import pytest

from hub.testing import Harness

from .fake_mango import FakeMango
from .support import CLINIC, feed_of, run_push, voice_messages


@pytest.fixture
async def reference(hub: Harness, clinic: str, fake: FakeMango) -> str:
    """A (tomorrow) pushed to the robot: the reference its task carries."""
    await hub.put_appointment("A-1", CLINIC)
    await run_push(hub)
    (task,) = fake.tasks
    return task.comment


async def appointment(hub: Harness) -> dict[str, object]:
    return dict((await hub.client.get(f"/api/v1/clinics/{CLINIC}/appointments/A-1")).json())


@pytest.mark.parametrize("style", ["json", "raw", "form"])
async def test_status_1_confirms(
    hub: Harness, fake: FakeMango, reference: str, mango_calls: httpx.AsyncClient, style: str
) -> None:
    response = await fake.robot_answer(mango_calls, reference, 1, style=style)
    assert response.status_code == 204, response.text
    assert response.content == b""
    (event,) = await feed_of(hub, "appointment.confirmed")
    assert event["source"] == "mango" and event["data"]["appointment_id"] == "A-1"
    shown = await appointment(hub)
    assert shown["communication_status"] == "Запись подтверждена"
    assert shown["patient_answer"]["answer"] == "confirmed"  # type: ignore[index]
    (message,) = await voice_messages(hub)
    assert message["status"] == "delivered"


async def test_status_2_cancels_and_the_other_plugins_hear_it(
    hub: Harness, fake: FakeMango, reference: str, mango_calls: httpx.AsyncClient
) -> None:
    response = await fake.robot_answer(mango_calls, reference, 2, style="raw")
    assert response.status_code == 204, response.text
    (event,) = await feed_of(hub, "appointment.cancelled_by_patient")
    assert event["source"] == "mango" and event["data"]["appointment_id"] == "A-1"
    assert (await appointment(hub))["communication_status"] == "Запись отменена"
    statuses = await feed_of(hub, "appointment.communication_status")
    assert statuses[-1]["data"]["communication_status"] == "Запись отменена"


async def test_a_repeated_answer_changes_nothing(
    hub: Harness, fake: FakeMango, reference: str, mango_calls: httpx.AsyncClient
) -> None:
    first = await fake.robot_answer(mango_calls, reference, 1)
    before = await hub.feed(CLINIC)
    second = await fake.robot_answer(mango_calls, reference, "1", style="raw")
    assert (first.status_code, second.status_code) == (204, 204)
    assert await hub.feed(CLINIC) == before


async def test_unknown_reference_is_404(
    hub: Harness, fake: FakeMango, reference: str, mango_calls: httpx.AsyncClient
) -> None:
    other = reference[:-1] + ("a" if reference[-1] != "a" else "b")
    for ref in (other, "00000144-0070-47c0-0020-1ac100000000 1747001127050"):
        response = await fake.robot_answer(mango_calls, ref, 1)
        assert response.status_code == 404, response.text
    assert await feed_of(hub, "appointment.confirmed") == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"id": "%s", "status": 3}', "application/json"),
        (b'{"id": "%s", "status": "yes"}', "application/json"),
        (b'{"id": "%s"}', "application/json"),
        (b'{"status": 1}', "application/json"),
        (b"", "application/json"),
        (b"\xff\xfe{", "application/json"),
        (b"id=%s&status=0", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_bad_body_is_422(
    hub: Harness,
    reference: str,
    mango_calls: httpx.AsyncClient,
    body: bytes,
    content_type: str,
) -> None:
    content = body.replace(b"%s", reference.encode())
    response = await mango_calls.post(
        "/MangoOffice/UpdateStatus", content=content, headers={"Content-Type": content_type}
    )
    assert response.status_code == 422, response.text
    assert await feed_of(hub, "appointment.confirmed") == []
    (message,) = await voice_messages(hub)
    assert message["status"] == "sent"
