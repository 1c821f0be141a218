"""Reference data: ``/admin/c/{clinic}/reference[/{kind}]``.

Doctors, specialties, services and price-list sections as the clinic system sent them;
doctors and specialties with the dative forms the messages use («врачу-терапевту»,
«Петровой Анне Сергеевне»), each editable: an override typed here is kept, a blank one
goes back to the automatic form.  Saved by replacing the list through
``PUT /api/v1/clinics/{clinic}/reference/{kind}`` (the clinic system's next push
replaces it again, overrides included only if it sends them).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from hub.schemas.reference import KINDS
from hub.web.admin.api import ApiError
from hub.web.admin.pages import HEADERS, AdminDep, FormDep, api, notice, render
from hub.web.admin.strings import REFERENCE_COLUMNS, T

router = APIRouter(prefix="/c/{clinic}")

TITLES = {
    "doctors": "Врачи",
    "specialties": "Специальности",
    "services": "Услуги",
    "price_list_sections": "Разделы прайс-листа",
}
#: Kinds whose dative form may be overridden.
DATIVE = ("doctors", "specialties")


async def _kinds(request: Request, admin: Any) -> list[tuple[str, str]]:
    """The built-in kinds, then the kinds plugins declare (when the hub serves them)."""
    return [(k, TITLES.get(k, k)) for k in KINDS]


@router.get("/reference")
async def reference_home(clinic: str) -> Response:
    return RedirectResponse(
        f"/admin/c/{clinic}/reference/specialties", status_code=303, headers=HEADERS
    )


@router.get("/reference/{kind}")
async def reference_page(
    request: Request, admin: AdminDep, clinic: str, kind: str, saved: str = ""
) -> Response:
    async with api(request, admin) as hub:
        listing = await hub.get(f"/api/v1/clinics/{clinic}/reference/{kind}")
    items = listing["items"]
    hidden = {"dative_override", "auto"}
    columns: list[str] = []
    for item in items:
        for key in item:
            if key not in columns and key not in hidden:
                columns.append(key)
    return await render(
        request,
        admin,
        "admin/reference.html",
        kind=kind,
        kinds=await _kinds(request, admin),
        title=TITLES.get(kind, kind),
        items=items,
        columns=columns,
        column_titles=REFERENCE_COLUMNS,
        editable=kind in DATIVE,
        flash="Сохранено." if saved else "",
    )


@router.post("/reference/{kind}/dative")
async def save_dative(
    request: Request, admin: AdminDep, form: FormDep, clinic: str, kind: str
) -> Response:
    if kind not in DATIVE:
        return await notice(request, admin, 404, T["not_found_title"], kind)
    fields = set(KINDS[kind].model_fields)
    try:
        async with api(request, admin) as hub:
            items = (await hub.get(f"/api/v1/clinics/{clinic}/reference/{kind}"))["items"]
            body = []
            for item in items:
                sent = {k: v for k, v in item.items() if k in fields and k != "dative"}
                override = item.get("dative_override")
                key = f"dative.{item['id']}"
                if key in form:
                    typed = str(form.get(key, "")).strip()
                    if not typed:
                        override = None  # back to the automatic form
                    elif typed != item.get("dative"):
                        override = typed
                sent["dative"] = override
                body.append(sent)
            await hub.put(f"/api/v1/clinics/{clinic}/reference/{kind}", json=body)
    except ApiError as exc:
        if exc.status == 403:
            raise
        return await notice(request, admin, exc.status, T["error_title"], exc.message)
    return RedirectResponse(
        f"/admin/c/{clinic}/reference/{kind}?saved=1", status_code=303, headers=HEADERS
    )
