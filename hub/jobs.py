"""Plugin jobs: when each (clinic, plugin, job) is due, a lease so it never runs twice
at once, and the job log.

A job declared ``every=<interval>`` is due when its last start is that long ago (a
settings field named instead holds a timedelta or a number of minutes); a job
declared ``at=<local time>`` is due once a day, once the clinic's local clock has
passed that time, if the last start was before it and the time is less than
``HUB_MISSED_RUN_GRACE_HOURS`` ago (a hub that was down at 03:00 and starts at 05:00
still runs the 03:00 job once).  Either may name a settings field instead of a value.

The lease is a row per (clinic, plugin, job) taken with one conditional UPDATE: of
several workers polling at once exactly one wins.  A worker killed mid-run leaves the
lease to expire after the job's time limit; then another worker may run it.

Each job runs under its own time limit (``Job.timeout``, else :data:`JOB_TIMEOUT`).  Due
jobs of different clinics run concurrently, at most ``HUB_JOB_CONCURRENCY`` clinics at
once; one clinic's jobs run one after the other.  A job declared with ``sync_kind`` runs
the plugin's ``sync_reference_data`` for that kind (see :mod:`hub.plugin_data.sync`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from hub.context import HookContext
from hub.db.models import JobLock, JobRun
from hub.plugins import PluginCallError
from hub.process import WORKER_ID
from hub.registration import Job
from hub.runtime import Runtime
from hub.settings import PluginSettings
from hub.types import SyncResult

log = logging.getLogger("hub.jobs")

#: The time limit of a job that declares none, in seconds.
JOB_TIMEOUT = 600.0


def time_limit(job: Job) -> float:
    """The job's time limit in seconds."""
    return job.timeout or JOB_TIMEOUT


def _lease(job: Job) -> dt.timedelta:
    return dt.timedelta(seconds=time_limit(job) + 60)


def sync_summary(result: SyncResult | None, kind: str) -> str:
    """The job-log line of a sync run."""
    if result is None:
        return f"{kind}: not synced (the plugin does not sync this kind)"
    counts = ", ".join(f"{name} {count}" for name, count in result.counts.items())
    return f"{kind}: {counts or 'nothing to do'}"


def _resolve(value: Any, settings: PluginSettings) -> Any:
    return getattr(settings, value) if isinstance(value, str) else value


def next_due(
    job: Job,
    ctx: HookContext[PluginSettings],
    last_started: dt.datetime | None,
    now: dt.datetime,
    grace: dt.timedelta,
) -> bool:
    """Whether ``job`` should start now for ``ctx``'s clinic."""
    if job.every is not None:
        every = _resolve(job.every, ctx.settings)
        if every is None:
            return False
        if not isinstance(every, dt.timedelta):
            every = dt.timedelta(minutes=float(every))
        return last_started is None or now - last_started >= every
    at = _resolve(job.at, ctx.settings)
    if at is None:
        return False
    if isinstance(at, str):
        at = dt.time.fromisoformat(at)
    local_now = now.astimezone(ctx.clinic.tz)
    planned = dt.datetime.combine(local_now.date(), at, tzinfo=ctx.clinic.tz)
    if local_now < planned or now - planned.astimezone(dt.UTC) > grace:
        return False
    return last_started is None or last_started < planned


async def last_start(runtime: Runtime, clinic_id: str, plugin: str, job: str) -> dt.datetime | None:
    """When the job last started for the clinic (creating its lease row on first use)."""
    async with runtime.db.session() as session:
        row = await session.get(JobLock, (clinic_id, plugin, job))
        if row is None:
            try:
                async with session.begin_nested():
                    session.add(JobLock(clinic_id=clinic_id, plugin=plugin, job=job))
            except IntegrityError:  # another worker created it first
                row = await session.get(JobLock, (clinic_id, plugin, job))
        return row.last_started_at if row else None


