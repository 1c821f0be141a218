"""A transaction on a plugin's own tables: what ``ctx.tables()`` yields.

A plugin that ships Alembic migrations (``register_migrations``) defines its tables as
SQLAlchemy Core ``sa.Table`` objects and queries them on the connection yielded here,
on SQLite and PostgreSQL alike.  The hub's own tables are not part of the plugin API;
the connection is not restricted to the plugin's tables (SQLite has no schemas or
grants to do it with), so keeping to them, and to the clinic's rows, is the plugin's
part of the contract.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.engine import Database


@asynccontextmanager
async def transaction(db: Database) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction: committed when the block ends, rolled back if it
    raises.  On SQLite the transaction begins ``IMMEDIATE`` like every hub write."""
    async with db.engine.begin() as conn:
        yield conn
