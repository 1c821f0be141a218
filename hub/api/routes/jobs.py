"""Plugin jobs: the job log and running a job now.

GET  /api/v1/clinics/{clinic}/jobs[?plugin=&limit=]     runs, newest first
POST /api/v1/clinics/{clinic}/plugins/{plugin}/jobs/{job}/run
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from hub import jobs
from hub.api.deps import ClinicStaff, RuntimeDep
from hub.api.plugin_access import enabled_context, loaded_plugin
from hub.db.models import JobRun

router = APIRouter(prefix="/api/v1/clinics/{clinic}", tags=["jobs"])


class JobRunPublic(BaseModel):
    id: int
    plugin: str
    job: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    duration_ms: int | None
    status: str
    summary: str | None


class JobRunList(BaseModel):
    items: list[JobRunPublic]


def _public(run: JobRun) -> JobRunPublic:
    return JobRunPublic.model_validate(run, from_attributes=True)


@router.get("/jobs", response_model=JobRunList)
async def job_log(
    access: ClinicStaff,
    runtime: RuntimeDep,
    plugin: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> JobRunList:
    """Runs of plugin jobs for the clinic: when, how long, how they ended."""
    rows = await jobs.runs(runtime, access.clinic_id, plugin, limit)
    return JobRunList(items=[_public(r) for r in rows])


@router.post(
    "/plugins/{plugin}/jobs/{job}/run",
    response_model=JobRunPublic,
    responses={409: {"description": "The job is running already for this clinic."}},
)
async def run_job_now(
    plugin: str, job: str, access: ClinicStaff, runtime: RuntimeDep
) -> JobRunPublic:
    """Run a job now, outside its schedule (409 if it is running already)."""
    info = loaded_plugin(runtime, plugin)
    spec = next((j for j in info.jobs if j.name == job), None)
    if spec is None:
        raise HTTPException(404, f"Plugin {plugin!r} has no job {job!r}")
    ctx = await enabled_context(runtime, access.clinic_id, plugin)
    run = await jobs.run_now(runtime, ctx, spec)
    if run is None:
        raise HTTPException(409, f"Job {plugin}/{job} is running already for this clinic")
    return _public(run)
