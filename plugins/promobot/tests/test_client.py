"""PromobotClient against the fake scanner: the assumed protocol, both ways, every error."""

from __future__ import annotations

import httpx
import pytest
from hub_promobot.client import PromobotClient
from hub_promobot.const import DocumentKind
from hub_promobot.scanner import Failure, Reading, ScannerError, State

from .fake_scanner import MODEL, VERSION, FakeScanner, Slow
from .support import SCANNER_URL


@pytest.fixture
def client(scanner_http: httpx.AsyncClient) -> PromobotClient:
    return PromobotClient(scanner_http, SCANNER_URL + "/")


async def test_status_reads_the_state_model_and_version(
    client: PromobotClient, fake: FakeScanner
) -> None:
    status = await client.status()
    assert (status.state, status.model, status.version) == (State.READY, MODEL, VERSION)
    fake.state = "error"
    assert (await client.status()).state is State.ERROR


async def test_a_passport_scan_comes_back_in_the_card_vocabulary(
    client: PromobotClient, fake: FakeScanner
) -> None:
    document = await client.scan(DocumentKind.PASSPORT, wait=5)
    assert fake.requests[-1] == ("POST", "/api/scan", {"document": "passport"})
    assert document.kind is DocumentKind.PASSPORT
    assert document.fields["last_name"] == Reading("КУЗНЕЦОВ", 0.9986)
    assert document.fields["passport_series"] == Reading("45 15", 0.9954)
    assert document.fields["passport_issuer_code"] == Reading("770-053", 0.9932)
    assert document.fields["birth_date"] == Reading("15.08.1990", 0.9921)
    assert set(document.fields) >= {"passport_number", "registration_address", "sex"}


async def test_auto_asks_for_auto_and_takes_what_lies_on_the_glass(
    client: PromobotClient, fake: FakeScanner
) -> None:
    fake.put("oms")
    document = await client.scan(None, wait=5)
    assert fake.requests[-1][2] == {"document": "auto"}
    assert document.kind is DocumentKind.OMS
    assert document.fields["oms_number"] == Reading("8451999122899990", 0.9972)


async def test_a_field_not_found_and_one_without_confidence(
    client: PromobotClient, fake: FakeScanner
) -> None:
    document = fake.put("snils", patronymic=None)
    del document["confidence"]["number"]
    found = await client.scan(DocumentKind.SNILS, wait=5)
    assert found.fields["middle_name"].text is None
    assert found.fields["snils"] == Reading("112-233-445 95", None)


@pytest.mark.parametrize(
    ("outcome", "failure"),
    [
        ("busy", Failure.BUSY),
        ("no_document", Failure.NO_DOCUMENT),
        ("unreadable", Failure.UNREADABLE),
        ("timeout", Failure.TIMEOUT),
        ("redirect", Failure.REFUSED),
        ("not_json", Failure.MALFORMED),
        ("malformed", Failure.MALFORMED),
        ("bad_confidence", Failure.MALFORMED),
    ],
)
async def test_each_answer_of_the_protocol_becomes_a_failure(
    client: PromobotClient, fake: FakeScanner, outcome: str, failure: Failure
) -> None:
    fake.next(outcome)
    with pytest.raises(ScannerError) as raised:
        await client.scan(DocumentKind.PASSPORT, wait=5)
    assert raised.value.failure is failure


async def test_a_redirect_is_refused_not_followed(
    client: PromobotClient, fake: FakeScanner
) -> None:
    fake.next("redirect")
    with pytest.raises(ScannerError, match="elsewhere.example") as raised:
        await client.scan(DocumentKind.PASSPORT, wait=5)
    assert raised.value.failure is Failure.REFUSED
    assert len(fake.requests) == 1


async def test_a_scanner_that_never_answers_times_out_at_the_wait(
    client: PromobotClient, fake: FakeScanner
) -> None:
    fake.next("hang")
    with pytest.raises(ScannerError, match="did not answer in 0.2 s") as raised:
        await client.scan(DocumentKind.PASSPORT, wait=0.2)
    assert raised.value.failure is Failure.NO_ANSWER


async def test_a_slow_scan_within_the_wait_is_answered(
    client: PromobotClient, fake: FakeScanner
) -> None:
    fake.next(Slow(0.1))
    assert (await client.scan(DocumentKind.SNILS, wait=5)).kind is DocumentKind.SNILS


async def test_an_unreachable_scanner(client: PromobotClient, fake: FakeScanner) -> None:
    fake.down = True
    with pytest.raises(ScannerError, match="could not connect") as raised:
        await client.status()
    assert raised.value.failure is Failure.UNREACHABLE


async def test_an_unknown_error_is_a_fault_naming_only_a_plain_code() -> None:
    answers = iter(
        [
            httpx.Response(500, json={"error": "camera_failure", "message": "КУЗНЕЦОВ"}),
            httpx.Response(503, json={"error": "Паспорт 45 15 940229"}),
            httpx.Response(200, json={"state": "sleeping"}),
        ]
    )
    http = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: next(answers)))
    client = PromobotClient(http, SCANNER_URL)
    with pytest.raises(ScannerError) as raised:
        await client.scan(DocumentKind.PASSPORT, wait=5)
    assert raised.value.failure is Failure.FAULT
    assert raised.value.message.endswith("HTTP 500 camera_failure")
    with pytest.raises(ScannerError) as raised:
        await client.scan(DocumentKind.PASSPORT, wait=5)
    assert raised.value.message.endswith("HTTP 503") and "940229" not in raised.value.message
    with pytest.raises(ScannerError) as raised:
        await client.status()
    assert raised.value.failure is Failure.MALFORMED


async def test_a_field_that_is_not_text_is_malformed_and_not_echoed() -> None:
    body = {"document": "passport", "fields": {"number": 940229}, "confidence": {}}
    answer = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    http = httpx.AsyncClient(transport=answer)
    with pytest.raises(ScannerError) as raised:
        await PromobotClient(http, SCANNER_URL).scan(DocumentKind.PASSPORT, wait=5)
    assert raised.value.failure is Failure.MALFORMED and "940229" not in raised.value.message
