"""Runs over one local day of appointments: the default reminder and the «days before» /
«after services» schedules, started by the scheduler or by ``POST .../reminders/run``.

    run_day(...)           select the appointments of a local date, plan, queue (or not:
                           ``dry_run``) — the API's manual run and the tick's body
    target_date(...)       which appointment date a run on ``run_date`` is about
    due_daily_runs(...)    (rule, run date) pairs due now for one clinic

The tick claims each due (clinic, rule, local date) in ``scheduled_run`` before running
it (``hub.reminders.runs``); a manual run claims nothing, and its messages' dedupe keys
make a later automatic run skip what it queued (``already_sent``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hub.intake.snapshots import stream_appointments
from hub.reminders import planner, runs, timing
from hub.reminders.rules import Rule, RuleError, default_rule, schedule_rule
from hub.runtime import ClinicSnapshot
from hub.schemas.clinics import ClinicOptions
from hub.types import Appointment

if TYPE_CHECKING:
    from hub.db.models import MailingSchedule
    from hub.runtime import Runtime

log = logging.getLogger("hub.reminders")

__all__ = ["DayRun", "DueRun", "due_daily_runs", "run_day", "target_date"]

#: Kinds of schedules that select the appointments of one local date.
APPOINTMENT_DAY_KINDS = frozenset({"days_before", "after_services"})


@dataclass
class DayRun:
    """The answer of ``POST .../reminders/run`` (and what the tick logs)."""

    date: dt.date
    dry_run: bool
    rule: str
    queued: int = 0
    recipients: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    #: how many were skipped (``skipped`` lists them only when collected)
    skipped_count: int = 0


def target_date(rule: Rule, options: ClinicOptions, run_date: dt.date) -> dt.date:
    """The appointments' local date a run on ``run_date`` is about."""
    schedule = rule.schedule
    if schedule is None:
        return run_date + dt.timedelta(days=options.reminders.days_ahead)
    if schedule.kind == "days_before":
        return run_date + dt.timedelta(days=int(schedule.params["days"]))
    if schedule.kind == "after_services":
        return run_date - dt.timedelta(days=int(schedule.params["days_after"]))
    raise RuleError(
        f"schedule {schedule.id} ({schedule.kind}) does not run over a day of appointments"
    )


def _matches(rule: Rule, appointment: Appointment) -> bool:
    schedule = rule.schedule
    if schedule is None or schedule.kind != "after_services":
        return True
    wanted = set(schedule.params.get("services") or ())
    return not appointment.cancelled and any(s.id in wanted for s in appointment.services)


async def rule_for(
    runtime: Runtime, snapshot: ClinicSnapshot, schedule: MailingSchedule | None
) -> Rule:
    options = ClinicOptions.model_validate(snapshot.options)
    async with runtime.db.session() as session:
        if schedule is None:
            return await default_rule(session, snapshot.info.id, options)
        return await schedule_rule(session, schedule, options)


async def run_day(
    runtime: Runtime,
    snapshot: ClinicSnapshot,
    rule: Rule,
    *,
    day: dt.date,
    dry_run: bool,
    collect: bool = True,
) -> DayRun:
    """Remind (or, dry, list) the appointments of local date ``day`` under ``rule``.

    The day is streamed in chunks of appointments (``hub.intake.snapshots.
    stream_appointments``), each planned and queued before the next is read, in one
    transaction.  With ``collect=False`` (the scheduler's runs) only the counts are
    kept, not the recipients and skips, so memory stays flat in the day's size.
    """
    info = snapshot.info
    options = ClinicOptions.model_validate(snapshot.options)
    tz = ZoneInfo(info.timezone)
    start, end = timing.day_bounds(day, tz)
    now = runtime.clock.now()
    result = DayRun(date=day, dry_run=dry_run, rule=rule.key)
    skipped = 0
    warned: set[str] = set()  # a patient in two chunks gets one card.warning
    async with runtime.db.session() as session:
        # a reminder is about appointments still to come; «after services» looks back
        since = max(start, now) if rule.kind == "reminder" else start
        async for found in stream_appointments(
            session, info.id, start_from=since, start_to=end, include_cancelled=True
        ):
            selected = [a for a in found.appointments if _matches(rule, a)]
            outcome = await planner.plan(
                session,
                runtime,
                clinic=info,
                region=options.phone_region,
                rule=rule,
                appointments=selected,
                day_key=lambda a: timing.local_date(a.start, tz).isoformat(),
                dry_run=dry_run,
                phones=found.phone_verdicts,
            )
            outcome.warnings = {p: w for p, w in outcome.warnings.items() if p not in warned}
            warned.update(outcome.warnings)
            if not dry_run:
                await planner.execute(
                    session, runtime, clinic_id=info.id, rule=rule, outcome=outcome, now=now
                )
            result.queued += outcome.queued
            skipped += len(outcome.skipped)
            if collect:
                result.recipients.extend(outcome.recipients)
                result.skipped.extend(outcome.skipped)
    result.skipped_count = skipped
    return result


@dataclass(frozen=True)
class DueRun:
    """A daily run due now: the rule's key, the local run date and its planned instant."""

    schedule: MailingSchedule | None
    run_date: dt.date
    planned_at: dt.datetime

    @property
    def key(self) -> str:
        return "default" if self.schedule is None else f"schedule:{self.schedule.id}"


def due_daily_runs(
    snapshot: ClinicSnapshot,
    schedules: list[MailingSchedule],
    now: dt.datetime,
    grace: dt.timedelta,
) -> list[DueRun]:
    """The default reminder and the daily schedules of a clinic that are due at ``now``."""
    tz = ZoneInfo(snapshot.info.timezone)
    options = ClinicOptions.model_validate(snapshot.options)
    wanted: list[tuple[MailingSchedule | None, dt.time]] = []
    if options.reminders.enabled:
        wanted.append((None, options.reminders.send_time))
    for schedule in schedules:
        if schedule.enabled and "send_time" in schedule.params:
            wanted.append((schedule, dt.time.fromisoformat(str(schedule.params["send_time"]))))
    return [
        DueRun(schedule, day, timing.planned_at(day, at, tz))
        for schedule, at in wanted
        for day in timing.due_days(now, at, tz, grace)
    ]


async def run_claimed(runtime: Runtime, snapshot: ClinicSnapshot, due: DueRun, run: Any) -> int:
    """Claim ``due`` in ``scheduled_run`` and, if this worker won it, run it with
    ``run(rule, run_date)``; the number of messages queued (0 if not ours)."""
    clinic_id = snapshot.info.id
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        mine = await runs.claim(
            session,
            clinic_id=clinic_id,
            rule=due.key,
            run_date=due.run_date,
            planned_at=due.planned_at,
            now=now,
        )
    if not mine:
        return 0
    queued = skipped = 0
    error = None
    try:
        rule = await rule_for(runtime, snapshot, due.schedule)
        queued, skipped = await run(rule, due.run_date)
    except Exception as exc:  # recorded on the run (and retried), never lost in a log only
        log.exception("run %s of clinic %s for %s failed", due.key, clinic_id, due.run_date)
        error = f"{type(exc).__name__}: {exc}"
    async with runtime.db.session() as session:
        await runs.finish(
            session,
            clinic_id=clinic_id,
            rule=due.key,
            run_date=due.run_date,
            now=runtime.clock.now(),
            queued=queued,
            skipped=skipped,
            error=error,
        )
    log.info(
        "run %s of clinic %s for %s: %d queued, %d skipped%s",
        due.key,
        clinic_id,
        due.run_date,
        queued,
        skipped,
        f", failed: {error}" if error else "",
    )
    return queued
