"""Reference data of a clinic: doctors, specialties, services, price-list sections,
and the kinds plugins declare (``lab_tests``...).

PUT /api/v1/clinics/{clinic}/reference/{kind}   replace the whole list of that kind
GET /api/v1/clinics/{clinic}/reference/{kind}   the list, with the dative forms in use
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path
from pydantic import ValidationError

from hub.api.deps import ClinicReader, ClinicSystem, RuntimeDep
from hub.api.errors import clean_errors
from hub.api.intake_errors import unprocessable
from hub.intake import reference, tx
from hub.intake.problems import IntakeError
from hub.intake.scope import ClinicScope
from hub.plugin_data import reference as plugin_reference
from hub.runtime import Runtime
from hub.schemas.reference import KINDS, ReferenceList, ReferenceResult

router = APIRouter(prefix="/api/v1/clinics/{clinic}/reference", tags=["reference data"])

Kind = Annotated[
    str, Path(description=f"One of: {', '.join(KINDS)}, or a kind a loaded plugin declares.")
]
MAX_ITEMS = 20_000


def _kind(runtime: Runtime, kind: str) -> str:
    try:
        return plugin_reference.check_kind(kind, runtime.host.reference_kinds())
    except plugin_reference.UnknownKind as exc:
        raise HTTPException(404, str(exc)[:1].upper() + str(exc)[1:]) from None


@router.put("/{kind}", response_model=ReferenceResult)
async def replace_reference(
    kind: Kind,
    access: ClinicSystem,
    runtime: RuntimeDep,
    items: Annotated[list[dict[str, Any]], Body(max_length=MAX_ITEMS)],
) -> ReferenceResult:
    """Replace the list; doctors and specialties get their dative computed (a non-null
    ``dative`` overrides it)."""
    _kind(runtime, kind)
    try:
        parsed = plugin_reference.parse(kind, items)
    except ValidationError as exc:
        raise HTTPException(
            422, clean_errors({**e, "loc": ("body", *e["loc"])} for e in exc.errors())
        ) from None
    clinic = ClinicScope.of(access.clinic)
    now = runtime.clock.now()
    try:
        result = await tx.write(
            runtime.db, lambda session: reference.replace(session, clinic, kind, parsed, now=now)
        )
    except IntakeError as exc:
        raise unprocessable(exc) from None
    return ReferenceResult(**result)


@router.get("/{kind}", response_model=ReferenceList)
async def read_reference(kind: Kind, access: ClinicReader, runtime: RuntimeDep) -> ReferenceList:
    _kind(runtime, kind)
    async with runtime.db.session() as session:
        items = await reference.current(session, access.clinic_id, kind)
    return ReferenceList(kind=kind, items=items)
