"""What each mailing-schedule kind selects, and its dedupe key (one message per key).

    kind                  selects
      key (after ``schedule:<id>``)
    days_before           appointments of run date + days
      :<appointment>:<its local date>
    after_services        appointments of run date - days_after with one of the services
      :<appointment>:<its local date>
    birthday              cards whose birthday is run date + days_before
      :birthday:<patient>:<year>
    minutes_before        appointments starting in ``minutes``
      :<appointment>:<its local date>
    after_status_change   appointments whose status became ``status`` ``minutes`` ago
      :<appointment>:<status>:<local date of the change>
    lab_results_ready     ``on_lab_results_ready`` events ``minutes`` ago
      :lab:<patient>:<visit or order>
    discount_card_issued  ``on_discount_card_issued`` events ``minutes`` ago
      :card:<patient>:<card number>

The minute-based kinds look back ``grace`` (at least two ticks) for triggers that came
due; the event-based ones never further than the schedule's creation, so a new
schedule does not write about the past.  «Minutes before» never writes about an
appointment that has started.  Birthday on 29 February: on 28 February in other years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import AppointmentRecord, MailingSchedule, OutboxEvent, PatientRecord
from hub.intake.snapshots import build_card, load_appointments, load_cards
from hub.messages import policy, recipients
from hub.messages import templates as tpl
from hub.messages.queue import Draft, queue_messages
from hub.reminders import daily, planner, timing
from hub.reminders.rules import Rule
from hub.reminders.selection import ADDRESS_REASONS, decide_card
from hub.schemas.clinics import ClinicOptions
from hub.types import Appointment, Card, ClinicInfo

if TYPE_CHECKING:
    from hub.runtime import ClinicSnapshot, Runtime

__all__ = ["daily_runner", "run_interval"]

_APPOINTMENT = AppointmentRecord.__table__  # type: ignore[attr-defined]
_PATIENT = PatientRecord.__table__  # type: ignore[attr-defined]
_EVENT = OutboxEvent.__table__  # type: ignore[attr-defined]

DailyRun = Callable[[Rule, dt.date], Awaitable[tuple[int, int]]]


def daily_runner(runtime: Runtime, snapshot: ClinicSnapshot) -> DailyRun:
    """``run(rule, run_date)`` for the daily rules of a clinic: (queued, skipped)."""

    async def run(rule: Rule, run_date: dt.date) -> tuple[int, int]:
        options = ClinicOptions.model_validate(snapshot.options)
        if rule.schedule is not None and rule.schedule.kind == "birthday":
            return await _birthdays(runtime, snapshot, rule, run_date)
        result = await daily.run_day(
            runtime,
            snapshot,
            rule,
            day=daily.target_date(rule, options, run_date),
            dry_run=False,
            collect=False,
        )
        return result.queued, result.skipped_count

    return run


# --- messages to patients (no appointment needed) ----------------------------------------


@dataclass(frozen=True)
class PatientItem:
    """One message to write to a patient, maybe about an appointment."""

    patient_id: str
    card: Card | None
    key: str
    appointment: Appointment | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _values(item: PatientItem, clinic: ClinicInfo) -> tpl.TemplateContext:
    if item.appointment is not None:
        base = dict(tpl.TemplateContext.build(item.appointment, clinic).values)
    else:
        card = item.card
        base = {name: "" for name in tpl.PLACEHOLDERS}
        base.update(
            clinic_name=clinic.name,
            clinic_address=clinic.address,
            clinic_phone=clinic.phone,
            patient_full_name=card.full_name if card else "",
            patient_last_name=card.last_name if card else "",
            patient_first_name=card.first_name if card else "",
            patient_middle_name=card.middle_name if card else "",
            patient_name_patronymic=" ".join(p for p in (card.first_name, card.middle_name) if p)
            if card
            else "",
        )
    return tpl.TemplateContext({**base, **item.extra})


async def _send_to_patients(
    session: AsyncSession,
    runtime: Runtime,
    snapshot: ClinicSnapshot,
    rule: Rule,
    items: Sequence[PatientItem],
) -> tuple[int, int]:
    """Decide, render and queue one message per item; (queued, skipped)."""
    info = snapshot.info
    options = ClinicOptions.model_validate(snapshot.options)
    now = runtime.clock.now()
    keys = [f"{rule.key}:{item.key}" for item in items]
    taken = await planner.taken_keys(session, info.id, keys)
    decided = [
        (item, key, decide_card(item.card, channel=rule.channel, region=options.phone_region))
        for item, key in zip(items, keys, strict=True)
        if key not in taken
    ]
    blocked = await policy.stop_listed_many(
        session, info.id, {d.address for _, _, d in decided if d.address}
    )
    drafts, skipped = [], len(items) - len(decided)
    warnings: dict[str, tuple[str, str]] = {}
    for item, key, decision in decided:
        if decision.address is None or decision.address in blocked:
            skipped += 1
            if decision.reason in ADDRESS_REASONS:
                warnings.setdefault(item.patient_id, (decision.reason or "", decision.detail))
            continue
        try:
            text = tpl.render(rule.body, _values(item, info))
        except tpl.EmptyPlaceholder:
            skipped += 1
            continue
        drafts.append(
            Draft(
                kind=rule.kind,
                channel=rule.channel,
                address=decision.address,
                text=text,
                dedupe_key=key,
                recipient_name=item.card.full_name if item.card else None,
                patient_id=item.patient_id,
                appointment_id=item.appointment.id if item.appointment else None,
                appointment_at=item.appointment.start if item.appointment else None,
                communication_status=rule.communication_status if item.appointment else None,
                normalized=True,
            )
        )
    queued = await queue_messages(session, runtime, clinic_id=info.id, drafts=drafts)
    for patient_id, (reason, detail) in warnings.items():
        await recipients.warn(
            session, clinic_id=info.id, patient_id=patient_id, reason=reason, detail=detail, now=now
        )
    return len(queued), skipped + len(drafts) - len(queued)


async def _birthdays(
    runtime: Runtime, snapshot: ClinicSnapshot, rule: Rule, run_date: dt.date
) -> tuple[int, int]:
    assert rule.schedule is not None
    target = run_date + dt.timedelta(days=int(rule.schedule.params["days_before"]))
    days = [(target.month, target.day)]
    if (target.month, target.day) == (2, 28) and not _leap(target.year):
        days.append((2, 29))
    async with runtime.db.session() as session:
        rows = await session.execute(
            sa.select(_PATIENT).where(
                _PATIENT.c.clinic_id == snapshot.info.id,
                _PATIENT.c.deleted_at.is_(None),
                _PATIENT.c.birth_date.is_not(None),
                sa.or_(
                    *[
                        sa.and_(
                            sa.extract("month", _PATIENT.c.birth_date) == m,
                            sa.extract("day", _PATIENT.c.birth_date) == d,
                        )
                        for m, d in days
                    ]
                ),
            )
        )
        cards = [build_card(dict(row._mapping)) for row in rows]
        items = [PatientItem(c.id, c, f"birthday:{c.id}:{target.year}") for c in cards]
        return await _send_to_patients(session, runtime, snapshot, rule, items)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# --- minute-based kinds -----------------------------------------------------------------


async def run_interval(
    runtime: Runtime, snapshot: ClinicSnapshot, schedule: MailingSchedule, grace: dt.timedelta
) -> int:
    """Queue what ``schedule`` (a minute-based kind) has due now; how many were queued."""
    rule = await daily.rule_for(runtime, snapshot, schedule)
    now = runtime.clock.now()
    minutes = dt.timedelta(minutes=int(schedule.params.get("minutes", 0)))
    tz = ZoneInfo(snapshot.info.timezone)
    # event-based kinds: events in [since, now - minutes], none from before the schedule
    since = max(now - grace - minutes, schedule.created_at)
    async with runtime.db.session() as session:
        if schedule.kind == "minutes_before":
            found = await load_appointments(
                session,
                snapshot.info.id,
                start_from=max(now - grace + minutes, now),
                start_to=now + minutes + dt.timedelta(seconds=1),
            )
            if schedule.params.get("only_created_today"):
                found = await _created_today(session, snapshot.info.id, found, now, tz)
            return await _appointments(
                session,
                runtime,
                snapshot,
                rule,
                found,
                lambda a: timing.local_date(a.start, tz).isoformat(),
            )
        if schedule.kind == "after_status_change":
            return await _status_changes(session, runtime, snapshot, rule, since, now - minutes, tz)
        hook = {
            "lab_results_ready": "on_lab_results_ready",
            "discount_card_issued": "on_discount_card_issued",
        }.get(schedule.kind)
        if hook is None:
            raise ValueError(f"schedule kind {schedule.kind!r} is not minute-based")
        events = (
            await session.execute(
                sa.select(_EVENT.c.id, _EVENT.c.payload)
                .where(
                    _EVENT.c.clinic_id == snapshot.info.id,
                    _EVENT.c.hook == hook,
                    _EVENT.c.created_at >= since,
                    _EVENT.c.created_at <= now - minutes,
                )
                .order_by(_EVENT.c.id)
            )
        ).all()
        items = await _event_items(session, snapshot.info.id, schedule, events)
        queued, _ = await _send_to_patients(session, runtime, snapshot, rule, items)
        return queued


async def _appointments(
    session: AsyncSession,
    runtime: Runtime,
    snapshot: ClinicSnapshot,
    rule: Rule,
    found: Sequence[Appointment],
    day_key: Callable[[Appointment], str],
) -> int:
    options = ClinicOptions.model_validate(snapshot.options)
    outcome = await planner.plan(
        session,
        runtime,
        clinic=snapshot.info,
        region=options.phone_region,
        rule=rule,
        appointments=found,
        day_key=day_key,
        dry_run=False,
    )
    await planner.execute(
        session,
        runtime,
        clinic_id=snapshot.info.id,
        rule=rule,
        outcome=outcome,
        now=runtime.clock.now(),
    )
    return outcome.queued


async def _created_today(
    session: AsyncSession,
    clinic_id: str,
    found: Sequence[Appointment],
    now: dt.datetime,
    tz: ZoneInfo,
) -> list[Appointment]:
    start, end = timing.day_bounds(timing.local_date(now, tz), tz)
    ids = {a.id for a in found}
    rows = await session.execute(
        sa.select(_APPOINTMENT.c.external_id).where(
            _APPOINTMENT.c.clinic_id == clinic_id,
            _APPOINTMENT.c.external_id.in_(sorted(ids)),
            _APPOINTMENT.c.created_at >= start,
            _APPOINTMENT.c.created_at < end,
        )
    )
    today = set(rows.scalars())
    return [a for a in found if a.id in today]


async def _status_changes(
    session: AsyncSession,
    runtime: Runtime,
    snapshot: ClinicSnapshot,
    rule: Rule,
    since: dt.datetime,
    until: dt.datetime,
    tz: ZoneInfo,
) -> int:
    assert rule.schedule is not None
    params = rule.schedule.params
    query = sa.select(_APPOINTMENT.c.external_id, _APPOINTMENT.c.status_changed_at).where(
        _APPOINTMENT.c.clinic_id == snapshot.info.id,
        _APPOINTMENT.c.status == params["status"],
        _APPOINTMENT.c.status_changed_at >= since,
        _APPOINTMENT.c.status_changed_at <= until,
    )
    if params.get("only_created_today"):
        start, end = timing.day_bounds(timing.local_date(runtime.clock.now(), tz), tz)
        query = query.where(_APPOINTMENT.c.created_at >= start, _APPOINTMENT.c.created_at < end)
    changed = {row[0]: row[1] for row in (await session.execute(query)).all()}
    if not changed:
        return 0
    found = await load_appointments(session, snapshot.info.id, ids=sorted(changed))
    status = params["status"]
    return await _appointments(
        session,
        runtime,
        snapshot,
        rule,
        found,
        lambda a: f"{status}:{timing.local_date(changed[a.id], tz).isoformat()}",
    )


async def _event_items(
    session: AsyncSession, clinic_id: str, schedule: MailingSchedule, events: Sequence[Any]
) -> list[PatientItem]:
    """Patient items from ``on_lab_results_ready`` / ``on_discount_card_issued`` events,
    with each patient's current card (an opt-out given since counts)."""
    wanted: list[tuple[str, str, str | None, dict[str, str]]] = []
    for event_id, payload in events:
        patient_id = str((payload.get("card") or {}).get("id") or "")
        if not patient_id:
            continue
        if schedule.kind == "lab_results_ready":
            results = payload.get("results") or {}
            if schedule.params.get("only_when_complete") and not results.get("complete", True):
                continue
            visit = results.get("appointment_id") or results.get("order_id") or f"event-{event_id}"
            wanted.append(
                (patient_id, f"lab:{patient_id}:{visit}", results.get("appointment_id"), {})
            )
        else:
            number = str(payload.get("number") or "")
            wanted.append(
                (patient_id, f"card:{patient_id}:{number}", None, {"discount_card_number": number})
            )
    cards = await load_cards(session, clinic_id, [w[0] for w in wanted])
    visits = {w[2] for w in wanted if w[2]}
    found = (
        {
            a.id: a
            for a in await load_appointments(
                session, clinic_id, ids=sorted(visits), include_cancelled=True
            )
        }
        if visits
        else {}
    )
    return [
        PatientItem(pid, cards.get(pid), key, found.get(visit) if visit else None, extra)
        for pid, key, visit, extra in wanted
    ]
