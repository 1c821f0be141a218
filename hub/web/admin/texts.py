"""Message templates (seed 002's «Шаблоны»): ``/admin/c/{clinic}/templates``.

The clinic's templates with their recipient (patient / doctor / chief doctor), kind and
default flag; an editor with the palette of placeholders (each with its sample value;
a click inserts it) and a live preview on a sample appointment — the dative forms
(«к Петровой А. С.», «врачу-терапевту») come from the hub's declension, through
``POST /api/v1/clinics/{clinic}/templates/preview``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from hub.schemas.messages import KIND_TITLES
from hub.web.admin.api import ApiError
from hub.web.admin.pages import HEADERS, AdminDep, FormDep, api, render
from hub.web.admin.session import AdminSession

router = APIRouter(prefix="/c/{clinic}")

RECIPIENTS = (("patient", "Пациент"), ("doctor", "Врач"), ("chief_doctor", "Главный врач"))


def _body(form: Any) -> dict[str, Any]:
    return {
        "name": str(form.get("name", "")).strip(),
        "recipient": str(form.get("recipient", "patient")),
        "kind": str(form.get("kind", "reminder")).strip(),
        "channel": str(form.get("channel", "sms")),
        "is_default": str(form.get("is_default", "")) in ("1", "on", "true"),
        "body": str(form.get("body", "")).strip(),
        "subject": str(form.get("subject", "")).strip() or None,
        "html": str(form.get("html", "")).strip() or None,
    }


def _preview_request(values: Any) -> dict[str, Any]:
    """The preview API's body for a template being edited: its body, subject and HTML."""
    out = {"body": str(values.get("body") or "")[:4000]}
    for name, limit in (("subject", 998), ("html", 500_000)):
        value = str(values.get(name) or "").strip()
        if value:
            out[name] = value[:limit]
    return out


async def _page(
    request: Request,
    admin: AdminSession,
    clinic: str,
    *,
    current: dict[str, Any] | None,
    status: int = 200,
    error: str = "",
    flash: str = "",
) -> Response:
    async with api(request, admin) as hub:
        items = (await hub.get(f"/api/v1/clinics/{clinic}/templates"))["items"]
        palette = await hub.get(f"/api/v1/clinics/{clinic}/templates/placeholders")
        preview = None
        if current and current.get("body"):
            try:
                preview = await hub.post(
                    f"/api/v1/clinics/{clinic}/templates/preview", json=_preview_request(current)
                )
            except ApiError as exc:
                preview = {"error": exc.message}
    return await render(
        request,
        admin,
        "admin/templates.html",
        status,
        items=items,
        palette=palette,
        current=current,
        preview=preview,
        recipients=RECIPIENTS,
        kinds=KIND_TITLES,
        error=error,
        flash=flash,
    )


@router.get("/templates")
async def templates_page(
    request: Request,
    admin: AdminDep,
    clinic: str,
    id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    new: str = "",
    saved: str = "",
) -> Response:
    current: dict[str, Any] | None = None
    if id is not None:
        async with api(request, admin) as hub:
            current = await hub.get(f"/api/v1/clinics/{clinic}/templates/{id}")
    elif new:
        current = {
            "name": "",
            "recipient": "patient",
            "kind": "reminder",
            "channel": "sms",
            "is_default": False,
            "body": "",
            "subject": None,
            "html": None,
        }
    return await _page(
        request, admin, clinic, current=current, flash="Шаблон сохранён." if saved else ""
    )


@router.post("/templates/preview")
async def live_preview(request: Request, admin: AdminDep, form: FormDep, clinic: str) -> Response:
    """The body (and e-mail subject and HTML) being typed, rendered on a sample
    appointment (htmx)."""
    wanted = _preview_request(form)
    preview: dict[str, Any] | None = None
    if wanted["body"].strip():
        try:
            async with api(request, admin) as hub:
                preview = await hub.post(f"/api/v1/clinics/{clinic}/templates/preview", json=wanted)
        except ApiError as exc:
            preview = {"error": exc.message}
    return await render(request, admin, "admin/_template_preview.html", preview=preview)


@router.post("/templates")
async def save_template(request: Request, admin: AdminDep, form: FormDep, clinic: str) -> Response:
    body = _body(form)
    template_id = str(form.get("id", ""))
    try:
        async with api(request, admin) as hub:
            if template_id.isdigit():
                saved = await hub.patch(
                    f"/api/v1/clinics/{clinic}/templates/{template_id}", json=body
                )
            else:
                saved = await hub.post(f"/api/v1/clinics/{clinic}/templates", json=body)
    except ApiError as exc:
        if exc.status == 403:
            raise
        current = {**body, "id": int(template_id) if template_id.isdigit() else None}
        return await _page(
            request, admin, clinic, current=current, status=exc.status, error=exc.message
        )
    return RedirectResponse(
        f"/admin/c/{clinic}/templates?id={saved['id']}&saved=1", status_code=303, headers=HEADERS
    )


@router.post("/templates/{template_id}/delete")
async def delete_template(
    request: Request, admin: AdminDep, form: FormDep, clinic: str, template_id: int
) -> Response:
    async with api(request, admin) as hub:
        await hub.delete(f"/api/v1/clinics/{clinic}/templates/{template_id}")
    return RedirectResponse(f"/admin/c/{clinic}/templates", status_code=303, headers=HEADERS)
