"""The demo clinic's sample data: every reminder case, tomorrow, and idempotent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from hub import demo
from hub.testing import Harness


async def test_demo_has_every_case_and_a_second_run_changes_nothing(
    hub: Harness, tmp_path: Path
) -> None:
    await demo.ensure(hub.runtime, tmp_path / "token")
    async with hub.runtime.db.session() as session:
        events = (await session.execute(sa.text("SELECT count(*) FROM event"))).scalar_one()
    await demo.ensure(hub.runtime, tmp_path / "token")
    async with hub.runtime.db.session() as session:
        assert (await session.execute(sa.text("SELECT count(*) FROM event"))).scalar_one() == events
    tomorrow = (hub.clock.now() + dt.timedelta(days=1)).date().isoformat()
    listed = await hub.client.get(
        "/api/v1/clinics/demo/appointments",
        params={"start_from": f"{tomorrow}T00:00:00", "start_to": f"{tomorrow}T23:59:59"},
    )
    assert [a["id"] for a in listed.json()["items"]] == [f"A-{i}" for i in range(1, 8)]
    ctx = await hub.context("console", "demo")
    cards = {pid: await ctx.get_patient(pid) for pid in ("P-2", "P-3", "P-4", "P-5")}
    assert cards["P-2"].phones == ("+7 (495) 123-45-67",)  # type: ignore[union-attr]
    assert cards["P-3"].phones == ()  # type: ignore[union-attr]
    assert cards["P-4"].opt_out and cards["P-5"].inpatient  # type: ignore[union-attr]
    a6 = await ctx.get_appointment("A-6")
    assert a6 is not None and a6.doctor is not None
    assert (a6.doctor.dative, a6.specialty.dative) == (  # type: ignore[union-attr]
        "Коху Роберту Генриховичу",
        "врачу УЗ-диагностики",
    )
    clinic = (await hub.client.get("/api/v1/clinics/demo")).json()
    assert clinic["reminders"]["excluded_price_list_sections"] == ["PL-DMS"]
