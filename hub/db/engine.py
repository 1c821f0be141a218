"""The database: URL handling, the async engine and sessions.

Users give one URL (``HUB_DATABASE_URL``): ``sqlite:///./hub.db`` or
``postgresql://user@host/db``.  The hub derives the async driver URL (aiosqlite,
psycopg 3) for itself and the sync one for Alembic.

SQLite notes: WAL journal, a 30 s busy timeout, foreign keys on, and every transaction
begins ``IMMEDIATE`` so that a read-then-write transaction (a claim) waits for the
write lock instead of failing with SQLITE_BUSY half-way.  SQLite has no ``SKIP
LOCKED``: one worker per database file (see ``hub.worker.lock``).  Each statement is one
hand-over to aiosqlite's thread, not three or four (``hub.db.onehop``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from hub.db import onehop

#: How long a SQLite writer waits for the write lock before failing ("database is locked"):
#: the busy_timeout pragma below, in seconds.
BUSY_TIMEOUT_SECONDS = 30
#: PostgreSQL's states for a transaction that lost a race: serialization failure, deadlock.
RACE_SQLSTATES = frozenset({"40001", "40P01"})
#: ... and for a lock it could not get (``lock_timeout``).
_LOCK_SQLSTATES = RACE_SQLSTATES | {"55P03"}
#: SQLite's words when its busy wait ran out.
_SQLITE_BUSY = ("database is locked", "database table is locked")
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}


def contended(exc: sa.exc.DBAPIError) -> bool:
    """Did the database refuse for contention (worth sending again), not for a bug?"""
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return state in _LOCK_SQLSTATES or str(orig).startswith(_SQLITE_BUSY)


def backend_of(url: str) -> str:
    """``sqlite`` or ``postgresql``; anything else is refused with a clear message."""
    backend = make_url(url).get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(
            f"unsupported database {backend!r} in HUB_DATABASE_URL: use sqlite:/// or postgresql://"
        )
    return backend


def async_url(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername=_ASYNC_DRIVERS[backend_of(url)]).render_as_string(
        hide_password=False
    )


def sync_url(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername=_SYNC_DRIVERS[backend_of(url)]).render_as_string(
        hide_password=False
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # We emit BEGIN ourselves (see _sqlite_begin); the driver must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (  # the busy timeout first: the others may wait for a lock too
        "PRAGMA busy_timeout=30000",
        "PRAGMA journal_mode=WAL",
        "PRAGMA foreign_keys=ON",
        "PRAGMA synchronous=NORMAL",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """The async engine for ``url`` with the per-backend settings above."""
    backend = backend_of(url)
    if backend == "sqlite":
        kwargs.setdefault("module", onehop.DBAPI)  # one hand-over to SQLite's thread a statement
        engine = create_async_engine(async_url(url), **kwargs)
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(async_url(url), **kwargs)


class Database:
    """The engine and a session factory; ``session()`` is a transaction."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.backend = backend_of(url)
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._writers = asyncio.Lock()

    @asynccontextmanager
    async def writers(self) -> AsyncIterator[None]:
        """This process's writers one at a time, in arrival order, on SQLite (nothing on
        PostgreSQL, whose writers lock rows, not the database).

        SQLite lets one transaction write at a time anyway; without this queue the others
        wait in SQLite's busy handler, which polls with growing sleeps (up to 100 ms), so
        the lock sits free while they sleep.  Here they wait on an ``asyncio.Lock`` and
        the next one starts as soon as the last commits.  Other processes still meet
        them at SQLite's lock.  Waiting longer than SQLite's own busy timeout, a writer
        goes on without the queue (and waits at SQLite's lock as before), so a writer
        nested inside another of the same task cannot hang.
        """
        if not self.is_sqlite:
            yield
            return
        try:
            async with asyncio.timeout(BUSY_TIMEOUT_SECONDS):
                await self._writers.acquire()
        except TimeoutError:
            yield
            return
        try:
            yield
        finally:
            self._writers.release()

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed on success, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
