"""The claim and the write of delivery results, statement by statement (both stores)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from messagekit import ScriptedProvider, send

from hub.db.models import Message
from hub.messages.claim import CLAIMED_COLUMNS, claim, write
from hub.messages.outcomes import redacted_json
from hub.security.redaction import Redactor
from hub.testing import Harness

LEASE = dt.timedelta(seconds=60)


@contextmanager
def statements(hub: Harness) -> Iterator[list[str]]:
    """The SQL the hub's engine sends meanwhile (BEGIN and COMMIT left out)."""
    seen: list[str] = []
    engine = hub.runtime.db.engine.sync_engine

    def record(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        if not sql.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(sql)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


async def _take(hub: Harness, token: str, limit: int = 10) -> list[Any]:
    async with hub.runtime.db.session() as session:
        return await claim(session, now=hub.clock.now(), token=token, lease=LEASE, limit=limit)


async def _stored(hub: Harness, message_id: int) -> dict[str, Any]:
    async with hub.runtime.db.session() as session:
        row = (
            await session.execute(sa.select(Message.__table__).where(Message.id == message_id))  # type: ignore[attr-defined,arg-type]
        ).one()
    return dict(row._mapping)


async def test_claim_is_one_update_returning_on_postgres_and_reads_no_raw_answer(
    hub: Harness, clinic: str
) -> None:
    queued = [await send(hub, phone=f"8 (918) 123-45-6{i}") for i in range(3)]
    with statements(hub) as seen:
        taken = await _take(hub, "w:1")
    assert sorted(c["id"] for c in taken) == sorted(m["id"] for m in queued)
    assert all(set(c.row) == set(CLAIMED_COLUMNS) for c in taken)
    text = " ".join(seen).lower()
    assert not re.search(r"\braw\b", text)  # the stored answer is not read back
    if hub.runtime.db.is_sqlite:
        # the due rows read, then leased by id: two statements, the SELECT through the
        # partial index (statuses as literals, word for word its predicate)
        assert [s.split()[0].upper() for s in seen] == ["SELECT", "UPDATE"]
        assert "status in ('queued', 'sending')" in seen[0].lower()
        async with hub.runtime.db.session() as session:
            connection = await session.connection()
            plan = await connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + seen[0], ("2026-11-23 07:00:00", 10, 0)
            )
            assert "ix_message_due" in " ".join(str(r) for r in plan)
    else:
        assert len(seen) == 1
        assert seen[0].lstrip().upper().startswith("WITH")
        assert "for update skip locked" in seen[0].lower()
        assert "returning" in seen[0].lower()


async def test_claim_hands_a_batch_over_oldest_due_first(hub: Harness, clinic: str) -> None:
    later = await send(hub, phone="8 (918) 123-45-61")
    sooner = await send(hub, phone="8 (918) 123-45-62")
    async with hub.runtime.db.session() as session:  # the one queued first is due last
        await session.execute(
            sa.update(Message)
            .where(Message.id == later["id"])  # type: ignore[arg-type]
            .values(next_attempt_at=hub.clock.now() - dt.timedelta(seconds=5))
        )
        await session.execute(
            sa.update(Message)
            .where(Message.id == sooner["id"])  # type: ignore[arg-type]
            .values(next_attempt_at=hub.clock.now() - dt.timedelta(seconds=10))
        )
    taken = await _take(hub, "w:1")
    assert [c["id"] for c in taken] == [sooner["id"], later["id"]]


async def test_a_lost_lease_is_recorded_by_the_claim_that_takes_it_over(
    hub: Harness, clinic: str
) -> None:
    queued = await send(hub)
    await _take(hub, "dead:1")
    hub.clock.advance(61)
    (taken,) = await _take(hub, "w:2")
    assert taken["attempts"] == 1
    assert [line["event"] for line in taken["history"]] == ["queued", "lease_expired"]
    line = taken["history"][-1]
    assert line["worker"] == "dead:1" and line["status"] == "sending"
    assert "provider" not in line  # no provider yet: left out, not null
    assert line["at"] == hub.clock.now().isoformat()
    stored = await _stored(hub, queued["id"])
    assert stored["history"] == taken["history"]
    assert stored["lease_owner"] == "w:2" and stored["attempts"] == 1


