"""A day of reminders is read in chunks of appointments (``stream_appointments``), each
planned and queued before the next is read: the outcome is the one of a single pass,
whatever the chunk size."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from remkit import EXPECTED_SKIPS, appointment, clinic, feed_of, full_day, local, messages, utc_of

from hub.intake import snapshots
from hub.reminders import timing
from hub.testing import Harness

TODAY = dt.date(2026, 11, 23)
TOMORROW = TODAY + dt.timedelta(days=1)
ZONE = "Europe/Moscow"


@pytest.fixture
def chunks_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshots, "STREAM_CHUNK", 2)


async def test_chunks_cover_the_day_in_start_order_ties_broken_by_id(hub: Harness) -> None:
    hub.clock.set(utc_of(TODAY, dt.time(9), ZONE))
    await clinic(hub, "c", ZONE)
    await full_day(hub, "c", TOMORROW)  # five appointments start at 11:00
    start, end = timing.day_bounds(TOMORROW, ZoneInfo(ZONE))
    async with hub.runtime.db.session() as session:
        chunks = [
            [a.id for a in chunk.appointments]
            async for chunk in snapshots.stream_appointments(
                session, "c", start_from=start, start_to=end, include_cancelled=True, chunk=2
            )
        ]
    assert chunks == [
        ["A-ok", "A-bad"],
        ["A-in", "A-land"],
        ["A-none", "A-opt"],
        ["A-srv", "A-dms"],
        ["A-cancel"],
    ]


async def test_a_run_in_chunks_skips_queues_and_warns_as_one_pass(
    hub: Harness, chunks_of_two: None
) -> None:
    hub.clock.set(utc_of(TODAY, dt.time(11, 59), ZONE))
    await clinic(hub, "c", ZONE)
    await full_day(hub, "c", TOMORROW)
    # the same card without a usable phone in two chunks: one card.warning
    await appointment(hub, "c", "A-bad2", "P-bad", local(TOMORROW, 16))

    response = await hub.client.post("/api/v1/clinics/c/reminders/run", json={"dry_run": True})
    assert response.status_code == 200, response.text
    dry = response.json()
    assert [r["appointment_id"] for r in dry["recipients"]] == ["A-ok"]
    assert {s["appointment_id"]: s["reason"] for s in dry["skipped"]} == {
        **EXPECTED_SKIPS,
        "A-bad2": "invalid_phone",
    }

    hub.clock.set(utc_of(TODAY, dt.time(12), ZONE))
    ticked = await hub.tick()
    assert ticked["reminders"] == 1
    assert [m["appointment_id"] for m in await messages(hub, "c")] == ["A-ok"]
    warnings = [e["data"] for e in await feed_of(hub, "c", "card.warning", 3)]
    assert sorted((w["patient_id"], w["reason"]) for w in warnings) == [
        ("P-bad", "invalid_phone"),
        ("P-land", "not_mobile"),
        ("P-none", "no_phone"),
    ]
