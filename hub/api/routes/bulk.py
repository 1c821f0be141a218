"""Bulk intake: ``POST /api/v1/clinics/{clinic}/bulk``.

``{"patients": [...], "appointments": [...]}`` (each item with its ``id``) answers a
result per item: ``{index, kind, id, result, changes, warnings, error, problems}``;
``result`` is created, updated, unchanged, cancelled, restored or error.  Good items
are kept, bad ones reported; a batch of 10,000 appointments is one request.
"""

from __future__ import annotations

from fastapi import APIRouter

from hub._startup import collector_paused
from hub.api.deps import ClinicSystem, RuntimeDep
from hub.intake import bulk, tx
from hub.intake.scope import ClinicScope
from hub.schemas.bulk import BulkIn, BulkResult

router = APIRouter(prefix="/api/v1/clinics/{clinic}", tags=["bulk intake"])


@router.post("/bulk", response_model=BulkResult)
async def bulk_upsert(body: BulkIn, access: ClinicSystem, runtime: RuntimeDep) -> BulkResult:
    """Upsert a batch of patients and appointments; a result per item."""
    clinic = ClinicScope.of(access.clinic)
    now = runtime.clock.now()
    with collector_paused():
        return await tx.write(
            runtime.db, lambda session: bulk.apply(session, runtime, clinic, body, now=now)
        )
