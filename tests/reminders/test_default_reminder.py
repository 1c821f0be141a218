"""The default reminder (seed 000): daily at 12:00 in the clinic's own time zone, for
tomorrow's eligible appointments, once — whatever the time zone, DST, reruns or a hub
that was down at noon."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from remkit import EXPECTED_SKIPS, appointment, clinic, feed_of, full_day, local, messages, utc_of

from hub.db.models import ScheduledRun
from hub.settings import HubSettings
from hub.testing import Harness

TODAY = dt.date(2026, 11, 23)
TOMORROW = TODAY + dt.timedelta(days=1)
NOON = dt.time(12, 0)


async def run(hub: Harness, clinic_id: str, **body: object) -> dict:
    response = await hub.client.post(f"/api/v1/clinics/{clinic_id}/reminders/run", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_vladivostok_runs_at_its_noon_for_tomorrows_eligible_appointments(
    hub: Harness,
) -> None:
    zone = "Asia/Vladivostok"
    hub.clock.set(utc_of(TODAY, dt.time(11, 59), zone))  # 01:59 UTC
    await clinic(hub, "vl", zone)
    await full_day(hub, "vl", TOMORROW)

    # the dry run lists who would get what and every skip with its reason, writing nothing
    dry = await run(hub, "vl", dry_run=True)
    assert (dry["date"], dry["queued"], dry["dry_run"]) == (TOMORROW.isoformat(), 0, True)
    assert [r["appointment_id"] for r in dry["recipients"]] == ["A-ok"]
    recipient = dry["recipients"][0]
    assert recipient["address"] == "+79181234567"
    assert "Иван Иванович, напоминаем: 24.11.2026 (вторник) в 10:30" in recipient["text"]
    assert "Петровой А. С." in recipient["text"] and "http://hub.test/r/" in recipient["text"]
    assert {s["appointment_id"]: s["reason"] for s in dry["skipped"]} == EXPECTED_SKIPS
    assert await messages(hub, "vl") == []

    await hub.tick()  # 11:59 in Vladivostok: not yet
    assert await messages(hub, "vl") == []
    hub.clock.set(utc_of(TODAY, NOON, zone))  # 02:00 UTC
    assert hub.clock.now() == dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    ticked = await hub.tick()
    assert ticked["reminders"] == 1
    (message,) = await messages(hub, "vl")
    assert message["phone"] == "+79181234567" and message["kind"] == "reminder"
    # cards without a usable phone are flagged for the clinic system
    warnings = [e["data"] for e in await feed_of(hub, "vl", "card.warning", 3)]
    assert sorted((w["patient_id"], w["reason"]) for w in warnings) == [
        ("P-bad", "invalid_phone"),
        ("P-land", "not_mobile"),
        ("P-none", "no_phone"),
    ]

    # the tick comes again, and later: nothing new
    hub.clock.advance(30)
    await hub.tick()
    hub.clock.advance(dt.timedelta(hours=3))
    await hub.tick()
    assert len(await messages(hub, "vl")) == 1
    # every reason appears in a dry run now, already_sent included
    again = await run(hub, "vl", dry_run=True)
    assert {s["appointment_id"]: s["reason"] for s in again["skipped"]} == {
        **EXPECTED_SKIPS,
        "A-ok": "already_sent",
    }
    assert again["recipients"] == []


@pytest.mark.parametrize(
    ("zone", "noon_utc"),
    [
        ("Europe/Kaliningrad", dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)),
        ("Europe/Moscow", dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)),
        ("Asia/Yekaterinburg", dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)),
        ("Asia/Vladivostok", dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)),
    ],
)
async def test_each_clinic_runs_at_its_own_noon(
    hub: Harness, zone: str, noon_utc: dt.datetime
) -> None:
    hub.clock.set(noon_utc - dt.timedelta(hours=12))
    await clinic(hub, "c", zone)
    await appointment(hub, "c", "A-1", "P-ok", local(TOMORROW, 9))
    await appointment(hub, "c", "A-2", "P-ok", local(TODAY, 18))  # today: not reminded
    hub.clock.set(noon_utc - dt.timedelta(seconds=1))
    await hub.tick()
    assert await messages(hub, "c") == []
    hub.clock.set(noon_utc)
    await hub.tick()
    assert [m["appointment_id"] for m in await messages(hub, "c")] == ["A-1"]


async def test_berlin_across_the_spring_dst_change(hub: Harness) -> None:
    zone = "Europe/Berlin"
    sunday = dt.date(2026, 3, 29)  # clocks go forward on the 29th
    hub.clock.set(dt.datetime(2026, 3, 27, 12, 0, tzinfo=dt.UTC))
    await clinic(hub, "ber", zone, phone_region="RU")
    await appointment(hub, "ber", "A-sun", "P-ok", local(sunday, 10))
    await appointment(hub, "ber", "A-mon", "P-ok", local(sunday + dt.timedelta(days=1), 10))
    # Saturday: noon is 11:00 UTC (winter time)
    hub.clock.set(dt.datetime(2026, 3, 28, 10, 59, tzinfo=dt.UTC))
    await hub.tick()
    assert await messages(hub, "ber") == []
    hub.clock.set(dt.datetime(2026, 3, 28, 11, 0, tzinfo=dt.UTC))
    await hub.tick()
    assert [m["appointment_id"] for m in await messages(hub, "ber")] == ["A-sun"]
    # Sunday (the 23-hour day): noon is 10:00 UTC (summer time)
    hub.clock.set(dt.datetime(2026, 3, 29, 9, 59, tzinfo=dt.UTC))
    await hub.tick()
    assert len(await messages(hub, "ber")) == 1
    hub.clock.set(dt.datetime(2026, 3, 29, 10, 0, tzinfo=dt.UTC))
    await hub.tick()
    assert sorted(m["appointment_id"] for m in await messages(hub, "ber")) == ["A-mon", "A-sun"]


async def test_missed_run_happens_once_on_start_within_the_grace_period(hub: Harness) -> None:
    zone = "Europe/Moscow"
    hub.clock.set(utc_of(TODAY, dt.time(8), zone))
    await clinic(hub, "msk", zone)
    await appointment(hub, "msk", "A-1", "P-ok", local(TOMORROW, 9))
    # the hub was down at noon and starts at 15:00: the run happens at once, once
    hub.clock.set(utc_of(TODAY, dt.time(15), zone))
    await hub.tick()
    await hub.tick()
    assert len(await messages(hub, "msk")) == 1
    # beyond the grace period (6 h by default) a missed run is not made up
    hub.clock.set(utc_of(TOMORROW, dt.time(18, 1), zone))
    await appointment(hub, "msk", "A-2", "P-ok", local(TOMORROW + dt.timedelta(days=1), 9))
    await hub.tick()
    assert len(await messages(hub, "msk")) == 1


async def test_three_runs_leave_one_message_per_appointment(hub: Harness) -> None:
    zone = "Asia/Yekaterinburg"
    hub.clock.set(utc_of(TODAY, NOON, zone))
    await clinic(hub, "ekb", zone)
    for n in range(3):
        await appointment(hub, "ekb", f"A-{n}", "P-ok", local(TOMORROW, 9 + n))
    await hub.tick()  # the automatic run
    first = await run(hub, "ekb")  # a manual run after it
    second = await run(hub, "ekb", date=TOMORROW.isoformat())
    assert (first["queued"], second["queued"]) == (0, 0)
    assert {s["reason"] for s in first["skipped"] + second["skipped"]} == {"already_sent"}
    items = await messages(hub, "ekb")
    assert sorted(m["appointment_id"] for m in items) == ["A-0", "A-1", "A-2"]


async def test_manual_run_first_then_the_automatic_one_sends_nothing_twice(hub: Harness) -> None:
    zone = "Europe/Moscow"
    hub.clock.set(utc_of(TODAY, dt.time(9), zone))
    await clinic(hub, "msk", zone)
    await appointment(hub, "msk", "A-1", "P-ok", local(TOMORROW, 9))
    result = await run(hub, "msk")
    assert result["queued"] == 1 and result["recipients"][0]["message_id"] > 0
    hub.clock.set(utc_of(TODAY, NOON, zone))
    await hub.tick()
    assert len(await messages(hub, "msk")) == 1


async def test_disabled_reminder_and_bad_requests(hub: Harness) -> None:
    hub.clock.set(utc_of(TODAY, NOON, "Europe/Moscow"))
    await clinic(hub, "msk", "Europe/Moscow", reminders={"enabled": False})
    await appointment(hub, "msk", "A-1", "P-ok", local(TOMORROW, 9))
    await hub.tick()
    assert await messages(hub, "msk") == []
    url = "/api/v1/clinics/msk/reminders/run"
    assert (await hub.client.post(url, json={"date": "tomorrow"})).status_code == 422
    assert (await hub.client.post(url, json={"schedule_id": 999})).status_code == 404
    assert (await hub.client.post(url, json={"dry_run": True, "extra": 1})).status_code == 422
    other = hub.client_for(await hub.token("clinic", "msk"))
    assert (await other.post(url, json={"dry_run": True})).status_code == 200


class TestWithoutPublicUrl:
    @pytest.fixture
    def hub_settings(self, hub_settings: HubSettings) -> HubSettings:
        return hub_settings.model_copy(update={"public_url": None})

    async def test_a_link_needs_hub_public_url(self, hub: Harness) -> None:
        hub.clock.set(utc_of(TODAY, dt.time(9), "Europe/Moscow"))
        await clinic(hub, "msk", "Europe/Moscow")
        await appointment(hub, "msk", "A-1", "P-ok", local(TOMORROW, 9))
        url = "/api/v1/clinics/msk/reminders/run"
        dry = await hub.client.post(url, json={"dry_run": True})
        assert "/r/…" in dry.json()["recipients"][0]["text"]
        response = await hub.client.post(url, json={})
        assert response.status_code == 422 and "HUB_PUBLIC_URL" in response.json()["detail"]
        # the automatic run records the failure on the run, and sends nothing
        hub.clock.set(utc_of(TODAY, NOON, "Europe/Moscow"))
        await hub.tick()
        assert await messages(hub, "msk") == []
        async with hub.runtime.db.session() as session:
            (run,) = (await session.execute(sa.select(ScheduledRun))).scalars()
        assert run.status == "failed" and "HUB_PUBLIC_URL" in (run.error or "")


async def test_a_webadmin_may_dry_run_but_not_send(hub: Harness) -> None:
    await clinic(hub, "msk", "Europe/Moscow")
    await full_day(hub, "msk", TOMORROW)
    webadmin = hub.client_for(await hub.token("webadmin"))
    url = "/api/v1/clinics/msk/reminders/run"
    dry = await webadmin.post(url, json={"date": TOMORROW.isoformat(), "dry_run": True})
    assert dry.status_code == 200 and dry.json()["queued"] == 0
    real = await webadmin.post(url, json={"date": TOMORROW.isoformat(), "dry_run": False})
    assert real.status_code == 403
    assert await messages(hub, "msk") == []
