"""The event outbox: clinic events and one delivery per (event, plugin).

    event      what happened (hook + JSON arguments), written in the same transaction
               as the data change; also the clinic's event history
    delivery   one per plugin that implements the hook and was enabled for the clinic:

        pending ──claim──> (leased) ──ok──────────> done
           ^                  │
           │                  ├─fails──> retrying ──(back-off)──> claimed again
           │                  └─fails HUB_RETRY_MAX_ATTEMPTS times─> dead
           └────────────── requeue (ops API) ─────────────────────────┘
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.db.types import BigIntKey, JSONType, UTCDateTime

#: Delivery states.
PENDING, RETRYING, DONE, DEAD = "pending", "retrying", "done", "dead"
OPEN_STATES = (PENDING, RETRYING)


class OutboxEvent(SQLModel, table=True):
    """One event: a hook to call with these (JSON) keyword arguments, for one subject.

    ``subject`` (``appointment:<id>``, ``card:<id>``...) orders deliveries: per plugin,
    events of one subject are delivered one at a time, in id order.
    """

    __tablename__ = "event"
    __table_args__ = (
        sa.Index("ix_event_clinic_hook_created", "clinic_id", "hook", "created_at"),
        sa.Index("ix_event_clinic_subject", "clinic_id", "subject"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntKey)
    clinic_id: str = Field(foreign_key="clinic.id", ondelete="CASCADE", max_length=63)
    hook: str = Field(max_length=100)
    subject: str = Field(max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    source: str = Field(default="clinic", max_length=100)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """One event for one plugin, with its own attempts (see the module's diagram)."""

    __tablename__ = "delivery"
    __table_args__ = (
        # the claim: open deliveries by due time
        sa.Index(
            "ix_delivery_due", "next_attempt_at", "id",
            postgresql_where=sa.text("status IN ('pending', 'retrying')"),
            sqlite_where=sa.text("status IN ('pending', 'retrying')"),
        ),
        # per-subject order: earlier deliveries of the same (clinic, plugin, subject)
        sa.Index("ix_delivery_subject", "clinic_id", "plugin", "subject", "id"),
        sa.Index("ix_delivery_status", "status", "clinic_id", "plugin"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntKey)
    event_id: int = Field(
        sa_type=BigIntKey, foreign_key="event.id", ondelete="CASCADE", index=True
    )
    clinic_id: str = Field(max_length=63)
    plugin: str = Field(max_length=100)
    hook: str = Field(max_length=100)
    subject: str = Field(max_length=200)
    status: str = Field(default=PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(sa_type=UTCDateTime)
    lease_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    leased_by: str | None = Field(default=None, max_length=100)
    last_error: str | None = None
    idempotency_key: str = Field(max_length=400, unique=True)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
