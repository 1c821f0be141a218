"""Running an intake write in a transaction, retried when it raced another writer.

Two requests creating the same new id at once: one commits, the other fails on the
primary key; retried, it finds the row and compares with it like any update.  On
PostgreSQL a deadlock or serialisation failure is retried the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.engine import RACE_SQLSTATES, Database

log = logging.getLogger("hub.intake")
T = TypeVar("T")
ATTEMPTS = 3


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, OperationalError) and (
        getattr(exc.orig, "sqlstate", None) in RACE_SQLSTATES
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
