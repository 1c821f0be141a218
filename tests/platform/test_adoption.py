"""Bookings made outside: a plugin writes back a booking, the clinic system adopts it
under its own id with ``"adopts"`` in its PUT, and one booking never becomes two."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from probekit import CLINIC, action, action_status, probe_clinic  # noqa: F401

from hub.testing import Harness

URL = f"/api/v1/clinics/{CLINIC}/appointments"


async def setup(hub: Harness) -> str:
    await probe_clinic(hub)
    await hub.seed_reference()
    await hub.put_patient("P-1001")
    return (hub.runtime.clock.now().date() + dt.timedelta(days=1)).isoformat()


async def book(hub: Harness, day: str, **fields: Any) -> dict[str, Any]:
    body = {"external_id": "portal-1", "patient_id": "P-1001", "start": f"{day}T10:00:00"}
    return dict(await action(hub, "book", {**body, **fields}))


async def created_hooks(hub: Harness, appointment_id: str) -> int:
    async with hub.runtime.db.session() as session:
        return int(
            (
                await session.execute(
                    sa.text(
                        "SELECT count(*) FROM event WHERE hook = 'on_appointment_created' "
                        "AND subject = :subject"
                    ),
                    {"subject": f"appointment:{appointment_id}"},
                )
            ).scalar_one()
        )


async def test_the_clinic_system_adopts_a_portal_booking_under_its_own_id(hub: Harness) -> None:
    day = await setup(hub)
    assert (await book(hub, day))["id"] == "portal-1"
    booked = [e for e in await hub.feed() if e["type"] == "appointment.booked"]
    assert [e["data"]["appointment_id"] for e in booked] == ["portal-1"]

    # the clinic system books it in its schedule as MIS-77 and says which one it is
    body = {"patient_id": "P-1001", "start": f"{day}T10:00:00", "cabinet": "214"}
    response = await hub.client.put(f"{URL}/MIS-77", json={**body, "adopts": "portal-1"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["id"], answer["result"], answer["adopted"]) == ("MIS-77", "updated", "portal-1")
    assert [c["field"] for c in answer["changes"]] == ["cabinet"]

    # one appointment, under the clinic's id; the old id is gone
    assert (await hub.client.get(f"{URL}/portal-1")).status_code == 404
    listed = await hub.client.get(
        URL, params={"start_from": f"{day}T00:00:00", "start_to": f"{day}T23:59:00"}
    )
    assert [a["id"] for a in listed.json()["items"]] == ["MIS-77"]
    assert await created_hooks(hub, "MIS-77") == 0

    # the same PUT again is harmless
    again = await hub.client.put(f"{URL}/MIS-77", json={**body, "adopts": "portal-1"})
    assert (again.status_code, again.json()["result"]) == (200, "unchanged")

    # the plugin writes back under its own id: the adopted appointment changes
    assert (await book(hub, day, comment="перенесено пациентом"))["id"] == "MIS-77"
    stored = (await hub.client.get(f"{URL}/MIS-77")).json()
    assert (stored["id"], stored["comment"]) == ("MIS-77", "перенесено пациентом")
    changed = [e for e in await hub.feed() if e["type"] == "appointment.changed"]
    assert [e["data"]["appointment_id"] for e in changed] == ["MIS-77"]
    assert (await hub.client.get(f"{URL}/portal-1")).status_code == 404
    # the plugin still finds it by the id it knows
    ctx = await hub.context("probe")
    adopted = await ctx.get_appointment("portal-1")
    assert adopted is not None and adopted.id == "MIS-77"


async def test_adoption_that_cannot_be_right_is_refused(hub: Harness) -> None:
    day = await setup(hub)
    await book(hub, day)
    body = {"patient_id": "P-1001", "start": f"{day}T10:00:00"}

    unknown = await hub.client.put(f"{URL}/MIS-1", json={**body, "adopts": "portal-404"})
    assert unknown.status_code == 422
    assert "no appointment 'portal-404' to adopt" in unknown.text

    await hub.put_appointment("MIS-2", start=f"{day}T12:00:00", end=None)
    own = await hub.client.put(f"{URL}/MIS-3", json={**body, "adopts": "MIS-2"})
    assert own.status_code == 422 and "sent by the clinic system itself" in own.text

    taken = await hub.client.put(f"{URL}/MIS-2", json={**body, "adopts": "portal-1"})
    assert taken.status_code == 409 and "'MIS-2' already exists" in taken.text

    ok = await hub.client.put(f"{URL}/MIS-4", json={**body, "adopts": "portal-1"})
    assert ok.status_code == 200
    twice = await hub.client.put(f"{URL}/MIS-5", json={**body, "adopts": "portal-1"})
    assert twice.status_code == 409 and "already adopted as 'MIS-4'" in twice.text
    # nothing refused was written
    assert (await hub.client.get(f"{URL}/MIS-1")).status_code == 404
    assert (await hub.client.get(f"{URL}/MIS-5")).status_code == 404
    status, _ = await action_status(
        hub, "book", {"external_id": "portal-1", "patient_id": "P-404", "start": f"{day}T10:00:00"}
    )
    assert status == 422
