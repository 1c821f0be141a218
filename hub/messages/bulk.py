"""queue_messages(): :func:`hub.messages.queue.queue_message` for many messages at once.

The same rules, applied with a handful of statements instead of a few per message, so
that a reminder run of thousands of appointments (or the 100,000 of the planning
benchmark) costs a few multi-row INSERTs:

* channels, texts and addresses are checked and normalised as ``queue_message`` does
  (:class:`hub.messages.queue.EmptyText`, ``InvalidAddress``...);
* the stop list and the opt-out flags are read once for the whole batch; a refused
  message is journaled as ``failed`` with the reason (``stop_list``, ``opt_out``);
* each message's first attempt is moved out of the clinic's quiet hours;
* ``INSERT ... ON CONFLICT (clinic_id, dedupe_key) DO NOTHING RETURNING``: the database
  decides which drafts are new; the others come back as not queued.  On PostgreSQL the
  rows travel as one array per column (``INSERT ... SELECT FROM unnest(...)``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Clinic, Message
from hub.messages import cards, policy
from hub.messages.addresses import normalize
from hub.messages.queue import CHANNELS, MAX_TEXT, EmptyText, UnknownClinic, entry, search_key
from hub.messages.quiet import first_allowed
from hub.schemas.clinics import ClinicOptions

if TYPE_CHECKING:
    from hub.runtime import Runtime

__all__ = ["Draft", "queue_messages"]

#: Rows per INSERT: well under PostgreSQL's 65,535 and SQLite's 32,766 parameters.
CHUNK: Final = 500
_MESSAGE = Message.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Draft:
    """One message to queue; the fields mean what ``queue_message``'s arguments mean."""

    kind: str
    channel: str
    address: str
    text: str
    dedupe_key: str
    recipient_name: str | None = None
    patient_id: str | None = None
    appointment_id: str | None = None
    appointment_at: dt.datetime | None = None
    not_before: dt.datetime | None = None
    essential: bool = False
    communication_status: str | None = None
    #: The address is already the stored form for the channel (from
    #: ``hub.messages.recipients.for_card``): skip normalising it again.
    normalized: bool = False


def _insert(session: AsyncSession) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(_MESSAGE)


