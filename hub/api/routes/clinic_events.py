"""Clinic events: what the clinic system reports besides its data, and the event history.

POST /api/v1/clinics/{clinic}/events   service.charged | lab_results.ready |
                                       discount_card.issued  -> the on_* hook (201)
GET  /api/v1/clinics/{clinic}/events   recent events with each plugin's delivery status
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query

from hub.api.deps import ClinicStaff, ClinicSystem, RuntimeDep
from hub.api.intake_errors import unprocessable
from hub.db.models import Delivery, OutboxEvent
from hub.intake import clinic_events, tx
from hub.intake.problems import IntakeError
from hub.schemas.clinic_events import ClinicEventAccepted, ClinicEventIn, EventList, EventPublic

router = APIRouter(prefix="/api/v1/clinics/{clinic}", tags=["clinic events"])

EVENT = OutboxEvent.__table__  # type: ignore[attr-defined]
DELIVERY = Delivery.__table__  # type: ignore[attr-defined]


@router.post("/events", status_code=201, response_model=ClinicEventAccepted)
async def post_event(
    data: ClinicEventIn, access: ClinicSystem, runtime: RuntimeDep
) -> ClinicEventAccepted:
    """Record a clinic event; the enabled plugins get the matching hook."""
    now = runtime.clock.now()
    try:
        event_id, hook, subject, plugins = await tx.write(
            runtime.db,
            lambda session: clinic_events.record(session, runtime, access.clinic_id, data, now=now),
        )
    except IntakeError as exc:
        raise unprocessable(exc) from None
    return ClinicEventAccepted(
        id=event_id, type=data.type, hook=hook, subject=subject, plugins=plugins
    )


@router.get("/events", response_model=EventList)
async def list_events(
    access: ClinicStaff,
    runtime: RuntimeDep,
    hook: str | None = None,
    since: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EventList:
    """The clinic's events, newest first, with where each delivery stands."""
    query = sa.select(
        EVENT.c.id, EVENT.c.hook, EVENT.c.subject, EVENT.c.source, EVENT.c.created_at
    ).where(EVENT.c.clinic_id == access.clinic_id)
    if hook is not None:
        query = query.where(EVENT.c.hook == hook)
    if since is not None:
        if since.tzinfo is None:  # the contract: a time without an offset is the clinic's
            since = since.replace(tzinfo=access.clinic.info.tz)
        query = query.where(EVENT.c.created_at >= since)
    async with runtime.db.session() as session:
        rows = (
            (await session.execute(query.order_by(EVENT.c.id.desc()).limit(limit))).mappings().all()
        )
        ids = [row["id"] for row in rows]
        statuses: dict[int, dict[str, str]] = {}
        if ids:
            for event_id, plugin, status in (
                await session.execute(
                    sa.select(DELIVERY.c.event_id, DELIVERY.c.plugin, DELIVERY.c.status).where(
                        DELIVERY.c.event_id.in_(ids)
                    )
                )
            ).all():
                statuses.setdefault(event_id, {})[plugin] = status
    return EventList(
        items=[EventPublic(**row, deliveries=statuses.get(row["id"], {})) for row in rows]
    )
