"""Reference-data sync on demand: ``POST /api/v1/clinics/{clinic}/plugins/{plugin}/sync/{kind}``.

Calls the plugin's ``sync_reference_data(ctx, kind)`` now and answers its counts; the
run is in the job log (``GET /api/v1/clinics/{clinic}/jobs``) like a scheduled one.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from hub.api.deps import ClinicSystem, RuntimeDep
from hub.api.plugin_access import enabled_context, loaded_plugin
from hub.plugin_data import reference, sync

router = APIRouter(prefix="/api/v1/clinics/{clinic}/plugins/{plugin}/sync", tags=["reference data"])


class SyncAnswer(BaseModel):
    """What the sync did, as the plugin counted it, and its job-log row."""

    kind: str
    counts: dict[str, int] = Field(description='e.g. {"created": 3, "updated": 1}')
    job: str = Field(description="The job-log name of this run.")
    job_run_id: int
    started_at: dt.datetime
    duration_ms: int | None


@router.post("/{kind}", response_model=SyncAnswer)
async def sync_now(plugin: str, kind: str, access: ClinicSystem, runtime: RuntimeDep) -> SyncAnswer:
    """Run the plugin's sync of ``kind`` now (404: unknown plugin or kind, or a kind the
    plugin does not sync; 409: not enabled, or this sync is running; 502: it failed)."""
    loaded_plugin(runtime, plugin)
    try:
        reference.check_kind(kind, runtime.host.reference_kinds())
    except reference.UnknownKind as exc:
        raise HTTPException(404, str(exc)[:1].upper() + str(exc)[1:]) from None
    if not runtime.host.implements(plugin, "sync_reference_data"):
        raise HTTPException(404, f"Plugin {plugin!r} does not sync reference data")
    ctx = await enabled_context(runtime, access.clinic_id, plugin)
    started = await sync.sync_now(runtime, ctx, kind)
    if started is None:
        raise HTTPException(409, f"A sync of {kind!r} by {plugin!r} is running already")
    run, result = started
    if run.status != "ok":
        raise HTTPException(502, f"Plugin {plugin!r} failed: {run.summary}")
    if result is None:
        raise HTTPException(404, f"Plugin {plugin!r} does not sync {kind!r}")
    assert run.id is not None
    return SyncAnswer(
        kind=kind,
        counts=result.counts,
        job=run.job,
        job_run_id=run.id,
        started_at=run.started_at,
        duration_ms=run.duration_ms,
    )
