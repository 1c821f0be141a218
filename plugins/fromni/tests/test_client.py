"""FromniClient against the fake: requests as the APIs want them, errors classified, the
token hidden."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from hub_fromni.client import FromniClient, FromniError, Step

from .conftest import TOKEN
from .fake_fromni import FakeFromni

REPORT = "https://hub.clinic.ru/plugins/fromni/status/clinic-1/s3cr3t"


def client(http: httpx.AsyncClient, token: str = TOKEN) -> FromniClient:
    return FromniClient(http, token)


def cascade(sender: str | None = "Clinic") -> list[Step]:
    return [Step("telegram", "Ждём вас", 900), Step("sms", "Ждём вас", 172800, sender)]


async def test_an_event_carries_its_name_and_data_with_the_token_header(
    fromni_http: httpx.AsyncClient, fake: FakeFromni
) -> None:
    data = {"client": {"phone": 79181234567}, "text": "Ждём вас", "report": REPORT}
    accepted = await client(fromni_http).transmit_event("clinic_hub_message", data)
    sent = fake.only()
    assert (accepted.id, sent.kind, sent.phone, sent.report) == (
        sent.id,
        "event",
        "79181234567",
        REPORT,
    )
    path, headers, body = fake.requests[-1]
    assert path == "/user/event" and headers["authorization"] == f"Token {TOKEN}"
    assert body == {"name": "clinic_hub_message", "data": data}


async def test_a_cascade_posts_its_route_custom_id_and_report(
    fromni_http: httpx.AsyncClient, fake: FakeFromni
) -> None:
    accepted = await client(fromni_http).send_cascade(
        "+7 (918) 123-45-67", cascade(), custom_id="42", report=REPORT
    )
    sent = fake.sent[accepted.id]
    assert sent.body["custom_id"] == "42" and sent.report == REPORT
    assert sent.body["route"] == [
        {"channel": "telegram", "phone": "79181234567", "text": "Ждём вас", "ttl": 900},
        {
            "channel": "sms",
            "phone": "79181234567",
            "text": "Ждём вас",
            "ttl": 172800,
            "sender": "Clinic",
        },
    ]


async def _unknown_event(c: FromniClient, fake: FakeFromni) -> None:
    await c.transmit_event("no_such_event", {"client": {"phone": 79181234567}})


async def _no_phone(c: FromniClient, fake: FakeFromni) -> None:
    await c.transmit_event("clinic_hub_message", {"client": {}})


async def _bad_number(c: FromniClient, fake: FakeFromni) -> None:
    await c.send_cascade("12", cascade(), custom_id="1", report=None)


async def _no_sms_sender(c: FromniClient, fake: FakeFromni) -> None:
    await c.send_cascade("79181234567", cascade(sender=None), custom_id="1", report=None)


async def _no_money(c: FromniClient, fake: FakeFromni) -> None:
    fake.balance = Decimal("0")
    await c.send_cascade("79181234567", cascade(), custom_id="1", report=None)


@pytest.mark.parametrize(
    ("scenario", "code", "transient", "provider_side", "words"),
    [
        (_unknown_event, "500", False, True, "Campaign for event 'no_such_event' not found"),
        (_no_phone, "500", False, False, "Phone number not found in event data"),
        (
            _bad_number,
            "400",
            False,
            False,
            "route.0.phone: The phone format is invalid.; "
            "route.1.phone: The phone format is invalid.",
        ),
        (_no_sms_sender, "400", False, True, "route.1.sender: The sender field is required."),
        (_no_money, "400", False, True, "Insufficient funds on the balance"),
    ],
)
async def test_each_api_error_is_classified_with_the_apis_own_words(
    fromni_http: httpx.AsyncClient,
    fake: FakeFromni,
    scenario: object,
    code: str,
    transient: bool,
    provider_side: bool,
    words: str,
) -> None:
    with pytest.raises(FromniError) as raised:
        await scenario(client(fromni_http), fake)  # type: ignore[operator]
    error = raised.value
    assert (error.code, error.transient, error.provider_side) == (code, transient, provider_side)
    assert error.text == words and error.raw["result"] == "error"


@pytest.mark.parametrize("path", ["event", "cascade"])
async def test_a_wrong_token_is_the_accounts_fault_on_both_apis(
    fromni_http: httpx.AsyncClient, path: str
) -> None:
    wrong = client(fromni_http, token="00000000-wrong-token-0000")
    with pytest.raises(FromniError) as raised:
        if path == "event":
            await wrong.transmit_event("clinic_hub_message", {"client": {"phone": 79181234567}})
        else:
            await wrong.send_cascade("79181234567", cascade(), custom_id="1", report=None)
    assert raised.value.provider_side and not raised.value.transient
    assert raised.value.code == ("500" if path == "event" else "401")
    assert raised.value.text == "Invalid token"


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_overload_and_server_faults_are_transient(
    fromni_http: httpx.AsyncClient, fake: FakeFromni, status: int
) -> None:
    fake.http_error_next(status)  # a plain-text answer: not the API's own error
    with pytest.raises(FromniError) as raised:
        await client(fromni_http).balance()
    assert raised.value.transient and raised.value.code == str(status)


async def test_unreachable_is_transient_and_hides_the_token() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect ({request.headers['authorization']})")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(FromniError) as raised:
            await client(http).balance()
    assert raised.value.transient and TOKEN not in str(raised.value)


async def test_an_answer_echoing_the_token_is_scrubbed() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"].split()[-1]
        return httpx.Response(400, json={"result": "error", "desc": f"Token {token} blocked"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(echo)) as http:
        with pytest.raises(FromniError) as raised:
            await client(http).send_cascade("79181234567", cascade(), custom_id="1", report=None)
    assert TOKEN not in str(raised.value) and TOKEN not in str(raised.value.raw)
    assert raised.value.provider_side  # a token problem


async def test_balance_and_info(fromni_http: httpx.AsyncClient, fake: FakeFromni) -> None:
    fake.balance = Decimal("84.75")
    found = await client(fromni_http).balance()
    assert (found.amount, found.currency) == (Decimal("84.75"), "RUB")
    assert (await client(fromni_http).info())["login"] == "clinic"
