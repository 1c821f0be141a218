"""Authentication and roles: 401 without a valid token, 403 for the wrong role or clinic."""

from __future__ import annotations

from pydantic import SecretStr

from hub.testing import Harness


async def test_no_token_bad_token_and_bad_scheme_are_401(hub: Harness) -> None:
    anonymous = hub.client_for(None)
    response = await anonymous.get("/api/v1/clinics")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "Missing Authorization header" in response.json()["detail"]
    wrong = hub.client_for("hub_not-a-real-token")
    assert (await wrong.get("/api/v1/clinics")).json()["detail"] == "Invalid or revoked token"
    basic = await anonymous.get("/api/v1/clinics", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401
    assert basic.json()["detail"] == "Authorization must be 'Bearer <token>'"


async def test_tokens_are_shown_once_and_stored_hashed(hub: Harness) -> None:
    created = await hub.client.post("/api/v1/tokens", json={"name": "МИС", "role": "admin"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("hub_") and len(token) > 40
    listed = await hub.client.get("/api/v1/tokens")
    assert token not in listed.text
    async with hub.runtime.db.session() as session:
        from sqlalchemy import text

        stored = str((await session.execute(text("SELECT token_hash FROM api_token"))).all())
    assert token not in stored


async def test_revoked_token_is_401(hub: Harness) -> None:
    created = (
        await hub.client.post("/api/v1/tokens", json={"name": "x", "role": "webadmin"})
    ).json()
    client = hub.client_for(created["token"])
    assert (await client.get("/api/v1/clinics")).status_code == 200
    assert (await hub.client.delete(f"/api/v1/tokens/{created['id']}")).status_code == 204
    assert (await client.get("/api/v1/clinics")).status_code == 401


async def test_clinic_token_sees_only_its_clinic(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.create_clinic("clinic-2")
    system = hub.client_for(await hub.token("clinic", "clinic-1"))
    assert [c["id"] for c in (await system.get("/api/v1/clinics")).json()["items"]] == ["clinic-1"]
    assert (await system.get("/api/v1/clinics/clinic-1")).status_code == 200
    other = await system.get("/api/v1/clinics/clinic-2")
    assert other.status_code == 403
    assert other.json()["detail"] == "This token belongs to another clinic"
    # a clinic token cannot probe which clinics exist: 403, not 404
    assert (await system.get("/api/v1/clinics/nosuch")).status_code == 403
    assert (await system.get("/api/v1/clinics/clinic-1/feed")).status_code == 200
    assert (await system.get("/api/v1/clinics/clinic-2/feed")).status_code == 403


async def test_roles_are_enforced(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    webadmin = hub.client_for(await hub.token("webadmin"))
    system = hub.client_for(await hub.token("clinic", "clinic-1"))
    new_clinic = {"id": "c2", "name": "x", "timezone": "Europe/Moscow"}
    assert (await webadmin.post("/api/v1/clinics", json=new_clinic)).status_code == 403
    assert (await system.post("/api/v1/clinics", json=new_clinic)).status_code == 403
    assert (await webadmin.patch("/api/v1/clinics/clinic-1", json={"name": "y"})).status_code == 403
    assert (await webadmin.get("/api/v1/plugins")).status_code == 200
    assert (await system.get("/api/v1/plugins")).status_code == 403
    denied = await system.post("/api/v1/tokens", json={"name": "x", "role": "admin"})
    assert denied.status_code == 403
    assert denied.json()["detail"] == "This needs the admin role; this token is clinic"


async def test_clinic_token_needs_an_existing_clinic(hub: Harness) -> None:
    missing = await hub.client.post("/api/v1/tokens", json={"name": "x", "role": "clinic"})
    assert missing.status_code == 422
    assert "needs 'clinic'" in missing.json()["errors"][0]["msg"]
    unknown = await hub.client.post(
        "/api/v1/tokens", json={"name": "x", "role": "clinic", "clinic": "nosuch"}
    )
    assert unknown.status_code == 404


async def test_admin_token_from_environment(hub: Harness) -> None:
    from hub import services
    from hub.runtime import Runtime

    settings = hub.runtime.settings.model_copy(
        update={"admin_token": SecretStr("seeded-admin-token-0123456789")}
    )
    runtime = Runtime(settings, services=services.make)
    await runtime.start()
    await runtime.close()
    seeded = hub.client_for("seeded-admin-token-0123456789")
    assert (await seeded.get("/api/v1/clinics")).status_code == 200


async def test_a_webadmin_reads_and_configures_but_never_sends(hub: Harness) -> None:
    """webadmin: journal and settings (operations.md, "Tokens and roles")."""
    await hub.create_clinic("clinic-1", channels={"sms": ["console"]})
    await hub.enable("console")
    webadmin = hub.client_for(await hub.token("webadmin"))
    base = "/api/v1/clinics/clinic-1"
    reads = [
        "/api/v1/messages",
        f"{base}/schedules",
        f"{base}/templates",
        f"{base}/feed",
        f"{base}/plugins",
        "/api/v1/deliveries/stats",
        f"{base}/stoplist",
    ]
    for url in reads:
        assert (await webadmin.get(url)).status_code == 200, url
    sends = [
        (f"{base}/messages", {"phone": "+79181234567", "text": "x"}),
        (
            f"{base}/mailings",
            {"name": "x", "period_from": "2026-11-24", "period_to": "2026-11-24", "template_id": 1},
        ),
        (f"{base}/reminders/run", {"dry_run": False}),
        (f"{base}/schedules", {"kind": "birthday", "text": "x", "params": {}}),
        (f"{base}/templates", {"name": "x", "body": "x"}),
        (f"{base}/plugins/console/actions/any", {}),
    ]
    for url, body in sends:
        response = await webadmin.post(url, json=body)
        assert response.status_code == 403, (url, response.text)
    assert (await hub.client.get("/api/v1/messages")).json()["total"] == 0


async def test_the_last_admin_token_cannot_be_revoked(hub: Harness) -> None:
    second = (await hub.client.post("/api/v1/tokens", json={"name": "b", "role": "admin"})).json()
    admins = [
        t
        for t in (await hub.client.get("/api/v1/tokens")).json()["items"]
        if t["role"] == "admin" and t["revoked_at"] is None
    ]
    others = [t for t in admins if t["id"] != second["id"]]
    for token in others:  # every admin token but the new one may go
        assert (
            await hub.client_for(second["token"]).delete(f"/api/v1/tokens/{token['id']}")
        ).status_code == 204
    last = hub.client_for(second["token"])
    refused = await last.delete(f"/api/v1/tokens/{second['id']}")
    assert refused.status_code == 409
    assert "last admin token" in refused.json()["detail"]
    assert (await last.get("/api/v1/tokens")).status_code == 200  # still works
    # with another admin token in place, the old one may be revoked
    third = (await last.post("/api/v1/tokens", json={"name": "c", "role": "admin"})).json()
    assert (await last.delete(f"/api/v1/tokens/{second['id']}")).status_code == 204
    assert (await hub.client_for(third["token"]).get("/api/v1/tokens")).status_code == 200
