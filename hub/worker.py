"""The worker: the loops that deliver events and messages, and the scheduler.

``hub worker`` runs it alone; ``hub serve`` runs it beside the API unless
``--no-worker``.  Each *step* claims a batch of due work and handles it, returning how
much it did; a step that found nothing waits ``HUB_WORKER_POLL`` before looking again.

On PostgreSQL any number of workers may run: steps claim rows with ``FOR UPDATE SKIP
LOCKED`` and a lease.  SQLite has no ``SKIP LOCKED`` (SQLAlchemy silently drops it), so
a second worker on the same database file would deliver twice: the worker takes an
exclusive lock on ``<database file>.worker.lock`` and a second one refuses to start,
saying why.  The operating system releases the lock when the process dies, even by
SIGKILL.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from hub.events.dispatch import dispatch
from hub.runtime import Runtime
from hub.scheduler import Scheduler

log = logging.getLogger("hub.worker")

StepFunction = Callable[[Runtime], Awaitable[int]]


class WorkerLocked(RuntimeError):
    """Another worker already runs on this SQLite database."""


@dataclass(frozen=True)
class Step:
    name: str
    run: StepFunction


def default_steps() -> list[Step]:
    """The delivery loops, in the order a drain runs them."""
    from hub.messages.delivery import DeliveryStep

    return [Step("events", dispatch), Step(DeliveryStep.name, DeliveryStep())]


def sqlite_lock_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve().with_name(Path(url.database).name + ".worker.lock")


def ensure_sqlite_worker_free(database_url: str) -> None:
    """Raise :class:`WorkerLocked` now if a worker already holds the SQLite lock."""
    probe = _SqliteLock(database_url)
    probe.acquire()
    probe.release()


class _SqliteLock:
    """An exclusive lock file beside a SQLite database (nothing for PostgreSQL)."""

    def __init__(self, database_url: str) -> None:
        self.path = sqlite_lock_path(database_url)
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        if self.path is None:
            return
        handle = open(self.path, "a+")  # noqa: SIM115 - held open while locked
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise WorkerLocked(
                f"another worker ({holder}) already runs on the SQLite database "
                f"{self.path.name.removesuffix('.worker.lock')}. SQLite cannot share work "
                "between workers (it has no SELECT ... FOR UPDATE SKIP LOCKED), so a second "
                "one would send messages twice. Stop the other worker, run `hub serve "
                "--no-worker`, or move to PostgreSQL to scale out."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class Worker:
    """Runs the steps in loops and the scheduler, until stopped."""

    def __init__(self, runtime: Runtime, steps: list[Step] | None = None) -> None:
        self.runtime = runtime
        self.steps = default_steps() if steps is None else steps
        self.scheduler = Scheduler(runtime)
        self._lock = _SqliteLock(runtime.settings.database_url)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def lock(self) -> None:
        """On SQLite, make sure this is the only worker of the database file."""
        self._lock.acquire()

    def unlock(self) -> None:
        self._lock.release()

    async def _loop(self, step: Step) -> None:
        poll = self.runtime.settings.worker_poll
        while not self._stop.is_set():
            try:
                done = await step.run(self.runtime)
            except Exception:
                log.exception("worker step %s failed", step.name)
                done = 0
            if done == 0:
                try:
                    await asyncio.wait_for(self._stop.wait(), poll)
                except TimeoutError:
                    pass

    async def start(self) -> None:
        """Take the lock, start the scheduler and the loops (returns at once)."""
        self.lock()
        self.scheduler.start()
        self._tasks = [asyncio.create_task(self._loop(step), name=step.name) for step in self.steps]
        log.info("worker started: %s", ", ".join(s.name for s in self.steps) or "scheduler only")

    async def stop(self) -> None:
        self._stop.set()
        self.scheduler.stop()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.unlock()

    async def run_forever(self) -> None:
        await self.start()
        try:
            await self._stop.wait()
        finally:
            await self.stop()

    def request_stop(self) -> None:
        self._stop.set()

    async def drain(self, max_rounds: int = 10_000) -> int:
        """Run every step until none finds due work; total handled (tests, ``--once``)."""
        total = 0
        for _ in range(max_rounds):
            done = 0
            for step in self.steps:
                done += await step.run(self.runtime)
            total += done
            if done == 0:
                return total
        raise RuntimeError(f"worker did not drain in {max_rounds} rounds")
