"""``hub.fire`` in a plugin's test goes through the outbox, as production does:
the payload round-trips through JSON, each delivery has its idempotency key, and
deliveries about one card keep their order across a retry."""

from __future__ import annotations

import pytest

from hub import Card, HookContext, hookimpl
from hub.events import PayloadError
from hub.testing import Harness


class Recorder:
    """Records what it gets; fails its first call when told to."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str | None, Card]] = []
        self.attempts: list[str | None] = []
        self.fail_next = False

    @hookimpl
    async def on_card_updated(self, ctx: HookContext, card: Card) -> None:
        self.attempts.append(ctx.idempotency_key)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the service is down")
        self.got.append((card.last_name, ctx.idempotency_key, card))


RECORDER = Recorder()


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    RECORDER.got.clear()
    RECORDER.attempts.clear()
    RECORDER.fail_next = False
    return {"recorder": RECORDER}


async def _ready(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    await hub.enable("recorder", "clinic-1")


async def test_the_payload_round_trips_through_the_outbox(hub: Harness) -> None:
    await _ready(hub)
    card = Card(id="P-1", last_name="Иванова", first_name="Анна", phones=("+79161234567",))
    assert await hub.fire("on_card_updated", card=card) == {"recorder": None}
    [(_, _, received)] = RECORDER.got
    assert received == card and received is not card  # rebuilt from the stored JSON


async def test_each_delivery_has_its_own_stable_idempotency_key(hub: Harness) -> None:
    await _ready(hub)
    await hub.fire("on_card_updated", card=Card(id="P-1", last_name="А", first_name="Анна"))
    await hub.fire("on_card_updated", card=Card(id="P-1", last_name="Б", first_name="Анна"))
    keys = [key for _, key, _ in RECORDER.got]
    assert len(set(keys)) == 2
    assert all(
        key is not None
        and key.startswith("clinic-1:recorder:")
        and key.endswith(":on_card_updated")
        for key in keys
    )


async def test_a_failed_delivery_is_retried_and_keeps_its_order(hub: Harness) -> None:
    await _ready(hub)
    RECORDER.fail_next = True
    assert (
        await hub.fire(
            "on_card_updated", card=Card(id="P-1", last_name="Первая", first_name="Анна")
        )
        == {}
    )
    # the second change of the same card waits behind the first, which is retrying
    assert (
        await hub.fire(
            "on_card_updated", card=Card(id="P-1", last_name="Вторая", first_name="Анна")
        )
        == {}
    )
    assert RECORDER.got == []
    hub.clock.advance(3600)
    await hub.drain()
    assert [name for name, _, _ in RECORDER.got] == ["Первая", "Вторая"]
    failed, retried, second = RECORDER.attempts
    assert failed == retried != second  # the key is stable across retries of one delivery


async def test_a_payload_that_does_not_match_the_hookspec_is_refused(hub: Harness) -> None:
    await _ready(hub)
    with pytest.raises(PayloadError):
        await hub.fire("on_card_updated", card={"id": "P-1"})
