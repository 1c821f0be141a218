"""Set-based writes shared by the intake crud modules: many rows, few statements.

``insert_many`` is one executemany INSERT (SQLAlchemy batches it into multi-row
``VALUES``); ``update_many`` is one executemany UPDATE keyed by the primary key.
``select_for_update`` reads rows by key in chunks, locking them on PostgreSQL (SQLite
drops ``FOR UPDATE``; its writers are serialised by ``BEGIN IMMEDIATE`` anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

CHUNK = 1000


async def insert_many(
    session: AsyncSession, table: sa.Table, rows: Sequence[dict[str, Any]]
) -> None:
    if rows:
        await session.execute(sa.insert(table), list(rows))


async def update_many(
    session: AsyncSession, table: sa.Table, keys: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """Update each row (a dict with every key column and the columns to set)."""
    if not rows:
        return
    columns = [c for c in rows[0] if c not in keys]
    statement = (
        sa.update(table)
        .where(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys))
        .values({c: sa.bindparam(f"v_{c}") for c in columns})
    )
    params = [
        {**{f"k_{k}": row[k] for k in keys}, **{f"v_{c}": row[c] for c in columns}} for row in rows
    ]
    await session.execute(statement, params)


async def select_for_update(
    session: AsyncSession,
    table: sa.Table,
    *,
    where: sa.ColumnElement[bool],
    key: str,
    values: Sequence[str],
    lock: bool = True,
    also: Sequence[sa.Label[Any]] = (),
) -> dict[str, dict[str, Any]]:
    """Rows matching ``where`` whose ``key`` column is in ``values``, by that key (locked
    unless ``lock=False``); ``also``: labelled columns read with each row (a scalar
    subquery saves a statement of its own)."""
    out: dict[str, dict[str, Any]] = {}
    unique = sorted(set(values))
    for i in range(0, len(unique), CHUNK):
        query = (
            sa.select(table, *also)
            .where(where, table.c[key].in_(unique[i : i + CHUNK]))
            .order_by(table.c[key])
        )
        if lock:
            query = query.with_for_update()
        for row in (await session.execute(query)).all():
            mapping = dict(row._mapping)
            out[mapping[key]] = mapping
    return out
