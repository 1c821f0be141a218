"""What a single PUT sends, statement by statement, on each store; statements built once
per shape with the values as parameters (so nothing of one request or clinic stays in
them); PostgreSQL's key lookups as one array, joined."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from hub.db.crud import bulk
from hub.intake.snapshots import APPOINTMENT, PATIENT
from hub.testing import Harness, RecordingPlugin

RECORDER = RecordingPlugin()
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
    return hub


@pytest.fixture
def sent(hub: Harness) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the hub's engine sends from here on, with its parameters."""
    out: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        out.append((" ".join(statement.split()), parameters))

    target = hub.runtime.db.engine.sync_engine
    sa.event.listen(target, "before_cursor_execute", record)
    yield out
    sa.event.remove(target, "before_cursor_execute", record)


def _appointment(i: int, cabinet: str = "1", **fields: Any) -> dict[str, Any]:
    start = dt.datetime(2026, 11, 24, 8, 0) + dt.timedelta(minutes=i)
    return {
        "patient_id": "P-1001",
        "doctor_id": "D-7",
        "services": [{"id": "SRV-1"}],
        "start": start.isoformat(),
        "cabinet": cabinet,
        **fields,
    }


def _kinds(statements: list[tuple[str, Any]]) -> list[str]:
    """``SELECT appointment``, ``INSERT event``, ``WITH written event``... per statement
    (a SELECT named by the table of its first column)."""
    kinds = []
    for text, _ in statements:
        words = text.split()
        if words[0] == "BEGIN":
            kinds.append(" ".join(words[:2]))
        elif words[0] == "SELECT":
            kinds.append(f"SELECT {words[1].split('.')[0]}")
        elif words[0] == "WITH":
            outer = text.split(") INSERT INTO ", 1)[1].split()[0]
            kinds.append(f"WITH {words[1]} {outer}")
        else:
            table = words[2] if words[0] == "INSERT" else words[1]
            kinds.append(f"{words[0]} {table}")
    return kinds


async def _rows(hub: Harness, query: str) -> list[tuple[Any, ...]]:
    async with hub.runtime.db.session() as session:
        return [tuple(r) for r in (await session.execute(sa.text(query))).all()]


@pytest.mark.parametrize("change", ["create", "update"])
async def test_a_single_put_sends_these_statements(
    clinic: Harness, sent: list[tuple[str, Any]], change: str
) -> None:
    """SQLite: BEGIN IMMEDIATE, the appointment, the patient (with its plugins and
    references), the write, the event.  PostgreSQL: the appointment, the patient, and
    the write with its event in one statement (psycopg's BEGIN and COMMIT aside)."""
    hub = clinic
    await hub.enable("recorder")
    # the clinic's snapshot is read (and cached) by the first request after enabling
    assert (await hub.client.put(f"{PUT}/A-0", json=_appointment(0))).status_code == 201
    if change == "update":
        assert (await hub.client.put(f"{PUT}/A-1", json=_appointment(1))).status_code == 201
    sent.clear()
    cabinet = "2" if change == "update" else "1"
    response = await hub.client.put(f"{PUT}/A-1", json=_appointment(1, cabinet))
    assert response.status_code == (200 if change == "update" else 201), response.text
    write = "INSERT INTO" if change == "create" else "UPDATE"
    if hub.runtime.db.is_sqlite:
        assert _kinds(sent) == [
            "BEGIN IMMEDIATE",
            "SELECT appointment",
            "SELECT patient",
            f"{write.split()[0]} appointment",
            "INSERT event",
            "INSERT delivery",
        ]
    else:
        assert _kinds(sent) == [
            "SELECT appointment",
            "SELECT patient",
            "WITH written event",
            "INSERT delivery",
        ]
        assert sent[2][0].startswith(f"WITH written AS ({write} appointment ")
    # the row, the event and its delivery, all there
    ((event_id, hook),) = await _rows(
        hub, "SELECT id, hook FROM event WHERE subject = 'appointment:A-1' ORDER BY id DESC LIMIT 1"
    )
    assert hook == ("on_appointment_created" if change == "create" else "on_appointment_updated")
    assert await _rows(
        hub, f"SELECT plugin, idempotency_key FROM delivery WHERE event_id = {event_id}"
    ) == [("recorder", f"clinic-1:recorder:{event_id}:{hook}")]
    assert await _rows(hub, "SELECT cabinet FROM appointment WHERE external_id = 'A-1'") == [
        (cabinet,)
    ]


