"""Sign-in and sign-out: ``GET/POST /admin/login``, ``POST /admin/logout``.

The sign-in form takes a hub token; the API's own check decides whether it is valid,
and only the roles ``admin`` and ``webadmin`` may use these pages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.api.deps import RuntimeDep
from hub.web.admin import session as sessions
from hub.web.admin.pages import HEADERS, AdminDep, FormDep, render
from hub.web.admin.strings import T

router = APIRouter()


def _safe_next(value: str) -> str:
    """Only a path of these pages: never another site (an open redirect)."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/admin") or "\\" in value:
        return "/admin/journal"
    return value


@router.get("/login")
async def login_page(
    request: Request, runtime: RuntimeDep, next: str = "/admin/journal", out: str = ""
) -> Response:
    return await render(
        request,
        None,
        "admin/login.html",
        nonce=sessions.login_nonce(runtime),
        next=_safe_next(next),
        info=T["signed_out"] if out else "",
    )


@router.post("/login")
async def login(request: Request, runtime: RuntimeDep) -> Response:
    try:
        form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    except StarletteHTTPException:
        form = None
    nonce = str(form.get("nonce", "")) if form else ""
    token = str(form.get("token", "")).strip() if form else ""
    target = _safe_next(str(form.get("next", "")) if form else "")
    if not sessions.login_nonce_ok(runtime, nonce):
        return await render(
            request, None, "admin/notice.html", 403, title=T["csrf_title"], text=T["csrf_text"]
        )
    principal = await sessions.principal_of(runtime, token) if token else None
    error = ""
    if principal is None:
        error = T["bad_token"]
    elif principal.role not in sessions.ROLES:
        error = T["wrong_role"]
    if error:
        return await render(
            request,
            None,
            "admin/login.html",
            401,
            nonce=sessions.login_nonce(runtime),
            next=target,
            error=error,
        )
    response = RedirectResponse(target, status_code=303, headers=HEADERS)
    sessions.start(request, response, runtime, token)
    return response


@router.post("/logout")
async def logout(request: Request, admin: AdminDep, form: FormDep) -> Response:
    response = RedirectResponse("/admin/login?out=1", status_code=303, headers=HEADERS)
    sessions.end(response)
    return response
