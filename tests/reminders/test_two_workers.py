"""Two workers at the same instant (two runtimes, two connection pools, one database):
exactly one message per appointment, whichever way the race goes.  On PostgreSQL the
transactions really interleave; on SQLite they serialise."""

from __future__ import annotations

import asyncio
import datetime as dt

import sqlalchemy as sa
from remkit import appointment, clinic, local, messages, utc_of

from hub import services
from hub.db.models import Message, ScheduledRun
from hub.reminders import daily
from hub.runtime import Runtime
from hub.testing import Harness
from hub.worker import Worker

TODAY = dt.date(2026, 11, 23)
TOMORROW = TODAY + dt.timedelta(days=1)
COUNT = 40


async def _second_worker(hub: Harness) -> Runtime:
    other = Runtime(hub.runtime.settings, services=services.make, clock=hub.clock)
    other.load_plugins()
    return other


async def _count(hub: Harness) -> tuple[int, int]:
    async with hub.runtime.db.session() as session:
        total = (
            await session.execute(sa.select(sa.func.count()).select_from(Message))
        ).scalar_one()
        distinct = (
            await session.execute(
                sa.select(sa.func.count(sa.distinct(Message.appointment_id)))  # type: ignore[arg-type]
            )
        ).scalar_one()
    return int(total), int(distinct)


async def test_two_workers_ticking_at_once_send_one_reminder_each(hub: Harness) -> None:
    zone = "Asia/Vladivostok"
    hub.clock.set(utc_of(TODAY, dt.time(9), zone))
    await clinic(hub, "vl", zone)
    for n in range(COUNT):
        await appointment(hub, "vl", f"A-{n}", "P-ok", local(TOMORROW, 8 + n // 6, (n % 6) * 10))
    other = await _second_worker(hub)
    try:
        hub.clock.set(utc_of(TODAY, dt.time(12), zone))
        first, second = await asyncio.gather(hub.tick(), Worker(other).scheduler.tick_all())
        assert sorted([first["reminders"], second["reminders"]]) == [0, COUNT]
        # and two manual runs at once, after it: nothing new
        snapshot = await hub.runtime.snapshot("vl")
        rules = [await daily.rule_for(rt, snapshot, None) for rt in (hub.runtime, other)]
        again = await asyncio.gather(
            *[
                daily.run_day(rt, snapshot, rule, day=TOMORROW, dry_run=False)
                for rt, rule in zip((hub.runtime, other), rules, strict=True)
            ]
        )
        assert [r.queued for r in again] == [0, 0]
    finally:
        await other.close()
    assert await _count(hub) == (COUNT, COUNT)
    async with hub.runtime.db.session() as session:
        (run,) = (await session.execute(sa.select(ScheduledRun))).scalars()
    assert (run.rule, run.run_date, run.status, run.attempts, run.queued) == (
        "default",
        TODAY,
        "done",
        1,
        COUNT,
    )


async def test_two_manual_runs_racing_queue_each_appointment_once(hub: Harness) -> None:
    zone = "Europe/Moscow"
    hub.clock.set(utc_of(TODAY, dt.time(9), zone))
    await clinic(hub, "msk", zone)
    for n in range(COUNT):
        await appointment(hub, "msk", f"A-{n}", "P-ok", local(TOMORROW, 8 + n // 6, (n % 6) * 10))
    other = await _second_worker(hub)
    try:
        snapshot = await hub.runtime.snapshot("msk")
        runs = await asyncio.gather(
            *[
                daily.run_day(
                    rt,
                    snapshot,
                    await daily.rule_for(rt, snapshot, None),
                    day=TOMORROW,
                    dry_run=False,
                )
                for rt in (hub.runtime, other, hub.runtime)
            ]
        )
    finally:
        await other.close()
    assert sum(r.queued for r in runs) == COUNT
    already = [s for r in runs for s in r.skipped if s["reason"] == "already_sent"]
    assert len(already) == 2 * COUNT
    assert await _count(hub) == (COUNT, COUNT)
    assert len(await messages(hub, "msk")) == 20  # the journal's first page
