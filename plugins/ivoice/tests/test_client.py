"""IvoiceClient against the fake: the call taken, every error classified, the token hidden."""

from __future__ import annotations

import httpx
import pytest
from hub_ivoice.client import IvoiceClient, IvoiceError

from .conftest import API_URL, TOKEN
from .fake_ivoice import FakeIvoice

PAYLOAD = {
    "id": "P-1",
    "patient": {"id": "P-1", "fullName": "Иванов Иван", "phone": "79181234567"},
    "referrals": [{"id": "A-1", "date": "01.12.2026", "timeStart": "10:30"}],
    "firstReferral": {"id": "A-1", "date": "01.12.2026", "timeStart": "10:30"},
}


def client(http: httpx.AsyncClient, token: str = TOKEN) -> IvoiceClient:
    return IvoiceClient(http, API_URL, token)


async def test_a_call_posts_mgerms_payload_with_the_bearer_token(
    ivoice_http: httpx.AsyncClient, fake: FakeIvoice
) -> None:
    started = await client(ivoice_http).call(PAYLOAD)
    (call,) = fake.calls
    assert started.id == call.id and call.payload == PAYLOAD
    assert fake.headers[-1]["authorization"] == f"Bearer {TOKEN}"


async def test_a_payload_with_other_keys_is_refused_with_ivoices_words(
    ivoice_http: httpx.AsyncClient,
) -> None:
    with pytest.raises(IvoiceError) as raised:
        await client(ivoice_http).call({**PAYLOAD, "extra": 1})
    assert (raised.value.code, raised.value.transient) == (422, False)
    assert "extra: is not allowed." in raised.value.text


@pytest.mark.parametrize(
    ("status", "transient", "provider_side"),
    [(401, False, True), (402, False, True), (429, True, False), (503, True, False)],
)
async def test_each_http_error_is_classified(
    ivoice_http: httpx.AsyncClient,
    fake: FakeIvoice,
    status: int,
    transient: bool,
    provider_side: bool,
) -> None:
    fake.fail_next(status)
    with pytest.raises(IvoiceError) as raised:
        await client(ivoice_http).call(PAYLOAD)
    error = raised.value
    assert (error.code, error.transient, error.provider_side) == (status, transient, provider_side)


async def test_the_check_takes_a_good_token_and_refuses_a_wrong_one_without_echoing_it(
    ivoice_http: httpx.AsyncClient,
) -> None:
    await client(ivoice_http).check()
    with pytest.raises(IvoiceError) as raised:
        await client(ivoice_http, token="wrong-token-987654").check()
    assert raised.value.code == 401 and "wrong-token-987654" not in str(raised.value)


async def test_unreachable_is_transient_and_hides_the_token() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect ({request.headers['authorization']})")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(IvoiceError) as raised:
            await client(http).call(PAYLOAD)
    assert raised.value.transient and TOKEN not in str(raised.value)
