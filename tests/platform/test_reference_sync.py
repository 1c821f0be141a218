"""Reference data from and to plugins: a plugin's own kinds are stored and served like
the hub's, ``POST .../plugins/{plugin}/sync/{kind}`` runs its sync now, a job with
``sync_kind`` runs it on schedule, and every run is in the job log."""

from __future__ import annotations

import pytest
from probe_client import act, job_log

from hub import ReferenceKind, hookimpl
from hub.plugins import PluginHost
from hub.testing import Harness

CATALOGUE = [
    {"id": "T-1", "name": "Общий анализ крови", "code": "B01"},
    {"id": "T-2", "name": "Глюкоза", "code": "B07"},
]


async def test_a_plugin_kind_is_declared_stored_and_served_like_the_hubs(probe: Harness) -> None:
    plugins = {p["name"]: p for p in (await probe.client.get("/api/v1/plugins")).json()["items"]}
    assert plugins["probe"]["reference_kinds"] == [
        {
            "name": "probe_tests",
            "description": "Tests the probe's laboratory performs.",
            "hub_kind": None,
        }
    ]
    url = "/api/v1/clinics/clinic-1/reference/probe_tests"
    assert (await probe.client.get(url)).json() == {"kind": "probe_tests", "items": []}

    put = await probe.client.put(url, json=CATALOGUE)
    assert put.status_code == 200, put.text
    assert (put.json()["created"], put.json()["removed"]) == (2, 0)
    assert (await probe.client.get(url)).json()["items"] == CATALOGUE

    put = await probe.client.put(url, json=CATALOGUE[1:])
    assert (put.json()["unchanged"], put.json()["removed"]) == (1, 1)
    assert [i["id"] for i in (await probe.client.get(url)).json()["items"]] == ["T-2"]


async def test_bad_items_of_a_plugin_kind_are_422_and_unknown_kinds_404(probe: Harness) -> None:
    url = "/api/v1/clinics/clinic-1/reference/probe_tests"
    missing_id = await probe.client.put(url, json=[{"name": "no id"}])
    assert missing_id.status_code == 422
    assert missing_id.json()["errors"][0]["loc"] == ["body", 0, "id"]
    duplicate = await probe.client.put(url, json=[{"id": "T-1"}, {"id": "T-1"}])
    assert duplicate.status_code == 422
    assert "duplicate id 'T-1'" in duplicate.text
    unknown = await probe.client.get("/api/v1/clinics/clinic-1/reference/lab_tests")
    assert unknown.status_code == 404
    assert "'lab_tests'" in unknown.json()["detail"] and "probe_tests" in unknown.json()["detail"]


