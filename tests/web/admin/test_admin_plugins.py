"""The plugins pages over HTTP: the settings form generated from the schema, secrets
masked and never in the page, blank keeps, the connection check, actions, routing, and
what a webadmin may not do."""

from __future__ import annotations

import html
import re
from contextlib import aclosing

import httpx
from adminkit import csrf_of, seed_clinic, sign_in
from gateway_plugin import RIGHT_KEY

from hub.testing import Harness

PAGE = "/admin/c/clinic-1/plugins/gateway"
NEW_KEY = "brand-new-key-777888999"


async def save(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = await client.get(PAGE)
    data = {"csrf": csrf_of(page.text), **{f"f.{k}": v for k, v in fields.items()}}
    return await client.post(f"{PAGE}/settings", data=data)


async def stored_key(hub: Harness) -> str:
    ctx = await hub.context("gateway")
    return str(ctx.settings.api_key.get_secret_value())


async def test_the_form_is_generated_from_the_settings_schema(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(PAGE)
        listing = await client.get("/admin/c/clinic-1/plugins")
    text = page.text
    assert page.status_code == 200
    assert 'type="password" name="f.api_key"' in text
    assert 'name="f.test_mode" value="true"' in text  # a checkbox
    assert re.search(r'<select id="in-priority" name="f.priority">', text)
    assert 'name="f.retries" value="3"' in text
    assert "Адрес API шлюза." in text and "По умолчанию: https://gateway.test/api" in text
    assert RIGHT_KEY not in text and RIGHT_KEY[-4:] in text  # masked: ••••6789
    assert "Печать этикеток" in text and 'name="f.copies"' in text  # an action's form
    assert 'data-plugin="gateway"' in listing.text and "Включён" in listing.text


async def test_saving_a_secret_masks_it_and_blank_keeps_it(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        saved = await save(client, api_key=NEW_KEY, sender="Clinic", retries="5")
        assert saved.status_code == 303
        page = await client.get(saved.headers["location"])
        assert "Настройки сохранены." in page.text
        assert NEW_KEY not in page.text and "••••8999" in page.text
        assert await stored_key(hub) == NEW_KEY
        again = await save(client, api_key="", sender="Other", retries="5")
        assert again.status_code == 303
    assert await stored_key(hub) == NEW_KEY
    current = (await hub.client.get("/api/v1/clinics/clinic-1/plugins/gateway")).json()
    assert current["settings"]["sender"] == "Other" and current["settings"]["retries"] == 5


async def test_bad_values_are_named_next_to_their_field(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        words = await save(client, retries="many")
        range_ = await save(client, retries="99")
    assert words.status_code == 422 and "Нужно целое число." in words.text
    assert range_.status_code == 422
    assert re.search(r'data-field="retries".*?class="error"', range_.text, re.S)


async def test_the_connection_check_shows_its_answer(hub: Harness) -> None:
    await seed_clinic(hub, key="wrong-key-0000000")
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(PAGE)
        failed = await client.post(f"{PAGE}/check", data={"csrf": csrf_of(page.text)})
        await save(client, api_key=RIGHT_KEY)
        ok = await client.post(
            f"{PAGE}/check", data={"csrf": csrf_of(page.text)}, headers={"HX-Request": "true"}
        )
    assert 'data-check="failed"' in failed.text and "код 301" in failed.text
    assert 'data-check="ok"' in ok.text and "clinic-account" in ok.text
    assert "<html" not in ok.text  # an htmx fragment


async def test_actions_run_from_their_generated_forms(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(PAGE)
        csrf = csrf_of(page.text)
        ping = await client.post(f"{PAGE}/actions/ping", data={"csrf": csrf, "f.note": "привет"})
        labels = await client.post(
            f"{PAGE}/actions/print_labels",
            data={"csrf": csrf, "f.patient_id": "P-1001", "f.copies": "2"},
        )
        bad = await client.post(
            f"{PAGE}/actions/print_labels",
            data={"csrf": csrf, "f.patient_id": "P-1", "f.copies": "9"},
        )
    assert ping.status_code == 200
    assert '"pong": true' in html.unescape(ping.text) and "привет" in ping.text
    # an action answering hub.FileAnswer downloads it
    assert labels.headers["content-disposition"].startswith('attachment; filename="labels.zpl"')
    assert labels.headers["content-type"].startswith("application/zpl")
    assert labels.text.count("^XA^FDP-1001") == 2
    assert 'data-action-result="print_labels"' in bad.text and "copies" in bad.text


async def test_channel_routing_is_saved(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get("/admin/c/clinic-1/plugins")
        response = await client.post(
            "/admin/c/clinic-1/routing",
            data={"csrf": csrf_of(page.text), "ch.sms": "gateway, console", "ch.email": "console"},
        )
        unknown = await client.post(
            "/admin/c/clinic-1/routing", data={"csrf": csrf_of(page.text), "ch.sms": "nope"}
        )
    assert response.status_code == 303
    clinic = (await hub.client.get("/api/v1/clinics/clinic-1")).json()
    assert clinic["channels"]["sms"] == ["gateway", "console"]
    assert unknown.status_code == 422 and "nope" in unknown.text


async def test_a_webadmin_neither_sees_nor_changes_secrets(hub: Harness) -> None:
    await seed_clinic(hub)
    token = await hub.token("webadmin")
    async with aclosing(await sign_in(hub, token)) as client:
        page = await client.get(PAGE)
        text = page.text
        assert RIGHT_KEY[-4:] not in text and "••••" not in text
        assert 'name="f.api_key"' not in text and 'name="f.base_url"' not in text
        assert "Меняет только администратор." in text
        # what a webadmin may change, they change
        assert (await save(client, sender="Web")).status_code == 303
        # forced: the API refuses, nothing changes
        forced = await save(client, api_key="stolen-key-123456789")
        moved = await save(client, base_url="https://evil.example/")
        action = await client.post(
            f"{PAGE}/actions/ping", data={"csrf": csrf_of(text), "f.note": "x"}
        )
        routing = await client.post(
            "/admin/c/clinic-1/routing", data={"csrf": csrf_of(text), "ch.sms": "console"}
        )
    assert forced.status_code == moved.status_code == action.status_code == 403
    assert routing.status_code == 403
    assert await stored_key(hub) == RIGHT_KEY
    current = (await hub.client.get("/api/v1/clinics/clinic-1/plugins/gateway")).json()
    assert current["settings"]["sender"] == "Web"
    assert current["settings"]["base_url"] == "https://gateway.test/api"
