"""Bookings made in the portal, written back into the hub for the clinic system.

Part of the poll job.  Each change of ``GET /appointments/changes`` (a patient booked,
changed or cancelled in the portal) is written with ``ctx.upsert_appointment`` (so the
clinic system reads ``appointment.booked / changed / cancelled`` in its feed and adopts
a new booking under its own id with ``PUT .../appointments/{its id}`` and ``"adopts"``)
and published once as ``ondoc.booking_created / _updated / _cancelled``.

The hub id of a new booking is ``ondoc-<booking id>``; a change of an appointment the
clinic system already has (``mis_appointment_id`` set) is written to that appointment.
Once the clinic system has adopted a booking, the portal is told its id (``ack``), so
that the clinic's later edits, mirrored under that id, update the same booking.

Doctors, specialties and services are the clinic system's ids when the portal sends
them so; an id the clinic does not know is looked up in the ``ondoc`` mappings (the
portal's own id); what is still unknown is left out of the written appointment and
published under ``unmapped`` — the booking is never dropped.  A booking whose patient
is unknown, or that the hub refuses, is published with its ``problems`` and no
``appointment_id``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from hub_ondoc import adoption, const
from hub_ondoc.connection import Ctx
from hub_ondoc.const import Event
from hub_ondoc.feed import publish
from hub_ondoc.portal import BookingChange, Portal

from hub import Appointment

#: How long a handled change is remembered (a re-read page publishes nothing twice).
REMEMBER = dt.timedelta(days=60)
CANCELLED_IN_PORTAL = "Отменена пациентом в ONDOC"

_EVENTS = {
    "created": Event.BOOKING_CREATED,
    "updated": Event.BOOKING_UPDATED,
    "cancelled": Event.BOOKING_CANCELLED,
}


def external_id(booking_id: str) -> str:
    return f"ondoc-{booking_id}"


class _Resolver:
    """Turns the portal's doctor / specialty / service ids into the clinic's."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.known: dict[str, set[str]] = {}

    async def resolve(self, kind: str, value: str | None) -> str | None:
        """The clinic's id for ``value``, or ``None`` when nobody mapped it."""
        if not value:
            return None
        if kind not in self.known:
            self.known[kind] = {str(i["id"]) for i in await self.ctx.reference(kind)}
        if value in self.known[kind]:
            return value
        hub_ids = await self.ctx.mappings.hub_ids(kind, value)
        return hub_ids[0] if hub_ids else None


async def poll_bookings(ctx: Ctx, portal: Portal) -> dict[str, int]:
    """Apply the changes feed since the stored cursor; counts by change type."""
    counts = {"created": 0, "updated": 0, "cancelled": 0, "problems": 0}
    resolver = _Resolver(ctx)
    cursor = await ctx.state.get(const.CHANGES_CURSOR)
    for _ in range(const.MAX_POLL_PAGES):
        page = await portal.booking_changes(cursor)
        for rejected in page.rejected:
            counts["problems"] += 1
            raw = rejected.raw if isinstance(rejected.raw, dict) else {}
            await _publish_unreadable(ctx, raw, rejected.problem)
        for change in page.items:
            published = await _apply(ctx, resolver, change)
            counts[change.type] += published
        if page.next is None or page.next == cursor or not (page.items or page.rejected):
            if page.next is not None:
                await ctx.state.set(const.CHANGES_CURSOR, page.next)
            break
        cursor = page.next
        await ctx.state.set(const.CHANGES_CURSOR, cursor)
    counts["acknowledged"] = await adoption.acknowledge_adopted(ctx, portal)
    return counts