async def test_sync_now_stores_what_the_plugin_fetched_and_answers_the_counts(
    probe: Harness,
) -> None:
    await probe.enable("probe", settings={"catalogue": CATALOGUE})
    response = await probe.client.post("/api/v1/clinics/clinic-1/plugins/probe/sync/probe_tests")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["kind"] == "probe_tests"
    assert answer["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "removed": 0}
    assert answer["job"] == "sync-tests"  # the plugin syncs this kind on a schedule too
    items = (await probe.client.get("/api/v1/clinics/clinic-1/reference/probe_tests")).json()
    assert items["items"] == CATALOGUE

    await probe.enable("probe", settings={"catalogue": [{**CATALOGUE[0], "name": "ОАК"}]})
    again = await probe.client.post("/api/v1/clinics/clinic-1/plugins/probe/sync/probe_tests")
    assert again.json()["counts"] == {"created": 0, "updated": 1, "unchanged": 0, "removed": 1}

    runs = await job_log(probe)
    assert [(r["job"], r["status"]) for r in runs] == [("sync-tests", "ok"), ("sync-tests", "ok")]
    assert runs[0]["summary"] == "probe_tests: created 0, updated 1, unchanged 0, removed 1"
    assert runs[0]["id"] == again.json()["job_run_id"]


async def test_sync_of_a_hub_kind_sends_the_clinics_items_out(probe: Harness) -> None:
    await probe.seed_reference()
    response = await probe.client.post("/api/v1/clinics/clinic-1/plugins/probe/sync/services")
    assert response.status_code == 200, response.text
    assert response.json()["counts"] == {"mapped": 1, "seen": 1}
    assert response.json()["job"] == "sync:services"
    mapped = await probe.client.get("/api/v1/clinics/clinic-1/plugins/probe/mappings/services")
    assert mapped.json()["items"] == [{"hub_id": "SRV-1", "external_id": "ext-SRV-1"}]
    assert [r["job"] for r in await job_log(probe)] == ["sync:services"]


async def test_a_failing_sync_is_502_and_logged_as_an_error(probe: Harness) -> None:
    await probe.enable("probe", settings={"catalogue": [{"id": "boom"}]})
    response = await probe.client.post("/api/v1/clinics/clinic-1/plugins/probe/sync/probe_tests")
    assert response.status_code == 502
    assert "the laboratory answered 500" in response.json()["detail"]
    [run] = await job_log(probe)
    assert run["status"] == "error" and "the laboratory answered 500" in run["summary"]


async def test_sync_refusals_name_what_is_wrong(probe: Harness) -> None:
    base = "/api/v1/clinics/clinic-1/plugins"
    not_synced = await probe.client.post(f"{base}/probe/sync/doctors")
    assert not_synced.status_code == 404
    assert "does not sync 'doctors'" in not_synced.json()["detail"]
    unknown_kind = await probe.client.post(f"{base}/probe/sync/lab_tests")
    assert unknown_kind.status_code == 404 and "'lab_tests'" in unknown_kind.json()["detail"]
    unknown_plugin = await probe.client.post(f"{base}/nobody/sync/services")
    assert unknown_plugin.status_code == 404 and "'nobody'" in unknown_plugin.json()["detail"]
    no_sync = await probe.client.post(f"{base}/console/sync/services")
    assert no_sync.status_code == 404 and "does not sync" in no_sync.json()["detail"]
    await probe.create_clinic("clinic-2")
    not_enabled = await probe.client.post("/api/v1/clinics/clinic-2/plugins/probe/sync/services")
    assert not_enabled.status_code == 409
    unknown_clinic = await probe.client.post("/api/v1/clinics/nowhere/plugins/probe/sync/services")
    assert unknown_clinic.status_code == 404 and "nowhere" in unknown_clinic.text


async def test_a_sync_job_runs_on_schedule_and_is_logged(probe: Harness) -> None:
    await probe.enable("probe", settings={"catalogue": CATALOGUE, "sync_minutes": 60})
    await probe.tick()
    [run] = await job_log(probe)
    assert (run["job"], run["status"]) == ("sync-tests", "ok")
    assert run["summary"].startswith("probe_tests: created 2")
    items = (await probe.client.get("/api/v1/clinics/clinic-1/reference/probe_tests")).json()
    assert [i["id"] for i in items["items"]] == ["T-1", "T-2"]
    await probe.tick()  # not due again within the hour
    assert len(await job_log(probe)) == 1


async def test_plugins_read_any_kind_through_ctx_reference(probe: Harness) -> None:
    await probe.client.put("/api/v1/clinics/clinic-1/reference/probe_tests", json=CATALOGUE)
    read = await act(probe, "read_reference", {"kind": "probe_tests"})
    assert read.json()["items"] == CATALOGUE
    unknown = await act(probe, "read_reference", {"kind": "nothing"})
    assert unknown.status_code == 404 and "unknown reference kind 'nothing'" in unknown.text


class _Clash:
    def __init__(self, kind: str) -> None:
        self.kind = kind

    @hookimpl
    def register_reference_kinds(self) -> list[ReferenceKind]:
        return [ReferenceKind(self.kind)]


@pytest.mark.parametrize("kind", ["doctors", "Bad-Name", "lab_tests"])
def test_a_taken_or_malformed_kind_marks_the_plugin_broken(kind: str) -> None:
    host = PluginHost()
    assert host.register("labs", _Clash("lab_tests")).loaded
    info = host.register("other", _Clash(kind))
    assert info.status == "broken"
    assert kind in (info.error or "") or "lowercase" in (info.error or "")


async def test_store_reference_refuses_kinds_and_items_it_cannot_store(probe: Harness) -> None:
    ctx = await probe.context("probe")
    with pytest.raises(ValueError, match="declared no reference kind 'services'"):
        await ctx.store_reference("services", [{"id": "SRV-1", "name": "x"}])
    with pytest.raises(ValueError, match="id"):
        await ctx.store_reference("probe_tests", [{"name": "no id"}])
    with pytest.raises(ValueError, match="duplicate id 'T-1'"):
        await ctx.store_reference("probe_tests", [{"id": "T-1"}, {"id": "T-1"}])
    items = (await probe.client.get("/api/v1/clinics/clinic-1/reference/probe_tests")).json()
    assert items["items"] == []
