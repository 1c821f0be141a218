"""Hook isolation: a plugin that raises and one that hangs never stop the one that works."""

from __future__ import annotations

import asyncio
import time

import pytest

from hub import Card, HookContext, hookimpl
from hub.testing import Harness

CARD = Card(id="P-1", last_name="Иванов", first_name="Иван")


class Working:
    def __init__(self) -> None:
        self.calls: list[str] = []

    @hookimpl
    async def on_card_updated(self, ctx: HookContext, card: Card) -> None:
        self.calls.append(card.id)


class Raising:
    @hookimpl
    async def on_card_updated(self, ctx: HookContext, card: Card) -> None:
        raise RuntimeError("boom from the raising plugin")


class Hanging:
    @hookimpl
    async def on_card_updated(self, ctx: HookContext, card: Card) -> None:
        await asyncio.sleep(3600)


class BlockingSync:
    """A plain ``def`` that blocks: it runs in a thread, so it cannot stall the hub."""

    @hookimpl
    def on_card_updated(self, ctx: HookContext, card: Card) -> None:
        time.sleep(5)


WORKING = Working()


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    WORKING.calls.clear()
    return {
        "working": WORKING,
        "raising": Raising(),
        "hanging": Hanging(),
        "blocking": BlockingSync(),
    }


async def _enable_all(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    for name in ("working", "raising", "hanging", "blocking"):
        await hub.enable(name, "clinic-1")


async def test_working_plugin_gets_every_call(hub: Harness) -> None:
    await _enable_all(hub)
    started = time.perf_counter()
    for _ in range(3):
        results = await hub.fire("on_card_updated", "clinic-1", card=CARD)
        assert set(results) == {"working"}
    assert WORKING.calls == ["P-1", "P-1", "P-1"]
    # three rounds, each bounded by the 2 s time limit, not by the hour-long hang
    assert time.perf_counter() - started < 30


async def test_failures_are_recorded_against_plugin_and_clinic(hub: Harness) -> None:
    await _enable_all(hub)
    await hub.fire("on_card_updated", "clinic-1", card=CARD)
    await asyncio.sleep(0.1)  # failures are persisted in the background
    listed = (await hub.client.get("/api/v1/plugins")).json()["items"]
    by_name = {p["name"]: p for p in listed}
    raising = by_name["raising"]["last_errors"]
    assert raising[0]["clinic"] == "clinic-1"
    assert raising[0]["hook"] == "on_card_updated"
    assert "boom from the raising plugin" in raising[0]["error"]
    assert "timed out" in by_name["hanging"]["last_errors"][0]["error"]
    assert by_name["working"]["last_errors"] == []
    metrics = (await hub.client.get("/metrics")).text
    assert 'hub_hook_failures_total{hook="on_card_updated",plugin="raising"} 1.0' in metrics
    assert (
        'hub_hook_calls_total{hook="on_card_updated",outcome="timeout",plugin="hanging"} 1.0'
        in metrics
    )


async def test_failure_is_logged_with_clinic_plugin_and_hook(
    hub: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await _enable_all(hub)
    await hub.fire("on_card_updated", "clinic-1", card=CARD)
    lines = [r.getMessage() for r in caplog.records if r.name == "hub.plugins"]
    assert any(
        "clinic=clinic-1" in line and "plugin=raising" in line and "hook=on_card_updated" in line
        for line in lines
    )


async def test_api_keeps_answering_while_a_plugin_hangs(hub: Harness) -> None:
    await _enable_all(hub)
    fired = asyncio.create_task(hub.fire("on_card_updated", "clinic-1", card=CARD))
    await asyncio.sleep(0.05)
    response = await hub.client.get("/api/v1/clinics/clinic-1")
    assert response.status_code == 200
    assert not fired.done()
    await fired
