"""The journal of messages: ``GET /api/v1/messages``, ``.csv`` and ``/{id}``.

Admins and webadmins see every clinic (and may filter by ``clinic``); a clinic token
sees its own clinic only.  Filters follow the ИЭМК journal (seed 001): recipient,
phone, kind, status (with the words waiting / sent / error), send-date window
(default: the last month), clinic; 20 rows a page at most, with the count and total
cost of the whole filtered set, and the provider's balance when one clinic is shown.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from typing import Annotated
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import StreamingResponse

from hub.api.deps import PrincipalDep, RuntimeDep
from hub.db.crud import messages as crud
from hub.db.models import Clinic, Message
from hub.messages import journal
from hub.messages.addresses import PHONE_CHANNELS
from hub.messages.balance import CACHE_SECONDS, balance
from hub.runtime import Runtime
from hub.schemas.clinics import ClinicOptions
from hub.schemas.messages import (
    KIND_TITLES,
    MAX_ID,
    STATUS_TITLES,
    BalancePublic,
    HistoryLine,
    Journal,
    MessageDetail,
    MessageRow,
    money,
)
from hub.security.redaction import mask_answer_links

router = APIRouter(prefix="/api/v1", tags=["messages"])

MAX_PER_PAGE = 20
#: A row id in a path: 422 when it cannot be one (never an overflow in the database).
RowIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
CSV_CHUNK = 500


def to_row(m: Message, names: dict[str, str] | None = None) -> MessageRow:
    return MessageRow(
        clinic_name=(names or {}).get(m.clinic_id, ""),
        id=m.id or 0,
        clinic=m.clinic_id,
        kind=m.kind,
        kind_title=KIND_TITLES.get(m.kind, m.kind),
        recipient=m.recipient_name,
        phone=m.address if m.channel in PHONE_CHANNELS else None,
        address=m.address,
        appointment_id=m.appointment_id,
        appointment_at=m.appointment_at,
        channel=m.channel,
        provider=m.provider,
        status=m.status,
        status_title=STATUS_TITLES.get(m.status, m.status),
        created_at=m.created_at,
        sent_at=m.sent_at,
        cost=m.cost,
        error_code=m.error_code,
        error=m.error_text,
    )


def to_detail(m: Message, names: dict[str, str] | None = None) -> MessageDetail:
    return MessageDetail(
        **to_row(m, names).model_dump(),
        text=mask_answer_links(m.text),
        subject=mask_answer_links(m.subject) if m.subject else m.subject,
        html=mask_answer_links(m.html) if m.html else m.html,
        patient_id=m.patient_id,
        mailing_id=m.mailing_id,
        essential=m.essential,
        provider_message_id=m.provider_message_id,
        attempts=m.attempts,
        next_attempt_at=m.next_attempt_at if m.status in ("queued", "sending") else None,
        delivered_at=m.delivered_at,
        history=[HistoryLine.model_validate(h) for h in m.history],
        raw=m.raw,
    )


async def clinic_names(runtime: Runtime, ids: set[str] | None) -> dict[str, str]:
    """Names of these clinics (of all when ``ids`` is None)."""
    if ids is not None and not ids:
        return {}
    query = sa.select(Clinic.id, Clinic.name)  # type: ignore[call-overload]
    if ids is not None:
        query = query.where(Clinic.id.in_(sorted(ids)))  # type: ignore[attr-defined]
    async with runtime.db.session() as session:
        return {str(i): str(n) for i, n in await session.execute(query)}


async def clinic_directory(runtime: Runtime) -> tuple[dict[str, str], dict[str, ZoneInfo]]:
    """Every clinic's name and time zone (times shown to people are local), in one query."""
    query = sa.select(Clinic.id, Clinic.name, Clinic.timezone)  # type: ignore[call-overload]
    async with runtime.db.session() as session:
        rows = (await session.execute(query)).all()
    return {str(i): str(n) for i, n, _ in rows}, {str(i): ZoneInfo(str(z)) for i, _, z in rows}


class Scope:
    """The journal's filter for this caller, built from the query parameters."""

    def __init__(
        self,
        filter: crud.JournalFilter,
        clinic: str | None,
        window: tuple[dt.datetime, dt.datetime | None],
    ) -> None:
        self.filter = filter
        self.clinic = clinic
        self.window = window


