"""Reference data and plugins' mappings: ``/admin/c/{clinic}/reference[/{kind}]`` and
``/admin/c/{clinic}/mappings/{plugin}/{kind}``.

Doctors, specialties, services and price-list sections as the clinic system sent them;
doctors and specialties with the dative forms the messages use («врачу-терапевту»,
«Петровой Анне Сергеевне»), each editable: an override typed here is kept, a blank one
goes back to the automatic form.  Saved by replacing the list through
``PUT /api/v1/clinics/{clinic}/reference/{kind}`` (the clinic system's next push
replaces it again, overrides included only if it sends them).  Kinds a plugin brings
are listed too, with «Синхронизировать» when the plugin syncs them.

Each plugin's mappings (hub ids ↔ the external system's ids, many-to-many) list their
pairs, highlight the hub items left unmapped with a field for each, and add or delete
pairs through ``/api/v1/clinics/{clinic}/plugins/{plugin}/mappings/{kind}``.
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


async def _catalog(request: Request, admin: Any) -> dict[str, Any]:
    """The reference kinds (built-in, then the plugins') and every plugin's mapping kinds."""
    async with api(request, admin) as hub:
        plugins = (await hub.get("/api/v1/plugins"))["items"]
    kinds = [(k, TITLES.get(k, k), None) for k in KINDS]
    mapping_kinds = []
    for p in plugins:
        syncs = "sync_reference_data" in p.get("hooks", [])
        for k in p.get("reference_kinds", []):
            kinds.append(
                (k["name"], k.get("description") or k["name"], p["name"] if syncs else None)
            )
        for k in p.get("mapping_kinds", []):
            mapping_kinds.append(
                (p["name"], k["name"], k.get("description") or "", k.get("hub_kind"))
            )
    return {"kinds": kinds, "mapping_kinds": mapping_kinds}


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
        **await _catalog(request, admin),
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


@router.post("/reference/{kind}/sync")
async def sync(
    request: Request, admin: AdminDep, form: FormDep, clinic: str, kind: str
) -> Response:
    """Ask the plugin that brings ``kind`` to sync it now."""
    plugin = str(form.get("plugin", ""))
    try:
        async with api(request, admin) as hub:
            await hub.post(f"/api/v1/clinics/{clinic}/plugins/{plugin}/sync/{kind}")
    except ApiError as exc:
        if exc.status == 403:
            raise
        return await notice(request, admin, exc.status, T["error_title"], exc.message)
    return RedirectResponse(
        f"/admin/c/{clinic}/reference/{kind}?saved=1", status_code=303, headers=HEADERS
    )


# --- mappings ----------------------------------------------------------------------------


@router.get("/mappings/{plugin}/{kind}")
async def mappings_page(
    request: Request, admin: AdminDep, clinic: str, plugin: str, kind: str, saved: str = ""
) -> Response:
    """A plugin's mapping of one kind: the pairs, and the hub items left unmapped
    (highlighted, each with a field for its external id)."""
    async with api(request, admin) as hub:
        listing = await hub.get(f"/api/v1/clinics/{clinic}/plugins/{plugin}/mappings/{kind}")
        names: dict[str, str] = {}
        if listing.get("hub_kind"):
            try:
                items = (
                    await hub.get(f"/api/v1/clinics/{clinic}/reference/{listing['hub_kind']}")
                )["items"]
            except ApiError:
                items = []
            names = {i["id"]: str(i.get("name") or i.get("full_name") or "") for i in items}
    return await render(
        request,
        admin,
        "admin/mappings.html",
        plugin=plugin,
        kind=kind,
        listing=listing,
        names=names,
        **await _catalog(request, admin),
        flash="Сохранено." if saved else "",
    )


@router.post("/mappings/{plugin}/{kind}")
async def put_mappings(
    request: Request, admin: AdminDep, form: FormDep, clinic: str, plugin: str, kind: str
) -> Response:
    """Add pairs: the unmapped rows' fields (``ext.<hub id>``) and the free pair."""
    pairs = []
    for key in form:
        if key.startswith("ext."):
            for external in str(form.get(key, "")).split(","):
                if external.strip():
                    pairs.append({"hub_id": key[4:], "external_id": external.strip()})
    hub_id, external_id = (
        str(form.get("hub_id", "")).strip(),
        str(form.get("external_id", "")).strip(),
    )
    if hub_id or external_id:
        pairs.append({"hub_id": hub_id, "external_id": external_id})
    url = f"/api/v1/clinics/{clinic}/plugins/{plugin}/mappings/{kind}"
    try:
        async with api(request, admin) as hub:
            if str(form.get("delete", "")) == "1":
                await hub.delete(url, params={"hub_id": hub_id, "external_id": external_id})
            elif pairs:
                await hub.put(url, json=pairs)
    except ApiError as exc:
        if exc.status == 403:
            raise
        return await notice(request, admin, exc.status, T["error_title"], exc.message)
    return RedirectResponse(
        f"/admin/c/{clinic}/mappings/{plugin}/{kind}?saved=1", status_code=303, headers=HEADERS
    )
