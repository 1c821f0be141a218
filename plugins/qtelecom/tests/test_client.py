"""QtelecomClient against the fake: answers parsed however compressed, every class of
error classified, the password never shown."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest
from hub_qtelecom.client import QtelecomClient, QtelecomError
from hub_qtelecom.const import State

from .conftest import LOGIN, PASSWORD
from .fake_qtelecom import TEXTS, FakeQtelecom

BASE = "https://go.qtelecom.ru/public/http/"


def client(http: httpx.AsyncClient, password: str = PASSWORD) -> QtelecomClient:
    return QtelecomClient(http, LOGIN, password, BASE)


def answering(body: str | bytes, status: int = 200) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(status, content=body))
    )


async def test_send_answers_quicktelecoms_id_group_and_parts(
    qtelecom_http: httpx.AsyncClient, fake: FakeQtelecom
) -> None:
    sent = await client(qtelecom_http).send(
        "8 (918) 123-45-67", "Напоминание о приёме", sender="Clinic"
    )
    (message,) = fake.sent()
    assert (sent.id, sent.group_id, sent.parts) == (str(message.id), str(message.group_id), 1)
    assert (message.phone, message.sender, message.text) == (
        "+89181234567",
        "Clinic",
        "Напоминание о приёме",
    )
    assert f'<sms id="{message.id}"' in sent.raw and PASSWORD not in sent.raw
    request = fake.requests[-1]
    assert (request.params["action"], request.params["user"]) == ("post_sms", LOGIN)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded; charset=UTF-8"


@pytest.mark.parametrize("content_encoding", [True, False], ids=["header", "bare-gzip"])
async def test_gzip_answers_are_read_with_or_without_content_encoding(
    qtelecom_http: httpx.AsyncClient, fake: FakeQtelecom, content_encoding: bool
) -> None:
    fake.gzip_header = content_encoding
    fake.balance, fake.overdraft = Decimal("84.75"), Decimal("100.00")
    account = await client(qtelecom_http).account()
    assert (account.balance, account.overdraft) == (Decimal("84.75"), Decimal("100.00"))
    assert fake.requests[-1].headers["accept-encoding"] == "gzip"
    # the fake did compress: unless the request says gzip=none
    form = {"user": LOGIN, "pass": PASSWORD, "action": "balance"}
    compressed = await qtelecom_http.post(BASE, data=form)
    assert (compressed.headers.get("content-encoding") == "gzip") is content_encoding
    plain = await qtelecom_http.post(BASE, data=form | {"gzip": "none"})
    assert "content-encoding" not in plain.headers and plain.content.startswith(b"<?xml")


def steer(fake: FakeQtelecom, case: dict[str, Any]) -> None:
    if "balance" in case:
        fake.balance = Decimal(case["balance"])
    if "fail" in case:
        fake.fail_next(case["fail"])


@pytest.mark.parametrize(
    ("case", "code", "transient", "provider_side"),
    [
        ({"phone": "+7999999999999"}, "bad_number", False, False),
        ({"password": "wrong-password-123"}, "auth", False, True),
        ({"balance": "0"}, "no_money", False, True),
        ({"sender": "NotMine"}, "sender", False, True),
        ({"fail": TEXTS["empty"]}, "text", False, False),
        ({"fail": TEXTS["busy"]}, "busy", True, False),
        ({"fail": "Внутренняя ошибка сервиса"}, "other", False, True),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
async def test_each_class_of_error_text_is_classified(
    qtelecom_http: httpx.AsyncClient,
    fake: FakeQtelecom,
    case: dict[str, Any],
    code: str,
    transient: bool,
    provider_side: bool,
) -> None:
    steer(fake, case)
    with pytest.raises(QtelecomError) as raised:
        await client(qtelecom_http, case.get("password", PASSWORD)).send(
            case.get("phone", "+79181234567"), "Ждём вас", sender=case.get("sender", "Clinic")
        )
    error = raised.value
    assert (error.code, error.transient, error.provider_side) == (code, transient, provider_side)
    assert error.raw is not None and error.text in error.raw  # QuickTelecom's own words
    assert "wrong-password-123" not in str(error) + error.raw and fake.sent() == []


async def test_a_text_over_480_characters_is_refused_without_asking(
    qtelecom_http: httpx.AsyncClient, fake: FakeQtelecom
) -> None:
    with pytest.raises(QtelecomError) as raised:
        await client(qtelecom_http).send("+79181234567", "я" * 481)
    assert (raised.value.code, raised.value.transient) == ("text", False)
    assert fake.requests == []


@pytest.mark.parametrize(("status", "transient"), [(429, True), (503, True), (404, False)])
async def test_http_errors_are_transient_unless_the_address_is_wrong(
    qtelecom_http: httpx.AsyncClient, fake: FakeQtelecom, status: int, transient: bool
) -> None:
    fake.http_error_next(status)
    with pytest.raises(QtelecomError) as raised:
        await client(qtelecom_http).send("+79181234567", "x")
    assert (raised.value.transient, raised.value.provider_side) == (transient, not transient)
    assert str(status) in raised.value.text


async def test_unreachable_is_transient_and_hides_the_password() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect: pass={PASSWORD}")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(QtelecomError) as raised:
            await client(http).account()
    assert raised.value.transient and PASSWORD not in str(raised.value)


async def test_the_password_is_cut_from_an_answer_that_echoes_it() -> None:
    body = f"<output><errors><error>Неверный пароль {escape(PASSWORD)}</error></errors></output>"
    async with answering(body) as http:
        with pytest.raises(QtelecomError) as raised:
            await client(http).account()
    assert raised.value.code == "auth" and raised.value.raw is not None
    for shown in (PASSWORD, escape(PASSWORD)):
        assert shown not in raised.value.text + raised.value.raw


@pytest.mark.parametrize(
    "body",
    [b"<html>maintenance", b"\x1f\x8b\x08broken", b'<!DOCTYPE x [<!ENTITY a "b">]><output/>'],
    ids=["html", "broken-gzip", "dtd"],
)
async def test_an_answer_that_is_not_quicktelecoms_xml_is_transient(body: bytes) -> None:
    async with answering(body) as http:
        with pytest.raises(QtelecomError) as raised:
            await client(http).account()
    assert raised.value.transient and raised.value.code is None


async def test_the_balance_element_is_found_in_any_letter_case() -> None:
    body = "<output><balance><AGT_BALANCE>12.5</AGT_BALANCE></balance></output>"
    async with answering(body) as http:
        account = await client(http).account()
    assert (account.balance, account.overdraft) == (Decimal("12.5"), None)


async def test_status_reads_each_messages_state(
    qtelecom_http: httpx.AsyncClient, fake: FakeQtelecom
) -> None:
    qt = client(qtelecom_http)
    ids = [(await qt.send(f"+7918123456{n}", "Ждём вас")).id for n in range(3)]
    fake.deliver(ids[0])
    fake.set_state(ids[1], "not_delivered")
    states = await qt.status([*ids, "1"])
    assert states[ids[0]].state is State.DELIVERED
    assert states[ids[0]].at == fake.clock().replace(microsecond=0)  # Moscow time, read as UTC
    failed = states[ids[1]]
    assert (failed.state, failed.code, failed.text) == (
        State.FAILED,
        "not_delivered",
        "Сообщение не доставлено",
    )
    assert (states[ids[2]].state, states[ids[2]].code) == (State.PENDING, "wait")
    assert "1" not in states  # QuickTelecom knows no such message
    assert fake.requests[-1].params == {
        "user": LOGIN,
        "pass": PASSWORD,
        "action": "status",
        "sms_id": "1",
    }
