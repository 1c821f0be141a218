"""Find a patient by phone: any spelling the clinic sent matches any spelling a caller
has, through the E.164 index written at intake (no scan of the cards)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from probekit import CLINIC, action, probe_clinic  # noqa: F401

from hub.testing import Harness


async def found(hub: Harness, phone: str, clinic: str = CLINIC) -> list[str]:
    return [card["id"] for card in await action(hub, "find_cards", {"phone": phone}, clinic)]


@pytest.mark.parametrize(
    "spelling", ["+79181234567", "+7 918 123-45-67", "89181234567", "79181234567", "8-918-1234567"]
)
async def test_a_number_stored_as_typed_is_found_in_any_spelling(
    hub: Harness, spelling: str
) -> None:
    await probe_clinic(hub)
    await hub.put_patient("P-1", phones=["8 (918) 123-45-67"])
    await hub.put_patient("P-2", phones=["+7 926 555-12-34"])
    assert await found(hub, spelling) == ["P-1"]


async def test_every_phone_of_a_card_matches_and_shared_numbers_find_all(hub: Harness) -> None:
    await probe_clinic(hub)
    await hub.put_patient("P-1", phones=["+7 926 555-12-34", "8 (495) 123-45-67 доб. 12"])
    await hub.put_patient("P-2", phones=["84951234567"])  # a family's landline
    assert await found(hub, "9265551234") == ["P-1"]
    assert await found(hub, "+7 495 123 45 67") == ["P-1", "P-2"]
    answer = await action(hub, "find_cards", {"phone": "+79265551234"})
    assert answer == [
        {
            "id": "P-1",
            "full_name": "Иванов Иван Иванович",
            "phones": ["+7 926 555-12-34", "8 (495) 123-45-67 доб. 12"],
        }
    ]


async def test_the_index_follows_changes_deletions_and_bulk_intake(hub: Harness) -> None:
    await probe_clinic(hub)
    await hub.put_patient("P-1", phones=["8 (918) 123-45-67"])
    await hub.put_patient("P-1", phones=["+79260000001"])  # the patient changed numbers
    assert await found(hub, "+79181234567") == []
    assert await found(hub, "+79260000001") == ["P-1"]

    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/bulk",
        json={
            "patients": [
                {
                    "id": "P-7",
                    "last_name": "Котова",
                    "first_name": "Анна",
                    "phones": ["8 918 777 00 77"],
                }
            ]
        },
    )
    assert response.status_code == 200, response.text
    assert await found(hub, "+79187770077") == ["P-7"]

    assert (await hub.client.delete(f"/api/v1/clinics/{CLINIC}/patients/P-7")).status_code == 200
    assert await found(hub, "+79187770077") == []  # a deleted card is nobody's
    await hub.put_patient("P-7", phones=["8 918 777 00 77"])  # restored
    assert await found(hub, "+79187770077") == ["P-7"]


async def test_other_clinics_and_non_numbers_find_nothing(hub: Harness) -> None:
    await probe_clinic(hub)
    await probe_clinic(hub, "clinic-2")
    await hub.put_patient("P-1", "clinic-2", phones=["8 (918) 123-45-67"])
    assert await found(hub, "+79181234567") == []
    assert await found(hub, "+79181234567", "clinic-2") == ["P-1"]
    assert await found(hub, "anonymous") == []
    assert await found(hub, "12345") == []


async def test_the_lookup_reads_the_phone_index_not_the_cards(hub: Harness) -> None:
    """Among a clinic's 300 cards, the lookup searches an index on (clinic_id, e164)."""
    await probe_clinic(hub)
    patients = [
        {"id": f"P-{i}", "last_name": "Иванов", "first_name": "Иван", "phones": [f"8918{i:07d}"]}
        for i in range(300)
    ]
    response = await hub.client.post(f"/api/v1/clinics/{CLINIC}/bulk", json={"patients": patients})
    assert response.status_code == 200, response.text
    assert await found(hub, "+79180000123") == ["P-123"]
    db = hub.runtime.db
    query = (
        "SELECT patient_id FROM patient_phone WHERE clinic_id = 'clinic-1' "
        "AND e164 = '+79180000123'"
    )
    async with db.session() as session:
        if db.is_sqlite:
            await session.execute(sa.text("ANALYZE"))
            rows = await session.execute(sa.text(f"EXPLAIN QUERY PLAN {query}"))
            plan = " ".join(str(row[-1]) for row in rows)
            assert "INDEX" in plan and "e164=?" in plan, plan
        else:
            await session.execute(sa.text("ANALYZE patient_phone"))
            # a table this small is read whole anyway; ask which index PostgreSQL would use
            await session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(r[0]) for r in await session.execute(sa.text(f"EXPLAIN {query}")))
            condition = plan.split("Index Cond:")[1].split("Filter")[0]
            assert "e164" in condition, plan
