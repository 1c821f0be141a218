"""Reference data over HTTP: the lists with their dative forms; a dative override
typed, kept, and cleared back to the automatic form."""

from __future__ import annotations

from contextlib import aclosing

from adminkit import csrf_of, seed_clinic, sign_in

from hub.testing import Harness

PAGE = "/admin/c/clinic-1/reference/specialties"


async def specialty(hub: Harness) -> dict[str, object]:
    items = (await hub.client.get("/api/v1/clinics/clinic-1/reference/specialties")).json()
    return dict(items["items"][0])


async def test_lists_show_the_dative_forms_in_use(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        specialties = await client.get(PAGE)
        doctors = await client.get("/admin/c/clinic-1/reference/doctors")
        services = await client.get("/admin/c/clinic-1/reference/services")
    assert 'value="врачу-терапевту"' in specialties.text
    assert 'value="Петровой Анне Сергеевне"' in doctors.text
    assert "Приём терапевта" in services.text and 'name="dative.' not in services.text


async def test_a_dative_override_is_kept_then_cleared(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(PAGE)
        url = f"{PAGE}/dative"
        typed = await client.post(url, data={"csrf": csrf_of(page.text), "dative.S-3": "терапевту"})
        assert typed.status_code == 303
        item = await specialty(hub)
        assert item["dative"] == "терапевту" and item["dative_override"] == "терапевту"
        await client.post(url, data={"csrf": csrf_of(page.text), "dative.S-3": "терапевту"})
        assert (await specialty(hub))["dative_override"] == "терапевту"
        await client.post(url, data={"csrf": csrf_of(page.text), "dative.S-3": ""})
    item = await specialty(hub)
    assert item["dative"] == "врачу-терапевту" and item["dative_override"] is None


async def test_a_webadmin_reads_but_cannot_edit(hub: Harness) -> None:
    await seed_clinic(hub)
    token = await hub.token("webadmin")
    async with aclosing(await sign_in(hub, token)) as client:
        page = await client.get(PAGE)
        forced = await client.post(
            f"{PAGE}/dative", data={"csrf": csrf_of(page.text), "dative.S-3": "x"}
        )
    assert "врачу-терапевту" in page.text and 'name="dative.S-3"' not in page.text
    assert forced.status_code == 403
    assert (await specialty(hub))["dative_override"] is None


async def test_a_plugins_mapping_highlights_the_unmapped_and_takes_pairs(hub: Harness) -> None:
    await seed_clinic(hub)
    await hub.put_reference(
        "services",
        [
            {"id": "SRV-1", "name": "Приём терапевта", "price_list_section": "PL-A"},
            {"id": "SRV-2", "name": "Анализ крови", "price_list_section": "PL-A"},
        ],
    )
    page_url = "/admin/c/clinic-1/mappings/gateway/services"
    api_url = "/api/v1/clinics/clinic-1/plugins/gateway/mappings/services"
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get(page_url)
        assert 'data-unmapped="SRV-1"' in page.text and 'data-unmapped="SRV-2"' in page.text
        assert "↔ gateway: services" in (await client.get(PAGE)).text
        csrf = csrf_of(page.text)
        saved = await client.post(page_url, data={"csrf": csrf, "ext.SRV-1": "G-10, G-11"})
        assert saved.status_code == 303
        await client.post(page_url, data={"csrf": csrf, "hub_id": "SRV-2", "external_id": "G-20"})
        after = await client.get(page_url)
        assert "data-unmapped=" not in after.text
        await client.post(
            page_url,
            data={"csrf": csrf, "delete": "1", "hub_id": "SRV-1", "external_id": "G-11"},
        )
    pairs = (await hub.client.get(api_url)).json()["items"]
    assert sorted((p["hub_id"], p["external_id"]) for p in pairs) == [
        ("SRV-1", "G-10"),
        ("SRV-2", "G-20"),
    ]


async def test_a_plugins_reference_kind_is_listed_and_synced(hub: Harness) -> None:
    await seed_clinic(hub)
    async with aclosing(await sign_in(hub, hub.admin_token)) as client:
        page = await client.get("/admin/c/clinic-1/reference/gateway_tariffs")
        assert "Тарифы шлюза" in page.text and "Синхронизировать (gateway)" in page.text
        synced = await client.post(
            "/admin/c/clinic-1/reference/gateway_tariffs/sync",
            data={"csrf": csrf_of(page.text), "plugin": "gateway"},
        )
        assert synced.status_code == 303
        after = await client.get("/admin/c/clinic-1/reference/gateway_tariffs")
    assert 'data-item="T1"' in after.text and "Базовый тариф" in after.text
