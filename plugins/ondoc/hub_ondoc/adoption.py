"""Portal bookings the clinic system adopted: telling the portal the clinic's id (``ack``).

A booking written back as ``ondoc-<booking id>`` is remembered in ``ctx.state``
(``booking:<id>``: the hub id, the patient, the start, acknowledged or not; and
``pending:<patient>:<id>`` until it is acknowledged).  When the
clinic system adopts it (``PUT .../appointments/{its id}`` with ``"adopts"``), the hub
re-keys the appointment; the portal must learn ``its id`` before the clinic's edits of it
are mirrored, or the portal would hold the booking twice.

:func:`adopter` finds the clinic's appointment that adopted a booking: the hub's answer
for the old id when it follows the adoption, else the patient's appointment at the
booking's start.  :func:`acknowledge` sends the ``ack`` and remembers it; it is called by
the poll for every pending booking and by the mirror before it sends an appointment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub_ondoc import const
from hub_ondoc.connection import Ctx
from hub_ondoc.portal import OndocError, Portal

from hub import Appointment


def pending_key(patient_id: str, booking_id: str) -> str:
    """A booking written back and not yet acknowledged (deleted on ``ack``)."""
    return f"pending:{patient_id}:{booking_id}"


async def pending(ctx: Ctx, patient_id: str | None = None) -> dict[str, dict[str, Any]]:
    """Bookings written back and not yet acknowledged, by booking id."""
    prefix = "pending:" if patient_id is None else f"pending:{patient_id}:"
    return {
        entry["booking_id"]: entry
        for entry in (await ctx.state.items(prefix)).values()
        if isinstance(entry, dict) and entry.get("booking_id")
    }


async def adopter(ctx: Ctx, entry: dict[str, Any]) -> Appointment | None:
    """The clinic's appointment that adopted this booking, or ``None`` (not yet)."""
    hub_id = entry["appointment_id"]
    current = await ctx.get_appointment(hub_id)
    if current is not None:
        return current if current.id != hub_id else None
    start = dt.datetime.fromisoformat(entry["start"])
    for appointment in await ctx.find_appointments(start, start + dt.timedelta(seconds=1)):
        if appointment.patient_id == entry["patient_id"] and appointment.id != hub_id:
            return appointment
    return None


async def acknowledge(ctx: Ctx, portal: Portal, booking_id: str, appointment_id: str) -> None:
    """Tell the portal the clinic's id of its booking (a refusal is logged, not retried)."""
    key = const.key_booking(booking_id)
    entry = await ctx.state.get(key) or {}
    try:
        await portal.ack_booking(booking_id, appointment_id)
    except OndocError as exc:
        if exc.transient or exc.token is not None:
            raise
        ctx.log.warning("ONDOC refused the id of booking %s: %s", booking_id, exc)
    await ctx.state.set(key, {**entry, "acked": True, "mis_appointment_id": appointment_id})
    if entry.get("patient_id"):
        await ctx.state.delete(pending_key(entry["patient_id"], booking_id))


async def acknowledge_adopted(ctx: Ctx, portal: Portal) -> int:
    """Acknowledge every pending booking the clinic system has adopted; how many."""
    done = 0
    for booking_id, entry in (await pending(ctx)).items():
        appointment = await adopter(ctx, entry)
        if appointment is not None:
            await acknowledge(ctx, portal, booking_id, appointment.id)
            done += 1
    return done


async def acknowledge_before_sending(ctx: Ctx, portal: Portal, appointment: Appointment) -> None:
    """If ``appointment`` adopted a pending booking, acknowledge it first."""
    for booking_id, entry in (await pending(ctx, appointment.patient_id)).items():
        found = await adopter(ctx, entry)
        if found is not None and found.id == appointment.id:
            await acknowledge(ctx, portal, booking_id, appointment.id)
