"""Queueing messages: the one way a message enters the journal and outbox.

``queue_messages(session, runtime, clinic_id=, drafts=)`` queues many at once with a
handful of statements (a reminder run of thousands, a mailing, the 100,000 of the
planning benchmark); ``queue_message(...)`` queues one and returns its row.  Both apply
the same rules, in the caller's transaction (an appointment saved and its message
queued commit together or not at all):

* The address is normalised for the channel (E.164 for phones; the clinic's
  ``phone_region`` reads local numbers) or :class:`InvalidAddress` is raised.
* An empty text raises :class:`EmptyText`; an over-long one or a NUL character ``ValueError``.
  ``subject`` and ``html`` are for ``email`` only (``ValueError`` on another channel).
* ``fallback`` (``hub.messages.fallback``) lists the channels still to try when this
  one fails for good (a message to a patient by contact priority).
* ``dedupe_key`` makes the message unique per clinic, enforced by the database
  (``INSERT ... ON CONFLICT (clinic_id, dedupe_key) DO NOTHING``): a key already used
  queues nothing, even from another worker at the same instant.  A message without a
  key gets a unique one of its own (``once:<random>``).
* A number on the stop list, or an opted-out patient for a non-essential message, is
  still journaled, as ``failed`` with the reason (``stop_list``, ``opt_out``): a
  message asked for is never silently dropped.  The stop list and the opt-out flags
  are read once per batch.
* The first attempt is ``not_before`` (default: now), moved out of the clinic's quiet
  hours.
* ``appointment_at`` (shown in the journal) is read from the appointment when not
  given; ``communication_status`` is what the appointment shows once the message is
  sent (default: the clinic option of that name).
* On PostgreSQL the rows travel as one JSON text (``INSERT ... SELECT FROM
  json_to_recordset(...)``): a multi-row VALUES list of thousands would make the driver
  parse a statement of a hundred thousand placeholders.  On SQLite they go to the driver as
  multi-row VALUES of 500, already in their stored form (no bind processor per value).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Clinic, Message
from hub.db.types import pg_time, sqlite_time
from hub.messages import cards, policy
from hub.messages.addresses import InvalidAddress, normalize
from hub.messages.quiet import first_allowed
from hub.runtime import ClinicNotFound, Runtime
from hub.schemas.clinics import ClinicOptions

__all__ = [
    "Draft",
    "EmptyText",
    "InvalidAddress",
    "entry",
    "queue_message",
    "queue_messages",
    "search_key",
]

CHANNELS = ("sms", "voice", "messenger", "email")
MAX_TEXT = 4000


class EmptyText(ValueError):
    """The text is empty (or only spaces)."""


def search_key(name: str | None) -> str:
    """How names are compared in the journal's filter: case-folded, ё as е."""
    return " ".join((name or "").casefold().replace("ё", "е").split())[:255]


def entry(at: dt.datetime, event: str, status: str, **fields: Any) -> dict[str, Any]:
    """One line of a message's ``history``."""
    line: dict[str, Any] = {"at": at.isoformat(), "event": event, "status": status}
    line.update({k: v for k, v in fields.items() if v is not None})
    return line


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
    dedupe_key: str | None = None
    recipient_name: str | None = None
    patient_id: str | None = None
    appointment_id: str | None = None
    appointment_at: dt.datetime | None = None
    not_before: dt.datetime | None = None
    essential: bool = False
    communication_status: str | None = None
    mailing_id: int | None = None
    subject: str | None = None
    html: str | None = None
    fallback: dict[str, Any] | None = None
    #: Lines to put before the ``queued`` one (the channels passed over, a fallback).
    history: tuple[dict[str, Any], ...] = ()
    #: The address is already the stored form for the channel (from
    #: ``hub.messages.recipients.for_card``): skip normalising it again.
    normalized: bool = False


#: The longest subject line (RFC 5322's line limit).
MAX_SUBJECT = 998
#: The longest HTML body.
MAX_HTML = 500_000


def _check_email_parts(draft: Draft) -> None:
    if draft.subject is None and draft.html is None:
        return
    if draft.channel != "email":
        raise ValueError(f"subject and html are for the email channel only, not {draft.channel!r}")
    if draft.subject is not None and (
        len(draft.subject) > MAX_SUBJECT or "\x00" in draft.subject or "\n" in draft.subject
    ):
        raise ValueError(f"the subject must be one line of at most {MAX_SUBJECT} characters")
    if draft.html is not None and (len(draft.html) > MAX_HTML or "\x00" in draft.html):
        raise ValueError(f"the html body must be at most {MAX_HTML} characters, without NUL")


