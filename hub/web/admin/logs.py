"""Operations pages: the task log (КСАМУ's «журнал»), event deliveries parked as dead
with re-queue, a clinic's feed, its stop list, and API tokens (admin only).

    /admin/c/{clinic}/jobs        every job run: plugin, start, duration, outcome, message
    /admin/deliveries             dead (or other) deliveries; re-queue one or all
    /admin/c/{clinic}/feed        the clinic's feed, oldest first, a page at a time
    /admin/c/{clinic}/stoplist    blocked numbers: add, remove
    /admin/tokens                 tokens: create (shown once), revoke — admin only
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from hub.web.admin.api import ApiError
from hub.web.admin.pages import HEADERS, AdminDep, FormDep, api, notice, render
from hub.web.admin.strings import T

router = APIRouter()

JOB_STATUSES = ("ok", "failed", "running", "skipped", "timeout")
DELIVERY_STATUSES = ("dead", "pending", "retrying", "delivered")


@router.get("/c/{clinic}/jobs")
async def jobs_page(
    request: Request,
    admin: AdminDep,
    clinic: str,
    plugin: Annotated[str, Query(max_length=64)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    params: dict[str, Any] = {"limit": 500}
    if plugin:
        params["plugin"] = plugin
    async with api(request, admin) as hub:
        runs = (await hub.get(f"/api/v1/clinics/{clinic}/jobs", params=params))["items"]
        plugins = [p["name"] for p in (await hub.get("/api/v1/plugins"))["items"] if p["jobs"]]
    if status:
        runs = [r for r in runs if r["status"] == status]
    return await render(
        request,
        admin,
        "admin/jobs.html",
        runs=runs,
        plugins=plugins,
        statuses=sorted({*JOB_STATUSES, *(r["status"] for r in runs)}),
        f={"plugin": plugin, "status": status},
    )


@router.get("/deliveries")
async def deliveries_page(
    request: Request,
    admin: AdminDep,
    status: Annotated[str, Query(max_length=20)] = "dead",
    clinic: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    done: str = "",
) -> Response:
    params: dict[str, Any] = {"status": status or "dead", "page": page, "per_page": 50}
    if clinic:
        params["clinic"] = clinic
    async with api(request, admin) as hub:
        listing = await hub.get("/api/v1/deliveries", params=params)
        stats = (await hub.get("/api/v1/deliveries/stats"))["items"]
    return await render(
        request,
        admin,
        "admin/deliveries.html",
        listing=listing,
        stats=stats,
        statuses=DELIVERY_STATUSES,
        f={"status": params["status"], "clinic": clinic},
        flash=T["requeued"] if done else "",
    )


@router.post("/deliveries/{delivery_id}/requeue")
async def requeue(request: Request, admin: AdminDep, form: FormDep, delivery_id: int) -> Response:
    async with api(request, admin) as hub:
        await hub.post(f"/api/v1/deliveries/{delivery_id}/requeue")
    return RedirectResponse("/admin/deliveries?done=1", status_code=303, headers=HEADERS)


@router.post("/deliveries/requeue")
async def requeue_all(request: Request, admin: AdminDep, form: FormDep) -> Response:
    clinic = str(form.get("clinic", ""))
    async with api(request, admin) as hub:
        await hub.post("/api/v1/deliveries/requeue", params={"clinic": clinic} if clinic else {})
    return RedirectResponse("/admin/deliveries?done=1", status_code=303, headers=HEADERS)


@router.get("/c/{clinic}/feed")
async def feed_page(
    request: Request,
    admin: AdminDep,
    clinic: str,
    after: Annotated[str, Query(max_length=200)] = "",
    type: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    params: dict[str, Any] = {"limit": 100}
    if after:
        params["after"] = after
    async with api(request, admin) as hub:
        page = await hub.get(f"/api/v1/clinics/{clinic}/feed", params=params)
    events = [e for e in page["events"] if not type or e["type"].startswith(type)]
    return await render(
        request, admin, "admin/feed.html", events=events, next=page["next"], f={"type": type}
    )


@router.get("/c/{clinic}/stoplist")
async def stoplist_page(request: Request, admin: AdminDep, clinic: str) -> Response:
    async with api(request, admin) as hub:
        items = (await hub.get(f"/api/v1/clinics/{clinic}/stoplist"))["items"]
    return await render(request, admin, "admin/stoplist.html", items=items)


@router.post("/c/{clinic}/stoplist")
async def block(request: Request, admin: AdminDep, form: FormDep, clinic: str) -> Response:
    phone = str(form.get("phone", "")).strip()
    blocked = str(form.get("action", "block")) == "block"
    try:
        async with api(request, admin) as hub:
            if blocked:
                await hub.put(
                    f"/api/v1/clinics/{clinic}/stoplist/{quote(phone, safe='')}",
                    json={"note": str(form.get("note", "")).strip()},
                )
            else:
                await hub.delete(f"/api/v1/clinics/{clinic}/stoplist/{quote(phone, safe='')}")
    except ApiError as exc:
        if exc.status == 403:
            raise
        return await notice(request, admin, exc.status, T["error_title"], exc.message)
    return RedirectResponse(f"/admin/c/{clinic}/stoplist", status_code=303, headers=HEADERS)


@router.get("/tokens")
async def tokens_page(request: Request, admin: AdminDep) -> Response:
    async with api(request, admin) as hub:
        items = (await hub.get("/api/v1/tokens"))["items"]
    return await render(request, admin, "admin/tokens.html", items=items, created=None)


@router.post("/tokens")
async def create_token(request: Request, admin: AdminDep, form: FormDep) -> Response:
    body: dict[str, Any] = {
        "name": str(form.get("name", "")).strip(),
        "role": str(form.get("role", "")),
        "clinic": str(form.get("clinic", "")) or None,
    }
    try:
        async with api(request, admin) as hub:
            created = await hub.post("/api/v1/tokens", json=body)
            items = (await hub.get("/api/v1/tokens"))["items"]
    except ApiError as exc:
        if exc.status == 403:
            raise
        return await notice(request, admin, exc.status, T["error_title"], exc.message)
    # the token itself is shown this once (as the API answers it), never stored by the page
    return await render(request, admin, "admin/tokens.html", items=items, created=created)


@router.post("/tokens/{token_id}/revoke")
async def revoke(request: Request, admin: AdminDep, form: FormDep, token_id: int) -> Response:
    async with api(request, admin) as hub:
        await hub.delete(f"/api/v1/tokens/{token_id}")
    return RedirectResponse("/admin/tokens", status_code=303, headers=HEADERS)
