"""SmsRuClient against the fake sms.ru and against recorded answers (no hub involved).

The expected meaning of every code is spelled out here, independently of
``hub_smsru.const``, so a wrong entry in the table fails a test.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
from hub_smsru.client import SmsRuClient, SmsRuError, digits
from hub_smsru.const import CODES, Kind, State

from .fake_smsru import PRICE, FakeSmsRu
from .support import API_ID

FIXTURES = Path(__file__).parent / "fixtures"
PHONE = "79181234567"

TRANSIENT = {220, 231, 500}
ACCOUNT = {200, 201, 204, 206, 210, 211, 221, 300, 301, 302, *range(501, 509), 550, 901, 902}
RECIPIENT = {
    202,
    203,
    205,
    207,
    208,
    209,
    212,
    213,
    214,
    215,
    216,
    217,
    230,
    232,
    233,
    303,
    304,
    305,
}
EXPECTED = (
    [(code, Kind.TRANSIENT, False) for code in sorted(TRANSIENT)]
    + [(code, Kind.PERMANENT, True) for code in sorted(ACCOUNT)]
    + [(code, Kind.PERMANENT, False) for code in sorted(RECIPIENT)]
)


@pytest.fixture
async def client(smsru_http: httpx.AsyncClient) -> AsyncIterator[SmsRuClient]:
    async with smsru_http:
        yield SmsRuClient(smsru_http, API_ID, "https://sms.ru")


def replay(name: str, seen: list[httpx.Request] | None = None) -> SmsRuClient:
    """A client whose every request is answered with ``fixtures/<name>.json``."""
    body = (FIXTURES / f"{name}.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    return SmsRuClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), API_ID)


def raising(exc_factory: Callable[[httpx.Request], Exception]) -> SmsRuClient:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_factory(request)

    return SmsRuClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), API_ID)


def test_every_documented_code_is_classified() -> None:
    assert set(CODES) == {100} | TRANSIENT | ACCOUNT | RECIPIENT


# --- the wire --------------------------------------------------------------------------------


async def test_requests_are_posted_forms_with_json_and_the_key_only_in_the_body(
    client: SmsRuClient, fake: FakeSmsRu
) -> None:
    await client.send("+7 (918) 123-45-67", "Привет", sender="Clinic", test=True, translit=True)
    await client.balance()
    for call in fake.requests:
        assert call.method == "POST"
        assert call.query == {"json": "1"}
        assert API_ID not in str(call.query) and call.form["api_id"] == API_ID
    send = fake.calls("sms/send")[0].form
    assert send["to"] == PHONE and send["msg"] == "Привет"
    assert (send["from"], send["test"], send["translit"]) == ("Clinic", "1", "1")


async def test_form_is_url_encoded() -> None:
    seen: list[httpx.Request] = []
    await replay("balance", seen).balance()
    assert seen[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert str(seen[0].url) == "https://sms.ru/my/balance?json=1"


# --- sending ---------------------------------------------------------------------------------


async def test_send_one_number_is_accepted_and_charged(
    client: SmsRuClient, fake: FakeSmsRu
) -> None:
    before = fake.account.balance
    result = await client.send(PHONE, "Hello")
    number = result.for_number("+7 918 123-45-67")
    assert number is not None and number.ok and number.meaning.kind is Kind.ACCEPTED
    assert number.sms_id is not None and len(number.sms_id) == 14 and number.sms_id[6] == "-"
    assert result.balance == before - PRICE == fake.account.balance


async def test_send_batch_has_a_result_per_number(client: SmsRuClient, fake: FakeSmsRu) -> None:
    fake.number_codes["79180000002"] = 207
    result = await client.send([PHONE, "79180000002", "123"], "Hello")
    assert {p: n.code for p, n in result.numbers.items()} == {
        PHONE: 100,
        "79180000002": 207,
        "123": 202,
    }
    assert fake.account.balance == Decimal("100.00") - PRICE


async def test_send_multi_sends_each_its_own_text(client: SmsRuClient, fake: FakeSmsRu) -> None:
    result = await client.send_multi({PHONE: "one", "79180000002": "два"})
    assert all(n.ok for n in result.numbers.values())
    texts = {m.phone: m.text for m in fake.messages.values()}
    assert texts == {PHONE: "one", "79180000002": "два"}
    assert "to[79181234567]" in fake.calls("sms/send")[0].form


async def test_more_than_100_numbers_are_refused_before_any_request(
    client: SmsRuClient, fake: FakeSmsRu
) -> None:
    with pytest.raises(ValueError, match="at most 100"):
        await client.send([f"7918{i:07d}" for i in range(101)], "x")
    assert fake.requests == []


@pytest.mark.parametrize(("code", "kind", "provider_side"), EXPECTED)
async def test_per_number_codes(
    client: SmsRuClient, fake: FakeSmsRu, code: int, kind: Kind, provider_side: bool
) -> None:
    fake.number_codes[PHONE] = code
    result = (await client.send(PHONE, "Hello")).for_number(PHONE)
    assert result is not None and result.code == code and not result.ok
    assert (result.meaning.kind, result.meaning.provider_side) == (kind, provider_side)
    assert result.text


@pytest.mark.parametrize(("code", "kind", "provider_side"), EXPECTED)
async def test_top_level_codes(
    client: SmsRuClient, fake: FakeSmsRu, code: int, kind: Kind, provider_side: bool
) -> None:
    fake.fail_next(code)
    with pytest.raises(SmsRuError) as caught:
        await client.send(PHONE, "Hello")
    assert (caught.value.code, caught.value.kind, caught.value.provider_side) == (
        code,
        kind,
        provider_side,
    )
    assert caught.value.transient is (kind is Kind.TRANSIENT)


async def test_an_undocumented_code_is_permanent_with_its_text() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"status": "ERROR", "status_code": 777, "status_text": "Новая ошибка"}
        )

    client = SmsRuClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), API_ID)
    with pytest.raises(SmsRuError) as caught:
        await client.balance()
    assert (caught.value.code, caught.value.kind, caught.value.text) == (
        777,
        Kind.PERMANENT,
        "Новая ошибка",
    )


async def test_wrong_api_id_is_a_provider_side_failure(smsru_http: httpx.AsyncClient) -> None:
    client = SmsRuClient(smsru_http, "WRONG-KEY-0000")
    with pytest.raises(SmsRuError) as caught:
        await client.send(PHONE, "Hello")
    assert caught.value.code == 200 and caught.value.provider_side
    assert not caught.value.transient


@pytest.mark.parametrize(
    ("status", "transient"),
    [
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (429, True),
        (408, True),
        (404, False),
        (403, False),
        (400, False),
    ],
)
async def test_http_errors(
    client: SmsRuClient, fake: FakeSmsRu, status: int, transient: bool
) -> None:
    fake.http_error_next(status)
    with pytest.raises(SmsRuError) as caught:
        await client.send(PHONE, "Hello")
    assert caught.value.code is None and caught.value.transient is transient
    assert caught.value.provider_side is (not transient)
    assert f"HTTP {status}" in caught.value.text


@pytest.mark.parametrize(
    "exc",
    [
        lambda r: httpx.ConnectError(f"cannot connect to {r.url} with {API_ID}", request=r),
        lambda r: httpx.ReadTimeout("timed out", request=r),
        lambda r: httpx.ConnectTimeout("timed out", request=r),
        lambda r: httpx.RemoteProtocolError(f"peer closed; body api_id={API_ID}", request=r),
    ],
)
async def test_network_errors_are_transient_and_redacted(
    exc: Callable[[httpx.Request], Exception],
) -> None:
    with pytest.raises(SmsRuError) as caught:
        await raising(exc).send(PHONE, "Hello")
    assert caught.value.transient and caught.value.code is None
    assert API_ID not in str(caught.value) and API_ID not in repr(caught.value.args)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_an_answer_that_is_not_json_is_transient() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>proxy error</html>")

    client = SmsRuClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), API_ID)
    with pytest.raises(SmsRuError) as caught:
        await client.send(PHONE, "Hello")
    assert caught.value.transient and "not JSON" in caught.value.text


async def test_the_key_is_redacted_from_error_texts_and_raw_answers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "status": "ERROR",
                "status_code": 200,
                "status_text": f"Неправильный api_id {API_ID}",
            },
        )

    client = SmsRuClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), API_ID)
    with pytest.raises(SmsRuError) as caught:
        await client.auth_check()
    assert API_ID not in str(caught.value) and "***" in caught.value.text
    assert API_ID not in json.dumps(caught.value.raw, ensure_ascii=False)


@pytest.mark.parametrize(
    ("escaped", "encoding"),
    [(False, "utf-8"), (True, "utf-8"), (False, "utf-16")],
    ids=["plain", "json-escaped", "utf-16"],
)
async def test_the_key_is_redacted_from_accepted_answers(escaped: bool, encoding: str) -> None:
    """Even spelt with JSON escapes or in another encoding of JSON, an api_id echoed in an
    accepted answer is redacted."""
    key = "".join(f"\\u{ord(c):04x}" for c in API_ID) if escaped else API_ID
    sms = {PHONE: {"status": "OK", "status_code": 100, "sms_id": "1-1", "note": "KEY"}}
    envelope = {"status": "OK", "status_code": 100, "balance": 1.5, "sms": sms}
    body = json.dumps(envelope).replace("KEY", key).encode(encoding)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    client = SmsRuClient(httpx.AsyncClient(transport=httpx.MockTransport(handler)), API_ID)
    result = await client.send(PHONE, "Hello")
    assert result.for_number(PHONE).sms_id == "1-1"
    assert API_ID not in json.dumps(result.raw) and "***" in json.dumps(result.raw)


class Answer(NamedTuple):
    status: int
    content: bytes


class RecordingPost:
    """A ``post_form`` (as the hub's ``ctx.post_form``) that records and answers OK."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str], float | None]] = []

    async def __call__(
        self, url: str, form: Mapping[str, str], *, timeout: float | None = None
    ) -> Answer:
        self.calls.append((url, dict(form), timeout))
        return Answer(200, b'{"status": "OK", "status_code": 100, "balance": 7.5}')


async def test_a_given_post_form_makes_every_request() -> None:
    def unused(request: httpx.Request) -> httpx.Response:
        raise AssertionError("the httpx client is not used when post_form is given")

    post = RecordingPost()
    http = httpx.AsyncClient(transport=httpx.MockTransport(unused))
    client = SmsRuClient(http, API_ID, "https://sms.ru/", timeout=3.0, post_form=post)
    assert await client.balance() == Decimal("7.5")
    assert post.calls == [("https://sms.ru/my/balance?json=1", {"api_id": API_ID}, 3.0)]


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout("timed out"), httpx.ConnectError("refused")], ids=repr
)
async def test_post_form_errors_are_transient(exc: Exception) -> None:
    async def failing(url: str, form: Mapping[str, str], *, timeout: float | None = None) -> Answer:
        raise exc

    client = SmsRuClient(httpx.AsyncClient(), API_ID, post_form=failing)
    with pytest.raises(SmsRuError) as caught:
        await client.send(PHONE, "Hello")
    assert caught.value.transient and caught.value.code is None