async def queue_messages(
    session: AsyncSession, runtime: Runtime, *, clinic_id: str, drafts: Sequence[Draft]
) -> dict[str, int]:
    """Queue the drafts in the caller's transaction; ``{dedupe_key: message id}`` of those
    that were new (a key already used in the clinic queues nothing; drafts without a key
    are always new, under a key of their own)."""
    if not drafts:
        return {}
    clinic = await session.get(Clinic, clinic_id)
    if clinic is None:
        raise ClinicNotFound(clinic_id)
    options = ClinicOptions.model_validate(clinic.options)
    tz = ZoneInfo(clinic.timezone)
    now = runtime.clock.now()
    addresses: list[str] = []
    for draft in drafts:
        if draft.channel not in CHANNELS:
            raise ValueError(f"unknown channel {draft.channel!r}: use one of {', '.join(CHANNELS)}")
        if not draft.text.strip():
            raise EmptyText("the message text is empty")
        if "\x00" in draft.text or "\x00" in (draft.recipient_name or ""):
            raise ValueError("the text or recipient name contains a NUL character")
        if len(draft.text) > MAX_TEXT:
            raise ValueError(
                f"the message text is {len(draft.text)} characters; at most {MAX_TEXT}"
            )
        _check_email_parts(draft)
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
    #: the first allowed instant of each wanted one, with its journal line (read-only)
    allowed: dict[dt.datetime, tuple[dt.datetime, dict[str, Any]]] = {}
    for draft, address in zip(drafts, addresses, strict=True):
        row: dict[str, Any] = dict(
            clinic_id=clinic_id,
            kind=draft.kind,
            channel=draft.channel,
            address=address,
            text=draft.text,
            subject=draft.subject,
            html=draft.html,
            fallback=draft.fallback,
            recipient_name=draft.recipient_name,
            recipient_search=search_key(draft.recipient_name),
            patient_id=draft.patient_id,
            appointment_id=draft.appointment_id,
            appointment_at=draft.appointment_at,
            mailing_id=draft.mailing_id,
            essential=draft.essential,
            dedupe_key=draft.dedupe_key or f"once:{uuid.uuid4().hex}",
            created_at=now,
            communication_status=draft.communication_status,
            attempts=0,
            # the lease, provider, cost and delivery columns stay NULL (not bound per row)
            error_code=None,
            error_text=None,
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
                history=[
                    *draft.history,
                    entry(now, "refused", "failed", code=refusal[0], text=refusal[1]),
                ],
            )
        else:
            wanted = max(now, draft.not_before) if draft.not_before is not None else now
            if wanted not in allowed:  # a run's drafts mostly share one instant
                due = first_allowed(wanted, tz, options.quiet_hours)
                allowed[wanted] = (
                    due,
                    entry(now, "queued", "queued", due=due.isoformat() if due != now else None),
                )
            due, line = allowed[wanted]
            row.update(status="queued", next_attempt_at=due, history=[*draft.history, line])
        rows.append(row)
    if session.get_bind().dialect.name == "postgresql":
        return await _insert_postgres(session, rows)
    return await _insert_sqlite(session, rows)


