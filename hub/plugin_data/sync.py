"""Running a plugin's ``sync_reference_data`` now, logged in the job log.

``POST /api/v1/clinics/{clinic}/plugins/{plugin}/sync/{kind}`` comes here; scheduled
syncs are jobs declared with ``Job(..., sync_kind=kind)`` and run by :mod:`hub.jobs`.
An on-demand run of a kind the plugin syncs on a schedule runs as that job (the same
lease, so the two never overlap); any other as job ``sync:<kind>``.
"""

from __future__ import annotations

from hub import jobs
from hub.context import HookContext
from hub.db.models import JobRun
from hub.registration import Job
from hub.runtime import Runtime
from hub.settings import PluginSettings
from hub.types import SyncResult


def job_name(kind: str) -> str:
    """The job-log name of an on-demand sync of ``kind``."""
    return f"sync:{kind}"


async def sync_now(
    runtime: Runtime, ctx: HookContext[PluginSettings], kind: str
) -> tuple[JobRun, SyncResult | None] | None:
    """Call ``ctx.plugin``'s ``sync_reference_data(ctx, kind)`` now: the job-log row and
    the plugin's answer, or ``None`` if a sync of that kind is running already.

    If the plugin syncs ``kind`` on a schedule, the run is a run of that job (its
    lease, its time limit, its name in the log); otherwise it is logged as job
    ``sync:<kind>`` under the hub's plugin time limit."""
    info = runtime.host.get(ctx.plugin)
    scheduled = next((j for j in (info.jobs if info else ()) if j.sync_kind == kind), None)
    job = scheduled or Job(job_name(kind), sync_kind=kind, timeout=runtime.host.timeout)
    return await jobs.run_now_with_result(runtime, ctx, job)
