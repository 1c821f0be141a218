"""Mailing schedules and the record of scheduled runs (one per rule and local day)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.db.types import BigIntKey, JSONType, UTCDateTime


class MailingSchedule(SQLModel, table=True):
    """A clinic's mailing schedule («График рассылки»): a kind, its parameters (validated
    per kind by ``hub.schemas.schedules``), the text and the channel."""

    __tablename__ = "mailing_schedule"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntKey)
    clinic_id: str = Field(foreign_key="clinic.id", ondelete="CASCADE", index=True, max_length=63)
    name: str = Field(default="", max_length=255)
    kind: str = Field(max_length=40)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    channel: str = Field(default="sms", max_length=16)
    template_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    text: str | None = Field(default=None, sa_type=sa.Text)
    #: E-mail only: the subject (a template like the text); unset: the template's, else
    #: the clinic's ``reminders.subject`` for reminders, else the provider's default.
    subject: str | None = Field(default=None, max_length=998)
    enabled: bool = True
    communication_status: str | None = Field(default=None, max_length=255)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class ScheduledRun(SQLModel, table=True):
    """One run of a rule for one local date of the clinic.

    ``rule`` is ``default`` (the clinic's daily reminder) or ``schedule:<id>``.  The
    primary key makes a daily run happen once per local date, whichever worker gets there
    first: the winner inserts the row, the others find it.  A run that failed, or whose
    worker died (``lease_until`` passed), may be taken over; what it already queued is
    protected by the messages' dedupe keys.  Interval rules (minutes before / after) keep
    one row per local date too, as their log.
    """

    __tablename__ = "scheduled_run"

    clinic_id: str = Field(
        foreign_key="clinic.id", ondelete="CASCADE", primary_key=True, max_length=63
    )
    rule: str = Field(primary_key=True, max_length=64)
    run_date: dt.date = Field(primary_key=True)
    planned_at: dt.datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="running", max_length=16)
    attempts: int = 1
    owner: str | None = Field(default=None, max_length=100)
    lease_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_at: dt.datetime = Field(sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    queued: int = 0
    skipped: int = 0
    error: str | None = Field(default=None, sa_type=sa.Text)
