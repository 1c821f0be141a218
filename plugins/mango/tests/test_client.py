"""MangoClient against the fake Mango (no hub involved): signing, commands, errors.

The expected meaning of codes is spelled out here, independently of
``hub_mango.const``, so a wrong entry in the table fails a test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import httpx
import pytest
from hub_mango.client import MangoClient, MangoError, Pacer, Task, sign, verify
from hub_mango.const import Kind, classify

from .fake_mango import FakeMango
from .support import API_KEY, API_SALT, API_URL, CAMPAIGN


def client_of(http: httpx.AsyncClient, salt: str = API_SALT, key: str = API_KEY) -> MangoClient:
    return MangoClient(http, key, salt, API_URL)


def test_sign_is_sha256_of_key_json_salt() -> None:
    text = '{"command_id":"cbk1","from":{"extension":"101"},"to_number":"79181234567"}'
    wanted = hashlib.sha256(f"{API_KEY}{text}{API_SALT}".encode()).hexdigest()
    assert sign(API_KEY, text, API_SALT) == wanted
    assert verify(API_KEY, text, API_SALT, wanted.upper())
    assert not verify(API_KEY, text + " ", API_SALT, wanted)
    assert not verify(API_KEY, text, API_SALT, None)


async def test_every_request_is_signed_form(mango_http: httpx.AsyncClient, fake: FakeMango) -> None:
    await client_of(mango_http).callback("cmd-1", "101", "+7 (918) 123-45-67")
    form = fake.requests[-1].form
    assert set(form) == {"vpbx_api_key", "json", "sign"}
    assert form["vpbx_api_key"] == API_KEY
    assert json.loads(form["json"]) == {
        "command_id": "cmd-1",
        "from": {"extension": "101"},
        "to_number": "79181234567",
    }
    assert form["sign"] == hashlib.sha256((API_KEY + form["json"] + API_SALT).encode()).hexdigest()
    assert fake.commands["cmd-1"]["to_number"] == "79181234567"


async def test_custom_fields_by_name(mango_http: httpx.AsyncClient, fake: FakeMango) -> None:
    fields = await client_of(mango_http).custom_fields()
    assert fields == {name: fid for fid, name in fake.fields.items()}
    assert set(fields) == {"Время", "Дата", "Услуга", "Специалист", "Пациент_ФИО"}


async def test_campaign_found_finished_or_missing(
    mango_http: httpx.AsyncClient, fake: FakeMango
) -> None:
    client = client_of(mango_http)
    campaign = await client.campaign(CAMPAIGN)
    assert campaign is not None and not campaign.finished
    fake.campaigns[CAMPAIGN].status = 4
    campaign = await client.campaign(CAMPAIGN)
    assert campaign is not None and campaign.finished
    assert await client.campaign(1) is None


async def test_push_many_tasks_in_one_request(
    mango_http: httpx.AsyncClient, fake: FakeMango
) -> None:
    client = client_of(mango_http)
    tasks = [
        Task(
            number=f"+7918000000{i}",
            name=f"Пациент {i}",
            comment=f"ref{i}",
            custom_fields={5901: "10:30"},
        )
        for i in range(3)
    ]
    await client.push_tasks(CAMPAIGN, tasks)
    assert len(fake.pushes()) == 1
    assert [t.number for t in fake.tasks] == [f"7918000000{i}" for i in range(3)]
    assert fake.tasks[0].custom_fields == {"5901": "10:30"}
    assert fake.tasks[2].comment == "ref2"


async def test_push_to_a_finished_campaign_is_refused(
    mango_http: httpx.AsyncClient, fake: FakeMango
) -> None:
    fake.campaigns[CAMPAIGN].status = 4
    with pytest.raises(MangoError) as caught:
        await client_of(mango_http).push_tasks(CAMPAIGN, [Task(number="79180000000")])
    assert caught.value.code == 4100 and caught.value.kind is Kind.PERMANENT
    assert fake.tasks == []


async def test_push_to_an_unknown_campaign(mango_http: httpx.AsyncClient) -> None:
    with pytest.raises(MangoError) as caught:
        await client_of(mango_http).push_tasks(777, [Task(number="79180000000")])
    assert caught.value.code == 3300 and not caught.value.transient


async def test_push_limits_are_checked_before_sending(mango_http: httpx.AsyncClient) -> None:
    client = client_of(mango_http)
    with pytest.raises(ValueError):
        await client.push_tasks(CAMPAIGN, [])
    with pytest.raises(ValueError):
        await client.push_tasks(CAMPAIGN, [Task(number="79180000000")] * 101)


async def test_wrong_salt_is_an_account_error(mango_http: httpx.AsyncClient) -> None:
    with pytest.raises(MangoError) as caught:
        await client_of(mango_http, salt="wrong").custom_fields()
    error = caught.value
    assert error.code == 3102 and error.account and not error.transient
    assert "wrong" not in str(error)


async def test_unknown_key_is_an_account_error(mango_http: httpx.AsyncClient) -> None:
    with pytest.raises(MangoError) as caught:
        await client_of(mango_http, key="nobody").campaigns()
    assert caught.value.code == 3105 and caught.value.account


async def test_finished_tasks_in_a_window(mango_http: httpx.AsyncClient, fake: FakeMango) -> None:
    client = client_of(mango_http)
    await client.push_tasks(
        CAMPAIGN, [Task(number="79180000001", comment="a"), Task(number="79180000002", comment="b")]
    )
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    fake.finish(fake.tasks[0], 3, at)
    done = await client.finished_tasks(
        CAMPAIGN, at - dt.timedelta(hours=1), at + dt.timedelta(hours=1)
    )
    assert [(t.comment, t.status, t.status_reason) for t in done] == [("a", 4, 3)]
    assert fake.requests[-1].payload["start_date"] == "2026-11-23 08:00:00"


async def test_finished_tasks_window_over_four_hours_is_refused(
    mango_http: httpx.AsyncClient,
) -> None:
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    with pytest.raises(MangoError) as caught:
        await client_of(mango_http).finished_tasks(CAMPAIGN, at, at + dt.timedelta(hours=5))
    assert caught.value.code == 3100


async def test_rate_limit_is_transient(mango_http: httpx.AsyncClient, fake: FakeMango) -> None:
    """Over Mango's limit: HTTP 429 for VPBX commands, result 5008 for campaign ones."""
    client = client_of(mango_http)
    fake.limits["commands/callback"] = 1
    await client.callback("c1", "101", "79180000000")
    with pytest.raises(MangoError) as caught:
        await client.callback("c2", "101", "79180000000")
    assert caught.value.http_status == 429 and caught.value.transient
    fake.total_limit = 1
    with pytest.raises(MangoError) as caught:
        await client.custom_fields()
    assert caught.value.code == 5008 and caught.value.transient


