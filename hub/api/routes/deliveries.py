"""Operations on event deliveries (admin and webadmin).

    GET  /api/v1/deliveries/stats[?clinic=&plugin=]   pending / retrying / dead / blocked
    GET  /api/v1/deliveries?status=dead&clinic=&plugin=&page=&per_page=
    POST /api/v1/deliveries/{id}/requeue              a dead delivery gets fresh attempts
    POST /api/v1/deliveries/requeue[?clinic=&plugin=] every dead one (filtered)

A dead delivery blocks the later deliveries of the same appointment or card to the
same plugin (so that they never arrive out of order); they are counted as *blocked*
and move on once it is re-queued and delivered.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from hub.api.deps import RuntimeDep, StaffDep
from hub.db.crud import deliveries as crud
from hub.schemas.deliveries import (
    DeliveryPage,
    DeliveryPublic,
    DeliveryStats,
    DeliveryStatsList,
    DeliveryStatus,
    RequeueResult,
)

router = APIRouter(prefix="/api/v1/deliveries", tags=["deliveries"])


def _public(row: dict[str, Any]) -> DeliveryPublic:
    return DeliveryPublic(**{**row, "clinic": row["clinic_id"]})


@router.get("/stats", response_model=DeliveryStatsList)
async def delivery_stats(
    runtime: RuntimeDep, _: StaffDep, clinic: str | None = None, plugin: str | None = None
) -> DeliveryStatsList:
    """Counts per plugin and clinic (pairs with nothing open or dead are left out)."""
    async with runtime.db.session() as session:
        rows = await crud.stats(session, clinic=clinic, plugin=plugin)
    return DeliveryStatsList(
        items=[DeliveryStats(**{**row, "clinic": row["clinic_id"]}) for row in rows]
    )


@router.get("", response_model=DeliveryPage)
async def list_deliveries(
    runtime: RuntimeDep,
    _: StaffDep,
    status: DeliveryStatus | None = "dead",
    clinic: str | None = None,
    plugin: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 50,
) -> DeliveryPage:
    """Deliveries (by default the dead ones), newest first, with their last error."""
    async with runtime.db.session() as session:
        rows, total = await crud.page(
            session, status=status, clinic=clinic, plugin=plugin, page=page, per_page=per_page
        )
    return DeliveryPage(items=[_public(r) for r in rows], total=total, page=page, per_page=per_page)


@router.post("/requeue", response_model=RequeueResult)
async def requeue_all(
    runtime: RuntimeDep, _: StaffDep, clinic: str | None = None, plugin: str | None = None
) -> RequeueResult:
    """Re-queue every dead delivery (of a clinic and/or plugin)."""
    async with runtime.db.session() as session:
        count = await crud.requeue_all(
            session, clinic=clinic, plugin=plugin, now=runtime.clock.now()
        )
    return RequeueResult(requeued=count)


@router.post(
    "/{delivery_id}/requeue",
    response_model=DeliveryPublic,
    responses={409: {"description": "The delivery is not dead."}},
)
async def requeue_one(delivery_id: int, runtime: RuntimeDep, _: StaffDep) -> DeliveryPublic:
    """Give a dead delivery a fresh set of attempts (409 if it is not dead)."""
    async with runtime.db.session() as session:
        row = await crud.get(session, delivery_id)
        if row is None:
            raise HTTPException(404, f"Unknown delivery {delivery_id}")
        if row["status"] != "dead":
            raise HTTPException(
                409,
                f"Delivery {delivery_id} is {row['status']}: only dead deliveries can be re-queued",
            )
        await crud.requeue(session, ids=[delivery_id], now=runtime.clock.now())
        row = await crud.get(session, delivery_id)
    assert row is not None
    return _public({**row, "blocked_by": None})
