"""Time limits per action and per job, declared by the plugin; due jobs of different
clinics run concurrently."""

from __future__ import annotations

import uuid

import pytest
from probe_client import act, job_log

from hub.settings import HubSettings
from hub.testing import Harness


@pytest.fixture
def hub_settings(hub_settings: HubSettings) -> HubSettings:
    """The hub's own limit for plugin calls cut to 0.3 s (the probe's ``slow`` has 10 s)."""
    return hub_settings.model_copy(update={"plugin_timeout": 0.3})


async def test_limits_are_listed_with_the_plugin(probe: Harness) -> None:
    plugins = {p["name"]: p for p in (await probe.client.get("/api/v1/plugins")).json()["items"]}
    actions = {a["name"]: a["timeout"] for a in plugins["probe"]["actions"]}
    assert (actions["slow"], actions["quick"]) == (10, None)
    jobs = {j["name"]: (j["timeout"], j["sync_kind"]) for j in plugins["probe"]["jobs"]}
    assert jobs["dawdle"] == (0.5, None)
    assert jobs["sync-tests"] == (60, "probe_tests")


async def test_an_action_with_its_own_limit_may_take_longer_than_the_hubs(probe: Harness) -> None:
    slow = await act(probe, "slow", {"seconds": 0.6})
    assert slow.status_code == 200, slow.text
    assert slow.json() == {"slept": 0.6}
    quick = await act(probe, "quick", {"seconds": 0.6})
    assert quick.status_code == 502
    assert "timed out after 0.3s" in quick.json()["detail"]


async def test_a_job_past_its_own_limit_is_stopped_and_logged(probe: Harness) -> None:
    await probe.enable("probe", settings={"dawdle_minutes": 1, "dawdle_seconds": 0.7})
    await probe.tick()
    [run] = await job_log(probe)
    assert (run["job"], run["status"]) == ("dawdle", "error")
    assert run["summary"] == "timed out after 0.5s"

    await probe.enable("probe", settings={"dawdle_minutes": 1, "dawdle_seconds": 0.35})
    probe.clock.advance(60)
    await probe.tick()  # longer than the hub's 0.3 s, within the job's own 0.5 s
    latest = (await job_log(probe))[0]
    assert (latest["status"], latest["summary"]) == ("ok", "dawdled 0.35s")


async def test_due_jobs_of_different_clinics_run_at_the_same_time(probe: Harness) -> None:
    """Each clinic's ``rendezvous`` run succeeds only while another clinic's run is in
    progress: run one clinic after the other, both would fail."""
    group = uuid.uuid4().hex
    settings = {"rendezvous_minutes": 60, "rendezvous_group": group}
    await probe.create_clinic("clinic-2")
    await probe.enable("probe", "clinic-1", settings=settings)
    await probe.enable("probe", "clinic-2", settings=settings)
    await probe.tick()
    for clinic in ("clinic-1", "clinic-2"):
        [run] = await job_log(probe, clinic)
        assert (run["job"], run["status"], run["summary"]) == (
            "rendezvous",
            "ok",
            f"met in group {group}",
        )


def test_a_limit_must_be_positive_and_a_job_must_say_what_it_runs() -> None:
    from pydantic import BaseModel

    from hub import Action, Job

    async def run(ctx: object, data: object = None) -> None:
        return None

    with pytest.raises(ValueError, match="positive"):
        Action("scan", run, BaseModel, timeout=0)
    with pytest.raises(ValueError, match="positive"):
        Job("poll", run, every="x", timeout=-1)
    with pytest.raises(TypeError, match="exactly one of run= or sync_kind="):
        Job("poll", every="x")
    with pytest.raises(TypeError, match="exactly one of run= or sync_kind="):
        Job("poll", run, every="x", sync_kind="services")
