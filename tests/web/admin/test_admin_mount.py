"""hub.web.admin.mount: every page module's routes are served under /admin, in order,
and none of them is in the API's OpenAPI schema."""

from __future__ import annotations

from fastapi.routing import APIRoute, iter_route_contexts

from hub.testing import Harness
from hub.web import admin


def _served(hub: Harness) -> list[tuple[str, frozenset[str]]]:
    """(path, methods) of the app's routes, as the app matches them."""
    paths = hub.app.openapi()["paths"]
    assert not [p for p in paths if p.startswith(admin.PREFIX)], "admin pages in the schema"
    return [
        (str(route.path), frozenset(route.methods or ()))
        for route in iter_route_contexts(hub.app.routes)
        if isinstance(route.original_route, APIRoute) and str(route.path).startswith(admin.PREFIX)
    ]


def _declared() -> list[tuple[str, frozenset[str]]]:
    """Every page router's routes under /admin, then the home and the clinic switch."""
    pages = [
        (admin.PREFIX + route.path, frozenset(route.methods))
        for page in admin.PAGES
        for route in page.routes
        if isinstance(route, APIRoute)
    ]
    own = [(r.path, frozenset(r.methods)) for r in admin.router.routes if isinstance(r, APIRoute)]
    return pages + own


async def test_every_admin_page_is_served_under_admin(hub: Harness) -> None:
    assert _served(hub) == _declared()
    assert ("/admin/login", frozenset({"GET"})) in _served(hub)


async def test_admin_home_and_sign_in_page_answer(hub: Harness) -> None:
    home = await hub.client.get("/admin")
    assert (home.status_code, home.headers["location"]) == (303, "/admin/journal")
    page = await hub.client.get("/admin/login")
    assert page.status_code == 200
    assert "<form" in page.text
