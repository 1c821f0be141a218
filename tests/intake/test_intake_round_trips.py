"""What an intake write asks the database, and what it may no longer skip: events of a
bulk in one INSERT with ids in item order, the plugins enabled as read in the write's
own transaction (not remembered from an earlier one), and SQLite writers taking turns."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hub.db import engine as db_engine
from hub.db.engine import Database
from hub.testing import Harness, RecordingPlugin

RECORDER = RecordingPlugin()
BULK = "/api/v1/clinics/clinic-1/bulk"
PUT = "/api/v1/clinics/clinic-1/appointments"


@pytest.fixture
def hub_extra_plugins() -> dict[str, object]:
    RECORDER.received.clear()
    return {"recorder": RECORDER}


@pytest.fixture
async def clinic(hub: Harness) -> Harness:
    await hub.create_clinic("clinic-1")
    await hub.seed_reference()
    await hub.put_patient("P-1001")
    await hub.enable("recorder")
    return hub


def _appointment(i: int, cabinet: str = "1") -> dict[str, Any]:
    start = dt.datetime(2026, 11, 24, 8, 0) + dt.timedelta(minutes=i)
    return {
        "patient_id": "P-1001",
        "doctor_id": "D-7",
        "services": [{"id": "SRV-1"}],
        "start": start.isoformat(),
        "cabinet": cabinet,
    }


@pytest.fixture
def statements(hub: Harness) -> Iterator[list[str]]:
    """Every statement the hub's engine sends, from here on."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    target = hub.runtime.db.engine.sync_engine
    sa.event.listen(target, "before_cursor_execute", record)
    yield sent
    sa.event.remove(target, "before_cursor_execute", record)


async def _rows(hub: Harness, query: str) -> list[tuple[Any, ...]]:
    async with hub.runtime.db.session() as session:
        return [tuple(r) for r in (await session.execute(sa.text(query))).all()]


async def test_a_bulk_writes_its_events_with_one_insert_ids_in_item_order(
    clinic: Harness, statements: list[str]
) -> None:
    hub = clinic
    await hub.put_appointment("A-0")  # an event before the batch: ids go on after it
    (before,) = (await _rows(hub, "SELECT max(id) FROM event"))[0]
    statements.clear()
    body = {"appointments": [{"id": f"A-{i}", **_appointment(i)} for i in range(1, 51)]}
    response = await hub.client.post(BULK, json=body)
    assert response.status_code == 200, response.text
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO EVENT")]
    assert len(inserts) == 1, inserts
    events = await _rows(hub, f"SELECT id, subject FROM event WHERE id > {before} ORDER BY id")
    assert [subject for _, subject in events] == [f"appointment:A-{i}" for i in range(1, 51)]
    assert [i for i, _ in events] == list(range(before + 1, before + 51))
    deliveries = await _rows(
        hub, f"SELECT event_id, idempotency_key FROM delivery WHERE event_id > {before}"
    )
    assert sorted(deliveries) == [
        (i, f"clinic-1:recorder:{i}:on_appointment_created") for i, _ in events
    ]


async def test_a_plugin_switched_in_another_transaction_counts_at_the_next_write(
    clinic: Harness,
) -> None:
    """The plugins an event is delivered to are read in the write's own transaction: a
    change made behind this process's back (another process) counts at once."""
    hub = clinic

    async def switch(enabled: bool) -> None:
        async with hub.runtime.db.session() as session:
            await session.execute(
                sa.text(
                    "UPDATE plugin_config SET enabled = :e "
                    "WHERE clinic_id = 'clinic-1' AND plugin = 'recorder'"
                ),
                {"e": enabled},
            )

    async def deliveries(subject: str) -> int:
        return len(await _rows(hub, f"SELECT id FROM delivery WHERE subject = '{subject}'"))

    assert (await hub.client.put(f"{PUT}/A-1", json=_appointment(1))).status_code == 201
    assert await deliveries("appointment:A-1") == 1
    # the delivery names the event's own id (a single PUT's id comes from the driver)
    ((event_id,),) = await _rows(hub, "SELECT id FROM event WHERE subject = 'appointment:A-1'")
    assert await _rows(
        hub, "SELECT event_id, idempotency_key FROM delivery WHERE subject = 'appointment:A-1'"
    ) == [(event_id, f"clinic-1:recorder:{event_id}:on_appointment_created")]
    await switch(False)
    assert (await hub.client.put(f"{PUT}/A-2", json=_appointment(2))).status_code == 201
    assert await deliveries("appointment:A-2") == 0
    body = {"appointments": [{"id": "A-3", **_appointment(3)}]}
    assert (await hub.client.post(BULK, json=body)).status_code == 200
    assert await deliveries("appointment:A-3") == 0
    await switch(True)
    changed = await hub.client.put(f"{PUT}/A-2", json=_appointment(2, cabinet="2"))
    assert changed.json()["result"] == "updated"
    assert await deliveries("appointment:A-2") == 1