# --- recorded answers -----------------------------------------------------------------------


async def test_recorded_send_answer_with_a_per_number_error() -> None:
    result = await replay("send_mixed").send(["79255070602", "74993221627"], "hello world")
    ok, refused = result.numbers["79255070602"], result.numbers["74993221627"]
    assert ok.ok and ok.sms_id == "000000-10000000"
    assert refused.code == 207 and refused.meaning.kind is Kind.PERMANENT
    assert "нельзя отправлять" in refused.text
    assert result.balance == Decimal("4122.56")
    assert result.raw["balance"] == 4122.56


async def test_recorded_221_answer_in_test_mode_is_an_account_fault() -> None:
    number = (await replay("send_221_test").send("79255070602", "x", test=True)).for_number(
        "79255070602"
    )
    assert number is not None and number.code == 221 and number.meaning.provider_side


async def test_recorded_status_answer() -> None:
    ids = ["000000-000001", "000000-000002", "000000-000003"]
    statuses = await replay("status_mixed").status(ids)
    assert {i: (s.state, s.code) for i, s in statuses.items()} == {
        "000000-000001": (State.DELIVERED, 103),
        "000000-000002": (State.FAILED, 104),
        "000000-000003": (State.NOT_FOUND, -1),
    }
    assert statuses["000000-000001"].cost == Decimal("0.50")


