"""The verdict on a card's phones is decided when the card is written (``patient.
phone_verdict``) and read by reminder runs instead of libphonenumber; a card without
one, or whose verdict no longer fits its phones or the clinic's region, is checked as
before — the run's recipients, skips and warnings are the same either way."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from remkit import EXPECTED_SKIPS, clinic, full_day, utc_of

from hub.db.models import PatientRecord
from hub.testing import Harness
from hub.text import phones
from hub.text.phones import CardPhones

TODAY = dt.date(2026, 11, 23)
TOMORROW = TODAY + dt.timedelta(days=1)
ZONE = "Europe/Moscow"
PATIENT = PatientRecord.__table__  # type: ignore[attr-defined]


async def stored(hub: Harness, clinic_id: str, patient_id: str) -> Any:
    async with hub.runtime.db.session() as session:
        return (
            await session.execute(
                sa.select(PATIENT.c.phone_verdict).where(
                    PATIENT.c.clinic_id == clinic_id, PATIENT.c.external_id == patient_id
                )
            )
        ).scalar_one()


async def set_column(hub: Harness, clinic_id: str, **values: Any) -> None:
    """Write patient columns behind intake's back (rows of an older hub, other code)."""
    async with hub.runtime.db.session() as session:
        await session.execute(sa.update(PATIENT).where(PATIENT.c.clinic_id == clinic_id), values)


async def dry_run(hub: Harness, clinic_id: str) -> dict[str, Any]:
    response = await hub.client.post(
        f"/api/v1/clinics/{clinic_id}/reminders/run", json={"dry_run": True}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_intake_stores_the_verdict_of_each_card(hub: Harness) -> None:
    await clinic(hub, "c", ZONE)
    assert await stored(hub, "c", "P-ok") == {
        "region": "RU",
        "phones": ["8 (918) 123-45-67"],
        "mobile": "+79181234567",
    }
    land = await stored(hub, "c", "P-land")
    assert land["problem"] == "not_mobile"
    assert land["any_number"] == "+74951234567"  # a voice call may ring it
    assert land["detail"] == phones.best_mobile(["+7 (495) 123-45-67"]).detail
    assert (await stored(hub, "c", "P-none"))["problem"] == "no_phone"
    assert (await stored(hub, "c", "P-bad"))["problem"] == "invalid_phone"


async def test_a_card_whose_phone_changes_gets_a_new_verdict(hub: Harness) -> None:
    hub.clock.set(utc_of(TODAY, dt.time(9), ZONE))
    await clinic(hub, "c", ZONE)
    await full_day(hub, "c", TOMORROW)
    await hub.put_patient("P-land", "c", phones=["+7 918 765-43-21"])
    await hub.put_patient("P-ok", "c", phones=["+7 (495) 765-43-21"])

    assert (await stored(hub, "c", "P-land"))["mobile"] == "+79187654321"
    assert (await stored(hub, "c", "P-ok"))["problem"] == "not_mobile"
    answer = await dry_run(hub, "c")
    assert [(r["appointment_id"], r["address"]) for r in answer["recipients"]] == [
        ("A-land", "+79187654321")
    ]
    assert {s["appointment_id"]: s["reason"] for s in answer["skipped"]}["A-ok"] == "not_mobile"


async def test_cards_without_a_verdict_plan_as_cards_with_one(hub: Harness) -> None:
    hub.clock.set(utc_of(TODAY, dt.time(9), ZONE))
    await clinic(hub, "c", ZONE)
    await full_day(hub, "c", TOMORROW)
    with_verdicts = await dry_run(hub, "c")

    await set_column(hub, "c", phone_verdict=None)
    without = await dry_run(hub, "c")

    assert without == with_verdicts
    assert [r["appointment_id"] for r in without["recipients"]] == ["A-ok"]
    assert {s["appointment_id"]: s["reason"] for s in without["skipped"]} == EXPECTED_SKIPS


async def test_a_verdict_that_no_longer_fits_the_phones_is_not_used(hub: Harness) -> None:
    hub.clock.set(utc_of(TODAY, dt.time(9), ZONE))
    await clinic(hub, "c", ZONE)
    await full_day(hub, "c", TOMORROW)
    # every card now has a landline, but keeps the verdict on its old phones
    await set_column(hub, "c", phones=["+7 (495) 123-45-67"])

    answer = await dry_run(hub, "c")

    assert answer["recipients"] == []
    assert {s["appointment_id"]: s["reason"] for s in answer["skipped"]}["A-ok"] == "not_mobile"


async def test_a_verdict_of_another_region_is_not_used(hub: Harness) -> None:
    """A clinic that moves to another country reads its cards' local numbers anew."""
    hub.clock.set(utc_of(TODAY, dt.time(9), ZONE))
    await clinic(hub, "c", ZONE)
    await full_day(hub, "c", TOMORROW)
    await hub.put_patient("P-ok", "c", phones=["0151 23456789"])  # no number in Russia
    assert (await stored(hub, "c", "P-ok"))["problem"] == "invalid_phone"
    response = await hub.client.patch("/api/v1/clinics/c", json={"phone_region": "DE"})
    assert response.status_code == 200, response.text

    answer = await dry_run(hub, "c")

    # a German mobile, read in the clinic's new region
    assert [(r["appointment_id"], r["address"]) for r in answer["recipients"]] == [
        ("A-ok", "+4915123456789")
    ]


async def test_a_run_over_cards_written_by_intake_calls_no_libphonenumber(
    hub: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub.clock.set(utc_of(TODAY, dt.time(9), ZONE))
    await clinic(hub, "c", ZONE)
    await full_day(hub, "c", TOMORROW)
    expected = await dry_run(hub, "c")

    def no_libphonenumber(*args: object, **kwargs: object) -> None:
        raise AssertionError("a phone was checked during the run")

    monkeypatch.setattr(phones, "check_phone", no_libphonenumber)
    monkeypatch.setattr(phones, "best_mobile", no_libphonenumber)
    assert await dry_run(hub, "c") == expected


async def test_an_unchanged_card_without_a_verdict_gets_one_and_no_event(hub: Harness) -> None:
    await clinic(hub, "c", ZONE)
    await set_column(hub, "c", phone_verdict=None)
    events = len(await hub.feed("c"))

    response = await hub.put_patient("P-ok", "c", phones=["8 (918) 123-45-67"])

    assert response["result"] == "unchanged"
    assert (await stored(hub, "c", "P-ok"))["mobile"] == "+79181234567"
    assert len(await hub.feed("c")) == events


@pytest.mark.parametrize(
    "values",
    [["8 (918) 123-45-67"], ["+7 (495) 123-45-67", "+79181110001"], ["12345"], []],
    ids=["mobile", "landline-then-mobile", "invalid", "none"],
)
def test_the_stored_form_reads_back_as_the_same_verdict(values: list[str]) -> None:
    verdict = CardPhones.of(values, "RU")
    assert CardPhones.from_json(verdict.to_json()) == verdict
    assert verdict.fits(values, "RU")
    assert not verdict.fits([*values, "+79180000000"], "RU")
    assert not verdict.fits(values, "KZ")


@pytest.mark.parametrize(
    "data", [None, [], {"region": "RU"}, {"region": "RU", "phones": [], "problem": "bogus"}]
)
def test_anything_else_stored_is_no_verdict(data: object) -> None:
    assert CardPhones.from_json(data) is None
