"""Running an intake write in a transaction, retried when it raced another writer.

Two requests creating the same new id at once: one commits, the other fails on the
primary key; retried, it finds the row and compares with it like any update.  On
PostgreSQL a deadlock or serialisation failure is retried the same way.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.engine import Database

log = logging.getLogger("hub.intake")
T = TypeVar("T")
ATTEMPTS = 3
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, OperationalError) and (
        getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES
    )


async def write(db: Database, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``await work(session)`` in a transaction; retried (in a new one) after a race.
    On SQLite it waits its turn behind this process's other writers
    (:meth:`Database.writers`) rather than in SQLite's busy handler."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with db.writers(), db.session() as session:
                return await work(session)
        except (IntegrityError, OperationalError) as exc:
            if attempt == ATTEMPTS or not _retryable(exc):
                raise
            log.info("write raced another writer (%s); retrying", type(exc.orig).__name__)
    raise AssertionError("unreachable")


_paused = 0
_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a bulk write runs (nested and concurrent
    ones count), on again after the last.

    A 10,000-item batch allocates objects by the hundred thousand, each allocation
    burst triggering collections that walk all of them while none is garbage yet
    (reference counting frees them at the end of the request); measured, that was a
    fifth to a third of a bulk request (docs/decisions.md).  Cycles made meanwhile are
    collected when it is back on.
    """
    global _paused, _was_enabled
    if _paused == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _paused += 1
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0 and _was_enabled:
            gc.enable()
