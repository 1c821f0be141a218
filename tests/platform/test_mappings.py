"""Mappings: one generic store of (clinic, plugin, kind, hub id, external id) pairs,
many-to-many, read and written over HTTP (``/plugins/{plugin}/mappings/{kind}``) and
by the plugin through ``ctx.mappings``; the answer lists what is left to map."""

from __future__ import annotations

from typing import Any

from probe_client import act

from hub.testing import Harness

URL = "/api/v1/clinics/clinic-1/plugins/probe/mappings"


async def _get(hub: Harness, kind: str = "services", **params: str) -> dict[str, Any]:
    response = await hub.client.get(f"{URL}/{kind}", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_bulk_put_stores_many_to_many_pairs_and_lists_the_unmapped(probe: Harness) -> None:
    await probe.seed_reference()
    await probe.put_reference(
        "services",
        [
            {"id": "SRV-1", "name": "Приём терапевта", "price_list_section": "PL-A"},
            {"id": "SRV-2", "name": "ЭКГ"},
            {"id": "SRV-3", "name": "Анализ крови"},
        ],
    )
    pairs = [
        {"hub_id": "SRV-1", "external_id": "P-100"},
        {"hub_id": "SRV-1", "external_id": "P-101"},  # one hub id, two external ids
        {"hub_id": "SRV-2", "external_id": "P-101"},  # one external id, two hub ids
    ]
    put = await probe.client.put(f"{URL}/services", json=pairs)
    assert put.status_code == 200, put.text
    assert put.json() == {"kind": "services", "added": 3, "deleted": 0, "total": 3}
    again = await probe.client.put(f"{URL}/services", json=pairs[:1])
    assert again.json() == {"kind": "services", "added": 0, "deleted": 0, "total": 3}

    listed = await _get(probe)
    assert listed["hub_kind"] == "services"
    assert listed["items"] == pairs
    assert listed["unmapped"] == [{"id": "SRV-3", "name": "Анализ крови"}]
    assert (await _get(probe, hub_id="SRV-1"))["items"] == pairs[:2]
    assert (await _get(probe, external_id="P-101"))["items"] == pairs[1:]


async def test_replace_and_delete(probe: Harness) -> None:
    pairs = [{"hub_id": f"S-{i}", "external_id": f"E-{i}"} for i in range(4)]
    await probe.client.put(f"{URL}/services", json=pairs)
    replaced = await probe.client.put(
        f"{URL}/services",
        params={"replace": "true"},
        json=[*pairs[:2], {"hub_id": "S-9", "external_id": "E-9"}],
    )
    assert replaced.json() == {"kind": "services", "added": 1, "deleted": 2, "total": 3}

    by_hub = await probe.client.delete(f"{URL}/services", params={"hub_id": "S-0"})
    assert by_hub.json() == {"kind": "services", "added": 0, "deleted": 1, "total": 2}
    by_external = await probe.client.delete(f"{URL}/services", params={"external_id": "E-9"})
    assert by_external.json()["deleted"] == 1
    refused = await probe.client.delete(f"{URL}/services")
    assert refused.status_code == 422 and "all=true" in refused.json()["detail"]
    everything = await probe.client.delete(f"{URL}/services", params={"all": "true"})
    assert everything.json() == {"kind": "services", "added": 0, "deleted": 1, "total": 0}


async def test_the_plugin_reads_and_writes_the_same_pairs_through_ctx(probe: Harness) -> None:
    await probe.client.put(f"{URL}/services", json=[{"hub_id": "SRV-1", "external_id": "P-1"}])
    mapped = await act(
        probe, "map", {"kind": "services", "pairs": [["SRV-2", "P-1"], ["SRV-1", "P-2"]]}
    )
    assert mapped.json() == {"added": 2}
    looked = await act(probe, "lookup", {"kind": "services", "hub_id": "SRV-1"})
    assert looked.json() == {"external_ids": ["P-1", "P-2"]}
    back = await act(probe, "lookup", {"kind": "services", "external_id": "P-1"})
    assert back.json() == {"hub_ids": ["SRV-1", "SRV-2"]}
    assert (await act(probe, "lookup", {"kind": "services", "hub_id": "none"})).json() == {
        "external_ids": []
    }
    assert (await _get(probe))["items"] == [
        {"hub_id": "SRV-1", "external_id": "P-1"},
        {"hub_id": "SRV-1", "external_id": "P-2"},
        {"hub_id": "SRV-2", "external_id": "P-1"},
    ]
    unmapped = await act(probe, "unmap", {"kind": "services", "external_id": "P-1"})
    assert unmapped.json() == {"deleted": 2}
    replaced = await act(probe, "map", {"kind": "services", "pairs": [["X", "Y"]], "replace": True})
    assert replaced.json() == {"added": 1}
    assert (await act(probe, "lookup", {"kind": "services"})).json() == {"pairs": [["X", "Y"]]}


async def test_a_plugin_kind_is_the_hub_side_of_another_mapping(probe: Harness) -> None:
    await probe.client.put(
        "/api/v1/clinics/clinic-1/reference/probe_tests",
        json=[{"id": "T-1", "name": "Глюкоза"}, {"id": "T-2", "name": "ОАК"}],
    )
    await act(probe, "map", {"kind": "tests", "pairs": [["T-1", "SRV-1"]]})
    listed = await _get(probe, "tests")
    assert listed["hub_kind"] == "probe_tests"
    assert listed["unmapped"] == [{"id": "T-2", "name": "ОАК"}]


async def test_mappings_belong_to_one_clinic(probe: Harness) -> None:
    await probe.create_clinic("clinic-2")
    await probe.enable("probe", "clinic-2")
    await probe.client.put(f"{URL}/services", json=[{"hub_id": "SRV-1", "external_id": "P-1"}])
    other = await probe.client.get("/api/v1/clinics/clinic-2/plugins/probe/mappings/services")
    assert other.json()["items"] == []
    looked = await act(probe, "lookup", {"kind": "services", "hub_id": "SRV-1"}, clinic="clinic-2")
    assert looked.json() == {"external_ids": []}


async def test_unknown_names_are_404_and_bad_bodies_422(probe: Harness) -> None:
    unknown_kind = await probe.client.get(f"{URL}/doctors")
    assert unknown_kind.status_code == 404
    assert "no mapping kind 'doctors'" in unknown_kind.json()["detail"]
    assert "services, tests" in unknown_kind.json()["detail"]
    unknown_plugin = await probe.client.get("/api/v1/clinics/clinic-1/plugins/nobody/mappings/x")
    assert unknown_plugin.status_code == 404 and "'nobody'" in unknown_plugin.json()["detail"]
    unknown_clinic = await probe.client.get(
        "/api/v1/clinics/nowhere/plugins/probe/mappings/services"
    )
    assert unknown_clinic.status_code == 404

    for body in (
        [{"hub_id": "", "external_id": "P-1"}],
        [{"hub_id": "SRV-1"}],
        [{"hub_id": "SRV-1", "external_id": "x" * 256}],
        {"hub_id": "SRV-1", "external_id": "P-1"},
        [{"hub_id": 5, "external_id": "P-1"}],
    ):
        response = await probe.client.put(f"{URL}/services", json=body)
        assert response.status_code == 422, body
    assert (await _get(probe))["items"] == []

    undeclared = await act(probe, "map", {"kind": "doctors", "pairs": [["D-1", "X"]]})
    assert undeclared.status_code == 422
    assert "declared no mapping kind 'doctors'" in undeclared.json()["detail"]
    blank = await act(probe, "map", {"kind": "services", "pairs": [["D-1", " "]]})
    assert blank.status_code == 422 and "external_id" in blank.json()["detail"]
