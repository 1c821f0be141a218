"""«Журнал отправленных сообщений» (seed 001): ``/admin/journal``.

The filters of the ИЭМК journal — ФИО получателя, номер телефона, вид сообщения, дата
отправки с … по (default: the last month), медицинская организация, the three status
boxes — with «Найти» and «Очистить».  The list is empty until «Найти» is pressed; at
most 20 rows a page (5/10/20) with navigation; a row opens to its text, error code and
text, the gateway's raw answer and the status history; under the list the total cost
of the filtered set and the provider's balance.  Times are the clinic's own.  The CSV
link exports the whole filtered list.  All data comes from ``GET /api/v1/messages``.
"""

from __future__ import annotations

import datetime as dt
from math import ceil
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hub.api.deps import RuntimeDep
from hub.schemas.messages import KIND_TITLES
from hub.web.admin.api import ApiError
from hub.web.admin.pages import AdminDep, api, is_htmx, layout, notice, render
from hub.web.admin.strings import STATUS_BOXES, T

router = APIRouter()

PER_PAGE = (5, 10, 20)
#: The kinds seed 001 names first, then the rest of the hub's kinds.
KINDS = tuple(KIND_TITLES.items())


def _month_ago(today: dt.date) -> dt.date:
    month = today.month - 1 or 12
    year = today.year - (1 if today.month == 1 else 0)
    day = min(today.day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
    return dt.date(year, month, day)


def _api_params(f: dict[str, Any]) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for key in ("recipient", "phone", "kind", "clinic", "sent_from", "sent_to"):
        if f.get(key):
            params.append((key, f[key]))
    params.extend(("status", s) for s in f["status"])
    return params


@router.get("/journal")
async def journal_page(
    request: Request,
    admin: AdminDep,
    runtime: RuntimeDep,
    recipient: Annotated[str, Query(max_length=255)] = "",
    phone: Annotated[str, Query(max_length=64)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    clinic: Annotated[str, Query(max_length=64)] = "",
    sent_from: Annotated[str, Query(max_length=32)] = "",
    sent_to: Annotated[str, Query(max_length=32)] = "",
    status: Annotated[list[str] | None, Query()] = None,
    per_page: Annotated[int, Query(ge=1, le=20)] = 20,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
    find: str = "",
) -> Response:
    ctx = await layout(request, admin)
    zones = {c["id"]: c["timezone"] for c in ctx["clinics"]}
    # "today" of the clinic shown (or of the only one); UTC across several
    zone = zones.get(clinic) or (next(iter(zones.values())) if len(zones) == 1 else "UTC")
    today = runtime.clock.now().astimezone(ZoneInfo(zone)).date()
    f: dict[str, Any] = {
        "recipient": recipient.strip(),
        "phone": phone.strip(),
        "kind": kind,
        "clinic": clinic,
        "sent_from": sent_from or _month_ago(today).isoformat(),
        "sent_to": sent_to or today.isoformat(),
        "status": [s for s in (status or []) if s in dict(STATUS_BOXES)],
    }
    per_page = per_page if per_page in PER_PAGE else 20
    result: dict[str, Any] | None = None
    error = ""
    balance: dict[str, Any] | None = None
    async with api(request, admin) as hub:
        if find:
            try:
                result = await hub.get(
                    "/api/v1/messages",
                    params=[*_api_params(f), ("page", str(page)), ("per_page", str(per_page))],
                )
            except ApiError as exc:
                error = exc.message
        if result is not None and result.get("balance"):
            balance = result["balance"]
        elif len(ctx["clinics"]) == 1 or clinic:
            only = clinic or ctx["clinics"][0]["id"]
            try:
                balance = await hub.get(f"/api/v1/clinics/{only}/balance")
            except ApiError as exc:
                balance = {"amount": None, "error": exc.message}
    pages = ceil(result["total"] / per_page) if result else 0
    query = [*_api_params(f), ("per_page", str(per_page)), ("find", "1")]
    return await render(
        request,
        admin,
        "admin/journal.html",
        **ctx,
        f=f,
        kinds=KINDS,
        boxes=STATUS_BOXES,
        per_page=per_page,
        per_page_options=PER_PAGE,
        page=page,
        pages=pages,
        result=result,
        error=error,
        balance=balance,
        zones=zones,
        query=urlencode(query),
        csv_query=urlencode(_api_params(f)),
    )


@router.get("/journal.csv")
async def journal_csv(
    request: Request,
    admin: AdminDep,
    recipient: Annotated[str, Query(max_length=255)] = "",
    phone: Annotated[str, Query(max_length=64)] = "",
    kind: Annotated[str, Query(max_length=40)] = "",
    clinic: Annotated[str, Query(max_length=64)] = "",
    sent_from: Annotated[str, Query(max_length=32)] = "",
    sent_to: Annotated[str, Query(max_length=32)] = "",
    status: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The filtered list as the API's CSV (the same columns as ``/api/v1/messages.csv``)."""
    f = {
        "recipient": recipient,
        "phone": phone,
        "kind": kind,
        "clinic": clinic,
        "sent_from": sent_from,
        "sent_to": sent_to,
        "status": [s for s in (status or []) if s in dict(STATUS_BOXES)],
    }
    try:
        async with api(request, admin) as hub:
            answer = await hub.raw("GET", "/api/v1/messages.csv", params=_api_params(f))
    except ApiError as exc:
        return await notice(request, admin, exc.status, T["error_title"], exc.message)
    return Response(
        answer.content,
        media_type=answer.headers.get("content-type", "text/csv"),
        headers={
            "Content-Disposition": answer.headers.get(
                "content-disposition", 'attachment; filename="messages.csv"'
            ),
            "Cache-Control": "no-store",
        },
    )


@router.get("/journal/{message_id}")
async def message_detail(request: Request, admin: AdminDep, message_id: int) -> Response:
    """One message opened: a row under the list's row (htmx) or a page of its own."""
    try:
        async with api(request, admin) as hub:
            message = await hub.get(f"/api/v1/messages/{message_id}")
            clinic = await hub.get(f"/api/v1/clinics/{message['clinic']}")
    except ApiError as exc:
        title = T["not_found_title"] if exc.status in (404, 422) else T["error_title"]
        return await notice(request, admin, exc.status, title, exc.message)
    name = "admin/_message_row.html" if is_htmx(request) else "admin/message.html"
    return await render(request, admin, name, m=message, tz=clinic["timezone"])