#: Columns written by the PostgreSQL path, with their types (the rest stay NULL).
_PG_COLUMNS: Final = (
    ("clinic_id", "text"),
    ("kind", "text"),
    ("channel", "text"),
    ("address", "text"),
    ("text", "text"),
    ("subject", "text"),
    ("html", "text"),
    ("fallback", "text"),
    ("recipient_name", "text"),
    ("recipient_search", "text"),
    ("patient_id", "text"),
    ("appointment_id", "text"),
    ("appointment_at", "timestamptz"),
    ("mailing_id", "bigint"),
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
_JSON: Final = frozenset({"history", "fallback"})
#: Rows per statement on PostgreSQL (one array per column, whatever the row count).
PG_CHUNK: Final = 5000


async def _insert_postgres(session: AsyncSession, rows: list[dict[str, Any]]) -> dict[str, int]:
    """``INSERT ... SELECT FROM json_to_recordset(<the rows as one JSON text>)``: one
    short statement per 5,000 rows, the rows encoded by one ``json.dumps`` (a multi-row
    VALUES list would make the driver parse a hundred thousand placeholders; one array
    per column made it dump every element in Python, a quarter of a reminder run)."""
    names = [name for name, _ in _PG_COLUMNS]
    columns = ", ".join(
        f"{name} {'jsonb' if name in _JSON else kind}" for name, kind in _PG_COLUMNS
    )
    statement = sa.text(
        f"INSERT INTO message ({', '.join(names)}) SELECT {', '.join(names)} "
        f"FROM json_to_recordset(CAST(:rows AS json)) AS t({columns}) "
        "ON CONFLICT (clinic_id, dedupe_key) DO NOTHING RETURNING dedupe_key, id"
    )
    times: dict[dt.datetime, str] = {}
    queued: dict[str, int] = {}
    for i in range(0, len(rows), PG_CHUNK):
        part = [
            {
                name: pg_time(value, times) if name in _TIMES else value
                for name, value in row.items()
            }
            for row in rows[i : i + PG_CHUNK]
        ]
        result = await session.execute(statement, {"rows": json.dumps(part)})
        queued.update({key: int(message_id) for key, message_id in result.all()})
    return queued


#: The columns holding times (converted to their stored text on both paths).
_TIMES: Final = frozenset(name for name, kind in _PG_COLUMNS if kind == "timestamptz")


def _sqlite_rows(count: int, width: int) -> str:
    return ", ".join(["(" + ", ".join(["?"] * width) + ")"] * count)


async def _insert_sqlite(session: AsyncSession, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Multi-row ``INSERT ... VALUES ... ON CONFLICT DO NOTHING RETURNING`` of
    :data:`CHUNK` rows, with the values already in their stored form (JSON text, naive
    UTC times, each distinct instant converted once) and handed to the driver as they
    are: SQLAlchemy's bind processors per value were a tenth of a reminder run."""
    names = [name for name, _ in _PG_COLUMNS]
    head = f"INSERT INTO message ({', '.join(names)}) VALUES "
    tail = " ON CONFLICT (clinic_id, dedupe_key) DO NOTHING RETURNING dedupe_key, id"
    times: dict[dt.datetime, str] = {}
    connection = await session.connection()
    queued: dict[str, int] = {}
    for i in range(0, len(rows), CHUNK):
        part = rows[i : i + CHUNK]
        params: list[Any] = []
        for row in part:
            for name in names:
                value = row[name]
                if name in _TIMES:
                    value = sqlite_time(value, times)
                elif name in _JSON:
                    value = json.dumps(value)  # None as JSON null, as the JSON type writes it
                params.append(value)
        result = await connection.exec_driver_sql(
            head + _sqlite_rows(len(part), len(names)) + tail, tuple(params)
        )
        returned: list[Any] = list(result.all())
        queued.update({key: int(message_id) for key, message_id in returned})
    return queued


async def queue_message(
    session: AsyncSession,
    runtime: Runtime,
    *,
    clinic_id: str,
    kind: str,
    channel: str,
    address: str,
    text: str,
    recipient_name: str | None = None,
    patient_id: str | None = None,
    appointment_id: str | None = None,
    dedupe_key: str | None = None,
    not_before: dt.datetime | None = None,
    essential: bool = False,
    mailing_id: int | None = None,
    appointment_at: dt.datetime | None = None,
    communication_status: str | None = None,
    subject: str | None = None,
    html: str | None = None,
    fallback: dict[str, Any] | None = None,
    history: Sequence[dict[str, Any]] = (),
) -> Message | None:
    """Queue one message; its row, or ``None`` when ``dedupe_key`` was already used."""
    if appointment_at is None and appointment_id is not None:
        appointment_at = await cards.appointment_start(session, clinic_id, appointment_id)
    key = dedupe_key or f"once:{uuid.uuid4().hex}"
    draft = Draft(
        kind=kind,
        channel=channel,
        address=address,
        text=text,
        dedupe_key=key,
        recipient_name=recipient_name,
        patient_id=patient_id,
        appointment_id=appointment_id,
        appointment_at=appointment_at,
        not_before=not_before,
        essential=essential,
        communication_status=communication_status,
        mailing_id=mailing_id,
        subject=subject,
        html=html,
        fallback=fallback,
        history=tuple(history),
    )
    queued = await queue_messages(session, runtime, clinic_id=clinic_id, drafts=[draft])
    if key not in queued:
        return None
    return await session.get(Message, queued[key])
