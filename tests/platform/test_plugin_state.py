"""Plugin state: insert-if-absent (claim a unique value), compare-and-set (move a cursor
only if nobody moved it) and an optional expiry, through ``ctx.state``."""

from __future__ import annotations

import asyncio

from probe_client import act

from hub.testing import Harness


async def test_add_claims_a_key_once(probe: Harness) -> None:
    first = await act(probe, "claim", {"key": "code:4711", "value": {"card": "P-1"}})
    assert first.json() == {"claimed": True}
    second = await act(probe, "claim", {"key": "code:4711", "value": {"card": "P-2"}})
    assert second.json() == {"claimed": False}
    assert (await act(probe, "peek", {"prefix": "code:"})).json() == {
        "items": {"code:4711": {"card": "P-1"}}
    }


async def test_of_concurrent_claims_exactly_one_wins(probe: Harness) -> None:
    answers = await asyncio.gather(
        *(act(probe, "claim", {"key": "code:1", "value": n}) for n in range(6))
    )
    assert sorted(a.json()["claimed"] for a in answers) == [False] * 5 + [True]


async def test_an_expired_key_reads_as_absent_and_can_be_claimed_again(probe: Harness) -> None:
    await act(probe, "claim", {"key": "code:9", "value": "A", "ttl_seconds": 600})
    probe.clock.advance(599)
    assert (await act(probe, "claim", {"key": "code:9", "value": "B"})).json()["claimed"] is False
    probe.clock.advance(2)
    assert (await act(probe, "peek", {"prefix": "code:"})).json() == {"items": {}}
    assert (await act(probe, "claim", {"key": "code:9", "value": "B"})).json()["claimed"] is True
    assert (await act(probe, "peek")).json() == {"items": {"code:9": "B"}}
    ctx = await probe.context("probe")
    assert await ctx.state.get("code:9") == "B"


async def test_compare_and_set_moves_a_value_only_from_the_expected_one(probe: Harness) -> None:
    swap = "swap"
    assert (await act(probe, swap, {"key": "cursor", "expected": None, "new": 10})).json() == {
        "swapped": True
    }
    stale = await act(probe, swap, {"key": "cursor", "expected": 5, "new": 20})
    assert stale.json() == {"swapped": False}
    moved = await act(probe, swap, {"key": "cursor", "expected": 10, "new": 20})
    assert moved.json() == {"swapped": True}
    absent_expected = await act(probe, swap, {"key": "cursor", "expected": None, "new": 1})
    assert absent_expected.json() == {"swapped": False}
    assert (await act(probe, "peek")).json() == {"items": {"cursor": 20}}


async def test_set_with_a_ttl_and_delete(probe: Harness) -> None:
    import datetime as dt

    ctx = await probe.context("probe")
    await ctx.state.set("session", "s-1", ttl=dt.timedelta(minutes=5))
    assert await ctx.state.get("session") == "s-1"
    probe.clock.advance(301)
    assert await ctx.state.get("session", "gone") == "gone"
    assert await ctx.state.delete("session") is False  # expired: it was not there
    await ctx.state.set("session", "s-2")
    probe.clock.advance(10_000)
    assert await ctx.state.get("session") == "s-2"  # no ttl: kept
    assert await ctx.state.delete("session") is True
