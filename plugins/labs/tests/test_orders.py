"""Charges become orders at the right laboratory, once; a laboratory that is down gets
its order when it is back, once; what cannot be ordered is recorded and said."""

from __future__ import annotations

import asyncio

import pytest

from hub.testing import Harness

from .fake_lab import FakeLab
from .support import SETTINGS, action, charge, feed_of, run_job, setup_clinic


async def send_now(hub: Harness, seconds: int = 61) -> dict[str, object]:
    """Let the collecting window pass and run the send job."""
    hub.clock.advance(seconds)
    return await run_job(hub, "send_orders")


async def test_two_services_of_one_visit_make_one_order_at_the_doctors_lab(
    hub: Harness, clinic: str, gemo: FakeLab, kdl: FakeLab
) -> None:
    await charge(hub, "A-1", "SRV-CBC")
    await charge(hub, "A-1", "SRV-BIO")
    assert gemo.booked == []  # still collecting the visit's charges
    run = await send_now(hub)
    assert run["status"] == "ok" and run["summary"] == "sent 1"
    assert kdl.booked == []  # the default laboratory is not the doctor's
    (bundle,) = gemo.booked
    requests = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ServiceRequest"
    ]
    assert sorted(r["code"]["coding"][0]["code"] for r in requests) == ["1001", "2001", "2002"]
    specimens = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Specimen"
    ]
    barcodes = [s["identifier"][0]["value"] for s in specimens]
    assert barcodes == ["GT00000001", "GT00000002"]  # EDTA, and one serum tube for both
    patient = bundle["entry"][0]["resource"]
    assert patient["name"][0]["family"] == "Иванова" and patient["birthDate"] == "1980-02-01"
    (created,) = await feed_of(hub, "labs.order_created")
    assert created["appointment_id"] == "A-1" and created["patient_id"] == "P-1001"
    assert created["lab"] == "gemo" and sorted(created["tests"]) == ["1001", "2001", "2002"]
    assert created["barcodes"] == barcodes
    shown = (await action(hub, "order", order_id=created["order_id"])).json()
    assert shown["state"] == "sent" and shown["attempts"] == 1
    assert shown["lab_order_id"] == gemo.order_for(created["order_id"]).task["id"]
    charges = (await action(hub, "charges")).json()["items"]
    assert {c["service_id"]: c["order_id"] for c in charges} == {
        "SRV-CBC": created["order_id"],
        "SRV-BIO": created["order_id"],
    }


async def test_duplicate_charge_events_change_nothing(
    hub: Harness, clinic: str, gemo: FakeLab
) -> None:
    for _ in range(3):
        await charge(hub, "A-1", "SRV-BIO")
    await send_now(hub)
    await charge(hub, "A-1", "SRV-BIO")  # after sending too
    await send_now(hub)
    (bundle,) = gemo.booked
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("ServiceRequest") == 2 and kinds.count("Specimen") == 1
    assert len(await feed_of(hub, "labs.order_created")) == 1


async def test_a_charge_after_sending_starts_a_new_order(
    hub: Harness, clinic: str, gemo: FakeLab
) -> None:
    await charge(hub, "A-1", "SRV-CBC")
    await send_now(hub)
    await charge(hub, "A-1", "SRV-BIO")
    await send_now(hub)
    assert len(gemo.booked) == 2
    first, second = await feed_of(hub, "labs.order_created")
    assert first["order_id"] != second["order_id"]
    assert set(first["barcodes"]).isdisjoint(second["barcodes"])


async def test_a_doctor_without_laboratory_uses_the_default(
    hub: Harness, clinic: str, kdl: FakeLab
) -> None:
    await charge(hub, "A-2", "SRV-URO")
    await send_now(hub)
    (bundle,) = kdl.booked
    specimen = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Specimen")
    assert specimen["resource"]["identifier"][0]["value"] == "KD00000500"  # its own range


async def test_an_unmapped_service_is_recorded_and_visible(hub: Harness, clinic: str) -> None:
    await charge(hub, "A-1", "SRV-1")
    run = await send_now(hub)
    assert run["status"] == "ok" and run["summary"] == "nothing due"
    items = (await action(hub, "charges", status="unmapped")).json()["items"]
    assert [(c["service_id"], c["status"], c["order_id"]) for c in items] == [
        ("SRV-1", "unmapped", None)
    ]
    assert "mapping service_tests" in items[0]["detail"]
    assert await feed_of(hub, "labs.order_created") == []


async def test_order_on_charge_off_orders_nothing(hub: Harness, gemo: FakeLab) -> None:
    await setup_clinic(hub, {**SETTINGS, "order_on_charge": False})
    await charge(hub, "A-1", "SRV-CBC")
    await send_now(hub)
    assert gemo.booked == [] and (await action(hub, "charges")).json()["items"] == []


