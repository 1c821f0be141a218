"""The scheduler: APScheduler ticks that start what is due.

Rather than one APScheduler job per clinic and rule (which would have to be rebuilt
whenever a clinic changes, and would forget runs missed while the hub was down), the
scheduler runs a few *ticks*; each tick asks the database what is due now, in each
clinic's own time zone, and starts it.  Whether something already ran is recorded in
the database (job leases, unique keys of reminder runs), so a tick may come late, come
twice, or come from two workers at once without doing anything twice.

    Tick              every             what
    plugin-jobs       HUB_SCHEDULER_TICK   due plugin jobs of every clinic (hub.jobs)
    feed-prune        1 hour            feed events older than HUB_FEED_RETENTION_DAYS
    reminders         HUB_SCHEDULER_TICK   the default reminder and the daily mailing
                                        schedules at their local time (hub.reminders.ticks)
    schedules         HUB_SCHEDULER_TICK   the minute-based mailing schedules
    events-prune      1 hour            delivered events older than HUB_EVENT_RETENTION_DAYS

Other parts add ticks (``Scheduler.add``); tests call :meth:`Scheduler.tick_all`
with a frozen clock instead of waiting.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from hub import feed, jobs
from hub.db.crud import clinics as clinics_crud
from hub.events import history
from hub.reminders.ticks import reminders_tick, schedules_tick
from hub.runtime import Runtime

log = logging.getLogger("hub.scheduler")

TickFunction = Callable[[Runtime], Awaitable[int]]


@dataclass(frozen=True)
class Tick:
    name: str
    run: TickFunction
    every: float


async def clinic_ids(runtime: Runtime) -> list[str]:
    async with runtime.db.session() as session:
        return await clinics_crud.all_ids(session)


async def plugin_jobs_tick(runtime: Runtime) -> int:
    return await jobs.run_due(runtime, await clinic_ids(runtime))


async def feed_prune_tick(runtime: Runtime) -> int:
    before = runtime.clock.now() - dt.timedelta(days=runtime.settings.feed_retention_days)
    async with runtime.db.session() as session:
        pruned = await feed.prune(session, before=before)
    if pruned:
        log.info("pruned %d feed events older than %s", pruned, before.isoformat())
    return pruned


async def events_prune_tick(runtime: Runtime) -> int:
    before = runtime.clock.now() - dt.timedelta(days=runtime.settings.event_retention_days)
    async with runtime.db.session() as session:
        pruned = await history.prune(session, before=before)
    if pruned:
        log.info("pruned %d delivered events older than %s", pruned, before.isoformat())
    return pruned


class Scheduler:
    """APScheduler running the ticks; each tick is isolated from the others."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.ticks: list[Tick] = [
            Tick("plugin-jobs", plugin_jobs_tick, runtime.settings.scheduler_tick),
            Tick("feed-prune", feed_prune_tick, 3600.0),
            Tick("events-prune", events_prune_tick, 3600.0),
            Tick("reminders", reminders_tick, runtime.settings.scheduler_tick),
            Tick("schedules", schedules_tick, runtime.settings.scheduler_tick),
        ]
        self._aps: AsyncIOScheduler | None = None

    def add(self, name: str, run: TickFunction, every: float | None = None) -> None:
        self.ticks.append(Tick(name, run, every or self.runtime.settings.scheduler_tick))

    async def run_tick(self, tick: Tick) -> int:
        try:
            return await tick.run(self.runtime)
        except Exception:
            log.exception("scheduler tick %s failed", tick.name)
            return 0

    async def tick_all(self) -> dict[str, int]:
        """Run every tick once, now (tests; ``hub worker --once``)."""
        return {tick.name: await self.run_tick(tick) for tick in self.ticks}

    def start(self) -> None:
        self._aps = AsyncIOScheduler(timezone=dt.UTC)
        for tick in self.ticks:
            self._aps.add_job(
                self.run_tick,
                "interval",
                args=[tick],
                seconds=tick.every,
                id=tick.name,
                max_instances=1,
                coalesce=True,
                next_run_time=dt.datetime.now(dt.UTC),
            )
        self._aps.start()

    def stop(self) -> None:
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
