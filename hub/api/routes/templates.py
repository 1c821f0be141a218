"""Message templates: ``/api/v1/clinics/{clinic}/templates`` (CRUD), their placeholders
and previews.

A body is checked when saved: an unknown placeholder is a 422 naming it.  A preview
renders a body (given, or a saved template's) for an appointment of the clinic or a
sample one, and reports the length, the SMS parts and any placeholder left empty.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from hub.api.deps import ClinicReader, ClinicSystem, RuntimeDep
from hub.api.errors import invalid
from hub.api.routes.messages import RowIdPath
from hub.db.crud import templates as crud
from hub.db.models import MessageTemplate
from hub.messages import templates as tpl
from hub.messages.targets import load_appointment
from hub.runtime import Runtime
from hub.schemas.templates import (
    PlaceholderPublic,
    PreviewPublic,
    PreviewRequest,
    TemplateCreate,
    TemplateList,
    TemplatePublic,
    TemplateUpdate,
)
from hub.text.segments import count_sms
from hub.types import ClinicInfo

router = APIRouter(prefix="/api/v1/clinics/{clinic}/templates", tags=["templates"])


def _public(row: MessageTemplate) -> TemplatePublic:
    return TemplatePublic(
        id=row.id or 0,
        clinic=row.clinic_id,
        name=row.name,
        recipient=row.recipient,
        kind=row.kind,
        channel=row.channel,
        is_default=row.is_default,
        body=row.body,
        placeholders=tpl.placeholders(row.body),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _check(body: str) -> None:
    try:
        tpl.validate(body)
    except tpl.TemplateError as exc:
        raise HTTPException(
            422, [{"loc": ["body", "body"], "msg": str(exc), "type": "template"}]
        ) from None


async def _get(runtime: Runtime, clinic_id: str, template_id: int) -> MessageTemplate:
    async with runtime.db.session() as session:
        row = await crud.get(session, clinic_id=clinic_id, template_id=template_id)
    if row is None:
        raise HTTPException(404, f"No template {template_id} in this clinic")
    return row


@router.get("", response_model=TemplateList)
async def list_templates(
    access: ClinicReader,
    runtime: RuntimeDep,
    kind: Annotated[str | None, Query(max_length=40)] = None,
) -> TemplateList:
    async with runtime.db.session() as session:
        rows = await crud.list_all(session, clinic_id=access.clinic_id, kind=kind)
    return TemplateList(items=[_public(r) for r in rows])


@router.get("/placeholders", response_model=list[PlaceholderPublic])
async def list_placeholders(access: ClinicReader, runtime: RuntimeDep) -> list[PlaceholderPublic]:
    """Every placeholder a body may use, with its aliases and its value for a sample."""
    context = tpl.sample_context(access.clinic.info, runtime.clock.now())
    aliases: dict[str, list[str]] = {}
    for alias, name in tpl.ALIASES.items():
        aliases.setdefault(name, []).append(alias)
    return [
        PlaceholderPublic(
            name=name,
            description=description,
            aliases=aliases.get(name, []),
            sample=context.values[name],
        )
        for name, description in tpl.PLACEHOLDERS.items()
    ]


@router.post("", status_code=201, response_model=TemplatePublic)
async def create_template(
    data: TemplateCreate, access: ClinicSystem, runtime: RuntimeDep
) -> TemplatePublic:
    _check(data.body)
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        row = MessageTemplate(
            clinic_id=access.clinic_id, **data.model_dump(), created_at=now, updated_at=now
        )
        session.add(row)
        await session.flush()
        if row.is_default:
            await crud.clear_other_defaults(session, row, now)
        return _public(row)


@router.get("/{template_id}", response_model=TemplatePublic)
async def get_template(
    template_id: RowIdPath, access: ClinicReader, runtime: RuntimeDep
) -> TemplatePublic:
    return _public(await _get(runtime, access.clinic_id, template_id))


@router.patch("/{template_id}", response_model=TemplatePublic)
async def update_template(
    template_id: RowIdPath, data: TemplateUpdate, access: ClinicSystem, runtime: RuntimeDep
) -> TemplatePublic:
    """Change some fields; the ones left out keep their values."""
    if data.body is not None:
        _check(data.body)
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        row = await crud.get(session, clinic_id=access.clinic_id, template_id=template_id)
        if row is None:
            raise HTTPException(404, f"No template {template_id} in this clinic")
        for name, value in data.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(row, name, value)
        row.updated_at = now
        await session.flush()
        if row.is_default:
            await crud.clear_other_defaults(session, row, now)
        return _public(row)


@router.delete("/{template_id}", status_code=204)
async def delete_template(
    template_id: RowIdPath, access: ClinicSystem, runtime: RuntimeDep
) -> Response:
    async with runtime.db.session() as session:
        row = await crud.get(session, clinic_id=access.clinic_id, template_id=template_id)
        if row is None:
            raise HTTPException(404, f"No template {template_id} in this clinic")
        await session.delete(row)
    return Response(status_code=204)


async def _preview(
    runtime: Runtime, clinic: ClinicInfo, body: str, request: PreviewRequest
) -> PreviewPublic:
    if request.appointment_id is None:
        context, sample = tpl.sample_context(clinic, runtime.clock.now()), True
        appointment_id = "sample"
    else:
        async with runtime.db.session() as session:
            appointment = await load_appointment(session, clinic.id, request.appointment_id)
        if appointment is None:
            raise invalid(
                ["body", "appointment_id"],
                f"no appointment {request.appointment_id!r} in this clinic",
                "not_found",
            )
        context = tpl.TemplateContext.build(appointment, clinic, request.confirm_link)
        sample, appointment_id = False, appointment.id
    if request.confirm_link is not None:
        context = tpl.TemplateContext({**context.values, "confirm_link": request.confirm_link})
    text = tpl.render(body, context, allow_empty=True)
    length = count_sms(text)
    gaps = tpl.missing(body, context)
    return PreviewPublic(
        text=text,
        characters=length.characters,
        encoding=length.encoding,
        parts=length.parts,
        appointment_id=appointment_id,
        sample=sample,
        missing=gaps,
        sendable=not gaps,
    )


@router.post("/preview", response_model=PreviewPublic)
async def preview_body(
    request: PreviewRequest, access: ClinicReader, runtime: RuntimeDep
) -> PreviewPublic:
    """Render ``body`` (not saved) for an appointment or the sample one."""
    if request.body is None:
        raise HTTPException(
            422, [{"loc": ["body", "body"], "msg": "give the body to preview", "type": "missing"}]
        )
    _check(request.body)
    return await _preview(runtime, access.clinic.info, request.body, request)


@router.post("/{template_id}/preview", response_model=PreviewPublic)
async def preview_template(
    template_id: RowIdPath,
    access: ClinicReader,
    runtime: RuntimeDep,
    request: PreviewRequest | None = None,
) -> PreviewPublic:
    """Render a saved template for an appointment or the sample one."""
    request = request or PreviewRequest()
    row = await _get(runtime, access.clinic_id, template_id)
    body = request.body if request.body is not None else row.body
    _check(body)
    return await _preview(runtime, access.clinic.info, body, request)