async def queue_messages(
    session: AsyncSession, runtime: Runtime, *, clinic_id: str, drafts: Sequence[Draft]
) -> dict[str, int]:
    """Queue the drafts in the caller's transaction; ``{dedupe_key: message id}`` of those
    that were new (a key already used in the clinic queues nothing)."""
    if not drafts:
        return {}
    clinic = await session.get(Clinic, clinic_id)
    if clinic is None:
        raise UnknownClinic(f"unknown clinic {clinic_id!r}")
    options = ClinicOptions.model_validate(clinic.options)
    tz = ZoneInfo(clinic.timezone)
    now = runtime.clock.now()
    addresses: list[str] = []
    for draft in drafts:
        if draft.channel not in CHANNELS:
            raise ValueError(f"unknown channel {draft.channel!r}: use one of {', '.join(CHANNELS)}")
        if not draft.text.strip():
            raise EmptyText("the message text is empty")
        if len(draft.text) > MAX_TEXT:
            raise ValueError(
                f"the message text is {len(draft.text)} characters; at most {MAX_TEXT}"
            )
        addresses.append(
            draft.address
            if draft.normalized
            else normalize(draft.channel, draft.address, options.phone_region)
        )
    blocked = await policy.stop_listed_many(session, clinic_id, set(addresses))
    opted = await cards.opted_out_many(
        session, clinic_id, {d.patient_id for d in drafts if d.patient_id and not d.essential}
    )
    rows: list[dict[str, Any]] = []
    for draft, address in zip(drafts, addresses, strict=True):
        row: dict[str, Any] = dict(
            clinic_id=clinic_id,
            kind=draft.kind,
            channel=draft.channel,
            address=address,
            text=draft.text,
            recipient_name=draft.recipient_name,
            recipient_search=search_key(draft.recipient_name),
            patient_id=draft.patient_id,
            appointment_id=draft.appointment_id,
            appointment_at=draft.appointment_at,
            mailing_id=None,
            essential=draft.essential,
            dedupe_key=draft.dedupe_key,
            created_at=now,
            communication_status=draft.communication_status,
            attempts=0,
            lease_until=None,
            lease_owner=None,
            provider=None,
            provider_message_id=None,
            cost=None,
            error_code=None,
            error_text=None,
            raw=None,
            sent_at=None,
            delivered_at=None,
            polled_at=None,
        )
        refusal = None
        if address in blocked:
            refusal = ("stop_list", f"{address} is on the clinic's stop list")
        elif not draft.essential and draft.patient_id in opted:
            refusal = ("opt_out", f"patient {draft.patient_id} opted out of informational messages")
        if refusal is not None:
            row.update(
                status="failed",
                next_attempt_at=now,
                error_code=refusal[0],
                error_text=refusal[1],
                history=[entry(now, "refused", "failed", code=refusal[0], text=refusal[1])],
            )
        else:
            due = max(now, draft.not_before) if draft.not_before is not None else now
            due = first_allowed(due, tz, options.quiet_hours)
            row.update(
                status="queued",
                next_attempt_at=due,
                history=[
                    entry(now, "queued", "queued", due=due.isoformat() if due != now else None)
                ],
            )
        rows.append(row)
    if session.get_bind().dialect.name == "postgresql":
        return await _insert_postgres(session, rows)
    # executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs
    # ("insertmanyvalues") from one cached compiled statement.
    statement = (
        _insert(session)
        .on_conflict_do_nothing(index_elements=["clinic_id", "dedupe_key"])
        .returning(_MESSAGE.c.dedupe_key, _MESSAGE.c.id)
    )
    result = await session.execute(
        statement, rows, execution_options={"insertmanyvalues_page_size": CHUNK}
    )
    return {key: int(message_id) for key, message_id in result.all()}


#: Columns written by the PostgreSQL path, with their array types (the rest stay NULL).
_PG_COLUMNS: Final = (
    ("clinic_id", "text"),
    ("kind", "text"),
    ("channel", "text"),
    ("address", "text"),
    ("text", "text"),
    ("recipient_name", "text"),
    ("recipient_search", "text"),
    ("patient_id", "text"),
    ("appointment_id", "text"),
    ("appointment_at", "timestamptz"),
    ("essential", "boolean"),
    ("dedupe_key", "text"),
    ("created_at", "timestamptz"),
    ("communication_status", "text"),
    ("attempts", "integer"),
    ("status", "text"),
    ("next_attempt_at", "timestamptz"),
    ("history", "text"),
    ("error_code", "text"),
    ("error_text", "text"),
)
#: Rows per statement on PostgreSQL (one array per column, whatever the row count).
PG_CHUNK: Final = 5000


async def _insert_postgres(session: AsyncSession, rows: list[dict[str, Any]]) -> dict[str, int]:
    """``INSERT ... SELECT FROM unnest(<one array per column>)``: one short statement per
    5,000 rows, where a multi-row VALUES list would make the driver parse a statement of
    a hundred thousand placeholders."""
    names = [name for name, _ in _PG_COLUMNS]
    select = ", ".join("CAST(history AS jsonb)" if name == "history" else name for name in names)
    arrays = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _PG_COLUMNS)
    statement = sa.text(
        f"INSERT INTO message ({', '.join(names)}) SELECT {select} "
        f"FROM unnest({arrays}) AS t({', '.join(names)}) "
        "ON CONFLICT (clinic_id, dedupe_key) DO NOTHING RETURNING dedupe_key, id"
    )
    queued: dict[str, int] = {}
    for i in range(0, len(rows), PG_CHUNK):
        part = rows[i : i + PG_CHUNK]
        params = {
            name: [json.dumps(r[name]) if name == "history" else r[name] for r in part]
            for name in names
        }
        result = await session.execute(statement, params)
        queued.update({key: int(message_id) for key, message_id in result.all()})
    return queued
