"""The ``scan`` action over HTTP, as the clinic system calls it, against the fake scanner."""

from __future__ import annotations

from typing import Any

import pytest

from hub.testing import Harness

from .fake_scanner import FakeScanner, Slow
from .support import CLINIC, HUB_PLUGIN_TIMEOUT, PATIENT, SCANNER_URL, put_card, scan

pytestmark = pytest.mark.usefixtures("clinic")


async def recognised_events(hub: Harness) -> list[dict[str, Any]]:
    return [e for e in await hub.feed(CLINIC) if e["type"] == "card.document_recognised"]


async def test_a_passport_for_an_existing_card_patches_only_what_changed(
    hub: Harness, fake: FakeScanner
) -> None:
    # the card has the maiden name and no birth date; everything else matches
    await put_card(hub, last_name="Кузнецова", birth_date=None)
    response = await scan(hub, patient_id=PATIENT, document="passport")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["document"] == "passport" and answer["flagged"] == []
    assert answer["fields"]["last_name"] == {"value": "Кузнецов", "confidence": 0.9986}
    assert answer["fields"]["passport_number"] == {"value": "940229", "confidence": 0.9961}
    expected = {
        "last_name": "Кузнецов",
        "birth_date": "1990-08-15",
        "birth_place": "ГОР. МОСКВА",
        "passport_series": "45 15",
        "passport_number": "940229",
        "passport_issued_by": "ОТДЕЛОМ УФМС РОССИИ ПО ГОР. МОСКВЕ ПО РАЙОНУ ХАМОВНИКИ",
        "passport_issue_date": "2010-09-23",
        "passport_issuer_code": "770-053",
        "registration_address": "Г. МОСКВА, УЛ. ЛЬВА ТОЛСТОГО, Д. 16, КВ. 25",
    }
    assert answer["patch"] == expected and answer["patient_id"] == PATIENT
    (event,) = await recognised_events(hub)
    assert event["source"] == "promobot"
    assert event["data"] == {
        "patient_id": PATIENT,
        "document": "passport",
        "patch": expected,
        "flagged": [],
    }


async def test_a_snils_with_a_wrong_checksum_is_flagged_and_left_out_of_the_patch(
    hub: Harness, fake: FakeScanner
) -> None:
    await put_card(hub)
    fake.put("snils", number=("112-233-445 59", 0.9721))
    response = await scan(hub, patient_id=PATIENT, document="snils")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["fields"]["snils"] == {"value": "112-233-445 59", "confidence": 0.9721}
    (flag,) = answer["flagged"]
    assert flag["field"] == "snils"
    assert "fails the SNILS checksum" in flag["reason"]
    assert answer["patch"] == {}  # the names and the birth date match the card
    (event,) = await recognised_events(hub)
    assert event["data"]["flagged"] == answer["flagged"] and event["data"]["patch"] == {}


async def test_a_new_patient_gets_the_whole_document_and_nothing_is_published(
    hub: Harness, fake: FakeScanner
) -> None:
    fake.put("oms")
    response = await scan(hub, document="auto")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["document"] == "oms" and "patch" not in answer
    assert answer["fields"]["oms_number"]["value"] == "8451999122899990"
    assert answer["fields"]["middle_name"]["value"] == "Сергеевич"
    assert fake.requests[-1][2] == {"document": "auto"}
    assert await recognised_events(hub) == []


async def test_low_confidence_fields_are_flagged_by_the_clinics_threshold(
    hub: Harness, fake: FakeScanner
) -> None:
    await hub.enable(
        "promobot", CLINIC, settings={"scanner_url": SCANNER_URL, "min_confidence": 0.95}
    )
    response = await scan(hub, document="passport")
    flagged = {f["field"] for f in response.json()["flagged"]}
    assert flagged == {"passport_issued_by", "registration_address"}  # 0.9418 and 0.9105