async def test_recorded_status_of_an_unknown_id_without_balance() -> None:
    statuses = await replay("status_unknown").status(["000000-10000000"])
    assert statuses["000000-10000000"].state is State.NOT_FOUND


async def test_recorded_cost_answer() -> None:
    result = await replay("cost_mixed").cost(["79255070602", "74993221627"], "hello world")
    assert (result.total_cost, result.total_sms) == (Decimal("0.00"), 1)
    assert result.numbers["74993221627"].code == 207


async def test_recorded_account_answers() -> None:
    assert await replay("balance").balance() == Decimal("4762.58")
    limit = await replay("limit").limit()
    assert (limit.total_limit, limit.used_today) == (100, 7)
    free = await replay("free_null").free()
    assert (free.total_free, free.used_today) == (5, None)
    assert await replay("senders").senders() == ["pfelservice", "pfelstore"]
    assert await replay("stoplist_get").stoplist_get() == {"79250000001": "fraud"}
    assert await replay("callback_add").callback_add("https://example.com/sms/callback") == [
        "https://example.com/sms/callback"
    ]
    await replay("callback_del").callback_del("https://example.com/sms/callback")


async def test_recorded_top_level_error() -> None:
    with pytest.raises(SmsRuError) as caught:
        await replay("error_200").balance()
    assert caught.value.code == 200 and caught.value.text == "Неправильный api_id"


