"""FhirLab against the fake laboratory: every operation of assumed-protocols.md §3,
its answers and its errors (OperationOutcome → LabError, transient or permanent)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from hub_labs import const, fhir
from hub_labs.client import FhirLab
from hub_labs.model import LabError, OrderTest

from .fake_lab import SYSTEM, FakeLab
from .support import BASE_URL, CLINIC, order

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lab(clock: Clock) -> FakeLab:
    return FakeLab(clock=clock)


@pytest.fixture
async def client(lab: FakeLab) -> AsyncIterator[FhirLab]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=lab.app)) as http:
        yield FhirLab(http, BASE_URL, lab.token, CLINIC)


async def test_catalogue_follows_pages_and_names_tubes(client: FhirLab) -> None:
    tests = await client.catalogue()
    assert [t.code for t in tests] == ["1001", "2001", "2002", "3001"]
    blood = tests[0]
    assert (blood.display, blood.system, blood.specimen) == (
        "Общий анализ крови",
        SYSTEM,
        "EDTA (фиолетовая)",
    )


async def test_order_bundle_has_patient_requests_specimens_and_task() -> None:
    bundle = fhir.order_bundle(order(), CLINIC)
    assert bundle["type"] == "transaction"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient"] + ["ServiceRequest"] * 3 + ["Specimen"] * 2 + ["Task"]
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in bundle["entry"])
    assert all(e["request"]["method"] == "POST" for e in bundle["entry"])
    patient = bundle["entry"][0]["resource"]
    assert patient["identifier"] == [{"system": "urn:clinic-hub:clinic-1:patient", "value": "p-1"}]
    assert patient["name"][0]["family"] == "Иванова"
    assert (patient["birthDate"], patient["gender"]) == ("1980-02-01", "female")
    glucose = bundle["entry"][2]["resource"]
    assert (glucose["status"], glucose["intent"]) == ("active", "order")
    assert glucose["code"]["coding"] == [{"system": SYSTEM, "code": "2001", "display": "Глюкоза"}]
    assert glucose["requisition"] == {"system": "urn:clinic-hub:clinic-1:order", "value": "lo-1"}
    serum = bundle["entry"][5]
    assert glucose["specimen"] == [{"reference": serum["fullUrl"]}]
    assert serum["resource"]["identifier"][0] == {
        "system": "urn:clinic-hub:clinic-1:specimen",
        "value": "GT00000002",
    }
    task = bundle["entry"][-1]
    assert task["resource"]["status"] == "requested" and task["resource"]["intent"] == "order"
    assert task["resource"]["focus"] == {"reference": bundle["entry"][1]["fullUrl"]}
    assert task["resource"]["for"] == {"reference": bundle["entry"][0]["fullUrl"]}
    assert task["request"]["ifNoneExist"] == "identifier=urn:clinic-hub:clinic-1:order|lo-1"
    assert fhir.order_bundle(order(), CLINIC) == bundle  # a repeat is the same Bundle


async def test_submit_answers_the_task_and_request_ids(client: FhirLab, lab: FakeLab) -> None:
    receipt = await client.submit(order())
    booked = lab.order_for("lo-1")
    assert receipt.task_id == booked.task["id"]
    assert receipt.request_ids == {
        sr["code"]["coding"][0]["code"]: sr["id"] for sr in booked.requests
    }
    assert len(lab.booked) == 1


async def test_a_repeated_order_is_not_booked_twice(client: FhirLab, lab: FakeLab) -> None:
    first = await client.submit(order())
    again = await client.submit(order())
    assert again == first
    assert len(lab.booked) == 1 and len(lab.orders) == 1


async def test_status_moves_with_time(client: FhirLab, clock: Clock) -> None:
    assert await client.status("lo-1") is None
    await client.submit(order())
    seen = []
    for minutes in (0, 5, 30, 120):
        clock.now = T0 + dt.timedelta(minutes=minutes)
        status = await client.status("lo-1")
        assert status is not None
        seen.append(status.status)
    assert seen == ["requested", "accepted", "in-progress", "completed"]


async def test_rejected_order_carries_the_reason(client: FhirLab, lab: FakeLab) -> None:
    await client.submit(order())
    lab.reject("lo-1", "Гемолиз образца")
    status = await client.status("lo-1")
    assert status is not None and (status.status, status.reason) == ("rejected", "Гемолиз образца")


async def test_cancel_while_requested_then_refused_once_started(
    client: FhirLab, clock: Clock
) -> None:
    await client.submit(order())
    cancelled = await client.cancel("lo-1")
    assert cancelled.status == const.TASK_CANCELLED
    await client.submit(order("lo-2"))
    clock.now = T0 + dt.timedelta(minutes=31)
    with pytest.raises(LabError) as caught:
        await client.cancel("lo-2")
    assert not caught.value.transient and "in-progress" in str(caught.value)


async def test_partial_then_final_results_with_values_ranges_flags_and_pdf(
    client: FhirLab, clock: Clock
) -> None:
    receipt = await client.submit(order())
    blood = receipt.request_ids["1001"]
    assert await client.reports([blood]) == []
    clock.now = T0 + dt.timedelta(minutes=45)
    (partial,) = await client.reports([blood])
    assert partial.status == "partial" and partial.pdf is None
    assert [o.code for o in partial.observations] == ["HGB"]
    clock.now = T0 + dt.timedelta(hours=3)
    (final,) = await client.reports([blood])
    assert final.status == "final" and final.based_on == (blood,)
    wbc = final.observations[1]
    assert (wbc.code, wbc.display, wbc.value, wbc.unit) == ("WBC", "Лейкоциты", "11.2", "10*9/л")
    assert (wbc.low, wbc.high, wbc.flag) == ("4", "9", "H")
    assert final.pdf is not None and final.pdf.startswith(b"%PDF-")


async def test_text_results_have_no_unit(client: FhirLab, clock: Clock) -> None:
    urine = order(
        tests=(OrderTest("3001", "Посев мочи", SYSTEM, "GT00000003", "Моча"),),
        specimens=(order().specimens[0].__class__("GT00000003", "Моча"),),
    )
    receipt = await client.submit(urine)
    clock.now = T0 + dt.timedelta(hours=3)
    (report,) = await client.reports(list(receipt.request_ids.values()))
    (culture,) = report.observations
    assert (culture.value, culture.unit, culture.flag) == ("роста нет", None, "N")


async def test_unknown_test_is_a_permanent_error_with_the_labs_words(client: FhirLab) -> None:
    bad = order(tests=(OrderTest("9999", "Нет такого", SYSTEM, "GT00000001"),))
    with pytest.raises(LabError) as caught:
        await client.submit(bad)
    error = caught.value
    assert (error.status, error.code, error.transient) == (422, "code-invalid", False)
    assert "Неизвестный код теста 9999" in str(error)


async def test_wrong_token_is_permanent(lab: FakeLab) -> None:
    transport = httpx.ASGITransport(app=lab.app)
    async with httpx.AsyncClient(transport=transport) as http:
        client = FhirLab(http, BASE_URL, "wrong-token", CLINIC)
        with pytest.raises(LabError) as caught:
            await client.catalogue()
    assert caught.value.status == 401 and not caught.value.transient
    assert "Неверный токен" in str(caught.value)


async def test_laboratory_down_is_transient(client: FhirLab, lab: FakeLab) -> None:
    lab.down = True
    with pytest.raises(LabError) as caught:
        await client.submit(order())
    assert caught.value.transient and caught.value.status == 503
    assert lab.booked == []


async def test_unreachable_laboratory_is_transient() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        client = FhirLab(http, "http://lab", "t", CLINIC)
        with pytest.raises(LabError) as caught:
            await client.status("lo-1")
    assert caught.value.transient and "unreachable" in str(caught.value)


async def test_lost_answer_then_repeat_gets_the_same_booking(client: FhirLab, lab: FakeLab) -> None:
    lab.lose_answers = True
    with pytest.raises(LabError) as caught:
        await client.submit(order())
    assert caught.value.transient and caught.value.status == 504
    lab.lose_answers = False
    receipt = await client.submit(order())
    assert receipt.task_id == lab.order_for("lo-1").task["id"]
    assert len(lab.booked) == 1
