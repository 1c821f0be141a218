"""The clinic feed: cursor paging, re-reading, clinic isolation, late commits, retention."""

from __future__ import annotations

import datetime as dt

import pytest

from hub import feed
from hub.testing import Harness

URL = "/api/v1/clinics/{clinic}/feed"


async def _publish(hub: Harness, n: int, clinic: str = "clinic-1", prefix: str = "e") -> None:
    ctx = await hub.context("console", clinic)
    for i in range(n):
        await ctx.publish("console.test", {"n": f"{prefix}{i}"})


async def _setup(hub: Harness) -> None:
    for clinic in ("clinic-1", "clinic-2"):
        await hub.create_clinic(clinic)
        await hub.enable("console", clinic)


async def test_cursor_paging_is_oldest_first_and_stable(hub: Harness) -> None:
    await _setup(hub)
    await _publish(hub, 25)
    client = hub.client_for(await hub.token("clinic", "clinic-1"))
    await hub.settle_feed()
    seen: list[str] = []
    cursors: list[str | None] = [None]
    while True:
        params: dict[str, object] = {"limit": 10}
        if cursors[-1]:
            params["after"] = cursors[-1]
        page = (await client.get(URL.format(clinic="clinic-1"), params=params)).json()
        if not page["events"]:
            assert page["next"] == cursors[-1]  # nothing new: keep the cursor
            break
        seen += [e["data"]["n"] for e in page["events"]]
        assert page["next"] == page["events"][-1]["cursor"]
        cursors.append(page["next"])
    assert seen == [f"e{i}" for i in range(25)]
    # at-least-once: re-reading from an older cursor gives the same events again
    again = (
        await client.get(URL.format(clinic="clinic-1"), params={"after": cursors[1], "limit": 100})
    ).json()
    assert [e["data"]["n"] for e in again["events"]] == [f"e{i}" for i in range(10, 25)]
    await _publish(hub, 1, prefix="late")
    await hub.settle_feed()
    newer = (await client.get(URL.format(clinic="clinic-1"), params={"after": cursors[-1]})).json()
    assert [e["data"]["n"] for e in newer["events"]] == ["late0"]


async def test_a_clinic_token_reads_its_own_feed_only(hub: Harness) -> None:
    await _setup(hub)
    await _publish(hub, 2, "clinic-1", "one")
    await _publish(hub, 3, "clinic-2", "two")
    client = hub.client_for(await hub.token("clinic", "clinic-2"))
    await hub.settle_feed()
    own = (await client.get(URL.format(clinic="clinic-2"))).json()["events"]
    assert [e["data"]["n"] for e in own] == ["two0", "two1", "two2"]
    assert {e["source"] for e in own} == {"console"}
    other = await client.get(URL.format(clinic="clinic-1"))
    assert other.status_code == 403
    assert (await hub.client_for(None).get(URL.format(clinic="clinic-1"))).status_code == 401


@pytest.mark.parametrize("cursor", ["abc", "1.x", "..."])
async def test_a_cursor_the_feed_did_not_hand_out_is_400(hub: Harness, cursor: str) -> None:
    await _setup(hub)
    response = await hub.client.get(URL.format(clinic="clinic-1"), params={"after": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]


async def test_old_events_are_pruned_after_the_retention(hub: Harness) -> None:
    await _setup(hub)
    await _publish(hub, 3, prefix="old")
    hub.clock.advance(dt.timedelta(days=hub.runtime.settings.feed_retention_days - 1))
    await _publish(hub, 1, prefix="new")
    hub.clock.advance(dt.timedelta(days=2))
    ticks = await hub.tick()
    assert ticks["feed-prune"] == 3
    assert [e["data"]["n"] for e in await hub.feed("clinic-1")] == ["new0"]


async def test_an_event_committed_late_is_not_skipped(hub: Harness) -> None:
    """A reader that already read a later event still gets one whose transaction started
    earlier and committed later (PostgreSQL hands out ids before commit)."""
    await _setup(hub)
    if hub.runtime.db.is_sqlite:
        pytest.skip("SQLite serialises writers: an id is never committed out of order")
    await _publish(hub, 1, prefix="first")
    await hub.settle_feed()
    cursor = (await hub.client.get(URL.format(clinic="clinic-1"))).json()["next"]
    now = hub.clock.now()
    async with hub.runtime.db.session() as slow:  # starts first, commits last
        await feed.publish(
            slow, clinic_id="clinic-1", type="t", data={"n": "slow"}, source="test", at=now
        )
        async with hub.runtime.db.session() as fast:
            await feed.publish(
                fast, clinic_id="clinic-1", type="t", data={"n": "fast"}, source="test", at=now
            )
        page = (
            await hub.client.get(URL.format(clinic="clinic-1"), params={"after": cursor})
        ).json()
        # "fast" is committed, but handing it out now would move the cursor past "slow"
        assert [e["data"]["n"] for e in page["events"]] == []
        assert page["next"] == cursor
    await hub.settle_feed()
    page = (await hub.client.get(URL.format(clinic="clinic-1"), params={"after": cursor})).json()
    assert [e["data"]["n"] for e in page["events"]] == ["slow", "fast"]