async def take_lease(
    runtime: Runtime,
    clinic_id: str,
    plugin: str,
    job: str,
    now: dt.datetime,
    lease: dt.timedelta,
    expect_last: dt.datetime | None,
) -> bool:
    """Atomically take the lease, if free and nobody started the job since ``expect_last``."""
    cond = [
        col(JobLock.clinic_id) == clinic_id,
        col(JobLock.plugin) == plugin,
        col(JobLock.job) == job,
        sa.or_(col(JobLock.locked_until).is_(None), col(JobLock.locked_until) < now),
        col(JobLock.last_started_at).is_(None)
        if expect_last is None
        else col(JobLock.last_started_at) == expect_last,
    ]
    async with runtime.db.session() as session:
        result = await session.execute(
            sa.update(JobLock)
            .where(*cond)
            .values(owner=WORKER_ID, locked_until=now + lease, last_started_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def _release(runtime: Runtime, clinic_id: str, plugin: str, job: str) -> None:
    async with runtime.db.session() as session:
        await session.execute(
            sa.update(JobLock)
            .where(
                col(JobLock.clinic_id) == clinic_id,
                col(JobLock.plugin) == plugin,
                col(JobLock.job) == job,
                col(JobLock.owner) == WORKER_ID,
            )
            .values(locked_until=None, owner=None)
        )


async def run_job(runtime: Runtime, ctx: HookContext[PluginSettings], job: Job) -> JobRun:
    """Run ``job`` for ``ctx``'s clinic (lease already held) and log the run."""
    row, _ = await run_job_with_result(runtime, ctx, job)
    return row


async def run_job_with_result(
    runtime: Runtime, ctx: HookContext[PluginSettings], job: Job
) -> tuple[JobRun, SyncResult | None]:
    """:func:`run_job`, also returning what a sync job's plugin answered."""
    clinic_id, plugin = ctx.clinic.id, ctx.plugin
    started = runtime.clock.now()
    async with runtime.db.session() as session:
        run = JobRun(clinic_id=clinic_id, plugin=plugin, job=job.name, started_at=started)
        session.add(run)
    t0 = time.perf_counter()
    status, summary, synced = "ok", None, None
    try:
        if job.sync_kind is not None:
            synced = await runtime.host.sync_reference_data(
                plugin, ctx, job.sync_kind, timeout=time_limit(job)
            )
            summary = sync_summary(synced, job.sync_kind)
        else:
            assert job.run is not None
            summary = await runtime.host.run_strict(
                plugin, f"job:{job.name}", ctx, job.run, timeout=time_limit(job)
            )
    except PluginCallError as exc:
        status, summary = "error", exc.error
    finally:
        await _release(runtime, clinic_id, plugin, job.name)
    async with runtime.db.session() as session:
        row = await session.get(JobRun, run.id)
        assert row is not None
        row.finished_at = runtime.clock.now()
        row.duration_ms = int((time.perf_counter() - t0) * 1000)
        row.status = status
        row.summary = None if summary is None else runtime.redactor.redact(str(summary))[:2000]
    log.info("job %s/%s for %s: %s (%s ms)", plugin, job.name, clinic_id, status, row.duration_ms)
    return row, synced


async def _run_due_for(
    runtime: Runtime, clinic_id: str, now: dt.datetime, grace: dt.timedelta
) -> int:
    ran = 0
    for plugin, ctx in (await runtime.enabled_contexts(clinic_id)).items():
        info = runtime.host.get(plugin)
        for job in info.jobs if info else ():
            last = await last_start(runtime, clinic_id, plugin, job.name)
            if not next_due(job, ctx, last, now, grace):
                continue
            if await take_lease(runtime, clinic_id, plugin, job.name, now, _lease(job), last):
                await run_job(runtime, ctx, job)
                ran += 1
    return ran


async def run_due(runtime: Runtime, clinic_ids: Sequence[str]) -> int:
    """Start every due job of every enabled plugin of these clinics; how many ran.

    Clinics are handled concurrently, at most ``settings.job_concurrency`` at once, so
    one clinic's slow job does not hold up the others; a clinic's failure is logged
    and does not stop the others.
    """
    now = runtime.clock.now()
    grace = dt.timedelta(hours=runtime.settings.missed_run_grace_hours)
    limit = asyncio.Semaphore(runtime.settings.job_concurrency)

    async def one(clinic_id: str) -> int:
        async with limit:
            return await _run_due_for(runtime, clinic_id, now, grace)

    results = await asyncio.gather(*(one(c) for c in clinic_ids), return_exceptions=True)
    ran = 0
    for clinic_id, result in zip(clinic_ids, results, strict=True):
        if isinstance(result, BaseException):
            log.error("plugin jobs of clinic %s failed: %r", clinic_id, result)
        else:
            ran += result
    return ran


async def run_now(runtime: Runtime, ctx: HookContext[PluginSettings], job: Job) -> JobRun | None:
    """Run ``job`` now (an admin asked); ``None`` if it is running elsewhere."""
    started = await run_now_with_result(runtime, ctx, job)
    return None if started is None else started[0]


async def run_now_with_result(
    runtime: Runtime, ctx: HookContext[PluginSettings], job: Job
) -> tuple[JobRun, SyncResult | None] | None:
    """:func:`run_now`, also returning what a sync job's plugin answered."""
    now = runtime.clock.now()
    last = await last_start(runtime, ctx.clinic.id, ctx.plugin, job.name)
    if not await take_lease(runtime, ctx.clinic.id, ctx.plugin, job.name, now, _lease(job), last):
        return None
    return await run_job_with_result(runtime, ctx, job)


async def runs(runtime: Runtime, clinic_id: str, plugin: str | None, limit: int) -> list[JobRun]:
    async with runtime.db.session() as session:
        query = sa.select(JobRun).where(col(JobRun.clinic_id) == clinic_id)
        if plugin:
            query = query.where(col(JobRun.plugin) == plugin)
        query = query.order_by(col(JobRun.id).desc()).limit(limit)
        return list((await session.execute(query)).scalars())
