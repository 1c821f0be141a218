"""Signing in to the admin pages: tokens, roles, the cookie, CSRF and signing out."""

from __future__ import annotations

from contextlib import aclosing

from adminkit import csrf_of, form_value, page_client, seed_clinic, sign_in

from hub.testing import Harness


async def test_pages_need_a_session(hub: Harness) -> None:
    async with page_client(hub) as client:
        response = await client.get("/admin/journal")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=%2Fadmin%2Fjournal")


async def test_an_admin_token_signs_in_and_the_cookie_is_locked_down(hub: Harness) -> None:
    await seed_clinic(hub)
    client = await sign_in(hub, hub.admin_token)
    async with aclosing(client):
        page = await client.get("/admin/journal")
    assert page.status_code == 200
    assert "Журнал отправленных сообщений" in page.text
    assert hub.admin_token not in page.text
    # the cookie holds the token encrypted: it is not readable in it
    (cookie,) = [c for c in client.cookies.jar if c.name == "hub_admin"]
    assert hub.admin_token not in (cookie.value or "")


async def test_cookie_is_secure_http_only_and_strict_off_loopback(hub: Harness) -> None:
    async with page_client(hub, "http://hub.test") as client:
        page = await client.get("/admin/login")
        response = await client.post(
            "/admin/login", data={"token": hub.admin_token, "nonce": form_value(page.text, "nonce")}
        )
    header = response.headers["set-cookie"].lower()
    for part in ("httponly", "secure", "samesite=strict", "path=/admin"):
        assert part in header


async def test_wrong_and_unfit_tokens_are_refused(hub: Harness) -> None:
    await seed_clinic(hub)
    clinic_token = await hub.token("clinic", "clinic-1")
    async with page_client(hub) as client:
        for token, words in (
            ("nonsense", "неверен или отозван"),
            (clinic_token, "admin или webadmin"),
        ):
            page = await client.get("/admin/login")
            response = await client.post(
                "/admin/login", data={"token": token, "nonce": form_value(page.text, "nonce")}
            )
            assert response.status_code == 401
            assert words in response.text
            assert "hub_admin" not in response.headers.get("set-cookie", "")


async def test_a_revoked_token_ends_the_session(hub: Harness) -> None:
    await seed_clinic(hub)
    token = await hub.token("webadmin")
    client = await sign_in(hub, token)
    tokens = (await hub.client.get("/api/v1/tokens")).json()["items"]
    (row,) = [t for t in tokens if t["role"] == "webadmin"]
    assert (await hub.client.delete(f"/api/v1/tokens/{row['id']}")).status_code == 204
    hub.runtime.principals.clear()
    async with aclosing(client):
        response = await client.get("/admin/journal")
    assert response.status_code == 303 and "/admin/login" in response.headers["location"]


async def test_a_form_without_the_csrf_key_is_refused(hub: Harness) -> None:
    await seed_clinic(hub)
    client = await sign_in(hub, hub.admin_token)
    async with aclosing(client):
        page = await client.get("/admin/c/clinic-1/plugins")
        url = "/admin/c/clinic-1/plugins/gateway/enabled"
        refused = await client.post(url, data={"enabled": "0"})
        forged = await client.post(url, data={"enabled": "0", "csrf": "forged"})
        still = (await hub.client.get("/api/v1/clinics/clinic-1/plugins/gateway")).json()
        assert refused.status_code == forged.status_code == 403
        assert "Форма устарела" in refused.text
        assert still["enabled"] is True
        done = await client.post(url, data={"enabled": "0", "csrf": csrf_of(page.text)})
    assert done.status_code == 303
    assert (await hub.client.get("/api/v1/clinics/clinic-1/plugins/gateway")).json()[
        "enabled"
    ] is False


async def test_the_sign_in_form_needs_its_nonce_and_next_stays_here(hub: Harness) -> None:
    async with page_client(hub) as client:
        refused = await client.post("/admin/login", data={"token": hub.admin_token})
        page = await client.get("/admin/login?next=https://evil.example/")
        assert form_value(page.text, "next") == "/admin/journal"
    assert refused.status_code == 403


async def test_sign_out(hub: Harness) -> None:
    await seed_clinic(hub)
    client = await sign_in(hub, hub.admin_token)
    async with aclosing(client):
        page = await client.get("/admin/journal")
        out = await client.post("/admin/logout", data={"csrf": csrf_of(page.text)})
        assert out.status_code == 303
        after = await client.get("/admin/journal")
    assert after.status_code == 303


async def test_unknown_things_answer_4xx_pages_never_500(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        for path in (
            "/admin/c/nope/plugins",
            "/admin/c/nope/send",
            "/admin/c/nope/mailing",
            "/admin/c/nope/templates",
            "/admin/c/nope/schedules",
            "/admin/c/nope/jobs",
            "/admin/c/nope/feed",
            "/admin/c/nope/stoplist",
            "/admin/c/nope/reference/doctors",
            "/admin/c/clinic-1/plugins/nope",
            "/admin/c/clinic-1/templates?id=999",
            "/admin/c/clinic-1/schedules?id=999",
            "/admin/c/clinic-1/reference/nope",
            "/admin/c/clinic-1/mappings/gateway/nope",
            "/admin/c/clinic-1/send?day=not-a-date",
            "/admin/journal/999999999999999999999",
            "/admin/journal?find=1&page=0",
            "/admin/switch?to=clinic-1&from=//evil.example",
        ):
            response = await client.get(path)
            assert 300 <= response.status_code < 500, (path, response.status_code)
            if response.status_code in (303, 307):
                assert response.headers["location"].startswith("/admin"), path
