"""``insert(session, table)``: an INSERT that can say what to do on a conflict.

SQLite and PostgreSQL both speak ``INSERT ... ON CONFLICT``, but SQLAlchemy builds it
from each dialect's own ``insert``; this picks the one of the session's database, so
callers write ``insert(session, table).values(...).on_conflict_do_nothing(...)`` once.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["insert"]


def insert(session: AsyncSession, table: sa.Table) -> Any:
    """The dialect's ``insert(table)`` (with ``on_conflict_do_nothing`` /
    ``on_conflict_do_update``) for the database ``session`` is bound to."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
