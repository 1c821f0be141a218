"""Claiming due messages, and writing results back, in batches.

A claim takes up to ``limit`` messages that are ``queued`` and due, or still
``sending`` after their lease ran out (the worker holding them died), oldest due
first.  On PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED``, so several
workers claim disjoint batches without waiting on each other; on SQLite one worker
runs per database file (``hub.worker``).  ClaimedMessage rows become ``sending`` with
``lease_owner`` = the claim's token and ``lease_until`` = ``next_attempt_at`` = the
end of the lease.  A re-claimed message gets a ``lease_expired`` line in its history
and the lost attempt is counted: the provider may have sent it (the journal says so).

The claim reads only :data:`CLAIMED_COLUMNS` (not the old raw answer), and the
``lease_expired`` line and the lost attempt are written by the database in the same
statement that leases the rows.  On PostgreSQL the claim is one ``UPDATE ... FROM``
a ``FOR UPDATE SKIP LOCKED`` CTE ``... RETURNING``; on SQLite the due rows are read,
then leased by id (the transaction holds the file's write lock from its start).  The
due query names the statuses as literals, word for word the predicate of the partial
index ``ix_message_due``: as bound parameters SQLite could not use the index.

Results are written only where ``id`` and ``lease_owner = token`` both match: a
worker whose lease was taken over writes nothing.  A result sets only the columns it
has (a sent message's text, subject, HTML and fallback stay as they are unless an
answer link was masked); its new history lines are appended to the stored history by
the database (``json_insert`` / ``||``), and its raw answer arrives as JSON text.
SQLite: one ``executemany`` of a statement compiled once per set of columns, each
value through its column type's bind processor.  PostgreSQL: one
``UPDATE ... FROM unnest(<an array per column>)`` per set of columns, the arrays sent
in psycopg's binary format.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Message
from hub.db.models.messages import ACTIVE
from hub.db.types import UTCDateTime, sqlite_utc
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


#: Columns a claim reads back: what preparing, sending, recording and the channel
#: fallback of a message use (not ``raw``, ``recipient_search``, the times it was
#: created, sent, delivered or polled, nor the old result's id and cost).
CLAIMED_COLUMNS = (
    "id",
    "clinic_id",
    "kind",
    "channel",
    "address",
    "recipient_name",
    "patient_id",
    "appointment_id",
    "appointment_at",
    "text",
    "subject",
    "html",
    "fallback",
    "essential",
    "communication_status",
    "dedupe_key",
    "history",
    "attempts",
    "provider",
    "error_code",
    "error_text",
)
#: ``status IN ('queued', 'sending')`` as literals, word for word the predicate of the
#: partial index ``ix_message_due``: with the statuses as bound parameters SQLite cannot
#: tell the index covers the query, and each claim scanned and sorted the whole table.
_DUE_STATUS = sa.text("message.status IN (" + ", ".join(f"'{s}'" for s in ACTIVE) + ")")
#: SQLite's JSON path of the place after an array's last element.
_END: sa.ColumnClause[Any] = sa.literal_column("'$[#]'")
_LOST_TEXT = (
    "the worker sending this message stopped before recording the result; "
    "the provider may have sent it; trying again"
)


@dataclass
class ClaimedMessage:
    """A claimed message: the row's values as read (:data:`CLAIMED_COLUMNS`), plus the
    claim token."""

    row: dict[str, Any]
    token: str

    def __getitem__(self, name: str) -> Any:
        return self.row[name]


def _lost_line(dialect: str) -> sa.ColumnElement[Any]:
    """The history with a ``lease_expired`` line appended, computed by the database
    from the row's old values (``hub.messages.queue.entry``'s shape: no null fields)."""
    fields: list[Any] = [
        "at",
        sa.bindparam("b_at", type_=sa.Text),
        "event",
        "lease_expired",
        "status",
        "sending",
        "provider",
        TABLE.c.provider,
        "worker",
        TABLE.c.lease_owner,
        "text",
        _LOST_TEXT,
    ]
    if dialect == "postgresql":
        args = [sa.cast(f, sa.Text) if isinstance(f, str) else f for f in fields]
        line = sa.func.jsonb_strip_nulls(sa.func.jsonb_build_object(*args))
        return TABLE.c.history.op("||")(sa.func.jsonb_build_array(line))
    # json_patch onto {} drops the null members, as entry() leaves out None
    line = sa.func.json_patch("{}", sa.func.json_object(*fields))
    return sa.func.json_insert(TABLE.c.history, _END, line)


def _due() -> sa.Select[Any]:
    """The due messages, oldest first (through ``ix_message_due``)."""
    return (
        sa.select(*(TABLE.c[name] for name in CLAIMED_COLUMNS), TABLE.c.status)
        .where(
            _DUE_STATUS,
            TABLE.c.next_attempt_at <= sa.bindparam("b_now", type_=TABLE.c.lease_until.type),
        )
        .order_by(TABLE.c.next_attempt_at)
        .limit(sa.bindparam("b_limit", type_=sa.Integer))
    )


def _leased(dialect: str) -> dict[str, Any]:
    """What a claim sets: the lease, and for a message still ``sending`` (its worker
    died) the lost attempt counted and a ``lease_expired`` line."""
    lost = TABLE.c.status == "sending"
    return {
        "status": "sending",
        "lease_owner": sa.bindparam("b_token", type_=sa.String),
        "lease_until": sa.bindparam("b_until", type_=TABLE.c.lease_until.type),
        "next_attempt_at": sa.bindparam("b_until", type_=TABLE.c.lease_until.type),
        "attempts": TABLE.c.attempts + sa.case((lost, 1), else_=0),
        "history": sa.case((lost, _lost_line(dialect)), else_=TABLE.c.history),
    }


@functools.cache
def _claim(dialect: str) -> sa.Update:
    """PostgreSQL's claim: one ``UPDATE ... RETURNING`` of :data:`CLAIMED_COLUMNS`, the
    due rows picked and locked (``FOR UPDATE SKIP LOCKED``) in a CTE it joins, their old
    ``next_attempt_at`` returned for the order."""
    picked = _due().with_only_columns(TABLE.c.id, TABLE.c.next_attempt_at.label("due"))
    picked_cte = picked.with_for_update(skip_locked=True).cte("picked")
    return (
        sa.update(TABLE)
        .where(TABLE.c.id == picked_cte.c.id)
        .values(_leased(dialect))
        .returning(*(TABLE.c[name] for name in CLAIMED_COLUMNS), picked_cte.c.due)
    )


_READ = (*CLAIMED_COLUMNS, "status")
_IDS = sa.select(sa.column("value", sa.Integer)).select_from(
    sa.func.json_each(sa.bindparam("b_ids", type_=sa.Text))
)


@functools.cache
def _sqlite_claim() -> tuple[sa.Select[Any], sa.Update, sa.Select[Any]]:
    """SQLite's claim: the due rows read (the transaction holds the file's write lock
    from its start), then leased by id.  Not one ``UPDATE ... RETURNING``: SQLite
    returns a wide row from an update at about twice the cost of a ``SELECT``, and its
    RETURNING sees only the new row, not the old due time the order needs.  The third
    statement re-reads the lost ones (rare) after their lease line was added."""
    ids = _IDS.scalar_subquery()
    lease = sa.update(TABLE).where(TABLE.c.id.in_(ids)).values(_leased("sqlite"))
    again = sa.select(TABLE.c.id, TABLE.c.attempts, TABLE.c.history).where(TABLE.c.id.in_(ids))
    return _due(), lease, again


async def claim(
    session: AsyncSession, *, now: dt.datetime, token: str, lease: dt.timedelta, limit: int
) -> list[ClaimedMessage]:
    """Claim up to ``limit`` due messages for ``token``, oldest due first (see the module
    docstring)."""
    connection = await session.connection()
    dialect = connection.dialect.name
    until = now + lease
    params: dict[str, Any] = {"b_token": token, "b_until": until, "b_at": now.isoformat()}
    if dialect == "postgresql":
        params.update(b_now=now, b_limit=limit)
        result = await connection.execute(_claim(dialect), params)
        picked = sorted(result.all(), key=lambda r: r[-1])
        width = len(CLAIMED_COLUMNS)
        rows = [dict(zip(CLAIMED_COLUMNS, r[:width], strict=True)) for r in picked]
        return [ClaimedMessage(r, token) for r in rows]
    due, leased, again = _sqlite_claim()
    result = await connection.execute(due, {"b_now": now, "b_limit": limit})
    rows = [dict(zip(_READ, r, strict=True)) for r in result.all()]
    if not rows:
        return []
    params["b_ids"] = json.dumps([r["id"] for r in rows])
    await connection.execute(leased, params)
    lost = [r["id"] for r in rows if r.pop("status") == "sending"]
    if lost:
        found = {
            i: (attempts, history)
            for i, attempts, history in await connection.execute(again, {"b_ids": json.dumps(lost)})
        }
        for r in rows:
            if r["id"] in found:
                r["attempts"], r["history"] = found[r["id"]]
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
    """Write each claimed message's new values: the columns its result sets, nothing
    else.  ``lines`` are appended to the stored ``history`` by the database; ``raw`` is
    JSON text (``hub.messages.outcomes``).  A message leaving the queue keeps its answer
    links only masked (the patient has them now): its content columns are written when
    masking changed them, and so are those the caller set."""
    groups: dict[tuple[tuple[str, ...], int], list[tuple[Any, ...]]] = {}
    for claimed, values in results:
        names = tuple(values)
        given = [n for n in _CONTENT if n in values]
        if values["status"] not in _UNSENT:  # handed over: its answer link is no longer kept
            row = claimed.row
            content = {n: values[n] if n in values else row[n] for n in _CONTENT}
            _mask(content)
            changed = [n for n in _CONTENT if n in given or content[n] != row[n]]
            if changed:
                names = tuple(n for n in names if n not in _CONTENT) + tuple(changed)
                values = {**values, **content}
        lines = values.get("lines")
        key = (names, len(lines) if lines is not None else 0)
        groups.setdefault(key, []).append(
            (*(values[n] for n in names), claimed.row["id"], claimed.token)
        )
    connection = await session.connection()
    for (names, count), rows in groups.items():
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql(_pg_sql(names), _pg_arrays(names, rows))
            continue
        plan = _plan(names, count, connection.dialect)
        await connection.exec_driver_sql(plan.sql, [plan.row(r) for r in rows])


#: PostgreSQL's element type of each value's array (JSON goes as text, cast per row).
_PG_ARRAY = {
    **{name: "text" for name in RESULT_COLUMNS},
    "lines": "text",
    "attempts": "integer",
    "next_attempt_at": "timestamptz",
    "lease_until": "timestamptz",
    "sent_at": "timestamptz",
    "cost": "numeric",
}
#: Values given as Python objects to a JSON column (``lines`` and ``raw`` come as text).
_PG_DUMP = ("history", "fallback", "lines")


@functools.cache
def _pg_sql(names: tuple[str, ...]) -> str:
    """PostgreSQL's write of a group: one ``UPDATE ... FROM unnest(<one array per
    value>)`` for all its rows, each row still matched on ``id`` and ``lease_owner``."""
    sets = []
    for i, name in enumerate(names):
        value = f"v.c{i}"
        if name == "lines":
            sets.append(f"history = message.history || {value}::jsonb")
        elif name in ("raw", "history", "fallback"):
            sets.append(f"{name} = {value}::jsonb")
        else:
            sets.append(f"{name} = {value}")
    arrays = "".join(f", %b::{_PG_ARRAY[name]}[]" for name in names)
    columns = "".join(f", c{i}" for i in range(len(names)))
    return (
        f"UPDATE message SET {', '.join(sets)} "
        f"FROM unnest(%b::bigint[], %b::text[]{arrays}) AS v(id, token{columns}) "
        "WHERE message.id = v.id AND message.lease_owner = v.token"
    )


def _pg_arrays(names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> tuple[list[Any], ...]:
    """The rows' values as one list per parameter of :func:`_pg_sql`."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    for i, name in enumerate(names):
        if name in _PG_DUMP:
            columns[i] = [_lines_json(value) for value in columns[i]]
    return (columns[-2], columns[-1], *columns[:-2])


