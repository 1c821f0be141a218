"""The clinic's event history: what happened, for whoever reacts to it later.

Every event ever emitted stays in the ``event`` table (until pruned by the
``events-prune`` tick, ``HUB_EVENT_RETENTION_DAYS``, once all its deliveries are done),
whether or not a plugin listened.  Mailing schedules ("N minutes after a status
change", "after given services", "lab results ready", "discount card issued") read it
with :func:`clinic_events` and :func:`status_changes`; payloads are decoded into the
hook's value objects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Delivery, OutboxEvent
from hub.db.models.events import DONE
from hub.events import payloads

EVENT = OutboxEvent.__table__  # type: ignore[attr-defined]
DELIVERY = Delivery.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class EventRecord:
    """One past event: its hook, subject, decoded arguments, source and time."""

    id: int
    hook: str
    subject: str
    args: dict[str, Any]
    source: str
    created_at: dt.datetime


@dataclass(frozen=True)
class StatusChange:
    """An appointment whose clinic-system status changed."""

    event_id: int
    appointment_id: str
    old: str | None
    new: str
    at: dt.datetime


async def clinic_events(
    session: AsyncSession,
    clinic_id: str,
    *,
    hooks: Sequence[str] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    after_id: int | None = None,
    subject: str | None = None,
    limit: int = 1000,
) -> list[EventRecord]:
    """Events of the clinic, oldest first: of ``hooks``, created in ``[since, until)``,
    with an id above ``after_id`` (resume where you stopped), about ``subject``."""
    query = sa.select(EVENT).where(EVENT.c.clinic_id == clinic_id)
    if hooks is not None:
        query = query.where(EVENT.c.hook.in_(list(hooks)))
    if since is not None:
        query = query.where(EVENT.c.created_at >= since)
    if until is not None:
        query = query.where(EVENT.c.created_at < until)
    if after_id is not None:
        query = query.where(EVENT.c.id > after_id)
    if subject is not None:
        query = query.where(EVENT.c.subject == subject)
    rows = (await session.execute(query.order_by(EVENT.c.id).limit(limit))).mappings().all()
    return [
        EventRecord(
            id=row["id"],
            hook=row["hook"],
            subject=row["subject"],
            args=payloads.decode(row["hook"], row["payload"]),
            source=row["source"],
            created_at=row["created_at"],
        )
        for row in rows
    ]


async def status_changes(
    session: AsyncSession,
    clinic_id: str,
    *,
    since: dt.datetime,
    until: dt.datetime | None = None,
) -> list[StatusChange]:
    """Status changes of appointments (from ``on_appointment_updated`` events and
    cancellations), oldest first."""
    out: list[StatusChange] = []
    records = await clinic_events(
        session,
        clinic_id,
        since=since,
        until=until,
        limit=100_000,
        hooks=("on_appointment_updated", "on_appointment_cancelled", "on_appointment_restored"),
    )
    for record in records:
        appointment = record.args["appointment"]
        for change in record.args.get("changes", ()):
            if change.field == "status":
                out.append(
                    StatusChange(
                        record.id, appointment.id, change.old, change.new, record.created_at
                    )
                )
                break
        else:
            if record.hook != "on_appointment_updated":
                out.append(
                    StatusChange(
                        record.id, appointment.id, None, appointment.status, record.created_at
                    )
                )
    return out


async def prune(session: AsyncSession, *, before: dt.datetime) -> int:
    """Delete events older than ``before`` whose deliveries are all done (their delivery
    rows go with them); open and dead ones are kept.  How many events were deleted."""
    unfinished = sa.exists().where(DELIVERY.c.event_id == EVENT.c.id, DELIVERY.c.status != DONE)
    done = sa.select(DELIVERY.c.id).where(
        DELIVERY.c.event_id.in_(
            sa.select(EVENT.c.id).where(EVENT.c.created_at < before, ~unfinished)
        )
    )
    await session.execute(sa.delete(DELIVERY).where(DELIVERY.c.id.in_(done)))
    result = await session.execute(
        sa.delete(EVENT).where(
            EVENT.c.created_at < before, ~sa.exists().where(DELIVERY.c.event_id == EVENT.c.id)
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
