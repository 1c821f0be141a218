"""The scheduler ticks of reminders and mailing schedules (see ``hub.scheduler``).

    Tick        every                 what
    reminders   HUB_SCHEDULER_TICK    per clinic: the default reminder and the daily
                                      schedules (days before, after services, birthday)
                                      whose local send time has come — each (clinic,
                                      rule, local date) once, claimed in scheduled_run
    schedules   HUB_SCHEDULER_TICK    per clinic: the minute-based schedules (minutes
                                      before, after a status change, lab results ready,
                                      discount card issued) — what became due since
                                      the grace period, deduplicated by message keys

A run missed while the hub was down is still due within ``HUB_MISSED_RUN_GRACE_HOURS``
(at least two ticks, so a tick that comes a little late never loses a run).
"""

from __future__ import annotations

import datetime as dt
import logging

from hub.db.crud import clinics as clinics_crud
from hub.db.crud import schedules as schedules_crud
from hub.reminders import daily, kinds
from hub.runtime import ClinicNotFound, ClinicSnapshot, Runtime
from hub.schemas.schedules import DAILY_KINDS

log = logging.getLogger("hub.reminders")

__all__ = ["grace", "reminders_tick", "schedules_tick"]


def grace(runtime: Runtime) -> dt.timedelta:
    """How late a due run may still start."""
    settings = runtime.settings
    return max(
        dt.timedelta(hours=settings.missed_run_grace_hours),
        dt.timedelta(seconds=2 * settings.scheduler_tick + 60),
    )


async def _clinics(runtime: Runtime) -> list[ClinicSnapshot]:
    async with runtime.db.session() as session:
        clinic_ids = await clinics_crud.all_ids(session)
    out = []
    for clinic_id in clinic_ids:
        try:
            out.append(await runtime.snapshot(clinic_id))
        except ClinicNotFound:  # deleted meanwhile
            continue
    return out


async def reminders_tick(runtime: Runtime) -> int:
    """Start every due daily run of every clinic; how many messages were queued."""
    now = runtime.clock.now()
    queued = 0
    for snapshot in await _clinics(runtime):
        async with runtime.db.session() as session:
            schedules = [
                s
                for s in await schedules_crud.list_for(
                    session, clinic_id=snapshot.info.id, enabled=True
                )
                if s.kind in DAILY_KINDS
            ]
        for due in daily.due_daily_runs(snapshot, list(schedules), now, grace(runtime)):
            queued += await daily.run_claimed(
                runtime, snapshot, due, kinds.daily_runner(runtime, snapshot)
            )
    return queued


async def schedules_tick(runtime: Runtime) -> int:
    """Queue what the minute-based schedules of every clinic have due now."""
    queued = 0
    for snapshot in await _clinics(runtime):
        async with runtime.db.session() as session:
            schedules = [
                s
                for s in await schedules_crud.list_for(
                    session, clinic_id=snapshot.info.id, enabled=True
                )
                if s.kind not in DAILY_KINDS
            ]
        for schedule in schedules:
            try:
                queued += await kinds.run_interval(runtime, snapshot, schedule, grace(runtime))
            except Exception:  # one broken schedule must not stop the others
                log.exception("schedule %s of clinic %s failed", schedule.id, snapshot.info.id)
    return queued
