"""Telephony: who is calling, call history, click to call; every webhook signed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import httpx
import pytest

from hub.testing import Harness

from .fake_mango import FakeMango
from .support import API_KEY, API_SALT, CLINIC, SETTINGS, action, feed_of, webhook_base

BASE = webhook_base()


async def test_an_incoming_call_finds_the_patient(
    hub: Harness, clinic: str, fake: FakeMango, mango_calls: httpx.AsyncClient
) -> None:
    """The card keeps «8 (918) 123-45-67»; Mango says 79181234567."""
    answers = await fake.incoming_call(mango_calls, BASE, "79181234567", "101")
    assert [r.status_code for r in answers] == [200, 200, 200]
    (event,) = await feed_of(hub, "call.incoming")
    assert event["source"] == "mango"
    data = event["data"]
    assert (data["phone"], data["extension"], data["patient_ids"]) == (
        "+79181234567",
        "101",
        ["P-1001"],
    )
    # Mango repeats events: the card is opened once per call and extension
    await fake.incoming_call(mango_calls, BASE, "79181234567", "101")
    assert len(await feed_of(hub, "call.incoming")) == 1


async def test_a_call_from_an_unknown_number(
    hub: Harness, clinic: str, fake: FakeMango, mango_calls: httpx.AsyncClient
) -> None:
    await fake.incoming_call(mango_calls, BASE, "74950000000", "102", entry_id="E2")
    (event,) = await feed_of(hub, "call.incoming")
    assert event["data"]["patient_ids"] == []


@pytest.mark.parametrize(
    "forge",
    [
        {"salt": "not-the-salt"},
        {"key": "another-account"},
        {"drop": "sign"},
        {"drop": "vpbx_api_key"},
        {"drop": "json"},
    ],
)
async def test_a_bad_or_missing_sign_is_401_and_changes_nothing(
    hub: Harness,
    clinic: str,
    fake: FakeMango,
    mango_calls: httpx.AsyncClient,
    forge: dict[str, str],
) -> None:
    payload = {
        "entry_id": "E9",
        "call_id": "c",
        "seq": 2,
        "call_state": "Appeared",
        "location": "abonent",
        "from": {"number": "79181234567"},
        "to": {"extension": "101"},
    }
    summary = {
        "entry_id": "E9",
        "call_direction": 1,
        "from": {"number": "79181234567"},
        "to": {"extension": "101"},
        "create_time": 1795000000,
        "talk_time": 0,
        "end_time": 1795000020,
        "entry_result": 0,
        "disconnect_reason": 1110,
    }
    for path, body in (
        ("events/call", payload),
        ("events/summary", summary),
        ("result/callback", {"command_id": "x", "result": 1000}),
        ("ping", {}),
    ):
        if "drop" in forge:
            form = fake.signed_form(body)
            del form[forge["drop"]]
            response = await mango_calls.post(f"{BASE}/{path}", data=form)
        else:
            response = await fake.webhook(mango_calls, BASE, path, body, **forge)
        assert response.status_code == 401, (path, response.text)
    assert await feed_of(hub, "call.incoming") == []
    assert await feed_of(hub, "call.finished") == []


async def test_webhooks_of_an_unknown_clinic_are_404(
    hub: Harness, clinic: str, fake: FakeMango, mango_calls: httpx.AsyncClient
) -> None:
    response = await fake.webhook(mango_calls, webhook_base("nowhere"), "ping", {})
    assert response.status_code == 404


async def test_ping_and_other_events_are_acknowledged(
    hub: Harness, clinic: str, fake: FakeMango, mango_calls: httpx.AsyncClient
) -> None:
    assert (await fake.webhook(mango_calls, BASE, "ping", {})).status_code == 200
    dtmf = {"seq": 1, "dtmf": "1", "timestamp": 1795000000, "call_id": "c", "entry_id": "E"}
    assert (await fake.webhook(mango_calls, BASE, "events/dtmf", dtmf)).status_code == 200


async def test_finished_calls_are_kept_published_and_listed(
    hub: Harness, clinic: str, fake: FakeMango, mango_calls: httpx.AsyncClient
) -> None:
    start = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)  # 16:00 in Vladivostok
    answered = await fake.call_summary(
        mango_calls,
        BASE,
        entry_id="E1",
        direction=1,
        from_number="79181234567",
        to_extension="101",
        talk_seconds=95,
        start=start,
        disconnect_reason=1120,
    )
    assert answered.status_code == 200, answered.text
    await fake.call_summary(
        mango_calls,
        BASE,
        entry_id="E2",
        direction=2,
        from_extension="101",
        to_number="74950000000",
        start=start + dt.timedelta(hours=1),
    )
    await fake.call_summary(  # a repeat of E1: kept once
        mango_calls,
        BASE,
        entry_id="E1",
        direction=1,
        from_number="79181234567",
        to_extension="101",
        talk_seconds=95,
        start=start,
    )
    finished = await feed_of(hub, "call.finished")
    assert [e["data"]["entry_id"] for e in finished] == ["E1", "E2"]
    first = finished[0]["data"]
    assert (first["direction"], first["talk_seconds"], first["answered"]) == ("incoming", 95, True)
    assert first["patient_ids"] == ["P-1001"] and first["result"] == 1120
    assert first["start"] == "2026-11-23T06:00:00+00:00"

    history = await action(
        hub, "call_history", {"from": "2026-11-23T00:00:00", "to": "2026-11-24T00:00:00"}
    )
    assert history.status_code == 200, history.text
    assert [c["entry_id"] for c in history.json()["calls"]] == ["E1", "E2"]
    one = await action(
        hub,
        "call_history",
        {"phone": "8 (918) 123-45-67", "from": "2026-11-23", "to": "2026-11-24"},
    )
    assert [c["entry_id"] for c in one.json()["calls"]] == ["E1"]
    # local times: 16:00-17:00 Vladivostok holds only E1
    narrow = await action(
        hub, "call_history", {"from": "2026-11-23T16:00:00", "to": "2026-11-23T16:30:00"}
    )
    assert [c["entry_id"] for c in narrow.json()["calls"]] == ["E1"]
    bad = await action(hub, "call_history", {"from": "2026-11-24", "to": "2026-11-23"})
    assert bad.status_code == 422
    bad = await action(
        hub, "call_history", {"phone": "abc", "from": "2026-11-23", "to": "2026-11-24"}
    )
    assert bad.status_code == 422


async def test_a_summary_without_its_fields_is_400(
    hub: Harness, clinic: str, fake: FakeMango, mango_calls: httpx.AsyncClient
) -> None:
    response = await fake.webhook(mango_calls, BASE, "events/summary", {"call_direction": 1})
    assert response.status_code == 400
    response = await mango_calls.post(
        f"{BASE}/events/summary",
        data={
            "vpbx_api_key": API_KEY,
            "json": "{not json",
            "sign": hashlib.sha256((API_KEY + "{not json" + API_SALT).encode()).hexdigest(),
        },
    )
    assert response.status_code == 400


async def test_click_to_call_is_signed_and_its_result_recorded(
    hub: Harness, clinic: str, fake: FakeMango, mango_calls: httpx.AsyncClient
) -> None:
    answer = await action(hub, "call", {"phone": "8 (918) 123-45-67"})
    assert answer.status_code == 200, answer.text
    command_id = answer.json()["command_id"]
    request = fake.requests[-1]
    assert request.path == "commands/callback"
    form = request.form
    assert form["vpbx_api_key"] == API_KEY
    assert form["sign"] == hashlib.sha256((API_KEY + form["json"] + API_SALT).encode()).hexdigest()
    assert json.loads(form["json"]) == {
        "command_id": command_id,
        "from": {"extension": "101"},
        "to_number": "79181234567",
    }
    pending = await action(hub, "call_result", {"command_id": command_id})
    assert pending.json()["result"] is None
    result = await fake.send_callback_result(mango_calls, BASE, command_id, "1000")
    assert result.status_code == 200
    done = await action(hub, "call_result", {"command_id": command_id})
    assert (done.json()["result"], done.json()["text"]) == (1000, "Действие успешно выполнено")
    other = await action(hub, "call", {"phone": "+74950000000", "extension": "205"})
    assert json.loads(fake.requests[-1].form["json"])["from"] == {"extension": "205"}
    assert other.status_code == 200


async def test_click_to_call_errors(hub: Harness, clinic: str, fake: FakeMango) -> None:
    assert (await action(hub, "call", {"phone": "not a number"})).status_code == 422
    assert (
        await action(hub, "call", {"phone": "+79181234567", "extension": "x"})
    ).status_code == 422
    fake.http_error_next(503, "commands/callback")
    busy = await action(hub, "call", {"phone": "+79181234567"})
    assert busy.status_code == 503 and "Mango did not place the call" in busy.json()["detail"]
    fake.limits.clear()
    wrong = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/mango",
        json={"enabled": True, "settings": {**SETTINGS, "api_salt": "wrong"}},
    )
    assert wrong.status_code == 200
    refused = await action(hub, "call", {"phone": "+79181234567"})
    assert refused.status_code == 502 and "sign" in refused.json()["detail"]
    assert (await action(hub, "call_result", {"command_id": "nope"})).status_code == 404