async def journal_scope(
    principal: PrincipalDep,
    runtime: RuntimeDep,
    clinic: Annotated[
        list[str] | None, Query(description="Clinic id(s); a clinic token: its own.")
    ] = None,
    recipient: Annotated[
        str | None, Query(max_length=255, description="Part of the recipient's name.")
    ] = None,
    phone: Annotated[
        str | None, Query(max_length=64, description="A number or part of one.")
    ] = None,
    kind: Annotated[
        list[str] | None, Query(description="reminder, link_code... or «Напоминание».")
    ] = None,
    status: Annotated[
        list[str] | None,
        Query(description="queued, sending, sent, delivered, failed, waiting, error."),
    ] = None,
    sent_from: Annotated[
        str | None, Query(description="Date or date-time; default: a month ago.")
    ] = None,
    sent_to: Annotated[str | None, Query(description="Date (inclusive) or date-time.")] = None,
    mailing: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Messages of one group mailing.")
    ] = None,
) -> Scope:
    try:
        for name, values in (
            ("clinic", clinic or []),
            ("recipient", [recipient]),
            ("phone", [phone]),
            ("kind", kind or []),
            ("status", status or []),
            ("sent_from", [sent_from]),
            ("sent_to", [sent_to]),
        ):
            journal.no_nul(name, *values)
    except journal.BadFilter as exc:
        raise HTTPException(422, str(exc)) from None
    clinics = sorted(set(clinic)) if clinic else None
    if principal.role == "clinic":
        if clinics and clinics != [principal.clinic_id]:
            raise HTTPException(403, "This token belongs to another clinic")
        clinics = [principal.clinic_id or ""]
    elif principal.role not in ("admin", "webadmin"):
        raise HTTPException(
            403,
            f"The journal needs the admin, webadmin or clinic role; this token is {principal.role}",
        )
    single = clinics[0] if clinics and len(clinics) == 1 else None
    tz, region = ZoneInfo("UTC"), "RU"
    if single is not None:
        snapshot = await runtime.snapshot(single)  # ClinicNotFound: 404
        tz = snapshot.info.tz
        region = ClinicOptions.model_validate(snapshot.options).phone_region
    try:
        start, stop = journal.window(sent_from, sent_to, tz, runtime.clock.now())
        exact, digits = journal.phone(phone, region)
        f = crud.JournalFilter(
            clinics=clinics,
            recipient=journal.recipient(recipient),
            phone_exact=exact,
            phone_digits=digits,
            kinds=journal.kinds(kind or []),
            statuses=journal.statuses(status or []),
            sent_from=start,
            sent_to=stop,
            mailing_id=mailing,
        )
    except journal.BadFilter as exc:
        raise HTTPException(422, str(exc)) from None
    return Scope(f, single, (start, stop))


ScopeDep = Annotated[Scope, Depends(journal_scope)]


async def _balance(runtime: Runtime, clinic: str | None) -> BalancePublic | None:
    if clinic is None:
        return None
    info = await balance(runtime, clinic, max_age=CACHE_SECONDS)
    return BalancePublic(
        provider=info.provider, amount=info.amount, currency=info.currency, error=info.error
    )


@router.get("/messages", response_model=Journal)
async def list_messages(
    scope: ScopeDep,
    runtime: RuntimeDep,
    page: Annotated[int, Query(ge=1, le=10**9)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = MAX_PER_PAGE,
) -> Journal:
    """The journal, newest first, with the count and total cost of the filtered set."""
    async with runtime.db.session() as session:
        rows, total, cost = await crud.page(session, scope.filter, page=page, per_page=per_page)
    names = await clinic_names(runtime, {r.clinic_id for r in rows})
    return Journal(
        items=[to_row(r, names) for r in rows],
        total=total,
        total_cost=cost,
        page=page,
        per_page=per_page,
        sent_from=scope.window[0],
        sent_to=scope.window[1],
        balance=await _balance(runtime, scope.clinic),
    )


CSV_COLUMNS = (
    "id",
    "clinic",
    "clinic_name",
    "kind",
    "kind_title",
    "recipient",
    "phone",
    "appointment_at",
    "channel",
    "provider",
    "status",
    "status_title",
    "created_at",
    "sent_at",
    "cost",
    "error_code",
    "error",
    "text",
)


#: A cell starting with one of these is a formula to a spreadsheet.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object, tz: ZoneInfo | None = None) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with ``'``
    (a patient's name comes from outside: ``=HYPERLINK(...)`` must stay text).  Times are
    for people: in the clinic's own zone ``tz``, with their offset."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = value.astimezone(tz) if tz is not None and value.tzinfo else value
        return local.isoformat(sep=" ", timespec="seconds")
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA):
        return "'" + text
    return text


@router.get("/messages.csv", response_class=StreamingResponse)
async def export_messages(scope: ScopeDep, runtime: RuntimeDep) -> StreamingResponse:
    """The whole filtered journal as CSV (UTF-8 with BOM, ``;``-separated, as Excel in a
    Russian locale opens it), streamed row by row; times in each clinic's own zone with
    their offset (``2026-12-01 09:30:00+10:00``)."""

    names, zones = await clinic_directory(runtime)

    async def rows() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(CSV_COLUMNS)
        yield "\ufeff" + buffer.getvalue()
        after = None
        while True:
            # a short transaction per chunk: a long download never holds the database
            async with runtime.db.session() as session:
                chunk = await crud.chunk(session, scope.filter, after=after, limit=CSV_CHUNK)
            buffer.seek(0)
            buffer.truncate()
            for message in chunk:
                row = to_row(message, names).model_dump()
                row["cost"] = money(message.cost)
                row["text"] = mask_answer_links(message.text)
                tz = zones.get(message.clinic_id)
                writer.writerow([_cell(row[c], tz) for c in CSV_COLUMNS])
            if chunk:
                yield buffer.getvalue()
            if len(chunk) < CSV_CHUNK:
                return
            after = crud.keyset(chunk[-1])

    stamp = runtime.clock.now().strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="messages-{stamp}.csv"'},
    )


@router.get("/messages/{message_id}", response_model=MessageDetail)
async def get_message(
    message_id: RowIdPath, principal: PrincipalDep, runtime: RuntimeDep
) -> MessageDetail:
    """One message: text, provider and its answer, every attempt, error code and text."""
    async with runtime.db.session() as session:
        message = await crud.get(session, message_id=message_id)
    if message is None or (principal.role == "clinic" and message.clinic_id != principal.clinic_id):
        raise HTTPException(404, f"No message {message_id}")
    if principal.role not in ("admin", "webadmin", "clinic"):
        raise HTTPException(
            403, f"This needs the admin, webadmin or clinic role; this token is {principal.role}"
        )
    return to_detail(message, await clinic_names(runtime, {message.clinic_id}))
