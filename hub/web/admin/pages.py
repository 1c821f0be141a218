"""What every admin page shares: the signed-in dependencies, CSRF-checked forms, the
Jinja2 environment with its formatting filters, and the layout's context.

    AdminDep    the session (or the sign-in page when there is none)
    FormDep     a POST's form after its CSRF key was checked (403 otherwise)
    render()    a page in the layout (clinic selector, menu for the user's role)
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.api.deps import RuntimeDep
from hub.schemas.messages import STATUS_TITLES
from hub.web.admin import session as sessions
from hub.web.admin.api import HubApi
from hub.web.admin.strings import T, t

TEMPLATES: Final = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
HEADERS: Final = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


# --- formatting ------------------------------------------------------------------------


def _parse(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def local_time(value: Any, tz: str | None = None, seconds: bool = False) -> str:
    """``14.10.2021 18:48`` in the clinic's own time zone (UTC when unknown)."""
    moment = _parse(value)
    if moment is None:
        return ""
    try:
        zone = ZoneInfo(tz or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M:%S" if seconds else "%d.%m.%Y %H:%M")


def money(value: Any) -> str:
    """``339 578,83`` (Russian grouping, comma decimals)."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{amount:,.2f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def pretty_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)


TEMPLATES.env.filters["local_time"] = local_time
TEMPLATES.env.filters["money"] = money
TEMPLATES.env.filters["pretty_json"] = pretty_json
TEMPLATES.env.globals["t"] = t
TEMPLATES.env.globals["STATUS_TITLES"] = STATUS_TITLES


# --- dependencies ----------------------------------------------------------------------


async def current_session(request: Request, runtime: RuntimeDep) -> sessions.AdminSession:
    found = await sessions.load(request, runtime)
    if found is None:
        raise sessions.SignInRequired()
    request.state.admin = found
    return found


AdminDep = Annotated[sessions.AdminSession, Depends(current_session)]


async def checked_form(request: Request, admin: AdminDep) -> FormData:
    """The POST's form, refused (403) unless it carries the session's CSRF key."""
    try:
        form = await request.form(max_files=0, max_fields=500, max_part_size=256 * 1024)
    except StarletteHTTPException:
        raise sessions.CsrfRefused() from None
    given = request.headers.get("x-csrf-token") or str(form.get("csrf") or "")
    if not sessions.csrf_ok(admin, given):
        raise sessions.CsrfRefused()
    return form


FormDep = Annotated[FormData, Depends(checked_form)]


def api(request: Request, admin: sessions.AdminSession) -> HubApi:
    return HubApi(request, admin.token)


# --- rendering -------------------------------------------------------------------------


async def layout(request: Request, admin: sessions.AdminSession) -> dict[str, Any]:
    """What the layout needs: the clinics (for the selector) and the current one."""
    async with api(request, admin) as hub:
        clinics = (await hub.get("/api/v1/clinics"))["items"]
    wanted = request.path_params.get("clinic") or request.query_params.get("clinic_ctx")
    current = next((c for c in clinics if c["id"] == wanted), clinics[0] if clinics else None)
    return {"clinics": clinics, "clinic": current}


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def render(
    request: Request,
    admin: sessions.AdminSession | None,
    name: str,
    status: int = 200,
    **context: Any,
) -> Response:
    """``name`` in the layout (or alone, for an htmx fragment whose name starts with ``_``)."""
    base: dict[str, Any] = {"admin": admin, "T": T, "path": request.url.path}
    if admin is not None and not name.startswith("admin/_") and "clinics" not in context:
        base.update(await layout(request, admin))
    base.update(context)
    response = TEMPLATES.TemplateResponse(request, name, base, status_code=status)
    response.headers.update(HEADERS)
    return response


async def notice(
    request: Request,
    admin: sessions.AdminSession | None,
    status: int,
    title: str,
    text: str,
) -> Response:
    if is_htmx(request):
        response: Response = HTMLResponse(
            f'<div class="flash error" role="alert"><b>{_escape(title)}</b> {_escape(text)}</div>',
            status_code=200,  # htmx swaps only 2xx answers by default
            headers=HEADERS,
        )
        response.headers["X-Hub-Status"] = str(status)
        return response
    return await render(request, admin, "admin/notice.html", status, title=title, text=text)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
