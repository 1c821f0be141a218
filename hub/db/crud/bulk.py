"""Set-based writes shared by the intake crud modules: many rows, few statements.

``insert_many`` is one executemany INSERT (SQLAlchemy batches it into multi-row
``VALUES``); ``update_many`` is one executemany UPDATE keyed by the primary key.
``select_for_update`` reads a clinic's rows by key, locking them on PostgreSQL (SQLite
drops ``FOR UPDATE``; its writers are serialised by ``BEGIN IMMEDIATE`` anyway).

The statements are built once per shape and cached (:func:`functools.lru_cache`); the
values go in as parameters.  Building a statement and its cache key costs more Python
than running it on a single ``PUT``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

#: Keys per statement on SQLite (an ``IN`` list); PostgreSQL takes them as one array.
CHUNK = 1000
PG_CHUNK = 20_000


@functools.lru_cache(maxsize=64)
def _insert(table: sa.Table) -> sa.Insert:
    return sa.insert(table)


@functools.lru_cache(maxsize=256)
def _update(table: sa.Table, keys: tuple[str, ...], columns: tuple[str, ...]) -> sa.Update:
    return (
        sa.update(table)
        .where(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys))
        .values({c: sa.bindparam(f"v_{c}") for c in columns})
    )


@functools.lru_cache(maxsize=64)
def _insert_one(table: sa.Table, columns: tuple[str, ...]) -> sa.Insert:
    return sa.insert(table).values(
        {c: sa.bindparam(f"i_{c}", type_=table.c[c].type) for c in columns}
    )


@dataclass(frozen=True)
class Write:
    """One row's INSERT or UPDATE (the statement built once per shape) and its
    parameters: a write that another statement can carry as a CTE on PostgreSQL
    (:func:`hub.events.outbox.emit_many`), or that :func:`run` sends on its own."""

    statement: sa.Insert | sa.Update
    params: dict[str, Any]


def insert_one(table: sa.Table, row: Mapping[str, Any]) -> Write:
    columns = tuple(row)
    return Write(_insert_one(table, columns), {f"i_{c}": row[c] for c in columns})


def update_one(table: sa.Table, keys: Sequence[str], row: Mapping[str, Any]) -> Write:
    """The UPDATE of one row, as :func:`update_many` sends it."""
    columns = tuple(c for c in row if c not in keys)
    return Write(
        _update(table, tuple(keys), columns),
        {**{f"k_{k}": row[k] for k in keys}, **{f"v_{c}": row[c] for c in columns}},
    )


async def run(session: AsyncSession, write: Write) -> None:
    await session.execute(write.statement, write.params)


async def insert_many(
    session: AsyncSession, table: sa.Table, rows: Sequence[dict[str, Any]]
) -> None:
    if rows:
        await session.execute(_insert(table), list(rows))


async def update_many(
    session: AsyncSession, table: sa.Table, keys: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """Update each row (a dict with every key column and the columns to set)."""
    if not rows:
        return
    columns = tuple(c for c in rows[0] if c not in keys)
    params = [
        {**{f"k_{k}": row[k] for k in keys}, **{f"v_{c}": row[c] for c in columns}} for row in rows
    ]
    await session.execute(_update(table, tuple(keys), columns), params)


@functools.lru_cache(maxsize=64)
def _select(
    table: sa.Table, key: str, lock: bool, also: tuple[sa.Label[Any], ...], dialect: str
) -> sa.Select[Any]:
    """The clinic's rows whose ``key`` is one of the ``keys`` parameter.

    On PostgreSQL the keys are one array, joined with ``unnest``: psycopg prepares a
    statement run five times, and PostgreSQL may then plan it once for any values; a
    plan for ``key IN ($2, …, $1001)`` (or ``= ANY($2)``) cannot hash the list and
    compares every row of the clinic with every key (0.4–0.9 s per 1,000 keys of a
    clinic of 24,000 appointments), where a join stays a hash or index lookup.
    """
    clinic = table.c.clinic_id == sa.bindparam("clinic_id")
    query = sa.select(table, *also)
    if dialect == "postgresql":
        wanted = (
            sa.func.unnest(sa.bindparam("keys", type_=postgresql.ARRAY(sa.String())))
            .table_valued("key")
            .render_derived(name="wanted")
        )
        query = query.join_from(table, wanted, table.c[key] == wanted.c.key).where(clinic)
    else:
        query = query.where(clinic, table.c[key].in_(sa.bindparam("keys", expanding=True)))
    query = query.order_by(table.c[key])
    if lock:
        query = query.with_for_update(of=table) if dialect == "postgresql" else query
    return query


async def select_for_update(
    session: AsyncSession,
    table: sa.Table,
    *,
    clinic_id: str,
    key: str,
    values: Sequence[str],
    lock: bool = True,
    also: tuple[sa.Label[Any], ...] = (),
    params: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """The clinic's rows whose ``key`` column is in ``values``, by that key (locked
    unless ``lock=False``).

    :param also: labelled columns read with each row (a scalar subquery saves a
        statement of its own); built once (cached), with their values in ``params``
        and the clinic as the ``clinic_id`` parameter.
    """
    dialect = session.get_bind().dialect.name
    query = _select(table, key, lock, also, dialect)
    size = PG_CHUNK if dialect == "postgresql" else CHUNK
    out: dict[str, dict[str, Any]] = {}
    unique = sorted(set(values))
    for i in range(0, len(unique), size):
        bound = {**(params or {}), "clinic_id": clinic_id, "keys": unique[i : i + size]}
        for row in (await session.execute(query, bound)).all():
            mapping = dict(row._mapping)
            out[mapping[key]] = mapping
    return out
