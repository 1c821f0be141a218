"""Jobs and actions on the account: callback registration, low balance, the stop list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from hub.settings import HubSettings
from hub.testing import BASE_URL, Harness

from .fake_smsru import FakeSmsRu
from .support import API_ID, CLINIC, callback_path, stored_secret

JOBS = f"/api/v1/clinics/{CLINIC}/plugins/smsru/jobs"
ACTIONS = f"/api/v1/clinics/{CLINIC}/plugins/smsru/actions"


async def run_job(hub: Harness, job: str) -> dict[str, Any]:
    response = await hub.client.post(f"{JOBS}/{job}/run")
    assert response.status_code == 200, response.text
    return dict(response.json())


# --- callback registration ---------------------------------------------------------------------


async def test_registration_job_registers_this_clinics_address(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    run = await run_job(hub, "register_callback")
    secret = await stored_secret(hub)
    assert fake.account.callbacks == [BASE_URL + callback_path(secret)]
    assert run["status"] == "ok" and run["summary"].startswith("registered")
    again = await run_job(hub, "register_callback")
    assert again["summary"] == "callback address already registered"
    assert fake.calls("callback/add").__len__() == 1


async def test_registration_replaces_the_address_of_a_rotated_secret(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    other = "https://other.example/sms"
    fake.account.callbacks.append(other)
    await run_job(hub, "register_callback")
    old = BASE_URL + callback_path(await stored_secret(hub))
    await hub.enable("smsru", CLINIC, settings={"callback_secret": None})
    hub.runtime.invalidate()
    run = await run_job(hub, "register_callback")
    new = BASE_URL + callback_path(await stored_secret(hub))
    assert fake.account.callbacks == [other, new] and old != new
    assert "removed 1 stale" in run["summary"]


async def test_the_scheduler_registers_the_address_once_enabled(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    await hub.tick()
    assert len(fake.account.callbacks) == 1


async def test_the_job_log_and_action_never_show_the_secret(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    await run_job(hub, "register_callback")
    answer = await hub.client.post(f"{ACTIONS}/register_callback", json={})
    assert answer.status_code == 200 and answer.json()["registered"] is True
    log = await hub.client.get(f"/api/v1/clinics/{CLINIC}/jobs")
    secret = await stored_secret(hub)
    for text in (answer.text, log.text):
        assert secret not in text and API_ID not in text
    assert "•••" in answer.json()["url"]


async def test_register_callback_action_reports_sms_ru_errors(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.fail_next(200, method="callback/get")
    answer = await hub.client.post(f"{ACTIONS}/register_callback", json={})
    assert answer.status_code == 502 and "Неправильный api_id" in answer.json()["detail"]
    assert API_ID not in answer.text


async def test_stoplist_action_shows_sms_rus_list(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.account.stoplist["79181234567"] = "отказ"
    answer = await hub.client.post(f"{ACTIONS}/stoplist", json={})
    assert answer.json() == {"stoplist": {"79181234567": "отказ"}}
    bad = await hub.client.post(f"{ACTIONS}/stoplist", json={"unexpected": 1})
    assert bad.status_code == 422


class TestWithoutPublicUrl:
    @pytest.fixture
    def hub_settings(self, hub_settings: HubSettings) -> HubSettings:
        return hub_settings.model_copy(update={"public_url": None})

    async def test_nothing_is_registered(self, hub: Harness, clinic: str, fake: FakeSmsRu) -> None:
        run = await run_job(hub, "register_callback")
        assert "HUB_PUBLIC_URL is not set" in run["summary"]
        assert fake.requests == [] and fake.account.callbacks == []
        check = (await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/smsru/check")).json()
        assert check["ok"] is True and "status poll only" in check["details"]["callback"]


# --- low balance ---------------------------------------------------------------------------------


async def low_balance_events(hub: Harness) -> list[dict[str, Any]]:
    return [e for e in await hub.feed(CLINIC) if e["type"] == "smsru.low_balance"]


async def test_low_balance_warns_once_per_crossing(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    await hub.enable("smsru", CLINIC, settings={"low_balance_threshold": "50"})
    await run_job(hub, "low_balance")
    assert await low_balance_events(hub) == []
    fake.account.balance = Decimal("40.00")
    await run_job(hub, "low_balance")
    await run_job(hub, "low_balance")
    events = await low_balance_events(hub)
    assert len(events) == 1 and events[0]["source"] == "smsru"
    assert events[0]["data"]["balance"] == "40.00" and events[0]["data"]["threshold"] == "50"
    fake.account.balance = Decimal("60.00")
    await run_job(hub, "low_balance")
    fake.account.balance = Decimal("10.00")
    await run_job(hub, "low_balance")
    assert len(await low_balance_events(hub)) == 2


async def test_low_balance_job_is_not_scheduled_without_a_threshold(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.account.balance = Decimal("0.00")
    await hub.tick()
    assert fake.calls("my/balance") == []
    assert await low_balance_events(hub) == []


async def test_low_balance_job_runs_on_schedule(hub: Harness, clinic: str, fake: FakeSmsRu) -> None:
    await hub.enable("smsru", CLINIC, settings={"low_balance_threshold": "500"})
    hub.runtime.invalidate()
    await hub.tick()
    assert len(await low_balance_events(hub)) == 1
    hub.clock.advance(11 * 60)
    await hub.tick()
    assert len(fake.calls("my/balance")) == 2 and len(await low_balance_events(hub)) == 1


async def test_low_balance_job_failure_is_logged(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    await hub.enable("smsru", CLINIC, settings={"low_balance_threshold": "50"})
    fake.fail_next(220, method="my/balance")
    run = await run_job(hub, "low_balance")
    assert run["status"] == "error" and "220" in run["summary"]


# --- the stop list, through the hub ------------------------------------------------------------


async def test_the_clinics_stop_list_is_mirrored_at_sms_ru(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    url = f"/api/v1/clinics/{CLINIC}/stoplist/8 (918) 123-45-67"
    assert (await hub.client.put(url, json={"note": "просил не писать"})).status_code == 200
    await hub.drain()
    assert fake.account.stoplist == {"79181234567": "просил не писать"}
    assert (await hub.client.delete(url)).status_code in (200, 204)
    await hub.drain()
    assert fake.account.stoplist == {}


async def test_a_stop_list_change_sms_ru_could_not_take_is_retried(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.fail_next(220, method="stoplist/add")
    url = f"/api/v1/clinics/{CLINIC}/stoplist/+79181234567"
    assert (await hub.client.put(url, json={"note": "отказ"})).status_code == 200
    await hub.drain()
    assert fake.account.stoplist == {}
    hub.clock.advance(dt.timedelta(minutes=5))
    await hub.drain()
    assert fake.account.stoplist == {"79181234567": "отказ"}
    assert len(fake.calls("stoplist/add")) == 2
