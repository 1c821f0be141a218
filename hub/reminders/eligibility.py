"""Who gets a reminder: one function for every caller of the rules.

:func:`screen` applies :func:`hub.reminders.selection.decide` to each appointment and
then the clinic's stop list (one query for the whole set), so the SMS planner
(:mod:`hub.reminders.planner`) and a plugin asking ``ctx.remindable_appointments(day)``
(a voice robot calling the day before) skip the same appointments for the same
reasons.  :func:`remindable` is the plugin's question: the appointments still to come
on a local day of the clinic, under the clinic's default reminder's exclusions, with a
``card.warning`` published for each card without a usable address (as a reminder run
publishes it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from hub.intake.snapshots import load_appointments
from hub.messages import policy, recipients
from hub.reminders import timing
from hub.reminders.selection import ADDRESS_REASONS, Decision, Filters, decide
from hub.schemas.clinics import ClinicOptions
from hub.text.phones import CardPhones
from hub.types import Appointment, ClinicInfo, Remindable, Skipped

__all__ = ["screen", "remindable", "warnings"]


async def screen(
    session: AsyncSession,
    clinic_id: str,
    appointments: Sequence[Appointment],
    *,
    channel: str,
    region: str,
    filters: Filters,
    already_sent: Callable[[Appointment], bool] = lambda _: False,
    phones: Mapping[str, CardPhones] | None = None,
) -> list[tuple[Appointment, Decision]]:
    """Each appointment with its decision, in order; a stop-listed address becomes the
    reason ``stop_list``.  ``phones`` are the verdicts stored with the cards, by patient
    id (``AppointmentChunk.phone_verdicts``); a card without one is checked here."""
    known = phones or {}
    decided = [
        (
            appointment,
            decide(
                appointment,
                channel=channel,
                region=region,
                filters=filters,
                already_sent=already_sent(appointment),
                phones=known.get(appointment.patient_id),
            ),
        )
        for appointment in appointments
    ]
    blocked = await policy.stop_listed_many(
        session, clinic_id, {d.address for _, d in decided if d.address}
    )
    return [
        (
            appointment,
            Decision(None, "stop_list", f"{decision.address} is on the clinic's stop list")
            if decision.address is not None and decision.address in blocked
            else decision,
        )
        for appointment, decision in decided
    ]


def warnings(decided: Sequence[tuple[Appointment, Decision]]) -> dict[str, tuple[str, str]]:
    """``card.warning`` to publish: the first address problem of each patient."""
    out: dict[str, tuple[str, str]] = {}
    for appointment, decision in decided:
        if decision.reason in ADDRESS_REASONS:
            out.setdefault(appointment.patient_id, (decision.reason, decision.detail))
    return out


async def remindable(
    session: AsyncSession,
    *,
    clinic: ClinicInfo,
    options: ClinicOptions,
    day: dt.date,
    channel: str,
    now: dt.datetime,
) -> Remindable:
    """The appointments of local date ``day`` still to come, split into those a
    reminder over ``channel`` would reach and those it would skip (see the module)."""
    tz = ZoneInfo(clinic.timezone)
    start, end = timing.day_bounds(day, tz)
    found = await load_appointments(
        session, clinic.id, start_from=max(start, now), start_to=end, include_cancelled=True
    )
    reminders = options.reminders
    decided = await screen(
        session,
        clinic.id,
        found,
        channel=channel,
        region=options.phone_region,
        filters=Filters(
            frozenset(reminders.excluded_services),
            frozenset(reminders.excluded_price_list_sections),
        ),
    )
    for patient_id, (reason, detail) in warnings(decided).items():
        await recipients.warn(
            session,
            clinic_id=clinic.id,
            patient_id=patient_id,
            reason=reason,
            detail=detail,
            now=now,
        )
    return Remindable(
        eligible=[a for a, d in decided if d.address is not None],
        skipped=[
            Skipped(appointment_id=a.id, reason=d.reason or "skipped")
            for a, d in decided
            if d.address is None
        ],
    )
