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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Message
from hub.db.models.messages import ACTIVE
from hub.messages.queue import entry
from hub.security.redaction import mask_answer_links

TABLE: sa.Table = Message.__table__  # type: ignore[attr-defined]

#: Columns a result may change; every result writes all of them (one executemany).
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


_WRITE = (
    sa.update(TABLE)
    .where(TABLE.c.id == sa.bindparam("b_id"), TABLE.c.lease_owner == sa.bindparam("b_token"))
    .values({name: sa.bindparam(f"b_{name}", type_=TABLE.c[name].type) for name in RESULT_COLUMNS})
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
    """Write each claimed message's new values (every ``RESULT_COLUMNS`` key).  A message
    leaving the queue keeps its answer links only masked (the patient has them now)."""
    if not results:
        return
    params = []
    for claimed, values in results:
        row = {**claimed.row, **values}
        if row["status"] not in _UNSENT:  # handed over: its answer link is no longer kept
            _mask(row)
        param = {f"b_{name}": row[name] for name in RESULT_COLUMNS}
        param["b_id"], param["b_token"] = claimed["id"], claimed.token
        params.append(param)
    await session.execute(_WRITE, params)