async def test_no_laboratory_and_no_default_is_a_clear_error_in_the_job_log(
    hub: Harness, kdl: FakeLab
) -> None:
    await setup_clinic(hub, {**SETTINGS, "default_lab": None})
    await charge(hub, "A-2", "SRV-URO")
    run = await send_now(hub)
    assert run["status"] == "error"
    assert (
        "service SRV-URO of visit A-2: doctor D-8 has no «Лаборатория по умолчанию» "
        "(mapping doctor_lab) and default_lab is not set"
    ) in run["summary"]
    log = (await hub.client.get("/api/v1/clinics/clinic-1/jobs", params={"plugin": "labs"})).json()
    assert log["items"][0]["status"] == "error"
    (waiting,) = (await action(hub, "charges", status="no_lab")).json()["items"]
    assert waiting["service_id"] == "SRV-URO"
    # the admin sets a default laboratory: the waiting charge is ordered by the next run
    response = await hub.client.put(
        "/api/v1/clinics/clinic-1/plugins/labs",
        json={"enabled": True, "settings": {"default_lab": "kdl"}},
    )
    assert response.status_code == 200, response.text
    await send_now(hub)
    assert (await send_now(hub))["status"] == "ok"
    assert len(kdl.booked) == 1


@pytest.mark.parametrize("outage", ["down", "lost_answer"])
async def test_a_laboratory_outage_ends_with_the_order_delivered_once(
    hub: Harness, clinic: str, gemo: FakeLab, outage: str
) -> None:
    """Down (503): the order waits, with growing pauses, and goes when the laboratory is
    back.  A lost answer (the laboratory booked it, the hub got a 504): the repeat is
    recognised by the Task's identifier, so it is booked once."""
    if outage == "down":
        gemo.down = True
    else:
        gemo.lose_answers = True
    await charge(hub, "A-1", "SRV-CBC")
    run = await send_now(hub)
    assert run["summary"] == "waiting 1"
    order_id = (await action(hub, "charges")).json()["items"][0]["order_id"]
    shown = (await action(hub, "order", order_id=order_id)).json()
    assert shown["state"] == "new" and shown["attempts"] == 1
    assert "503" in shown["last_error"] or "504" in shown["last_error"]
    assert (await send_now(hub, 30))["summary"] == "nothing due"  # pausing
    assert (await send_now(hub, 60))["summary"] == "waiting 1"
    gemo.down = gemo.lose_answers = False
    await charge(hub, "A-1", "SRV-BIO")  # the frozen order takes no more tests
    assert (await send_now(hub, 4 * 60))["summary"] == "sent 2"
    for _ in range(3):
        await send_now(hub, 10 * 60)
    first = gemo.order_for(order_id)
    assert len([o for o in gemo.orders.values() if o is first]) == 1
    booked_codes = [
        sorted(e["resource"]["code"]["coding"][0]["code"] for e in b["entry"]
               if e["resource"]["resourceType"] == "ServiceRequest")
        for b in gemo.booked
    ]  # fmt: skip
    assert booked_codes == [["1001"], ["2001", "2002"]]
    shown = (await action(hub, "order", order_id=order_id)).json()
    assert shown["state"] == "sent" and shown["attempts"] == 3 and shown["last_error"] is None
    assert [c["order_id"] for c in await feed_of(hub, "labs.order_created")].count(order_id) == 1


async def test_a_permanent_refusal_fails_the_order_with_the_labs_words(
    hub: Harness, clinic: str, gemo: FakeLab
) -> None:
    await hub.put_reference(
        "services", [{"id": "SRV-X", "name": "Новый тест", "price_list_section": "PL-A"}]
    )
    # a test the laboratory withdrew after the catalogue was synced
    ctx = await hub.context("labs")
    items = await ctx.reference("lab_tests")
    await ctx.store_reference(  # type: ignore[attr-defined]
        "lab_tests", [*items, {"id": "gemo:9999", "lab": "gemo", "code": "9999", "name": "Старый"}]
    )
    from .support import put_mappings

    await put_mappings(hub, "service_tests", [("SRV-X", "gemo:9999")])
    created = await action(hub, "create_order", appointment_id="A-1", services=["SRV-X"])
    assert created.status_code == 200, created.text
    assert created.json()["state"] == "failed"
    assert "Неизвестный код теста 9999" in created.json()["last_error"]
    (status,) = await feed_of(hub, "labs.order_status")
    assert status["status"] == "failed" and "9999" in status["reason"]
    assert gemo.booked == []


async def test_charges_handled_at_the_same_time_make_one_order(
    hub: Harness, clinic: str, gemo: FakeLab
) -> None:
    """Two deliveries running concurrently (two workers): the laboratory's counter row
    serialises them, so the second joins the first one's order."""
    ctx = await hub.context("labs")
    appointment = await ctx.get_appointment("A-1")
    assert appointment is not None
    await asyncio.gather(
        *(
            hub.call("labs", "on_service_charged", appointment=appointment, service=service)
            for service in appointment.services
        )
    )
    await send_now(hub)
    (bundle,) = gemo.booked
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("ServiceRequest") == 3 and kinds.count("Specimen") == 2
    statuses = {
        c["service_id"]: c["status"] for c in (await action(hub, "charges")).json()["items"]
    }
    assert statuses == {"SRV-1": "unmapped", "SRV-CBC": "ordered", "SRV-BIO": "ordered"}
