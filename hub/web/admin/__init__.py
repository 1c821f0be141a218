"""The admin web UI under ``/admin``: server-rendered pages for clinic staff.

Jinja2 templates (``hub/web/templates/admin/``) with htmx for partial updates,
vendored in ``hub/web/static/`` (no CDN: clinic networks are often closed).  Every page
reads and writes through the hub's own API in-process (``api.py``) with the signed-in
user's token, so roles and rules are the API's.

    strings.py      every word shown (Russian), in one place
    session.py      sign-in cookie (encrypted, HTTP-only) and CSRF keys
    api.py          the in-process API client
    pages.py        shared dependencies, rendering, formatting filters
    forms.py        HTML forms generated from JSON schemas (plugin settings, actions)
    auth.py         /admin/login, /admin/logout
    journal.py      /admin/journal: «Журнал отправленных сообщений» (seed 001)
    plugins.py      /admin/c/{clinic}/plugins: switches, settings, check, actions, routing
    send.py         /admin/c/{clinic}/send and /mailing: one-off SMS, group mailing
    texts.py        /admin/c/{clinic}/templates: message templates, palette, live preview
    schedules.py    /admin/c/{clinic}/schedules: the seven kinds of mailing schedule
    logs.py         task log, deliveries, feed, stop list, tokens
    reference.py    /admin/c/{clinic}/reference: doctors, specialties (dative), services

``mount(app)`` adds the routes, the static files and the handlers that turn "no
session" into the sign-in page and a missing CSRF key into 403.  Each page module's
router goes into the app under ``/admin`` by itself (``PAGES``), beside ``router`` (the
home and the clinic switch), rather than nested in one admin router: FastAPI checks a
router included without a prefix by building every route nested in it, and then builds
them all again for the app — 42 routes built twice at every start (docs/decisions.md,
issue 18 goal 6).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from hub.web.admin import auth, journal, logs, plugins, reference, schedules, send, texts
from hub.web.admin.api import ApiError
from hub.web.admin.pages import HEADERS, is_htmx, notice
from hub.web.admin.session import CsrfRefused, SignInRequired
from hub.web.admin.strings import T

__all__ = ["PAGES", "PREFIX", "mount", "router"]

PREFIX = "/admin"
TAGS: list[str | Enum] = ["admin pages"]
#: The page modules' routers, in the order they are matched (before ``router``'s).
PAGES = tuple(
    module.router for module in (auth, journal, plugins, send, texts, schedules, logs, reference)
)
router = APIRouter(prefix=PREFIX, tags=TAGS, include_in_schema=False)


@router.get("")
@router.get("/")
async def home() -> Response:
    return RedirectResponse("/admin/journal", status_code=303, headers=HEADERS)


@router.get("/switch")
async def switch_clinic(request: Request, to: str = "") -> Response:
    """The clinic selector: the same page of the chosen clinic (a clinic's pages live
    under ``/admin/c/{clinic}/``; the others keep their path)."""
    here = request.query_params.get("from", "")
    parts = here.split("/")
    if to and len(parts) > 3 and parts[1:3] == ["admin", "c"] and to.replace("-", "").isalnum():
        parts[3] = to
        # a page of one object (a plugin, a template) may not exist in the other clinic
        return RedirectResponse("/".join(parts[:5]), status_code=303, headers=HEADERS)
    return RedirectResponse(
        f"/admin/c/{to}/plugins" if to.replace("-", "").isalnum() else "/admin/journal",
        status_code=303,
        headers=HEADERS,
    )


STATIC = Path(__file__).parent.parent / "static"


async def _sign_in(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = "/admin/journal"
    url = "/admin/login?" + str(_query({"next": target}))
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url, **HEADERS})
    return RedirectResponse(url, status_code=303, headers=HEADERS)


def _query(values: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


async def _csrf(request: Request, exc: Exception) -> Response:
    return await notice(
        request, getattr(request.state, "admin", None), 403, T["csrf_title"], T["csrf_text"]
    )


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    title = T["forbidden_title"] if exc.status == 403 else T["error_title"]
    return await notice(
        request, getattr(request.state, "admin", None), exc.status, title, exc.message
    )


def mount(app: FastAPI) -> None:
    """Add the admin pages to ``app``."""
    for page in PAGES:
        app.include_router(page, prefix=PREFIX, tags=TAGS, include_in_schema=False)
    app.include_router(router)
    app.mount("/admin/static", StaticFiles(directory=str(STATIC)), name="admin-static")
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(CsrfRefused, _csrf)
    app.add_exception_handler(ApiError, _api_error)
