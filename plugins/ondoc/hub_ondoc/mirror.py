"""Mirroring the clinic's appointments to the portal, for linked patients only.

    on_appointment_created / _updated   ``PUT /appointments/{id}`` (created or replaced)
    on_appointment_cancelled            ``DELETE /appointments/{id}`` with the reason
                                        (the portal shows it «Отменена» with it)
    send_future                         a newly linked patient's future appointments

An appointment of a patient who is not linked never leaves the hub.  A *restored*
appointment is not sent: the seed says ONDOC does not take a restore (the plugin does
not implement ``on_appointment_restored`` at all); the next edit of it sends it again.

A failed call raises, so that the hub's outbox retries the delivery with back-off until
it goes through or is parked as dead (visible among the plugin's last errors and in the
deliveries list).  The portal answering ``not_linked`` is not a failure: the patient
was unlinked there and the poll will say so.

Times go with the offset of ``OndocSettings.zone`` (the clinic's zone or the override).
"""

from __future__ import annotations

import datetime as dt

from hub_ondoc import adoption, const
from hub_ondoc.connection import Ctx, portal_of
from hub_ondoc.const import Err
from hub_ondoc.portal import OndocError, Portal, PortalAppointment

from hub import Appointment

#: How far ahead a newly linked patient's appointments are sent.
FUTURE = dt.timedelta(days=366)
#: How long after its end the plugin remembers an appointment was sent (for a late cancel).
KEEP_SENT = dt.timedelta(days=90)


def to_portal(ctx: Ctx, appointment: Appointment) -> PortalAppointment:
    zone = ctx.settings.zone(ctx.clinic.tz)
    return PortalAppointment(
        mis_patient_id=appointment.patient_id,
        doctor_id=appointment.doctor_id,
        specialty_id=appointment.specialty_id,
        service_ids=tuple(s.id for s in appointment.services),
        start=appointment.start.astimezone(zone),
        end=(appointment.end or appointment.start).astimezone(zone),
        cabinet=appointment.cabinet,
        comment=appointment.comment or None,
    )


async def _linked(ctx: Ctx, patient_id: str) -> bool:
    return await ctx.state.get(const.key_link(patient_id)) is not None


async def send(ctx: Ctx, appointment: Appointment, portal: Portal | None = None) -> bool:
    """Send a created or edited appointment of a linked patient; whether it was sent."""
    if appointment.cancelled or not await _linked(ctx, appointment.patient_id):
        return False
    portal = portal or portal_of(ctx)
    try:
        await adoption.acknowledge_before_sending(ctx, portal, appointment)
        await portal.put_appointment(appointment.id, to_portal(ctx, appointment))
    except OndocError as exc:
        if exc.code == Err.NOT_LINKED:
            ctx.log.info("ONDOC: patient of appointment %s is not linked there", appointment.id)
            return False
        raise
    end = appointment.end or appointment.start
    keep = max(end - ctx.now(), dt.timedelta(0)) + KEEP_SENT
    await ctx.state.set(const.key_sent(appointment.id), True, ttl=keep)
    return True


async def cancel(ctx: Ctx, appointment: Appointment, reason: str) -> bool:
    """Send a cancellation (with its reason) of an appointment the portal has."""
    sent = await ctx.state.get(const.key_sent(appointment.id)) is not None
    if not sent and not await _linked(ctx, appointment.patient_id):
        return False
    why = (reason or appointment.cancel_reason or "").strip() or const.NO_REASON
    try:
        await portal_of(ctx).cancel_appointment(appointment.id, why)
    except OndocError as exc:
        if exc.status != 404:
            raise
    await ctx.state.delete(const.key_sent(appointment.id))
    return True


async def send_future(ctx: Ctx, portal: Portal, patient_id: str) -> int:
    """Send every future appointment of a patient who has just linked; how many."""
    now = ctx.now()
    sent = 0
    for appointment in await ctx.find_appointments(now, now + FUTURE):
        if appointment.patient_id == patient_id and await send(ctx, appointment, portal):
            sent += 1
    return sent
