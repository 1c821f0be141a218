"""The dispatcher: retries with back-off, dead deliveries, per-subject order, leases."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from hub import HookContext
from hub.db.models import Delivery
from hub.events import dispatch
from hub.testing import Harness, RecordingPlugin


class Flaky(RecordingPlugin):
    """Fails the first ``failures`` calls of each delivery (by idempotency key)."""

    def __init__(self, failures: int = 3) -> None:
        super().__init__()
        self.failures = failures
        self.attempts: dict[str, int] = {}

    async def react(self, ctx: HookContext, hook: str, **args: Any) -> None:
        key = ctx.idempotency_key or ""
        self.attempts[key] = self.attempts.get(key, 0) + 1
        if self.attempts[key] <= self.failures:
            raise ConnectionError(f"portal unavailable (attempt {self.attempts[key]})")


PLUGINS: dict[str, Any] = {}


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    PLUGINS.clear()
    PLUGINS.update(steady=RecordingPlugin(), flaky=Flaky(3))
    return dict(PLUGINS)


async def _setup(hub: Harness) -> tuple[RecordingPlugin, Flaky]:
    await hub.create_clinic("clinic-1")
    await hub.enable("steady")
    await hub.enable("flaky")
    await hub.seed_reference()
    await hub.put_patient()
    return PLUGINS["steady"], PLUGINS["flaky"]


async def _deliveries(hub: Harness, plugin: str) -> list[Delivery]:
    async with hub.runtime.db.session() as session:
        rows = await session.execute(
            sa.select(Delivery).where(Delivery.plugin == plugin).order_by(Delivery.id)  # type: ignore[arg-type]
        )
        return list(rows.scalars())


async def _retry_all(hub: Harness, rounds: int) -> None:
    """Let the back-off pass ``rounds`` times, draining each time."""
    for _ in range(rounds):
        hub.clock.advance(hub.runtime.settings.retry_max_delay)
        await hub.drain()


async def test_failing_plugin_gets_the_event_once_and_does_not_delay_the_other(hub: Harness) -> None:
    steady, flaky = await _setup(hub)
    await hub.drain()
    steady.received.clear()
    await hub.put_appointment("A-1")
    await hub.drain()
    # the steady plugin got it at once, while the flaky one failed its first attempt
    assert steady.hooks() == ["on_appointment_created"]
    (created,) = [d for d in await _deliveries(hub, "flaky") if d.hook == "on_appointment_created"]
    assert (created.status, created.attempts) == ("retrying", 1)
    assert "portal unavailable (attempt 1)" in (created.last_error or "")
    assert created.next_attempt_at > hub.clock.now()
    await hub.drain()  # not due yet: nothing happens
    assert [r.hook for r in flaky.received if r.hook == "on_appointment_created"] == []
    await _retry_all(hub, 3)
    created_calls = [r for r in flaky.received if r.hook == "on_appointment_created"]
    assert len(created_calls) == 1, "exactly one successful delivery"
    assert created_calls[0].idempotency_key == f"clinic-1:flaky:{created.event_id}:on_appointment_created"
    (created,) = [d for d in await _deliveries(hub, "flaky") if d.hook == "on_appointment_created"]
    assert (created.status, created.attempts, created.finished_at) == ("done", 4, hub.clock.now())
    assert steady.hooks() == ["on_appointment_created"]  # delivered once, not again


async def test_back_off_grows_exponentially_with_jitter(hub: Harness) -> None:
    await _setup(hub)
    settings = hub.runtime.settings
    delays = []
    for attempt in range(1, 4):
        await hub.drain()
        (card,) = [d for d in await _deliveries(hub, "flaky") if d.hook == "on_card_updated"]
        assert card.attempts == attempt
        delay = (card.next_attempt_at - hub.clock.now()).total_seconds()
        ceiling = min(settings.retry_max_delay, settings.retry_base_delay * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
        delays.append(delay)
        hub.clock.advance(delay)
    assert delays[2] > delays[0]


async def test_order_per_appointment_per_plugin_under_retries(hub: Harness) -> None:
    steady, flaky = await _setup(hub)
    await hub.put_appointment("A-1")
    await hub.put_appointment("A-1", cabinet="301")
    await hub.client.request("DELETE", "/api/v1/clinics/clinic-1/appointments/A-1",
                             json={"reason": "пациент заболел"})
    await hub.put_appointment("A-1", cabinet="301")  # restored
    await hub.drain()
    expected = ["on_appointment_created", "on_appointment_updated",
                "on_appointment_cancelled", "on_appointment_restored"]
    assert [h for h in steady.hooks() if "appointment" in h] == expected
    # the flaky plugin is stuck on the create: the later events wait behind it
    waiting = [d for d in await _deliveries(hub, "flaky") if d.subject == "appointment:A-1"]
    assert [(d.hook, d.attempts) for d in waiting] == [
        ("on_appointment_created", 1), ("on_appointment_updated", 0),
        ("on_appointment_cancelled", 0), ("on_appointment_restored", 0),
    ]
    await _retry_all(hub, 16)
    assert [h for h in flaky.hooks() if "appointment" in h] == expected
    got = [r for r in flaky.received if r.subject_id == "A-1"]
    assert got[1].args["changes"][0].field == "cabinet"
    assert got[2].args["reason"] == "пациент заболел"


async def test_dead_delivery_blocks_its_subject_until_requeued(hub: Harness) -> None:
    hub.runtime.settings = hub.runtime.settings.model_copy(update={"retry_max_attempts": 2})
    steady, flaky = await _setup(hub)
    flaky.failures = 2
    await hub.drain()
    await _retry_all(hub, 1)
    (card,) = await _deliveries(hub, "flaky")
    assert (card.status, card.attempts) == ("dead", 2)
    await hub.put_patient(email="ivanov@example.org")
    await _retry_all(hub, 2)
    rows = await _deliveries(hub, "flaky")
    assert [(d.status, d.attempts) for d in rows] == [("dead", 2), ("pending", 0)]
    stats = (await hub.client.get("/api/v1/deliveries/stats")).json()["items"]
    flaky_stats = next(s for s in stats if s["plugin"] == "flaky")
    assert {k: flaky_stats[k] for k in ("clinic", "pending", "retrying", "dead", "blocked")} == {
        "clinic": "clinic-1", "pending": 1, "retrying": 0, "dead": 1, "blocked": 1}
    dead = (await hub.client.get("/api/v1/deliveries", params={"status": "pending"})).json()
    assert dead["items"][0]["blocked_by"] == rows[0].id
    flaky.failures = 0  # the portal is back
    response = await hub.client.post(f"/api/v1/deliveries/{rows[0].id}/requeue")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "pending"
    await hub.drain()  # the re-queued one, then its successor
    rows = await _deliveries(hub, "flaky")
    assert [d.status for d in rows] == ["done", "done"]
    assert [r.args["card"].email for r in flaky.received] == [None, "ivanov@example.org"]


async def test_plugin_disabled_after_the_event_is_closed_with_a_note(hub: Harness) -> None:
    await _setup(hub)
    response = await hub.client.put("/api/v1/clinics/clinic-1/plugins/flaky",
                                    json={"enabled": False, "settings": {}})
    assert response.status_code == 200
    await hub.drain()
    (card,) = await _deliveries(hub, "flaky")
    assert card.status == "done"
    assert "no longer enabled" in (card.last_error or "")
    assert PLUGINS["flaky"].attempts == {}


async def test_expired_lease_of_a_dead_worker_is_taken_over(hub: Harness) -> None:
    steady, _ = await _setup(hub)
    claimed = await dispatch.claim(hub.runtime, 100)  # a worker claims, then dies
    assert {c.plugin for c in claimed} == {"steady", "flaky"}
    assert await hub.drain() == 0  # leased: nobody else takes them
    assert steady.received == []
    hub.clock.advance(hub.runtime.settings.worker_lease + 1)
    await hub.drain()
    assert steady.hooks() == ["on_card_updated"]


async def test_event_without_listeners_is_recorded_with_no_delivery(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.seed_reference()
    await hub.put_patient()
    assert await hub.drain() == 0
    async with hub.runtime.db.session() as session:
        hooks = (await session.execute(sa.text("SELECT hook FROM event"))).scalars().all()
    assert hooks == ["on_card_updated"]


def test_claim_query_takes_rows_for_update_skip_locked_on_postgresql() -> None:
    from sqlalchemy.dialects import postgresql

    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    sql = str(dispatch.claim_query(now, 10, skip_locked=True).compile(dialect=postgresql.dialect()))
    assert "FOR UPDATE OF d SKIP LOCKED" in sql
    assert "NOT (EXISTS" in sql
