"""Claiming due messages, and writing results back, in batches.

A claim takes up to ``limit`` messages that are ``queued`` and due, or still
``sending`` after their lease ran out (the worker holding them died), oldest due
first.  On PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED``, so several
workers claim disjoint batches without waiting on each other; on SQLite one worker
runs per database file (``hub.worker``).  ClaimedMessage rows become ``sending`` with
``lease_owner`` = the claim's token and ``lease_until`` = ``next_attempt_at`` = the
end of the lease.  A re-claimed message gets a ``lease_expired`` line in its history
and the lost attempt is counted: the provider may have sent it (the journal says so).

Results are written with one ``UPDATE ... WHERE id = :id AND lease_owner = :token``
executed for many rows at once: a worker whose lease was taken over writes nothing.
The statement sets only the columns a result changes (a sent message's text, subject,
HTML and fallback stay as they are unless an answer link was masked), one
``executemany`` per set of columns.  It is compiled once per dialect and its rows go
to the driver as tuples, each value through its column type's own bind processor:
what SQLAlchemy would send, without its per-row parameter machinery (which cost more
than the rest of the write).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Message
from hub.db.models.messages import ACTIVE
from hub.messages.queue import entry
from hub.security.redaction import mask_answer_links

TABLE: sa.Table = Message.__table__  # type: ignore[attr-defined]

#: Columns a result may change.
RESULT_COLUMNS = (
    "status",
    "history",
    "attempts",
    "next_attempt_at",
    "lease_until",
    "lease_owner",
    "provider",
    "provider_message_id",
    "cost",
    "error_code",
    "error_text",
    "raw",
    "sent_at",
    "text",
    "subject",
    "html",
    "fallback",
)
#: Statuses of a message not yet handed to a provider: its text still carries live links.
_UNSENT = frozenset({"queued", "sending"})


@dataclass
class ClaimedMessage:
    """A claimed message: the row's values as read, plus the claim token."""

    row: dict[str, Any]
    token: str

    def __getitem__(self, name: str) -> Any:
        return self.row[name]


