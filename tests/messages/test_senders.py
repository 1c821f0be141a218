"""The delivery run's senders: at most ``HUB_WORKER_CONCURRENCY`` calls sent and not yet
written at any moment (what a killed worker can re-send), and no task per message."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from hub import ChannelSettings, DeliveryResult, HookContext, OutgoingMessage, hookimpl
from hub.db.models import Message
from hub.testing import Harness

CONCURRENCY = 3
MESSAGES = 40


class SlowProvider:
    """Answers after a few milliseconds; at each call, counts the calls made so far whose
    results are not yet written (``sent`` in the database)."""

    def __init__(self) -> None:
        self.hub: Harness | None = None
        self.calls = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.most_unwritten = 0

    @hookimpl
    def register_settings_model(self) -> type[ChannelSettings]:
        return ChannelSettings

    @hookimpl
    def register_channels(self) -> list[str]:
        return ["sms"]

    async def _written(self) -> int:
        assert self.hub is not None
        async with self.hub.runtime.db.session() as session:
            query = sa.select(sa.func.count()).where(Message.status == "sent")  # type: ignore[arg-type]
            return int((await session.execute(query)).scalar_one())

    @hookimpl
    async def send_message(
        self, ctx: HookContext[ChannelSettings], message: OutgoingMessage
    ) -> DeliveryResult:
        self.calls += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self.most_unwritten = max(self.most_unwritten, self.calls - await self._written())
            await asyncio.sleep(0.005)
            return DeliveryResult.accepted(f"slow-{message.id}", cost=Decimal("1"))
        finally:
            self.in_flight -= 1


class DecliningProvider(SlowProvider):
    """The same, declining every batch: each message then goes as a job of its own."""

    @hookimpl
    async def send_messages(
        self, ctx: HookContext[ChannelSettings], messages: tuple[OutgoingMessage, ...]
    ) -> list[DeliveryResult] | None:
        return None


@pytest.fixture(params=[SlowProvider, DecliningProvider], ids=["one-by-one", "declined-batches"])
def slow(request: pytest.FixtureRequest) -> SlowProvider:
    return request.param()  # type: ignore[no-any-return]


@pytest.fixture
def hub_extra_plugins(slow: SlowProvider) -> dict[str, object]:
    return {"slow": slow}


async def _queue(hub: Harness, slow: SlowProvider) -> None:
    slow.hub = hub
    hub.runtime.settings.worker_concurrency = CONCURRENCY
    hub.runtime.settings.worker_batch = 10  # several claims, each dispatched in turn
    await hub.create_clinic("clinic-1", channels={"sms": ["slow"]}, quiet_hours={"enabled": False})
    await hub.enable("slow", "clinic-1")
    for i in range(MESSAGES):
        response = await hub.client.post(
            "/api/v1/clinics/clinic-1/messages",
            json={"phone": f"+7918{i:07d}", "text": f"Сообщение {i}"},
        )
        assert response.status_code == 201, response.text


async def test_at_most_concurrency_sends_are_unwritten_at_any_moment(
    hub: Harness, slow: SlowProvider
) -> None:
    """A sender takes its next message only once the last one's result is committed."""
    await _queue(hub, slow)
    await hub.drain()
    assert slow.calls == MESSAGES
    assert (await hub.journal("clinic-1", status="sent"))["total"] == MESSAGES
    assert slow.most_in_flight == CONCURRENCY  # the senders do run side by side
    assert slow.most_unwritten <= CONCURRENCY


async def test_no_task_per_message(hub: Harness, slow: SlowProvider) -> None:
    """Messages are jobs of at most ``HUB_WORKER_CONCURRENCY`` senders, not tasks."""
    await _queue(hub, slow)
    loop = asyncio.get_running_loop()
    made: list[asyncio.Task[Any]] = []
    before = loop.get_task_factory()

    def factory(
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, Any] | Generator[Any, None, Any],
        **kwargs: Any,
    ) -> asyncio.Task[Any]:
        task = asyncio.Task(coro, loop=loop, **kwargs)
        made.append(task)
        return task

    loop.set_task_factory(factory)  # type: ignore[arg-type]
    try:
        await hub.drain()
    finally:
        loop.set_task_factory(before)
    assert slow.calls == MESSAGES
    ours = [
        t.get_coro().__qualname__  # type: ignore[union-attr]
        for t in made
        if "messages/delivery" in t.get_coro().cr_code.co_filename  # type: ignore[union-attr]
    ]
    runs = ours.count("Run._writer")
    assert runs and ours.count("Run._sender") <= CONCURRENCY * runs
    # a run's own: its claims, heartbeat and writer, and its senders
    assert len(ours) <= (3 + CONCURRENCY) * runs < MESSAGES, ours
