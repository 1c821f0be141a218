"""The operations API: counts per plugin and clinic, the dead list, re-queueing."""

from __future__ import annotations

from typing import Any

import pytest

from hub import HookContext
from hub.testing import Harness, RecordingPlugin


class Broken(RecordingPlugin):
    """Fails until ``fixed``."""

    fixed = False

    async def react(self, ctx: HookContext, hook: str, **args: Any) -> None:
        if not self.fixed:
            raise RuntimeError("the portal rejects our token")


BROKEN = Broken()


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    BROKEN.received.clear()
    BROKEN.fixed = False
    return {"broken": BROKEN, "fine": RecordingPlugin()}


async def _dead_deliveries(hub: Harness) -> None:
    """Two clinics, three cards each; every delivery to ``broken`` ends dead."""
    hub.runtime.settings = hub.runtime.settings.model_copy(update={"retry_max_attempts": 1})
    for clinic in ("clinic-1", "clinic-2"):
        await hub.create_clinic(clinic)
        await hub.enable("broken", clinic)
        await hub.enable("fine", clinic)
        for i in range(3):
            await hub.put_patient(f"P-{i}", clinic)
    await hub.put_patient("P-0", "clinic-1", email="a@example.org")  # blocked behind a dead one
    await hub.drain()


async def test_stats_and_the_dead_list(hub: Harness) -> None:
    await _dead_deliveries(hub)
    stats = (await hub.client.get("/api/v1/deliveries/stats")).json()["items"]
    assert [
        (s["clinic"], s["plugin"], s["pending"], s["retrying"], s["dead"], s["blocked"])
        for s in stats
    ] == [("clinic-1", "broken", 1, 0, 3, 1), ("clinic-2", "broken", 0, 0, 3, 0)]
    one = (await hub.client.get("/api/v1/deliveries/stats", params={"clinic": "clinic-2"})).json()
    assert [s["clinic"] for s in one["items"]] == ["clinic-2"]
    dead = (await hub.client.get("/api/v1/deliveries", params={"clinic": "clinic-1"})).json()
    assert dead["total"] == 3
    assert {d["status"] for d in dead["items"]} == {"dead"}
    assert "the portal rejects our token" in dead["items"][0]["last_error"]
    assert dead["items"][0]["idempotency_key"].startswith("clinic-1:broken:")
    paged = (await hub.client.get("/api/v1/deliveries", params={"per_page": 2, "page": 3})).json()
    assert (paged["total"], len(paged["items"])) == (6, 2)
    done = (await hub.client.get("/api/v1/deliveries", params={"status": "done"})).json()
    assert {d["plugin"] for d in done["items"]} == {"fine"}
    bad = await hub.client.get("/api/v1/deliveries", params={"status": "lost"})
    assert bad.status_code == 422


async def test_requeue_one_and_all(hub: Harness) -> None:
    await _dead_deliveries(hub)
    BROKEN.fixed = True
    dead = (await hub.client.get("/api/v1/deliveries", params={"clinic": "clinic-2"})).json()[
        "items"
    ]
    one = await hub.client.post(f"/api/v1/deliveries/{dead[0]['id']}/requeue")
    assert (one.status_code, one.json()["status"], one.json()["attempts"]) == (200, "pending", 0)
    again = await hub.client.post(f"/api/v1/deliveries/{dead[0]['id']}/requeue")
    assert again.status_code == 409
    assert (await hub.client.post("/api/v1/deliveries/999999/requeue")).status_code == 404
    await hub.drain()
    assert len(BROKEN.received) == 1
    rest = await hub.client.post("/api/v1/deliveries/requeue", params={"clinic": "clinic-1"})
    assert rest.json() == {"requeued": 3}
    await hub.drain()
    # clinic-1's three dead ones, then the one that waited behind P-0's
    assert len(BROKEN.received) == 5
    assert BROKEN.received[-1].args["card"].email == "a@example.org"
    stats = (await hub.client.get("/api/v1/deliveries/stats")).json()["items"]
    assert [(s["clinic"], s["dead"], s["pending"]) for s in stats] == [("clinic-2", 2, 0)]
    everything = await hub.client.post("/api/v1/deliveries/requeue")
    assert everything.json() == {"requeued": 2}


async def test_roles(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    webadmin = hub.client_for(await hub.token("webadmin"))
    assert (await webadmin.get("/api/v1/deliveries/stats")).status_code == 200
    assert (await webadmin.post("/api/v1/deliveries/requeue")).status_code == 200
    clinic = hub.client_for(await hub.token("clinic", "clinic-1"))
    assert (await clinic.get("/api/v1/deliveries/stats")).status_code == 403
    assert (await clinic.get("/api/v1/deliveries")).status_code == 403
    assert (await hub.client_for(None).get("/api/v1/deliveries")).status_code == 401