async def test_pacer_keeps_within_the_limit(mango_http: httpx.AsyncClient, fake: FakeMango) -> None:
    """With the pacer, back-to-back commands are spaced and never hit the 429."""
    fake.limits["commands/callback"] = 4
    client = MangoClient(mango_http, API_KEY, API_SALT, API_URL, pacer=Pacer())
    for i in range(6):
        await client.callback(f"c{i}", "101", "79180000000")
    assert len(fake.commands) == 6


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_transient(
    mango_http: httpx.AsyncClient, fake: FakeMango, status: int
) -> None:
    fake.http_error_next(status, "tasks/push")
    with pytest.raises(MangoError) as caught:
        await client_of(mango_http).push_tasks(CAMPAIGN, [Task(number="79180000000")])
    assert caught.value.transient and caught.value.http_status == status
    assert fake.tasks == []


async def test_network_error_is_transient() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(MangoError) as caught:
            await client_of(http).custom_fields()
    assert caught.value.transient and API_KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("code", "kind", "account"),
    [
        (1000, Kind.PERMANENT, False),
        (2240, Kind.PERMANENT, True),
        (2219, Kind.PERMANENT, True),  # class fallback: read as 2210
        (3100, Kind.PERMANENT, False),
        (3102, Kind.PERMANENT, True),
        (3105, Kind.PERMANENT, True),
        (3300, Kind.PERMANENT, False),
        (4100, Kind.PERMANENT, False),
        (5000, Kind.TRANSIENT, False),
        (5008, Kind.TRANSIENT, False),
        (5999, Kind.TRANSIENT, False),
        (2220, Kind.TRANSIENT, False),
    ],
)
def test_code_table(code: int, kind: Kind, account: bool) -> None:
    meaning = classify(code)
    assert (meaning.kind, meaning.account) == (kind, account)
