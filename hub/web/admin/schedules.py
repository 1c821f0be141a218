"""Mailing schedules (seed 003's «График рассылки»): ``/admin/c/{clinic}/schedules``.

The seven kinds, each with its own parameters — the form of a kind is generated from
its parameter model (``hub.schemas.schedules.PARAMS``), so a new kind needs no UI code —
the template or text, the e-mail subject, the channel, the enabled flag and the
communication status set on the appointment after sending.  Saved through
``/api/v1/clinics/{clinic}/schedules``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from hub.schemas.schedules import KINDS, PARAMS
from hub.web.admin import forms
from hub.web.admin.api import ApiError
from hub.web.admin.pages import HEADERS, AdminDep, FormDep, api, render
from hub.web.admin.session import AdminSession
from hub.web.admin.strings import SCHEDULE_KINDS, SCHEDULE_PARAMS

router = APIRouter(prefix="/c/{clinic}")


def _params_fields(
    kind: str, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None
) -> list[forms.Field]:
    fields = forms.fields_of(PARAMS[kind].model_json_schema(), values or {}, errors=errors)
    for f in fields:
        f.title, f.description = SCHEDULE_PARAMS.get(f.name, (f.title, f.description))
    return fields


async def _page(
    request: Request,
    admin: AdminSession,
    clinic: str,
    current: dict[str, Any] | None,
    *,
    status: int = 200,
    error: str = "",
    errors: dict[str, str] | None = None,
    flash: str = "",
) -> Response:
    async with api(request, admin) as hub:
        items = (await hub.get(f"/api/v1/clinics/{clinic}/schedules"))["items"]
        templates = (await hub.get(f"/api/v1/clinics/{clinic}/templates"))["items"]
    fields = _params_fields(current["kind"], current.get("params"), errors) if current else []
    return await render(
        request,
        admin,
        "admin/schedules.html",
        status,
        items=items,
        templates=templates,
        current=current,
        fields=fields,
        kinds=[(k, SCHEDULE_KINDS.get(k, k)) for k in KINDS],
        kind_titles=SCHEDULE_KINDS,
        error=error,
        flash=flash,
    )


@router.get("/schedules")
async def schedules_page(
    request: Request,
    admin: AdminDep,
    clinic: str,
    id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    kind: Annotated[str, Query(max_length=40)] = "",
    saved: str = "",
) -> Response:
    current: dict[str, Any] | None = None
    if id is not None:
        async with api(request, admin) as hub:
            current = await hub.get(f"/api/v1/clinics/{clinic}/schedules/{id}")
        if kind in PARAMS and kind != current["kind"]:
            current = {**current, "kind": kind, "params": {}}
    elif kind in PARAMS:
        current = {
            "kind": kind,
            "params": {},
            "name": "",
            "channel": "sms",
            "enabled": True,
            "template_id": None,
            "text": None,
            "subject": None,
            "communication_status": None,
        }
    return await _page(
        request, admin, clinic, current, flash="Расписание сохранено." if saved else ""
    )


@router.post("/schedules")
async def save_schedule(request: Request, admin: AdminDep, form: FormDep, clinic: str) -> Response:
    kind = str(form.get("kind", ""))
    schedule_id = str(form.get("id", ""))
    template = str(form.get("template_id", ""))
    text = str(form.get("text", "")).strip()
    current: dict[str, Any] = {
        "id": int(schedule_id) if schedule_id.isdigit() else None,
        "kind": kind if kind in PARAMS else KINDS[0],
        "name": str(form.get("name", "")).strip(),
        "channel": str(form.get("channel", "sms")),
        "enabled": str(form.get("enabled", "")) in ("1", "on", "true"),
        "template_id": int(template) if template.isdigit() else None,
        "text": None if template.isdigit() else (text or None),
        "subject": str(form.get("subject", "")).strip() or None,
        "communication_status": str(form.get("communication_status", "")).strip() or None,
        "params": {},
    }
    fields = _params_fields(current["kind"])
    try:
        current["params"] = forms.parse(form, fields, keep_blank=False)
    except forms.FormInvalid as exc:
        return await _page(request, admin, clinic, current, status=422, errors=exc.errors)
    body = {k: v for k, v in current.items() if k != "id"}
    try:
        async with api(request, admin) as hub:
            if current["id"]:
                saved = await hub.put(
                    f"/api/v1/clinics/{clinic}/schedules/{current['id']}", json=body
                )
            else:
                saved = await hub.post(f"/api/v1/clinics/{clinic}/schedules", json=body)
    except ApiError as exc:
        if exc.status == 403:
            raise
        errors = {k.rsplit(".", 1)[-1]: v for k, v in exc.fields.items() if ".params." in f".{k}"}
        return await _page(
            request, admin, clinic, current, status=exc.status, error=exc.message, errors=errors
        )
    return RedirectResponse(
        f"/admin/c/{clinic}/schedules?id={saved['id']}&saved=1", status_code=303, headers=HEADERS
    )


@router.post("/schedules/{schedule_id}/enabled")
async def switch(
    request: Request, admin: AdminDep, form: FormDep, clinic: str, schedule_id: int
) -> Response:
    enabled = str(form.get("enabled", "")) in ("1", "true", "on")
    async with api(request, admin) as hub:
        await hub.patch(
            f"/api/v1/clinics/{clinic}/schedules/{schedule_id}", json={"enabled": enabled}
        )
    return RedirectResponse(f"/admin/c/{clinic}/schedules", status_code=303, headers=HEADERS)


@router.post("/schedules/{schedule_id}/delete")
async def delete(
    request: Request, admin: AdminDep, form: FormDep, clinic: str, schedule_id: int
) -> Response:
    async with api(request, admin) as hub:
        await hub.delete(f"/api/v1/clinics/{clinic}/schedules/{schedule_id}")
    return RedirectResponse(f"/admin/c/{clinic}/schedules", status_code=303, headers=HEADERS)
