"""Message templates: ``/api/v1/clinics/{clinic}/templates`` (CRUD), their placeholders
and previews.

A body is checked when saved: an unknown placeholder is a 422 naming it.  So are the
e-mail ``subject`` (one line) and ``html`` body, with the same placeholders; the 422
names the field (``loc: ["body", "subject"]``).  A preview
renders a body (given, or a saved template's) for an appointment of the clinic or a
sample one, and reports the length, the SMS parts and any placeholder left empty.
"""

from __future__ import annotations

from typing import Annotated, Any

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
        subject=row.subject,
        html=row.html,
        placeholders=_used(row.body, row.subject, row.html),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _used(*bodies: str | None) -> list[str]:
    """The placeholders of the body, subject and html, in order, once each."""
    out: list[str] = []
    for body in bodies:
        for name in tpl.placeholders(body) if body else ():
            if name not in out:
                out.append(name)
    return out


_CHECKS = {"body": tpl.validate, "subject": tpl.validate_subject, "html": tpl.validate_html}


def _check(body: str | None, subject: str | None = None, html: str | None = None) -> None:
    """422 naming each field (``body``, ``subject``, ``html``) that is not a valid template."""
    errors = []
    for field, value in (("body", body), ("subject", subject), ("html", html)):
        if value is None:
            continue
        try:
            _CHECKS[field](value)
        except tpl.TemplateError as exc:
            errors.append({"loc": ["body", field], "msg": str(exc), "type": "template"})
    if errors:
        raise HTTPException(422, errors)


def _email_parts(values: dict[str, Any]) -> dict[str, Any]:
    """An empty subject or html is none."""
    for field in ("subject", "html"):
        if field in values and not values[field]:
            values[field] = None
    return values


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
    _check(data.body, data.subject or None, data.html or None)
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        row = MessageTemplate(
            clinic_id=access.clinic_id,
            **_email_parts(data.model_dump()),
            created_at=now,
            updated_at=now,
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
    """Change some fields; the ones left out keep their values (``subject`` or ``html``
    given as null or ``""`` removes it)."""
    _check(data.body, data.subject or None, data.html or None)
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        row = await crud.get(session, clinic_id=access.clinic_id, template_id=template_id)
        if row is None:
            raise HTTPException(404, f"No template {template_id} in this clinic")
        for name, value in _email_parts(data.model_dump(exclude_unset=True)).items():
            if value is not None or name in ("subject", "html"):
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
    runtime: Runtime,
    clinic: ClinicInfo,
    body: str,
    request: PreviewRequest,
    subject: str | None = None,
    html: str | None = None,
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
    gaps = [name for name in _used(body, subject, html) if not context.values.get(name, "").strip()]
    return PreviewPublic(
        text=text,
        characters=length.characters,
        encoding=length.encoding,
        parts=length.parts,
        appointment_id=appointment_id,
        sample=sample,
        missing=gaps,
        sendable=not gaps,
        subject=tpl.render_subject(subject, context, allow_empty=True) if subject else None,
        html=tpl.render_html(html, context, allow_empty=True) if html else None,
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
    _check(request.body, request.subject or None, request.html or None)
    return await _preview(
        runtime,
        access.clinic.info,
        request.body,
        request,
        request.subject or None,
        request.html or None,
    )


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
    subject = request.subject if request.subject is not None else row.subject
    html = request.html if request.html is not None else row.html
    _check(body, subject or None, html or None)
    return await _preview(runtime, access.clinic.info, body, request, subject or None, html or None)