async def test_a_failed_write_leaves_no_event(clinic: Harness) -> None:
    """The appointment and its event are one statement on PostgreSQL, two on SQLite: a
    write that fails takes its event with it either way."""
    hub = clinic
    async with hub.runtime.db.session() as session:  # any write of A-9 now fails
        await session.execute(
            sa.text(
                "CREATE TRIGGER no_a9 BEFORE INSERT ON appointment "
                "FOR EACH ROW WHEN (NEW.external_id = 'A-9') "
                "BEGIN SELECT RAISE(ABORT, 'no A-9'); END"
            )
            if hub.runtime.db.is_sqlite
            else sa.text(
                "CREATE FUNCTION no_a9() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'no A-9'; END $$; "
                "CREATE TRIGGER no_a9 BEFORE INSERT ON appointment "
                "FOR EACH ROW WHEN (NEW.external_id = 'A-9') EXECUTE FUNCTION no_a9()"
            )
        )
    failed = await hub.client.put(f"{PUT}/A-9", json=_appointment(9))
    assert failed.status_code == 500, failed.text
    assert await _rows(hub, "SELECT id FROM event WHERE subject = 'appointment:A-9'") == []
    assert await _rows(hub, "SELECT external_id FROM appointment") == []


async def test_cached_statements_keep_nothing_of_one_clinic(hub: Harness) -> None:
    """The statements are built once and reused: a doctor, service or plugin of one
    clinic must not count for another."""
    for clinic_id in ("clinic-1", "clinic-2"):
        await hub.create_clinic(clinic_id)
        await hub.put_patient("P-1001", clinic=clinic_id)
    await hub.seed_reference("clinic-1")
    await hub.enable("recorder", clinic="clinic-1")
    await hub.put_appointment("A-1", clinic="clinic-1")
    other = await hub.client.put("/api/v1/clinics/clinic-2/appointments/A-1", json=_appointment(1))
    assert other.status_code == 422, other.text
    assert {tuple(e["loc"]) for e in other.json()["errors"]} == {
        ("body", "doctor_id"),
        ("body", "services", 0, "id"),
    }
    await hub.seed_reference("clinic-2")
    assert (
        await hub.client.put("/api/v1/clinics/clinic-2/appointments/A-1", json=_appointment(1))
    ).status_code == 201
    assert await _rows(hub, "SELECT clinic_id, subject FROM delivery ORDER BY id") == [
        ("clinic-1", "appointment:A-1")
    ]


async def test_select_for_update_finds_exactly_the_clinics_keys(
    clinic: Harness, sent: list[tuple[str, Any]]
) -> None:
    """More keys than a chunk, repeated and missing ones, another clinic's rows with the
    same keys; on PostgreSQL the keys go as one array parameter, not one each (a
    generic plan cannot hash an IN list of parameters)."""
    hub = clinic
    await hub.create_clinic("clinic-2")
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    rows = [
        {
            "clinic_id": clinic_id,
            "external_id": f"P-{i:05}",
            "last_name": "Тестова",
            "first_name": "Анна",
            "phones": [],
            "created_at": now,
            "updated_at": now,
        }
        for clinic_id, count in (("clinic-1", 1500), ("clinic-2", 1600))
        for i in range(count)
    ]
    async with hub.runtime.db.session() as session:
        await bulk.insert_many(session, PATIENT, rows)
    wanted = [f"P-{i:05}" for i in range(0, 1600, 1)] + ["P-00001", "nobody"]
    sent.clear()
    async with hub.runtime.db.session() as session:
        found = await bulk.select_for_update(
            session, PATIENT, clinic_id="clinic-1", key="external_id", values=wanted
        )
    assert sorted(found) == [f"P-{i:05}" for i in range(1500)]
    assert {row["clinic_id"] for row in found.values()} == {"clinic-1"}
    selects = [params for text, params in sent if text.startswith("SELECT")]
    if hub.runtime.db.is_sqlite:
        assert len(selects) == 2  # chunks of bulk.CHUNK keys
    else:
        assert len(selects) == 1
        assert sorted(selects[0]) == ["clinic_id", "keys"]


async def test_postgresql_key_lookup_keeps_its_plan_when_generic(clinic: Harness) -> None:
    """Planned for any values (as PostgreSQL may plan a statement psycopg has prepared),
    the lookup of 1,000 keys does not filter the clinic's rows by a list of them."""
    hub = clinic
    if hub.runtime.db.is_sqlite:
        pytest.skip("PostgreSQL only")
    statement = bulk._select(APPOINTMENT, "external_id", True, (), "postgresql")
    sql = str(statement.compile(dialect=sa.dialects.postgresql.psycopg.dialect()))
    async with hub.runtime.db.session() as session:
        conn = await session.connection()
        raw = (await conn.get_raw_connection()).driver_connection
        cursor = raw.cursor()
        await cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        keys = [f"A-{i}" for i in range(1000)]
        await cursor.execute(
            "EXPLAIN " + sql, {"clinic_id": "clinic-1", "keys": keys}, prepare=True
        )
        plan = "\n".join(r[0] for r in await cursor.fetchall())
    assert "ANY" not in plan, plan[:300]
    assert "unnest" in plan.lower() or "Function Scan" in plan, plan
