"""The plugin in a running hub: discovery, the connection check naming the failing
laboratory, the catalogue sync into lab_tests, mappings, bad input."""

from __future__ import annotations

from hub.testing import Harness

from .fake_lab import FakeLab
from .support import CLINIC, api


async def test_plugin_is_discovered_with_its_jobs_and_actions(hub: Harness) -> None:
    listed = (await hub.client.get("/api/v1/plugins")).json()["items"]
    plugin = {p["name"]: p for p in listed}["labs"]
    assert plugin["status"] == "loaded" and plugin["distribution"] == "clinic-hub-labs"
    assert {j["name"] for j in plugin["jobs"]} == {"send_orders", "poll", "catalogue"}
    assert {a["name"] for a in plugin["actions"]} == {
        "create_order",
        "cancel_order",
        "label",
        "results",
        "order",
        "charges",
    }
    schema = plugin["settings_schema"]
    assert schema["required"] == ["labs"]
    assert {"labs", "default_lab", "order_on_charge", "poll_minutes", "label"} <= set(
        schema["properties"]
    )


async def test_connection_check_names_the_laboratory_that_fails(
    hub: Harness, clinic: str, kdl: FakeLab
) -> None:
    ok = await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/labs/check")
    assert ok.status_code == 200 and ok.json()["ok"] is True
    kdl.down = True
    failed = (await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/labs/check")).json()
    assert failed["ok"] is False
    (problem,) = failed["problems"]
    assert problem.startswith("laboratory kdl «KDL»: the laboratory answered HTTP 503")


async def test_the_token_is_a_secret(hub: Harness, clinic: str) -> None:
    shown = (await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/labs")).json()
    assert "lab-token" not in str(shown)


async def test_catalogue_sync_fills_lab_tests(hub: Harness, clinic: str) -> None:
    items = (await hub.client.get(f"/api/v1/clinics/{CLINIC}/reference/lab_tests")).json()
    rows = items["items"] if isinstance(items, dict) else items
    by_id = {i["id"]: i for i in rows}
    assert len(by_id) == 8  # four tests at each laboratory
    assert by_id["gemo:1001"]["name"] == "Общий анализ крови"
    assert by_id["kdl:3001"]["specimen"] == "Моча (контейнер)"


async def test_catalogue_sync_names_a_laboratory_that_is_down(
    hub: Harness, clinic: str, gemo: FakeLab
) -> None:
    gemo.down = True
    response = await hub.client.post(api("/sync/lab_tests"))
    assert response.status_code >= 400 or "gemo" in response.text
    items = (await hub.client.get(f"/api/v1/clinics/{CLINIC}/reference/lab_tests")).json()
    rows = items["items"] if isinstance(items, dict) else items
    assert len(rows) == 8  # Гемотест's tests are kept


async def test_mapped_services_both_ways(hub: Harness, clinic: str) -> None:
    ctx = await hub.context("labs")
    assert sorted(await ctx.mappings.external_ids("service_tests", "SRV-BIO")) == [  # type: ignore[attr-defined]
        "gemo:2001",
        "gemo:2002",
        "kdl:2001",
    ]
    assert sorted(await ctx.mappings.hub_ids("service_tests", "gemo:1001")) == ["SRV-CBC"]  # type: ignore[attr-defined]


async def test_create_order_bad_input(hub: Harness, clinic: str) -> None:
    both = await hub.client.post(api("/actions/create_order"), json={})
    assert both.status_code == 422
    unknown = await hub.client.post(
        api("/actions/create_order"), json={"appointment_id": "A-404", "tests": ["gemo:1001"]}
    )
    assert unknown.status_code == 404
    bad_test = await hub.client.post(
        api("/actions/create_order"), json={"patient_id": "P-1001", "tests": ["gemo:0000"]}
    )
    assert bad_test.status_code == 422
    assert "not in the catalogue of laboratory" in bad_test.json()["detail"]
    bad_lab = await hub.client.post(
        api("/actions/create_order"),
        json={"patient_id": "P-1001", "tests": ["1001"], "lab": "nowhere"},
    )
    assert bad_lab.status_code == 409


async def test_status_counts_orders_and_charges(hub: Harness, clinic: str) -> None:
    from .support import charge

    await charge(hub, "A-1", "SRV-CBC")
    await charge(hub, "A-1", "SRV-1")
    status = await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/labs/status")
    assert status.status_code == 200, status.text
    assert status.json()["ok"] is True
    shown = status.json()["status"]
    assert shown["labs"] == ["gemo", "kdl"]
    assert shown["orders"] == {"new": 1}
    assert shown["charges"] == {"ordered": 1, "unmapped": 1}


async def test_the_catalogue_job_syncs_lab_tests(hub: Harness, clinic: str) -> None:
    from .support import run_job

    run = await run_job(hub, "catalogue")
    assert run["status"] == "ok", run


async def test_one_laboratory_down_does_not_stop_polling_the_other(
    hub: Harness, clinic: str, gemo: FakeLab, kdl: FakeLab
) -> None:
    from .support import action, charge, feed_of, run_job

    await charge(hub, "A-1", "SRV-CBC")  # Гемотест (the doctor's)
    await charge(hub, "A-2", "SRV-URO")  # KDL (the default)
    hub.clock.advance(61)
    assert (await run_job(hub, "send_orders"))["summary"] == "sent 2"
    gemo.down = True
    hub.clock.advance(6 * 60)
    run = await run_job(hub, "poll")
    assert run["status"] == "error"
    assert "laboratory gemo: the laboratory answered HTTP 503" in run["summary"]
    assert [s["lab"] for s in await feed_of(hub, "labs.order_status")] == ["kdl"]
    gemo.down = False
    assert (await run_job(hub, "poll"))["status"] == "ok"
    assert sorted(s["lab"] for s in await feed_of(hub, "labs.order_status")) == ["gemo", "kdl"]
    assert (await action(hub, "charges", status="ordered")).status_code == 200