# --- status, cost, account, stop list, callbacks against the fake ---------------------------


async def test_status_follows_delivery(client: SmsRuClient, fake: FakeSmsRu) -> None:
    first = (await client.send(PHONE, "one")).for_number(PHONE)
    second = (await client.send("79180000002", "two")).for_number("79180000002")
    assert first and second and first.sms_id and second.sms_id
    fake.deliver(first.sms_id, 103)
    fake.deliver(second.sms_id, 108)
    statuses = await client.status([first.sms_id, second.sms_id, "000000-0000001"])
    assert statuses[first.sms_id].state is State.DELIVERED
    assert statuses[second.sms_id].state is State.FAILED and statuses[second.sms_id].code == 108
    assert statuses["000000-0000001"].state is State.NOT_FOUND
    assert statuses[first.sms_id].cost == PRICE


async def test_status_takes_at_most_100_ids(client: SmsRuClient) -> None:
    assert await client.status([]) == {}
    with pytest.raises(ValueError, match="at most 100"):
        await client.status([f"000000-{i:07d}" for i in range(101)])


async def test_cost_charges_nothing(client: SmsRuClient, fake: FakeSmsRu) -> None:
    long_cyrillic = "Ж" * 71  # two parts
    result = await client.cost_multi({PHONE: long_cyrillic, "79180000002": "short", "1": "x"})
    assert result.total_cost == PRICE * 3 and result.total_sms == 3
    assert result.numbers["1"].code == 202
    single = await client.cost(PHONE, "x")
    assert single.numbers[PHONE].cost == PRICE
    assert fake.account.balance == Decimal("100.00") and fake.messages == {}


