"""Plugin job runs: a lease per (clinic, plugin, job) and a log of every run."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from hub.db.types import BigIntKey, UTCDateTime


class JobLock(SQLModel, table=True):
    """Held while a job runs, so no two workers run the same (clinic, plugin, job)."""

    __tablename__ = "job_lock"

    clinic_id: str = Field(primary_key=True, max_length=63)
    plugin: str = Field(primary_key=True, max_length=100)
    job: str = Field(primary_key=True, max_length=100)
    owner: str | None = Field(default=None, max_length=100)
    locked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobRun(SQLModel, table=True):
    """One run of a plugin job: when, how long, and how it ended."""

    __tablename__ = "job_run"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntKey)
    clinic_id: str = Field(index=True, max_length=63)
    plugin: str = Field(max_length=100)
    job: str = Field(max_length=100)
    started_at: dt.datetime = Field(sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    duration_ms: int | None = None
    status: str = Field(default="running", max_length=16)
    summary: str | None = None
