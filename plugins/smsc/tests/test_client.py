"""SmscClient against the fake: answers parsed, every error classified, credentials hidden."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from hub_smsc.client import SmscClient, SmscError
from hub_smsc.const import State

from .conftest import API_KEY, LOGIN, PASSWORD
from .fake_smsc import FakeSmsc

BASE = "https://smsc.ru/sys/"


def client(http: httpx.AsyncClient, **credentials: str) -> SmscClient:
    return SmscClient(http, credentials or {"login": LOGIN, "psw": PASSWORD}, BASE)


async def test_send_answers_the_id_parts_cost_and_balance(
    smsc_http: httpx.AsyncClient, fake: FakeSmsc
) -> None:
    sent = await client(smsc_http).send(
        "8 (918) 123-45-67", "Напоминание о приёме", sender="Clinic"
    )
    (message,) = fake.sent()
    assert sent.id == str(message.id) and sent.parts == 1
    assert sent.cost == Decimal("2.10") and sent.balance == Decimal("97.90")
    assert (message.phone, message.sender) == ("89181234567", "Clinic")
    request = fake.requests[-1]
    assert (request["fmt"], request["charset"], request["cost"]) == ("3", "utf-8", "3")
    assert request["phones"] == "+89181234567"


async def test_the_api_key_is_an_alternative_to_login_and_password(
    smsc_http: httpx.AsyncClient, fake: FakeSmsc
) -> None:
    assert await client(smsc_http, apikey=API_KEY).balance() == Decimal("100.00")
    assert "login" not in fake.requests[-1]


@pytest.mark.parametrize(
    ("code", "transient", "provider_side"),
    [
        (1, False, False),
        (2, False, True),
        (3, False, True),
        (4, True, False),
        (6, False, False),
        (7, False, False),
        (8, False, False),
        (9, True, False),
    ],
)
async def test_each_error_code_is_classified(
    smsc_http: httpx.AsyncClient, fake: FakeSmsc, code: int, transient: bool, provider_side: bool
) -> None:
    fake.fail_next(code)
    with pytest.raises(SmscError) as raised:
        await client(smsc_http).send("79181234567", "x")
    error = raised.value
    assert (error.code, error.transient, error.provider_side) == (code, transient, provider_side)
    assert error.text  # SMSC's own words


async def test_wrong_credentials_are_code_2_and_never_echoed(
    smsc_http: httpx.AsyncClient,
) -> None:
    with pytest.raises(SmscError) as raised:
        await client(smsc_http, login=LOGIN, psw="wrong-password-123").balance()
    assert raised.value.code == 2 and raised.value.provider_side
    assert "wrong-password-123" not in str(raised.value)


async def test_no_money_is_code_3(smsc_http: httpx.AsyncClient, fake: FakeSmsc) -> None:
    fake.balance = Decimal("1.00")
    with pytest.raises(SmscError) as raised:
        await client(smsc_http).send("79181234567", "x")
    assert (raised.value.code, raised.value.provider_side) == (3, True)
    assert "id" in raised.value.raw  # SMSC adds the id for codes 3, 6, 7, 8


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_overload_and_server_errors_are_transient(
    smsc_http: httpx.AsyncClient, fake: FakeSmsc, status: int
) -> None:
    fake.http_error_next(status)
    with pytest.raises(SmscError) as raised:
        await client(smsc_http).send("79181234567", "x")
    assert raised.value.transient and str(status) in raised.value.text


async def test_unreachable_is_transient_and_hides_the_password() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url}?psw={PASSWORD}")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(SmscError) as raised:
            await client(http).balance()
    assert raised.value.transient and PASSWORD not in str(raised.value)


async def test_an_answer_that_is_not_json_is_transient() -> None:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, text="<html>maintenance"))
    ) as http:
        with pytest.raises(SmscError) as raised:
            await client(http).balance()
    assert raised.value.transient


async def test_status_finds_a_message_by_id_and_phone(
    smsc_http: httpx.AsyncClient, fake: FakeSmsc
) -> None:
    smsc = client(smsc_http)
    first = await smsc.send("79181234567", "a")
    second = await smsc.send("79181234568", "b")
    fake.deliver(first.id)
    fake.set_state(second.id, 22)
    states = await smsc.status([(first.id, "79181234567"), (second.id, "79181234568")])
    assert states[first.id].state is State.DELIVERED
    assert (states[second.id].state, states[second.id].code) == (State.FAILED, 22)
    assert states[second.id].text == "Неверный номер"
    missing = await smsc.status([(first.id, "79990000000")])
    assert missing[first.id].state is State.FAILED and missing[first.id].code == -3