async def _apply(ctx: Ctx, resolver: _Resolver, change: BookingChange) -> int:
    """Write one change back and publish it (once); 1 if published now."""
    entry = await ctx.state.get(const.key_booking(change.id))
    target = (
        change.mis_appointment_id  # the clinic's own, or acknowledged after adoption
        or (entry["appointment_id"] if entry is not None else external_id(change.id))
    )
    existing = await ctx.get_appointment(target)
    data, unmapped, problems = await _data(ctx, resolver, change, existing)
    appointment: Appointment | None = None
    if not problems:
        try:
            appointment = await ctx.upsert_appointment(target, data)
        except ValueError as exc:
            problems.append(str(exc))
    ours = entry is not None or change.mis_appointment_id is None  # a portal booking
    if appointment is not None and ours and change.type != "cancelled":
        record = {
            **(entry or {"acked": False}),
            "booking_id": change.id,
            "appointment_id": target if entry is None else entry["appointment_id"],
            "patient_id": change.appointment.mis_patient_id,
            "start": change.appointment.start.astimezone(dt.UTC).isoformat(),
        }
        await ctx.state.set(const.key_booking(change.id), record, ttl=REMEMBER)
        if not record["acked"]:
            pending = adoption.pending_key(record["patient_id"], change.id)
            await ctx.state.set(pending, record, ttl=REMEMBER)
    elif appointment is not None and entry is not None:
        await ctx.state.delete(const.key_booking(change.id))
        await ctx.state.delete(adoption.pending_key(entry["patient_id"], change.id))
    at = change.at.astimezone(dt.UTC).isoformat()
    if not await ctx.state.add(f"change:{change.id}:{change.type}:{at}", True, ttl=REMEMBER):
        return 0
    event: dict[str, Any] = {
        "booking_id": change.id,
        "appointment_id": None if appointment is None else appointment.id,
        "patient_id": change.appointment.mis_patient_id,
        "doctor_id": change.appointment.doctor_id,
        "specialty_id": change.appointment.specialty_id,
        "service_ids": list(change.appointment.service_ids),
        "start": change.appointment.start.isoformat(),
        "end": None if change.appointment.end is None else change.appointment.end.isoformat(),
        "at": at,
    }
    if change.type == "cancelled":
        event["reason"] = change.reason or ""
    if unmapped:
        event["unmapped"] = unmapped
    if problems:
        event["problems"] = problems
    await publish(ctx, _EVENTS[change.type], event)
    return 1


async def _data(
    ctx: Ctx, resolver: _Resolver, change: BookingChange, existing: Appointment | None
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The appointment to write, what is unmapped, and what prevents writing it."""
    portal = change.appointment
    problems: list[str] = []
    if await ctx.get_patient(portal.mis_patient_id) is None:
        problems.append(f"ONDOC booked for patient {portal.mis_patient_id}, unknown here")
    unmapped: dict[str, Any] = {}
    doctor = await resolver.resolve("doctors", portal.doctor_id)
    if portal.doctor_id and doctor is None:
        unmapped["doctor_id"] = portal.doctor_id
    specialty = await resolver.resolve("specialties", portal.specialty_id)
    if portal.specialty_id and specialty is None:
        unmapped["specialty_id"] = portal.specialty_id
    services: list[str] = []
    for service_id in portal.service_ids:
        resolved = await resolver.resolve("services", service_id)
        if resolved is None:
            unmapped.setdefault("service_ids", []).append(service_id)
        else:
            services.append(resolved)
    data: dict[str, Any] = {
        "patient_id": portal.mis_patient_id,
        "doctor_id": doctor,
        "specialty_id": specialty,
        "services": [{"id": s} for s in services],
        "start": portal.start.isoformat(),
        "end": None if portal.end is None else portal.end.isoformat(),
        "comment": "Запись через ONDOC",
    }
    if existing is not None:
        # Keep what the portal does not say (or says in ids nobody mapped).
        data["doctor_id"] = doctor or existing.doctor_id
        data["specialty_id"] = specialty or existing.specialty_id
        if not services and unmapped.get("service_ids") is None:
            data["services"] = [{"id": s.id} for s in existing.services]
        data["cabinet"] = existing.cabinet
        data["comment"] = existing.comment
    if change.type == "cancelled":
        data["status"] = "cancelled"
        data["cancel_reason"] = (change.reason or "").strip() or CANCELLED_IN_PORTAL
    elif existing is not None:
        data["status"] = "booked" if existing.cancelled else existing.status
    return data, unmapped, problems


async def _publish_unreadable(ctx: Ctx, raw: dict[str, Any], problem: str) -> None:
    """A change the plugin cannot read is published (never dropped) with why."""
    type_ = raw.get("type") if raw.get("type") in _EVENTS else "created"
    booking_id = str(raw.get("id") or "")
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    key = f"change:{booking_id}:unreadable:{digest[:16]}"
    if not await ctx.state.add(key, True, ttl=REMEMBER):
        return
    await publish(
        ctx,
        _EVENTS[str(type_)],
        {
            "booking_id": booking_id or None,
            "appointment_id": None,
            "problems": [f"ONDOC sent a change that cannot be read: {problem}"],
        },
    )
