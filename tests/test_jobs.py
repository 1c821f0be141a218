"""Plugin jobs: per clinic, on an interval or at a local time, never twice at once, logged."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from pydantic import Field

from hub import HookContext, Job, PluginSettings, hookimpl
from hub.jobs import run_due
from hub.testing import Harness


class ExportSettings(PluginSettings):
    export_at: str = Field("03:00", description="Local time of the daily export.")


class Exporter:
    """A daily export at a local time (like Mango's), and a slow poll that may fail."""

    def __init__(self) -> None:
        self.exports: list[tuple[str, dt.datetime]] = []
        self.polls = 0
        self.fail = False

    @hookimpl
    def register_settings_model(self) -> type[ExportSettings]:
        return ExportSettings

    @hookimpl
    def register_jobs(self) -> list[Job]:
        return [
            Job("export", self.export, at="export_at"),
            Job("poll", self.poll, every=dt.timedelta(minutes=5)),
        ]

    async def export(self, ctx: HookContext[ExportSettings]) -> str:
        self.exports.append((ctx.clinic.id, ctx.now()))
        return "exported"

    async def poll(self, ctx: HookContext[ExportSettings]) -> str:
        self.polls += 1
        await asyncio.sleep(0.2)
        if self.fail:
            raise ConnectionError("service down")
        return "polled"


@pytest.fixture
def exporter() -> Exporter:
    return Exporter()


@pytest.fixture
def hub_extra_plugins(exporter: Exporter) -> dict[str, object]:
    return {"exporter": exporter}


async def test_daily_job_runs_once_at_the_clinics_local_time(
    hub: Harness, exporter: Exporter
) -> None:
    await hub.create_clinic("vl", timezone="Asia/Vladivostok")
    await hub.enable("exporter", "vl")
    # 02:59 in Vladivostok (UTC+10) is 16:59 UTC the day before
    hub.clock.set(dt.datetime(2026, 11, 22, 16, 59, tzinfo=dt.UTC))
    await hub.tick()
    assert exporter.exports == []
    hub.clock.advance(60)
    await hub.tick()
    hub.clock.advance(3600)
    await hub.tick()
    assert exporter.exports == [("vl", dt.datetime(2026, 11, 22, 17, 0, tzinfo=dt.UTC))]
    hub.clock.advance(dt.timedelta(days=1))
    await hub.tick()
    assert len(exporter.exports) == 2


async def test_missed_daily_run_happens_once_within_the_grace_period(
    hub: Harness, exporter: Exporter
) -> None:
    await hub.create_clinic("msk", timezone="Europe/Moscow")
    await hub.enable("exporter", "msk")
    hub.clock.set(dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.UTC))  # 08:00 Moscow, 5 h late
    await hub.tick()
    await hub.tick()
    assert len(exporter.exports) == 1
    hub.clock.set(dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC))  # 13:00: 10 h late
    await hub.tick()
    assert len(exporter.exports) == 1  # past HUB_MISSED_RUN_GRACE_HOURS: skipped


async def test_two_workers_never_run_the_same_job_at_once(hub: Harness, exporter: Exporter) -> None:
    await hub.create_clinic("msk")
    await hub.enable("exporter", "msk")
    hub.clock.set(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))  # the export is not due
    ran = await asyncio.gather(run_due(hub.runtime, ["msk"]), run_due(hub.runtime, ["msk"]))
    assert sorted(ran) == [0, 1]
    assert exporter.polls == 1


async def test_failed_run_is_logged_and_the_next_one_happens(
    hub: Harness, exporter: Exporter
) -> None:
    await hub.create_clinic("msk")
    await hub.enable("exporter", "msk")
    hub.clock.set(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))
    exporter.fail = True
    await hub.tick()
    exporter.fail = False
    hub.clock.advance(dt.timedelta(minutes=5))
    await hub.tick()
    runs = (await hub.client.get("/api/v1/clinics/msk/jobs", params={"plugin": "exporter"})).json()[
        "items"
    ]
    assert [(r["job"], r["status"], r["summary"]) for r in runs] == [
        ("poll", "ok", "polled"),
        ("poll", "error", "ConnectionError: service down"),
    ]
    assert all(r["duration_ms"] >= 150 for r in runs)


async def test_run_a_job_now(hub: Harness, exporter: Exporter) -> None:
    await hub.create_clinic("msk")
    await hub.enable("exporter", "msk")
    response = await hub.client.post("/api/v1/clinics/msk/plugins/exporter/jobs/export/run")
    assert response.status_code == 200
    assert response.json()["summary"] == "exported"
    missing = await hub.client.post("/api/v1/clinics/msk/plugins/exporter/jobs/nosuch/run")
    assert missing.status_code == 404


async def test_jobs_run_only_where_the_plugin_is_enabled(hub: Harness, exporter: Exporter) -> None:
    await hub.create_clinic("on")
    await hub.create_clinic("off")
    await hub.enable("exporter", "on")
    hub.clock.set(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))
    await hub.tick()
    assert exporter.polls == 1
