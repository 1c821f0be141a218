"""ChatpushClient against the fake: answers parsed, every error classified, secrets hidden."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from hub_chatpush.client import ChatpushClient, ChatpushError
from hub_chatpush.const import State

from .conftest import SECRET, TOKEN
from .fake_chatpush import FakeChatpush

BASE = "https://api.chatpush.ru/api/v1"


def client(http: httpx.AsyncClient, token: str = TOKEN) -> ChatpushClient:
    return ChatpushClient(http, token, BASE, hide=(SECRET,))


async def test_send_posts_the_phone_in_digits_with_the_bearer_token(
    chatpush_http: httpx.AsyncClient, fake: FakeChatpush
) -> None:
    sent = await client(chatpush_http).send("+7 (918) 123-45-67", "Ждём вас завтра")
    (message,) = fake.sent()
    assert (sent.id, sent.status, sent.cost) == (str(message.id), "queued", Decimal("1.50"))
    assert (message.phone, message.text) == ("79181234567", "Ждём вас завтра")
    assert fake.headers[-1]["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(fake.requests[-1])


async def test_delivery_reads_the_status_and_balance_the_account(
    chatpush_http: httpx.AsyncClient, fake: FakeChatpush
) -> None:
    chatpush = client(chatpush_http)
    sent = await chatpush.send("79181234567", "a")
    fake.set_status(sent.id, "undelivered", "Number is not on WhatsApp")
    found = await chatpush.delivery(sent.id)
    assert found is not None
    assert (found.state, found.status, found.error) == (
        State.FAILED,
        "undelivered",
        "Number is not on WhatsApp",
    )
    assert await chatpush.balance() == Decimal("779.20")


@pytest.mark.parametrize(
    ("status", "transient", "provider_side"),
    [(401, False, True), (402, False, True), (422, False, False), (429, True, False)],
)
async def test_each_http_error_is_classified(
    chatpush_http: httpx.AsyncClient,
    fake: FakeChatpush,
    status: int,
    transient: bool,
    provider_side: bool,
) -> None:
    fake.fail_next(status)
    with pytest.raises(ChatpushError) as raised:
        await client(chatpush_http).send("79181234567", "x")
    error = raised.value
    assert (error.code, error.transient, error.provider_side) == (status, transient, provider_side)


async def test_a_validation_error_carries_chatpushs_own_words(
    chatpush_http: httpx.AsyncClient,
) -> None:
    with pytest.raises(ChatpushError) as raised:
        await client(chatpush_http).send("123", "x")
    assert raised.value.code == 422 and not raised.value.transient
    assert "The phone format is invalid." in raised.value.text


async def test_a_wrong_token_is_401_and_never_echoed(chatpush_http: httpx.AsyncClient) -> None:
    with pytest.raises(ChatpushError) as raised:
        await client(chatpush_http, token="wrong-token-123456").balance()
    assert (raised.value.code, raised.value.provider_side) == (401, True)
    assert "Unauthenticated." in raised.value.text
    assert "wrong-token-123456" not in str(raised.value)


async def test_server_errors_and_unreachable_are_transient_and_hide_the_secrets(
    chatpush_http: httpx.AsyncClient, fake: FakeChatpush
) -> None:
    fake.fail_next(502)
    with pytest.raises(ChatpushError) as raised:
        await client(chatpush_http).send("79181234567", "x")
    assert raised.value.transient and raised.value.code == 502

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url} ({TOKEN})")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(ChatpushError) as raised:
            await client(http).add_webhook(f"https://hub/x?secret={SECRET}", ["delivery_status"])
    assert raised.value.transient
    assert TOKEN not in str(raised.value) and SECRET not in str(raised.value)


async def test_webhooks_are_listed_added_and_deleted(
    chatpush_http: httpx.AsyncClient, fake: FakeChatpush
) -> None:
    chatpush = client(chatpush_http)
    added = await chatpush.add_webhook("https://hub.example/w?secret=s", ["a", "b"])
    assert added is not None and added.types == ("a", "b")
    assert [(w.url, w.types) for w in await chatpush.webhooks()] == [
        ("https://hub.example/w?secret=s", ("a", "b"))
    ]
    await chatpush.delete_webhook(added.id)
    assert await chatpush.webhooks() == []
    with pytest.raises(ChatpushError) as raised:
        await chatpush.delete_webhook(added.id)
    assert raised.value.code == 404