async def test_sqlite_writers_of_one_process_take_turns_in_arrival_order(tmp_path: Any) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    inside: list[int] = []
    order: list[int] = []

    async def writer(n: int) -> None:
        async with db.writers():
            inside.append(n)
            assert len(inside) == 1, inside
            order.append(n)
            await asyncio.sleep(0)
            inside.remove(n)

    try:
        await asyncio.gather(*(writer(n) for n in range(8)))
    finally:
        await db.dispose()
    assert order == list(range(8))


async def test_a_writer_nested_in_another_goes_on_after_the_busy_timeout(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue never hangs a writer: past SQLite's own busy timeout it goes on without
    it (and meets SQLite's lock, as without the queue)."""
    monkeypatch.setattr(db_engine, "BUSY_TIMEOUT_SECONDS", 0.05)
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    reached: list[str] = []
    try:
        async with db.writers():
            async with db.writers():
                reached.append("inner")
        async with db.writers():  # and the queue still works afterwards
            reached.append("after")
    finally:
        await db.dispose()
    assert reached == ["inner", "after"]


async def test_postgresql_writers_do_not_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database.__new__(Database)
    db.backend = "postgresql"
    db._writers = asyncio.Lock()
    await db._writers.acquire()  # held: a queued writer would wait for ever
    async with asyncio.timeout(5), db.writers():
        pass


async def test_references_read_with_the_patient_are_checked_as_before(clinic: Harness) -> None:
    """A single PUT reads its reference items with its patient; an unknown patient (no
    row to read them with) still has its references checked."""
    hub = clinic
    both = await hub.client.put(
        f"{PUT}/A-1", json={**_appointment(1), "patient_id": "P-404", "doctor_id": "D-404"}
    )
    assert both.status_code == 422
    problems = {tuple(e["loc"]) for e in both.json()["errors"]}
    assert problems == {("body", "patient_id"), ("body", "doctor_id")}
    only_patient = await hub.client.put(
        f"{PUT}/A-1", json={**_appointment(1), "patient_id": "P-404"}
    )
    assert {tuple(e["loc"]) for e in only_patient.json()["errors"]} == {("body", "patient_id")}


async def test_a_reference_removed_in_another_transaction_counts_at_the_next_put(
    clinic: Harness,
) -> None:
    """Nothing is remembered between writes: a doctor removed behind this process's back
    refuses new appointments at once, and stays accepted for the one that had it."""
    hub = clinic
    assert (await hub.client.put(f"{PUT}/A-1", json=_appointment(1))).status_code == 201
    async with hub.runtime.db.session() as session:
        await session.execute(
            sa.text(
                "UPDATE reference_item SET removed_at = updated_at "
                "WHERE clinic_id = 'clinic-1' AND kind = 'doctors' AND external_id = 'D-7'"
            )
        )
    new = await hub.client.put(f"{PUT}/A-2", json=_appointment(2))
    assert new.status_code == 422
    assert "unknown doctor" in new.json()["errors"][0]["msg"]
    kept = await hub.client.put(f"{PUT}/A-1", json=_appointment(1, cabinet="2"))
    assert kept.json()["result"] == "updated", kept.text


async def test_sqlite_event_ids_are_the_rowid_without_autoincrement(hub: Harness) -> None:
    """A bulk chooses its events' ids as SQLite would (one above the largest); that holds
    only while ``event.id`` is a plain INTEGER PRIMARY KEY (no AUTOINCREMENT table)."""
    if not hub.runtime.db.is_sqlite:
        pytest.skip("SQLite only")
    ((sql,),) = await _rows(hub, "SELECT sql FROM sqlite_master WHERE name = 'event'")
    assert "INTEGER" in sql.upper()
    assert "AUTOINCREMENT" not in sql.upper()


async def test_the_writer_queue_waits_as_long_as_sqlite_itself(tmp_path: Any) -> None:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        async with db.engine.connect() as conn:
            busy = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    finally:
        await db.dispose()
    assert busy == db_engine.BUSY_TIMEOUT_SECONDS * 1000
