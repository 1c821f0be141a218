"""Helpers of the answer-page tests: a clinic with one appointment tomorrow, and links."""

from __future__ import annotations

import datetime as dt
import re

from hub.db.models import Message
from hub.messages import links
from hub.testing import Harness

CLINIC = {
    "timezone": "Asia/Vladivostok",
    "address": "ул. Светланская, 5",
    "phone": "+7 423 200-00-00",
}


async def seed(hub: Harness, appointment_id: str = "A-1", **fields: object) -> None:
    """Clinic ``clinic-1`` in Vladivostok with the listener enabled, the reference data,
    patient P-1001 and an appointment tomorrow at 10:30 local time."""
    if (await hub.client.get("/api/v1/clinics/clinic-1")).status_code == 404:
        await hub.create_clinic("clinic-1", name="Клиника «Здоровье»", **CLINIC)
        await hub.enable("listener")
        await hub.seed_reference()
        await hub.put_patient()
    await hub.put_appointment(appointment_id, **fields)


async def issue(hub: Harness, appointment_id: str = "A-1") -> str:
    """A fresh link to the appointment's page, as a reminder would carry it."""
    async with hub.runtime.db.session() as session:
        found = (
            await hub.client.get(f"/api/v1/clinics/clinic-1/appointments/{appointment_id}")
        ).json()
        token = links.new_token()
        await links.save(
            session,
            [
                links.NewLink(
                    token=token,
                    clinic_id="clinic-1",
                    appointment_id=appointment_id,
                    expires_at=dt.datetime.fromisoformat(found["start"]),
                )
            ],
            now=hub.clock.now(),
        )
    return f"/r/{token}"


def nonce_of(html: str) -> str:
    match = re.search(r'name="nonce" value="([^"]+)"', html)
    assert match, "the page has no form nonce"
    return match.group(1)


async def reminder_link(hub: Harness, appointment_id: str = "A-1") -> str:
    """Run the clinic's reminder for tomorrow and return the ``/r/...`` path of the link in
    the message queued for ``appointment_id``, as the patient's phone would show it (read
    from the queue: the journal's answers show links masked)."""
    response = await hub.client.post("/api/v1/clinics/clinic-1/reminders/run", json={})
    assert response.status_code == 200, response.text
    (message_id,) = [
        r["message_id"]
        for r in response.json()["recipients"]
        if r["appointment_id"] == appointment_id
    ]
    async with hub.runtime.db.session() as session:
        text = (await session.get(Message, message_id)).text  # type: ignore[union-attr]
    match = re.search(r"http://hub\.test(/r/[A-Za-z0-9_-]{22})\b", text)
    assert match, f"no answer link in {text!r}"
    return match.group(1)
