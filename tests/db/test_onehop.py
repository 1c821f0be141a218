"""SQLite's statements cost one hand-over each to aiosqlite's thread (``hub.db.onehop``),
and what came back through three or four still comes back the same: rows, counts,
errors and their translation, busy -> 503, and server-side cursors that stream."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database, contended
from hub.testing import Harness


class _CountingQueue:
    """aiosqlite's queue to its thread, counting what is put on it (every hand-over:
    ``Connection._execute`` and the direct puts alike)."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.puts = 0

    def put_nowait(self, item: Any) -> None:
        self.puts += 1
        self.queue.put_nowait(item)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'onehop.db'}")
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    yield db
    await db.dispose()


async def _counted(conn: AsyncConnection) -> _CountingQueue:
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    counter = _CountingQueue(driver._tx)
    driver._tx = counter
    return counter


async def _hops(conn: AsyncConnection, counter: _CountingQueue, statement: Any, *args: Any) -> int:
    before = counter.puts
    await conn.execute(statement, *args)
    return counter.puts - before


async def test_each_statement_is_one_hand_over(db: Database) -> None:
    async with db.engine.connect() as conn:
        counter = await _counted(conn)
        await conn.begin()  # BEGIN IMMEDIATE: a statement like the others
        assert counter.puts == 1
        insert = sa.text("INSERT INTO t (v) VALUES (:v)")
        assert await _hops(conn, counter, insert, {"v": "a"}) == 1
        many: list[bool] = []
        sa.event.listen(
            conn.sync_connection, "before_cursor_execute", lambda *a: many.append(a[-1])
        )
        assert await _hops(conn, counter, insert, [{"v": "b"}, {"v": "c"}]) == 1
        assert many == [True]  # that one went to the driver's executemany
        assert await _hops(conn, counter, sa.text("SELECT v FROM t ORDER BY id")) == 1
        before = counter.puts
        await conn.commit()
        assert counter.puts - before == 1


async def test_rows_counts_and_ids_come_back_as_before(db: Database) -> None:
    async with db.engine.begin() as conn:
        first = await conn.execute(sa.text("INSERT INTO t (v) VALUES ('a')"))
        assert (first.rowcount, first.lastrowid) == (1, 1)
        await conn.execute(sa.text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}])
        returned = await conn.execute(sa.text("INSERT INTO t (v) VALUES ('d') RETURNING id, v"))
        assert returned.all() == [(4, "d")]
        updated = await conn.execute(sa.text("UPDATE t SET v = v || '!' WHERE id > 2"))
        assert updated.rowcount == 2
        result = await conn.execute(sa.text("SELECT id, v FROM t ORDER BY id"))
        assert list(result.keys()) == ["id", "v"]
        assert result.all() == [(1, "a"), (2, "b"), (3, "c!"), (4, "d!")]
        assert (await conn.execute(sa.text("SELECT v FROM t WHERE id = 9"))).first() is None


async def test_driver_errors_are_translated_as_before(db: Database) -> None:
    async with db.engine.connect() as conn:
        await conn.execute(sa.text("INSERT INTO t (v) VALUES ('a')"))
        with pytest.raises(sa.exc.IntegrityError) as duplicate:
            await conn.execute(sa.text("INSERT INTO t (v) VALUES ('a')"))
        assert isinstance(duplicate.value.orig, sqlite3.IntegrityError)
        await conn.rollback()
        with pytest.raises(sa.exc.OperationalError) as missing:
            await conn.execute(sa.text("SELECT * FROM nowhere"))
        assert isinstance(missing.value.orig, sqlite3.OperationalError)
        assert not contended(missing.value)
        await conn.rollback()
        many = sa.text("INSERT INTO t (v) VALUES (:v)")
        with pytest.raises(sa.exc.IntegrityError):
            await conn.execute(many, [{"v": "b"}, {"v": "b"}])


async def test_a_locked_database_is_contention(db: Database, tmp_path: Path) -> None:
    """Another process's writer holding SQLite's lock: the refusal is the one
    :func:`contended` knows (the API's 503)."""
    other = Database(f"sqlite:///{tmp_path / 'onehop.db'}")
    try:
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA busy_timeout=0")  # fail at once, not in 30 s
            await conn.commit()
            async with other.engine.begin() as holder:
                await holder.execute(sa.text("INSERT INTO t (v) VALUES ('held')"))
                with pytest.raises(sa.exc.OperationalError) as busy:
                    await conn.begin()
            await conn.invalidate()  # not back to the pool without its wait
    finally:
        await other.dispose()
    assert isinstance(busy.value.orig, sqlite3.OperationalError)
    assert contended(busy.value)


async def test_a_locked_database_is_a_503(hub: Harness) -> None:
    """End to end: the hub's own write meets another process's lock past its wait."""
    db = hub.runtime.db
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    await hub.create_clinic("clinic-1")

    def no_wait(dbapi_connection: Any, *_: Any) -> None:  # fail at once, not in 30 s
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    sa.event.listen(db.engine.sync_engine, "checkout", no_wait)
    other = Database(db.url)
    try:
        async with other.engine.begin() as holder:
            await holder.exec_driver_sql("UPDATE clinic SET id = id")
            response = await hub.client.put(
                "/api/v1/clinics/clinic-1/patients/P-1",
                json={"last_name": "Иванов", "first_name": "Иван"},
            )
    finally:
        sa.event.remove(db.engine.sync_engine, "checkout", no_wait)
        await db.engine.dispose()  # no pooled connection keeps the zero wait
        await other.dispose()
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"


async def test_a_server_side_cursor_still_streams(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            sa.text("INSERT INTO t (v) VALUES (:v)"), [{"v": str(i)} for i in range(5)]
        )
    async with db.engine.connect() as conn:
        counter = await _counted(conn)
        result = await conn.stream(sa.text("SELECT v FROM t ORDER BY id"))
        parts: list[tuple[list[str], int]] = []
        async for part in result.partitions(2):
            parts.append(([v for (v,) in part], counter.puts))
    assert [p for p, _ in parts] == [["0", "1"], ["2", "3"], ["4"]]
    hops = [n for _, n in parts]
    assert hops[1] == hops[0] + 1 and hops[2] == hops[1] + 1  # one fetch per partition