@dataclass(frozen=True)
class _Plan:
    """SQLite's compiled ``UPDATE`` of one set of columns: its SQL, and which of the
    values (in the order they are given: the result's, then the id and the token) goes
    to each ``?`` with what bind processor."""

    sql: str
    #: The given values in the parameters' order (``operator.itemgetter``).
    take: Callable[[tuple[Any, ...]], tuple[Any, ...]]
    #: (parameter's position, its bind processor) for the parameters that have one.
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    def row(self, given: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(self.take(given))
        for i, process in self.processors:
            values[i] = process(values[i])
        return tuple(values)


#: ``json.dumps(..., ensure_ascii=False)`` without building an encoder per call.
_lines_json = json.JSONEncoder(ensure_ascii=False).encode


def _processor(bind: Any, dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    if isinstance(bind.type, UTCDateTime):
        return sqlite_utc
    return bind.type.dialect_impl(dialect).bind_processor(dialect)  # type: ignore[no-any-return]


def _set(name: str, count: int) -> tuple[str, sa.ColumnElement[Any]]:
    """The column a value sets and the expression it sets it to (SQLite)."""
    param = sa.bindparam(f"b_{name}", type_=TABLE.c[name].type if name in TABLE.c else sa.Text)
    if name == "lines":  # appended: the stored history is not read back nor rewritten
        pairs: list[Any] = []
        for i in range(count):
            pairs += [_END, sa.func.json_extract(param, sa.literal_column(f"'$[{i}]'"))]
        return "history", sa.func.json_insert(TABLE.c.history, *pairs)
    if name == "raw":  # already JSON text
        return "raw", sa.bindparam("b_raw", type_=sa.Text)
    return name, param


_PLANS: dict[tuple[tuple[str, ...], int, str], _Plan] = {}


def _plan(names: tuple[str, ...], count: int, dialect: sa.Dialect) -> _Plan:
    """SQLite's compiled ``UPDATE ... WHERE id AND lease_owner`` setting ``names`` (with
    ``count`` history lines to append), built once per driver."""
    key = (names, count, dialect.driver)
    found = _PLANS.get(key)
    if found is None:
        statement = (
            sa.update(TABLE)
            .where(
                TABLE.c.id == sa.bindparam("b_id"), TABLE.c.lease_owner == sa.bindparam("b_token")
            )
            .values(dict(_set(name, count) for name in names))
        )
        compiled = statement.compile(dialect=dialect)
        order = tuple(compiled.positiontup or ())
        index = {f"b_{name}": i for i, name in enumerate(names)}
        index.update(b_id=len(names), b_token=len(names) + 1)
        processors = [
            (i, _lines_json if name == "b_lines" else _processor(compiled.binds[name], dialect))
            for i, name in enumerate(order)
        ]
        take = operator.itemgetter(*(index[name] for name in order))
        converts = tuple((i, p) for i, p in processors if p is not None)
        found = _PLANS[key] = _Plan(str(compiled), take, converts)
    return found
