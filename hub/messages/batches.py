"""Gathering messages for providers that send many in one call (``send_messages``).

The delivery worker hands each message ready to go to :meth:`Batches.submit` with its
key (clinic, provider) and awaits its own result.  Messages of one key are sent
together when :data:`SIZE` of them are waiting, or :data:`LINGER` seconds after the
first one came (a claimed batch reaches here within milliseconds, so one claim of
100 messages of a clinic becomes one call).  A failing call fails every message of
it with the same exception; the caller turns that into a retry as for one message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Final, Generic, TypeVar

#: Messages per ``send_messages`` call at most.
SIZE: Final = 100
#: Seconds to wait for more messages of a key after the first.
LINGER: Final = 0.05

T = TypeVar("T")
R = TypeVar("R")


class Batches(Generic[T, R]):
    """Items gathered by key and handed to ``send`` in lists of at most ``size``."""

    def __init__(
        self,
        send: Callable[[list[T]], Awaitable[Sequence[R]]],
        *,
        size: int = SIZE,
        linger: float = LINGER,
    ) -> None:
        self._send = send
        self._size = size
        self._linger = linger
        self._pending: dict[Hashable, list[tuple[T, asyncio.Future[R]]]] = {}
        self._timers: dict[Hashable, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, key: Hashable, item: T) -> R:
        """Add ``item`` to the batch of ``key``; its result once the batch is sent."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        items = self._pending.setdefault(key, [])
        items.append((item, future))
        if len(items) >= self._size:
            self._flush(key)
        elif key not in self._timers:
            self._timers[key] = loop.call_later(self._linger, self._flush, key)
        return await future

    def _flush(self, key: Hashable) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        items = self._pending.pop(key, [])
        if items:
            task = asyncio.create_task(self._run(items))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, items: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._send([item for item, _ in items])
            if len(results) != len(items):
                raise RuntimeError(f"{len(results)} results for {len(items)} items")
        except Exception as exc:  # every waiting message learns of it
            for _, future in items:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(items, results, strict=True):
            if not future.done():
                future.set_result(result)
