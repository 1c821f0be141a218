"""SQLite statements in one hand-over each to aiosqlite's thread.

SQLAlchemy's aiosqlite adapter sends every statement to the connection's thread three
or four times: ``cursor()``, ``execute()``, ``fetchall()`` (when there are rows) and the
cursor's ``close()``.  Each is a wake-up of that thread and of the event loop, and a GIL
hand-over.  The adapter here sends one function instead, which makes a ``sqlite3``
cursor, executes (or executes many), fetches all rows and closes the cursor; the rows,
``description``, ``rowcount`` and ``lastrowid`` come back with it.  Errors are raised
from that function as before (``sqlite3`` errors, which SQLAlchemy translates as it did);
commit and rollback were one hand-over already.

Server-side cursors (``stream()``) keep SQLAlchemy's own class: they fetch as they are
read.  :func:`hub.db.engine.make_engine` hands :data:`DBAPI` to SQLAlchemy's aiosqlite
dialect as its DBAPI module; nothing else changes.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_


def _run(
    driver: aiosqlite.Connection, operation: str, parameters: Any, many: bool
) -> tuple[sqlite3.Cursor, list[Any] | None]:
    """On aiosqlite's thread: the whole statement, rows included."""
    cursor = driver._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
    finally:
        cursor.close()  # description, rowcount and lastrowid stay readable
    return cursor, rows


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose ``sqlite3`` cursor lives for one statement, on the
    thread; until the first, ``_cursor`` is ``None``."""

    __slots__ = ()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return None

    def _make_new_cursor(self, connection: Any) -> Any:
        return None

    def _hop(self, operation: Any, parameters: Any, many: bool) -> None:
        try:
            self._cursor, rows = await_(
                self._connection._execute(_run, self._connection, operation, parameters, many)
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._rows = collections.deque(rows or ())

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._hop(operation, () if parameters is None else parameters, False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._hop(operation, seq_of_parameters, True)

    async def _async_soft_close(self) -> None:
        """Nothing to close: the ``sqlite3`` cursor closed with its statement."""

    def close(self) -> None:
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = OneHopCursor


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        return OneHopConnection(self, super().connect(*arg, **kw)._connection)


#: The DBAPI module for ``create_async_engine(..., module=DBAPI)``.
DBAPI = OneHopDBAPI(aiosqlite, sqlite3)