async def claim(
    session: AsyncSession, *, now: dt.datetime, token: str, lease: dt.timedelta, limit: int
) -> list[ClaimedMessage]:
    """Claim up to ``limit`` due messages for ``token`` (see the module docstring)."""
    query = (
        sa.select(TABLE)
        .where(TABLE.c.status.in_(ACTIVE), TABLE.c.next_attempt_at <= now)
        .order_by(TABLE.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = [dict(r._mapping) for r in await session.execute(query)]
    if not rows:
        return []
    until = now + lease
    ids = [r["id"] for r in rows]
    await session.execute(
        sa.update(TABLE)
        .where(TABLE.c.id.in_(ids))
        .values(status="sending", lease_owner=token, lease_until=until, next_attempt_at=until)
    )
    lost = [r for r in rows if r["status"] == "sending"]
    if lost:
        for r in lost:
            r["attempts"] += 1
            r["history"] = [
                *r["history"],
                entry(
                    now,
                    "lease_expired",
                    "sending",
                    provider=r["provider"],
                    worker=r["lease_owner"],
                    text="the worker sending this message stopped before recording the result; "
                    "the provider may have sent it; trying again",
                ),
            ]
        await session.execute(
            sa.update(TABLE)
            .where(TABLE.c.id == sa.bindparam("b_id"))
            .values(
                attempts=sa.bindparam("b_attempts"),
                history=sa.bindparam("b_history", type_=TABLE.c.history.type),
            ),
            [
                {"b_id": r["id"], "b_attempts": r["attempts"], "b_history": r["history"]}
                for r in lost
            ],
        )
    for r in rows:
        r["status"], r["lease_owner"], r["lease_until"] = "sending", token, until
    return [ClaimedMessage(r, token) for r in rows]


async def extend(
    session: AsyncSession, *, ids: Sequence[int], token: str, until: dt.datetime
) -> int:
    """Extend the lease of messages still held by ``token``; how many."""
    if not ids:
        return 0
    result = await session.execute(
        sa.update(TABLE)
        .where(TABLE.c.id.in_(list(ids)), TABLE.c.lease_owner == token, TABLE.c.status == "sending")
        .values(lease_until=until, next_attempt_at=until)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


#: Columns of the message's content: written only when masking changed them.
_CONTENT = ("text", "subject", "html", "fallback")
_STATE = tuple(name for name in RESULT_COLUMNS if name not in _CONTENT)


@functools.cache
def _update(names: tuple[str, ...]) -> sa.Update:
    """``UPDATE message SET <names> WHERE id = :b_id AND lease_owner = :b_token``."""
    return (
        sa.update(TABLE)
        .where(TABLE.c.id == sa.bindparam("b_id"), TABLE.c.lease_owner == sa.bindparam("b_token"))
        .values({name: sa.bindparam(f"b_{name}", type_=TABLE.c[name].type) for name in names})
    )


def _mask(row: dict[str, Any]) -> None:
    """Mask the answer links of a message handed over: its text, e-mail subject and HTML
    body, and the ones its channel fallback keeps."""
    row["text"] = mask_answer_links(row["text"])
    for name in ("subject", "html"):
        if row.get(name):
            row[name] = mask_answer_links(row[name])
    fallback = row.get("fallback")
    if fallback and (fallback.get("subject") or fallback.get("html")):
        row["fallback"] = {
            **fallback,
            **{
                name: mask_answer_links(fallback[name])
                for name in ("subject", "html")
                if fallback.get(name)
            },
        }


async def write(
    session: AsyncSession, results: Sequence[tuple[ClaimedMessage, dict[str, Any]]]
) -> None:
    """Write each claimed message's new values (the ``RESULT_COLUMNS`` a result sets; the
    others keep the claimed row's).  A message leaving the queue keeps its answer links
    only masked (the patient has them now)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for claimed, values in results:
        row = {**claimed.row, **values}
        names = _STATE
        if row["status"] not in _UNSENT:  # handed over: its answer link is no longer kept
            _mask(row)
            changed = tuple(n for n in _CONTENT if row.get(n) != claimed.row.get(n))
            if changed:
                names = _STATE + changed
        if any(n in values for n in _CONTENT):  # set by the caller: written as given
            names = RESULT_COLUMNS
        param = {f"b_{name}": row[name] for name in names}
        param["b_id"], param["b_token"] = claimed["id"], claimed.token
        groups.setdefault(names, []).append(param)
    connection = await session.connection()
    for names, params in groups.items():
        plan = _plan(names, connection.dialect)
        rows = [plan.row(p) for p in params]
        await connection.exec_driver_sql(plan.sql, rows)


@dataclass(frozen=True)
class _Plan:
    """A compiled ``UPDATE`` for one dialect: its SQL, its parameters in order with
    each one's bind processor, and whether the driver takes them by position (SQLite's
    ``?``) or by name (psycopg's ``%(name)s``)."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    positional: bool

    def row(self, param: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = tuple(
            value if process is None else process(value)
            for value, process in zip((param[n] for n in self.names), self.processors, strict=True)
        )
        return values if self.positional else dict(zip(self.names, values, strict=True))


_PLANS: dict[tuple[tuple[str, ...], str, str], _Plan] = {}


def _plan(names: tuple[str, ...], dialect: sa.Dialect) -> _Plan:
    """The compiled ``UPDATE`` of ``names`` for ``dialect`` (built once)."""
    key = (names, dialect.name, dialect.driver)
    found = _PLANS.get(key)
    if found is None:
        compiled = _update(names).compile(dialect=dialect)
        positional = bool(compiled.positiontup)
        order = tuple(compiled.positiontup or compiled.binds)
        processors = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in order
        )
        found = _PLANS[key] = _Plan(str(compiled), order, processors, positional)
    return found