async def test_account_methods(client: SmsRuClient, fake: FakeSmsRu) -> None:
    await client.auth_check()
    await client.send(PHONE, "x")
    assert await client.balance() == Decimal("100.00") - PRICE
    limit = await client.limit()
    assert (limit.total_limit, limit.used_today) == (500, 1)
    assert (await client.free()).used_today is None
    assert await client.senders() == ["Clinic"]


async def test_stoplist(client: SmsRuClient, fake: FakeSmsRu) -> None:
    await client.stoplist_add("+7 918 123-45-67", "отказ")
    assert await client.stoplist_get() == {PHONE: "отказ"}
    refused = (await client.send(PHONE, "x")).for_number(PHONE)
    assert refused is not None and refused.code == 209
    await client.stoplist_del(PHONE)
    assert await client.stoplist_get() == {}
    with pytest.raises(SmsRuError) as caught:
        await client.stoplist_add("12", "bad")
    assert caught.value.code == 202 and not caught.value.provider_side


async def test_callbacks(client: SmsRuClient) -> None:
    url = "https://hub.example/plugins/smsru/callback/c/s"
    assert await client.callback_add(url) == [url]
    assert await client.callback_add(url) == [url]
    assert await client.callback_get() == [url]
    await client.callback_del(url)
    assert await client.callback_get() == []
    with pytest.raises(SmsRuError) as caught:
        await client.callback_del(url)
    assert caught.value.code == 902
    with pytest.raises(SmsRuError) as caught:
        await client.callback_add("ftp://nope")
    assert caught.value.code == 901


def test_digits() -> None:
    assert digits("+7 (918) 123-45-67") == PHONE
    assert digits("8-918-123") == "8918123"


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "+",
        "79181234567",
        "+79181234567",
        "++7918",
        "7918+",
        "+7 918",
        "٧٩١٨",
        "+٧٩",
        "²3",
        "+²3",
    ],
)
def test_digits_without_the_expression_keeps_every_digit_it_matched(phone: str) -> None:
    """The fast spellings (all digits, ``+`` then digits) give what ``\\D`` removal gives,
    non-ASCII decimal digits included and superscripts excluded."""
    assert digits(phone) == re.sub(r"\D+", "", phone)


@pytest.mark.parametrize(
    "body",
    [
        b'{"status": "OK", "status_code": 100, "balance": 4122.50, "sms": {}}',
        b'\xef\xbb\xbf{"status": "OK", "status_code": 100, "balance": 1.10}',
        '{"status": "OK", "status_code": 100, "balance": 0.1, "t": "ж"}'.encode("utf-16"),
        '{"status": "OK", "status_code": 100, "balance": 2.25}'.encode("utf-32-le"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16", "utf-32-le"],
)
async def test_the_answer_is_read_as_json_loads_reads_it(body: bytes) -> None:
    """Money exact (``Decimal``) in what the client reads, plain JSON in what it keeps."""

    async def answer(url: str, form: Mapping[str, str], *, timeout: float | None = None) -> Answer:
        return Answer(200, body)

    client = SmsRuClient(httpx.AsyncClient(), API_ID, post_form=answer)
    result = await client.send(PHONE, "Hello")
    assert result.balance == json.loads(body, parse_float=Decimal)["balance"]
    assert result.raw == json.loads(body)
    assert isinstance(result.raw["balance"], float)


@pytest.mark.parametrize("body", [b"", b"\xff\xfe\x00", b"{", b"\xe2\x80"], ids=repr)
async def test_bytes_that_are_not_json_are_transient(body: bytes) -> None:
    async def answer(url: str, form: Mapping[str, str], *, timeout: float | None = None) -> Answer:
        return Answer(200, body)

    client = SmsRuClient(httpx.AsyncClient(), API_ID, post_form=answer)
    with pytest.raises(SmsRuError) as caught:
        await client.send(PHONE, "Hello")
    assert caught.value.transient and "not JSON" in caught.value.text


def test_a_client_needs_a_key() -> None:
    with pytest.raises(ValueError):
        SmsRuClient(httpx.AsyncClient(), "")
