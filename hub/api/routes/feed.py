"""The clinic feed: ``GET /api/v1/clinics/{clinic}/feed?after=<cursor>&limit=``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from hub import feed
from hub.api.deps import ClinicReader, RuntimeDep

router = APIRouter(prefix="/api/v1/clinics/{clinic}", tags=["feed"])


class FeedEventPublic(BaseModel):
    cursor: str
    type: str
    at: dt.datetime
    source: str
    data: dict[str, Any]


class FeedPagePublic(BaseModel):
    events: list[FeedEventPublic]
    next: str | None


@router.get(
    "/feed",
    response_model=FeedPagePublic,
    responses={400: {"description": "`after` is not a cursor this feed handed out."}},
)
async def read_feed(
    access: ClinicReader,
    runtime: RuntimeDep,
    after: Annotated[str | None, Query(description="The cursor of the last event applied.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> FeedPagePublic:
    """What happened outside, oldest first; pass ``next`` back as ``after``."""
    try:
        async with runtime.db.session() as session:
            page = await feed.read(session, clinic_id=access.clinic_id, after=after, limit=limit)
    except feed.BadCursor as exc:
        raise HTTPException(400, str(exc)) from None
    return FeedPagePublic(
        events=[
            FeedEventPublic(
                cursor=feed.encode_cursor(e.txid, e.id or 0),
                type=e.type,
                at=e.at,
                source=e.source,
                data=e.data,
            )
            for e in page.events
        ],
        next=page.next,
    )
