"""The batch INSERTs of ``queue_messages`` and ``links.save`` hand the driver values in
their stored form (SQLite) or as arrays (PostgreSQL), past SQLAlchemy's bind processors:
what they store must be byte for byte what the column types would have written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from hub.db.models import AnswerLink, Message
from hub.db.types import sqlite_time
from hub.messages import links
from hub.messages.queue import Draft, entry, queue_messages
from hub.testing import Harness

MESSAGE = Message.__table__  # type: ignore[attr-defined]
LINK = AnswerLink.__table__  # type: ignore[attr-defined]
#: The columns queue_messages writes (the others stay NULL).
WRITTEN = (
    "clinic_id",
    "kind",
    "channel",
    "address",
    "text",
    "subject",
    "html",
    "fallback",
    "recipient_name",
    "recipient_search",
    "patient_id",
    "appointment_id",
    "appointment_at",
    "mailing_id",
    "essential",
    "dedupe_key",
    "created_at",
    "communication_status",
    "attempts",
    "status",
    "next_attempt_at",
    "history",
    "error_code",
    "error_text",
)
MOSCOW = dt.timezone(dt.timedelta(hours=3))


def _drafts() -> list[Draft]:
    at = dt.datetime(2026, 11, 24, 9, 30, 0, 123456, tzinfo=MOSCOW)
    line = entry(dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC), "channel_skipped", "queued")
    return [
        Draft(
            kind="reminder",
            channel="sms",
            address="+79181234567",
            text='Ждём вас «завтра» в 09:30\nкаб. 214 \\ "ok"',
            dedupe_key="k-sms",
            recipient_name="Ёлкина Анна",
            patient_id="P-1",
            appointment_id="A-1",
            appointment_at=at,
            communication_status="reminded",
            normalized=True,
        ),
        Draft(
            kind="reminder",
            channel="email",
            address="anna@example.org",
            text="текст",
            dedupe_key="k-email",
            patient_id="P-2",
            subject="Запись на 24.11",
            html="<p>Ждём вас</p>",
            history=(line,),
            not_before=dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC),
        ),
        Draft(
            kind="mailing",
            channel="sms",
            address="+79180000001",  # stop-listed
            text="акция",
            dedupe_key="k-stop",
            fallback={"channels": ["email"], "subject": "Тема", "html": None},
        ),
        Draft(
            kind="reminder",
            channel="sms",
            address="+79180000002",
            text="opted out",
            dedupe_key="k-opt",
            patient_id="P-opt",
            essential=False,
        ),
        Draft(
            kind="service", channel="voice", address="+74951234567", text="звонок", essential=True
        ),
    ]


async def _raw(hub: Harness, table: sa.Table, columns: tuple[str, ...], key: str) -> list[Any]:
    """The rows as stored (no result processors), ordered by ``key``."""
    async with hub.runtime.db.session() as session:
        connection = await session.connection()
        result = await connection.exec_driver_sql(
            f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY {key}"
        )
        return [tuple(row) for row in result.all()]


@pytest.mark.parametrize("copies", [1, 150])  # five rows; 750, more than one INSERT
async def test_queued_rows_are_stored_as_the_column_types_store_them(
    hub: Harness, copies: int
) -> None:
    await hub.create_clinic("clinic-1", timezone="Europe/Moscow")
    await hub.put_patient("P-opt", phones=["+79180000002"], opt_out=True)
    response = await hub.client.put(
        "/api/v1/clinics/clinic-1/stoplist/+79180000001", json={"note": "просил"}
    )
    assert response.status_code in (200, 201), response.text
    hub.clock.set(dt.datetime(2026, 11, 23, 19, 0, 0, 500, tzinfo=dt.UTC))  # quiet hours
    base = _drafts()
    drafts = [
        Draft(**{**d.__dict__, "dedupe_key": f"{d.dedupe_key}-{i}" if d.dedupe_key else None})
        for i in range(copies)
        for d in base
    ]
    async with hub.runtime.db.session() as session:
        queued = await queue_messages(session, hub.runtime, clinic_id="clinic-1", drafts=drafts)
    assert len(queued) == len(drafts)
    async with hub.runtime.db.session() as session:
        typed = (await session.execute(sa.select(*(MESSAGE.c[n] for n in WRITTEN)))).all()
        assert {r.status for r in typed} == {"queued", "failed"}
        assert {r.error_code for r in typed} >= {"stop_list", "opt_out"}
        # the same values again, through SQLAlchemy's column types, under other keys
        await session.execute(
            sa.insert(MESSAGE),
            [{**r._asdict(), "dedupe_key": f"copy:{r.dedupe_key}"} for r in typed],
        )
    stored = await _raw(hub, MESSAGE, WRITTEN, "id")
    key = WRITTEN.index("dedupe_key")
    ours = {r[key]: r[:key] + r[key + 1 :] for r in stored if not r[key].startswith("copy:")}
    theirs = {r[key][5:]: r[:key] + r[key + 1 :] for r in stored if r[key].startswith("copy:")}
    assert len(ours) == len(drafts)
    assert ours == theirs
    # the queue's dedupe keys are still decided by the database
    async with hub.runtime.db.session() as session:
        again = await queue_messages(session, hub.runtime, clinic_id="clinic-1", drafts=drafts)
    assert len(again) == copies and all(key.startswith("once:") for key in again)


async def test_links_are_stored_as_the_column_types_store_them(hub: Harness) -> None:
    await hub.create_clinic("clinic-1")
    now = dt.datetime(2026, 11, 23, 19, 0, 0, 7, tzinfo=dt.UTC)
    expires = [dt.datetime(2026, 11, 24, 9, m, tzinfo=MOSCOW) for m in range(3)]
    tokens = list(links.new_tokens(1203))
    new = [
        links.NewLink(token, "clinic-1", f"A-{i}", expires[i % 3]) for i, token in enumerate(tokens)
    ]
    async with hub.runtime.db.session() as session:
        await links.save(session, new, now=now)
    async with hub.runtime.db.session() as session:
        typed = (await session.execute(sa.select(LINK))).mappings().all()
        await session.execute(
            sa.insert(LINK), [{**r, "token_hash": "copy" + r["token_hash"][4:]} for r in typed]
        )
    names = ("token_hash", "clinic_id", "appointment_id", "created_at", "expires_at")
    stored = {r[0]: r[1:] for r in await _raw(hub, LINK, names, "token_hash")}
    for token in tokens:
        digest = links.hash_token(token)
        assert stored[digest] == stored["copy" + digest[4:]]
    async with hub.runtime.db.session() as session:
        found = await links.resolve(session, tokens[1000])
    assert found is not None and found.appointment_id == "A-1000"
    assert found.expires_at == expires[1000 % 3] and found.created_at == now


def test_sqlite_time_is_naive_utc_with_microseconds_and_refuses_naive() -> None:
    cache: dict[dt.datetime, str] = {}
    at = dt.datetime(2026, 11, 24, 9, 30, tzinfo=MOSCOW)
    assert sqlite_time(at, cache) == "2026-11-24 06:30:00.000000"
    assert sqlite_time(at.astimezone(dt.UTC), cache) == "2026-11-24 06:30:00.000000"
    assert sqlite_time(None, cache) is None
    with pytest.raises(ValueError, match="naive"):
        sqlite_time(dt.datetime(2026, 11, 24, 9, 30), {})
