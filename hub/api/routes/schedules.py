"""Mailing schedules: ``/api/v1/clinics/{clinic}/schedules`` (list, create, read, replace,
patch, delete).

Admins, web admins and the clinic's own token (the clinic system may manage its
mailings, as ArchiMed+'s «График рассылки» does) may read and change them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.api.deps import ClinicAccess, RuntimeDep, clinic_scope
from hub.api.errors import invalid
from hub.db.crud import schedules as crud
from hub.db.crud import templates as templates_crud
from hub.db.models import MailingSchedule
from hub.messages import templates as tpl
from hub.schemas.schedules import (
    PARAMS,
    ScheduleCreate,
    ScheduleFields,
    ScheduleKind,
    ScheduleList,
    SchedulePublic,
    ScheduleUpdate,
)

router = APIRouter(prefix="/api/v1/clinics/{clinic}/schedules", tags=["schedules"])

_NULLABLE = frozenset({"template_id", "text", "subject", "communication_status"})

# Schedules send messages by themselves: changing them is the clinic's or an admin's
# call (like mailings); a webadmin reads them.
ScheduleEditor = Annotated[ClinicAccess, Depends(clinic_scope("admin", "clinic"))]
ScheduleReader = Annotated[ClinicAccess, Depends(clinic_scope("admin", "webadmin", "clinic"))]


def _not_found(schedule_id: int) -> HTTPException:
    return HTTPException(404, f"Unknown schedule {schedule_id} in this clinic")


async def _load(session: AsyncSession, access: ClinicAccess, schedule_id: int) -> MailingSchedule:
    row = await crud.get(session, clinic_id=access.clinic_id, schedule_id=schedule_id)
    if row is None:
        raise _not_found(schedule_id)
    return row


def _check_subject(subject: str | None) -> None:
    """A subject whose placeholders are known, on one line (422 naming ``subject``)."""
    if not subject:
        return
    try:
        tpl.validate_subject(subject)
    except tpl.TemplateError as exc:
        raise HTTPException(
            422, [{"loc": ["body", "subject"], "msg": f"subject: {exc}", "type": "template"}]
        ) from None


async def _check_text(
    session: AsyncSession, clinic_id: str, template_id: int | None, text: str | None
) -> None:
    """A template of this clinic, or a text whose placeholders are known (422 otherwise)."""
    if template_id is not None:
        if await templates_crud.get(session, clinic_id=clinic_id, template_id=template_id) is None:
            raise invalid(
                ["body", "template_id"], f"no template {template_id} in this clinic", "not_found"
            )
        return
    try:
        tpl.validate(text or "")
    except tpl.TemplateError as exc:
        raise invalid(["body", "text"], str(exc), "template") from None


@router.get("", response_model=ScheduleList)
async def list_schedules(
    access: ScheduleReader,
    runtime: RuntimeDep,
    kind: Annotated[ScheduleKind | None, Query(description="Only this kind.")] = None,
    enabled: bool | None = None,
) -> ScheduleList:
    """The clinic's schedules, oldest first."""
    async with runtime.db.session() as session:
        rows = await crud.list_for(session, clinic_id=access.clinic_id, kind=kind, enabled=enabled)
        return ScheduleList(items=[crud.to_public(row) for row in rows])


@router.post("", status_code=201, response_model=SchedulePublic)
async def create_schedule(
    data: Annotated[ScheduleCreate, Body()], access: ScheduleEditor, runtime: RuntimeDep
) -> SchedulePublic:
    """Add a schedule: ``{"kind": "days_before", "params": {"days": 2, "send_time": "13:00"},
    "text": "…", "channel": "sms"}``."""
    _check_subject(data.subject)
    async with runtime.db.session() as session:
        await _check_text(session, access.clinic_id, data.template_id, data.text)
        row = await crud.create(
            session, clinic_id=access.clinic_id, data=data, now=runtime.clock.now()
        )
        return crud.to_public(row)


@router.get("/{schedule_id}", response_model=SchedulePublic)
async def get_schedule(
    schedule_id: int, access: ScheduleReader, runtime: RuntimeDep
) -> SchedulePublic:
    async with runtime.db.session() as session:
        return crud.to_public(await _load(session, access, schedule_id))


@router.put("/{schedule_id}", response_model=SchedulePublic)
async def replace_schedule(
    schedule_id: int,
    data: Annotated[ScheduleCreate, Body()],
    access: ScheduleEditor,
    runtime: RuntimeDep,
) -> SchedulePublic:
    """Replace the whole schedule (the kind may change)."""
    _check_subject(data.subject)
    async with runtime.db.session() as session:
        row = await _load(session, access, schedule_id)
        await _check_text(session, access.clinic_id, data.template_id, data.text)
        crud.replace(row, data, runtime.clock.now())
        return crud.to_public(row)


@router.patch("/{schedule_id}", response_model=SchedulePublic)
async def update_schedule(
    schedule_id: int, data: ScheduleUpdate, access: ScheduleEditor, runtime: RuntimeDep
) -> SchedulePublic:
    """Change some fields (``{"enabled": false}``); ``params`` are merged and validated for
    the schedule's kind.  Setting ``text`` clears ``template_id`` and the other way round."""
    _check_subject(data.subject)
    async with runtime.db.session() as session:
        row = await _load(session, access, schedule_id)
        given = {
            name: value
            for name, value in data.model_dump(exclude_unset=True, mode="json").items()
            if value is not None or name in _NULLABLE
        }
        params = given.pop("params", None)
        values: dict[str, Any] = dict(given)
        if params is not None:
            model = PARAMS[row.kind]
            try:
                values["params"] = model.model_validate({**row.params, **params}).model_dump(
                    mode="json"
                )
            except ValidationError as exc:
                raise RequestValidationError(
                    [{**e, "loc": ("body", "params", *e["loc"])} for e in exc.errors()]
                ) from None
        if values.get("text") is not None:
            values.setdefault("template_id", None)
        if values.get("template_id") is not None:
            values.setdefault("text", None)
        merged = {
            "template_id": values.get("template_id", row.template_id),
            "text": values.get("text", row.text),
        }
        try:
            ScheduleFields.model_validate(merged)
        except ValidationError:
            raise HTTPException(422, "give exactly one of template_id or text") from None
        await _check_text(session, access.clinic_id, merged["template_id"], merged["text"])
        crud.apply(row, values, runtime.clock.now())
        return crud.to_public(row)


@router.delete("/{schedule_id}", status_code=204)
async def delete_schedule(
    schedule_id: int, access: ScheduleEditor, runtime: RuntimeDep
) -> Response:
    async with runtime.db.session() as session:
        row = await _load(session, access, schedule_id)
        await crud.delete(session, row)
    return Response(status_code=204)