#: What the scanner does -> the status and the words the desk gets.
FAILURES = [
    ("busy", 409, "busy with another scan: try again"),
    ("no_document", 422, "no document on the scanner's glass"),
    ("unreadable", 422, "cannot read the document"),
    ("timeout", 504, "none was put on the glass in time"),
    ("not_json", 502, "not as the hub expects"),
    ("malformed", 502, "not as the hub expects"),
    ("bad_confidence", 502, "not as the hub expects"),
    ("redirect", 502, "does not follow redirects"),
]


async def test_a_failed_scan_is_answered_clearly_and_publishes_nothing(
    hub: Harness, fake: FakeScanner
) -> None:
    await put_card(hub)
    for outcome, status, words in FAILURES:
        fake.next(outcome)
        response = await scan(hub, patient_id=PATIENT, document="passport")
        assert response.status_code == status, (outcome, response.text)
        assert words in response.json()["detail"], outcome
    assert await recognised_events(hub) == []


async def test_a_scan_while_another_runs_is_busy(hub: Harness, fake: FakeScanner) -> None:
    fake.state = "busy"
    response = await scan(hub, document="snils")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("The scanner is busy")


async def test_an_unreachable_scanner_says_where_the_hub_must_run(
    hub: Harness, fake: FakeScanner
) -> None:
    fake.down = True
    response = await scan(hub, document="passport")
    assert response.status_code == 502
    detail = response.json()["detail"]
    assert f"cannot reach the Promobot scanner at {SCANNER_URL}" in detail
    assert "clinic's own network" in detail and "hub serve --no-worker" in detail


async def test_an_unknown_or_deleted_card_is_refused_before_scanning(
    hub: Harness, fake: FakeScanner
) -> None:
    response = await scan(hub, patient_id="P-404", document="passport")
    assert response.status_code == 404 and "no card 'P-404'" in response.json()["detail"]
    await put_card(hub)
    await hub.client.delete(f"/api/v1/clinics/{CLINIC}/patients/{PATIENT}")
    response = await scan(hub, patient_id=PATIENT, document="passport")
    assert response.status_code == 409
    assert fake.requests == []


async def test_a_bad_request_is_a_422_naming_the_field(hub: Harness, fake: FakeScanner) -> None:
    for body, field in [
        ({}, "document"),
        ({"document": "driver_licence"}, "document"),
        ({"document": "passport", "patient_id": ""}, "patient_id"),
        ({"document": "passport", "card": "P-1"}, "card"),
    ]:
        response = await hub.client.post(
            f"/api/v1/clinics/{CLINIC}/plugins/promobot/actions/scan", json=body
        )
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["loc"] == ["body", field]
    assert fake.requests == []


async def test_a_slow_scan_is_waited_for_beyond_the_hubs_default_limit(
    hub: Harness, fake: FakeScanner
) -> None:
    # the hub's own limit on a plugin call is HUB_PLUGIN_TIMEOUT (1 s) in these tests;
    # the person takes 1.5 s, within the clinic's 2 s: the scan action's own limit holds
    await hub.enable(
        "promobot", CLINIC, settings={"scanner_url": SCANNER_URL, "timeout_seconds": 2}
    )
    assert HUB_PLUGIN_TIMEOUT < 1.5
    fake.next(Slow(1.5))
    response = await scan(hub, document="passport")
    assert response.status_code == 200, response.text
    assert response.json()["fields"]["passport_number"]["value"] == "940229"


async def test_a_scanner_that_never_answers_is_answered_at_the_clinics_limit(
    hub: Harness, fake: FakeScanner
) -> None:
    # timeout_seconds 1 + a margin of 1 s: the plugin answers at 2 s, after the hub's
    # default limit (1 s here) and long before the action's own (315 s)
    await hub.enable(
        "promobot", CLINIC, settings={"scanner_url": SCANNER_URL, "timeout_seconds": 1}
    )
    fake.next("hang")
    response = await scan(hub, document="snils")
    assert response.status_code == 504, response.text
    assert response.json()["detail"].startswith("The scanner did not answer within 2 s")