async def test_the_write_appends_to_the_stored_history_and_sets_only_what_it_got(
    hub: Harness, clinic: str
) -> None:
    queued = await send(hub)
    (taken,) = await _take(hub, "w:1")
    extra = {"at": hub.clock.now().isoformat(), "event": "report", "status": "sending"}
    async with hub.runtime.db.session() as session:  # written meanwhile, not in the claim
        stored = await _stored(hub, queued["id"])
        await session.execute(
            sa.update(Message)
            .where(Message.id == queued["id"])  # type: ignore[arg-type]
            .values(history=[*stored["history"], extra], recipient_name="Иванов")
        )
    line = {"at": hub.clock.now().isoformat(), "event": "attempt", "status": "queued"}
    values = {
        "status": "queued",
        "next_attempt_at": hub.clock.now(),
        "lease_owner": None,
        "lease_until": None,
        "lines": [line],
    }
    async with hub.runtime.db.session() as session:
        await write(session, [(taken, values)])
    after = await _stored(hub, queued["id"])
    assert after["history"] == [*stored["history"], extra, line]  # appended, not rewritten
    assert after["recipient_name"] == "Иванов"
    assert after["status"] == "queued" and after["lease_owner"] is None


async def test_the_write_of_a_batch_changes_only_the_rows_still_held(
    hub: Harness, clinic: str, primary: ScriptedProvider
) -> None:
    queued = [await send(hub, phone=f"8 (918) 123-45-6{i}") for i in range(4)]
    taken = await _take(hub, "w:1")
    stolen = queued[1]["id"]
    async with hub.runtime.db.session() as session:  # another worker took this one over
        await session.execute(
            sa.update(Message).where(Message.id == stolen).values(lease_owner="w:2")  # type: ignore[arg-type]
        )
    now = hub.clock.now()
    results = [
        (
            c,
            {
                "status": "sent",
                "sent_at": now,
                "next_attempt_at": now,
                "lease_owner": None,
                "lease_until": None,
                "attempts": 1,
                "provider": "primary",
                "provider_message_id": f"p-{c['id']}",
                "raw": json.dumps({"id": c["id"]}),
                "lines": [{"at": now.isoformat(), "event": "attempt", "status": "sent"}],
            },
        )
        for c in taken
    ]
    with statements(hub) as seen:
        async with hub.runtime.db.session() as session:
            await write(session, results)
    if not hub.runtime.db.is_sqlite:  # one statement for the batch, not one per row
        assert len(seen) == 1 and "unnest" in seen[0]
    for message in queued:
        row = await _stored(hub, message["id"])
        if message["id"] == stolen:
            assert row["status"] == "sending" and row["lease_owner"] == "w:2"
            assert row["raw"] is None and row["provider_message_id"] is None
            assert [h["event"] for h in row["history"]] == ["queued"]
        else:
            assert row["status"] == "sent" and row["lease_owner"] is None
            assert row["raw"] == {"id": message["id"]}
            assert row["provider_message_id"] == f"p-{message['id']}"
            assert [h["event"] for h in row["history"]] == ["queued", "attempt"]


def test_the_raw_answer_is_redacted_json_text() -> None:
    redactor = Redactor()
    redactor.add("secret-api-key")
    text = redacted_json({"request": "api_id=secret-api-key&to=7918", "n": 1}, redactor)
    assert json.loads(text) == {"request": "api_id=***&to=7918", "n": 1}
    assert redacted_json(None, redactor) == "null"
    assert json.loads(redacted_json({"text": "Привет"}, redactor)) == {"text": "Привет"}


def test_a_redaction_that_breaks_the_json_keeps_it_as_a_string() -> None:
    redactor = Redactor()
    redactor.add('key": "abcdef')  # spans a quote of the JSON text
    text = redacted_json({"key": "abcdef"}, redactor)
    assert json.loads(text) == '{"***"}'
    assert "abcdef" not in text
