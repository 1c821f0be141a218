"""The plugin in a running hub: discovery, then each hook (success, transient, permanent)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hub import Balance, CostEstimate, DeliveryResult, OutgoingMessage
from hub.plugins import PluginCallError
from hub.testing import Harness

from .fake_smsru import PRICE, FakeSmsRu
from .support import API_ID, CLINIC

PHONE = "+79181234567"
DIGITS = "79181234567"
HOOKS = {
    "check_settings",
    "estimate_cost",
    "get_balance",
    "get_plugin_status",
    "on_stoplist_changed",
    "register_actions",
    "register_channels",
    "register_jobs",
    "register_routes",
    "register_settings_model",
    "send_message",
    "send_messages",
}


def sms(text: str = "Напоминаем о приёме", address: str = PHONE, **fields: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "id": 1,
        "clinic_id": CLINIC,
        "kind": "one_off",
        "channel": "sms",
        "address": address,
        "text": text,
        "idempotency_key": "k-1",
        **fields,
    }
    return OutgoingMessage(**values)


async def test_plugin_is_discovered(hub: Harness) -> None:
    """The entry point appears in GET /api/v1/plugins with its settings schema."""
    listed = (await hub.client.get("/api/v1/plugins")).json()["items"]
    plugin = {p["name"]: p for p in listed}["smsru"]
    assert plugin["status"] == "loaded" and plugin["distribution"] == "clinic-hub-smsru"
    assert plugin["description"].startswith("SMS through sms.ru")
    assert set(plugin["hooks"]) == HOOKS
    assert plugin["channels"] == ["sms"]
    schema = plugin["settings_schema"]
    assert schema["required"] == ["api_id"]
    assert schema["properties"]["api_id"]["writeOnly"] is True
    jobs = {j["name"] for j in plugin["jobs"]}
    assert jobs == {"status_poll", "low_balance", "register_callback"}
    assert {a["name"] for a in plugin["actions"]} == {"register_callback", "stoplist"}


async def test_hook_register_routes_mounts_the_callback(hub: Harness) -> None:
    response = await hub.client.post("/plugins/smsru/callback/nowhere/secret", data={"hash": "x"})
    assert response.status_code == 404
    assert response.json()["detail"] == "smsru is not set up for clinic 'nowhere'"


# --- send_message --------------------------------------------------------------------------


async def test_hook_send_message_accepted_with_id_and_cost(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    result = await hub.call("smsru", "send_message", message=sms())
    assert isinstance(result, DeliveryResult) and result.outcome == "accepted"
    assert result.provider_message_id in fake.messages
    assert result.cost == PRICE  # one part: 19 Cyrillic characters
    assert fake.account.balance == Decimal("100.00") - PRICE
    assert result.raw["sms"][DIGITS]["sms_id"] == result.provider_message_id
    assert fake.calls("sms/send")[0].form["from"] == "Clinic"


async def test_hook_send_message_ignores_other_channels(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    assert await hub.call("smsru", "send_message", message=sms(channel="email")) is None
    assert fake.requests == []


@pytest.mark.parametrize(
    ("setup", "outcome", "code", "provider_side"),
    [
        (lambda f: f.fail_next(220), "transient", "220", False),
        (lambda f: f.fail_next(500), "transient", "500", False),
        (lambda f: f.http_error_next(503), "transient", None, False),
        (lambda f: f.number_codes.update({DIGITS: 231}), "transient", "231", False),
        (lambda f: f.number_codes.update({DIGITS: 207}), "permanent", "207", False),
        (lambda f: f.number_codes.update({DIGITS: 215}), "permanent", "215", False),
        (lambda f: f.account.stoplist.update({DIGITS: "отказ"}), "permanent", "209", False),
        (lambda f: setattr(f.account, "balance", Decimal("1")), "permanent", "201", True),
        (lambda f: f.account.senders.clear(), "permanent", "204", True),
        (lambda f: f.fail_next(200), "permanent", "200", True),
        (lambda f: setattr(f.account, "total_limit", 0), "permanent", "206", True),
        (lambda f: f.http_error_next(404), "permanent", None, True),
    ],
)
async def test_hook_send_message_errors(
    hub: Harness,
    clinic: str,
    fake: FakeSmsRu,
    setup: Any,
    outcome: str,
    code: str | None,
    provider_side: bool,
) -> None:
    setup(fake)
    result = await hub.call("smsru", "send_message", message=sms())
    got = (result.outcome, result.error_code, result.provider_side)
    assert got == (outcome, code, provider_side)
    assert result.error_text and API_ID not in result.error_text
    assert fake.messages == {}


async def test_hook_send_message_with_an_empty_number(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    result = await hub.call("smsru", "send_message", message=sms(address="нет"))
    assert (result.outcome, result.error_code) == ("permanent", "202")
    assert fake.requests == []


async def test_hook_send_message_cost_lookup_off_makes_one_request(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    await hub.enable("smsru", CLINIC, settings={"cost_lookup": False})
    result = await hub.call("smsru", "send_message", message=sms())
    assert result.outcome == "accepted" and result.cost is None
    assert [r.path for r in fake.requests] == ["/sms/send"]


async def test_hook_send_message_cost_failure_does_not_fail_the_send(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.fail_next(220, method="sms/cost")
    result = await hub.call("smsru", "send_message", message=sms())
    assert result.outcome == "accepted" and result.cost is None


async def test_hook_send_message_test_mode_charges_nothing(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    await hub.enable("smsru", CLINIC, settings={"test": True, "translit": True})
    result = await hub.call("smsru", "send_message", message=sms())
    assert result.outcome == "accepted" and result.cost == Decimal(0)
    assert fake.account.balance == Decimal("100.00") and fake.messages == {}
    form = fake.calls("sms/send")[0].form
    assert (form["test"], form["translit"]) == ("1", "1")
    assert fake.calls("sms/cost") == []


# --- account hooks -------------------------------------------------------------------------


async def test_hook_get_balance(hub: Harness, clinic: str, fake: FakeSmsRu) -> None:
    fake.account.balance = Decimal("4122.56")
    assert await hub.call("smsru", "get_balance") == Balance(amount=Decimal("4122.56"))


async def test_hook_get_balance_failure_raises_for_the_hub(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.fail_next(200, method="my/balance")
    with pytest.raises(PluginCallError) as caught:
        await hub.call("smsru", "get_balance")
    assert API_ID not in caught.value.error


async def test_hook_estimate_cost_batches_by_100_with_unique_numbers(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    messages = tuple(sms(address=f"+7918{i:07d}") for i in range(150))
    messages += (
        sms(address="+79180000000"),
        sms(text="Ж" * 80, address="+79180000001"),
        sms(channel="email", address="a@b.c"),
    )
    estimate = await hub.call("smsru", "estimate_cost", messages=messages)
    assert estimate == CostEstimate(total_cost=PRICE * 153, parts=153)
    sizes = [sum(k.startswith("to[") for k in r.form) for r in fake.calls("sms/cost")]
    assert sizes == [100, 52] and fake.calls("sms/send") == []


async def test_hook_estimate_cost_none_without_sms(hub: Harness, clinic: str) -> None:
    assert await hub.call("smsru", "estimate_cost", messages=(sms(channel="voice"),)) is None


async def test_hook_get_plugin_status(hub: Harness, clinic: str, fake: FakeSmsRu) -> None:
    fake.account.used_today = 7
    response = await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/smsru/status")
    body = response.json()
    assert body["ok"] is True
    status = body["status"]
    assert status["limit"] == {"total_limit": 500, "used_today": 7}
    assert status["balance"] == "100.00" and status["senders"] == ["Clinic"]
    assert status["callback"]["registered"] is False
    assert "•••" in status["callback"]["url"]


async def test_status_hides_the_callback_secrets_of_other_clinics_too(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    """A shared sms.ru account lists every clinic's callback address."""
    other = "https://hub.example/plugins/smsru/callback/clinic-2/other-clinics-secret-42"
    fake.account.callbacks.append(other)
    response = await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/smsru/status")
    handlers = response.json()["status"]["callback"]["handlers"]
    assert "other-clinics-secret-42" not in response.text
    assert any(
        h.startswith("https://hub.example/plugins/smsru/callback/clinic-2/") for h in handlers
    )


async def test_hook_get_plugin_status_shows_a_failing_part(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    fake.fail_next(500, method="my/limit")
    status = (await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/smsru/status")).json()
    assert status["status"]["limit"]["code"] == 500 and status["status"]["balance"] == "100.00"


# --- check_settings --------------------------------------------------------------------------


async def test_hook_check_settings_passes(hub: Harness, clinic: str) -> None:
    result = (await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/smsru/check")).json()
    assert result["ok"] is True, result
    assert result["details"]["balance"] == "100.00"


@pytest.mark.parametrize(
    ("setup", "settings", "words"),
    [
        (lambda f: None, {"api_id": "WRONG-KEY-0000"}, "rejected the api_id"),
        (lambda f: setattr(f.account, "confirmed", False), {}, "not confirmed"),
        (lambda f: None, {"sender": "Other"}, "'Other' is not approved"),
        (lambda f: setattr(f.account, "balance", Decimal("0")), {}, "balance is 0"),
        (lambda f: f.http_error_next(503, method="auth/check"), {}, "could not be reached"),
    ],
)
async def test_hook_check_settings_fails_with_sentences(
    hub: Harness, clinic: str, fake: FakeSmsRu, setup: Any, settings: dict[str, Any], words: str
) -> None:
    setup(fake)
    await hub.enable("smsru", CLINIC, settings=settings)
    result = (await hub.client.post(f"/api/v1/clinics/{CLINIC}/plugins/smsru/check")).json()
    assert result["ok"] is False
    assert words in " ".join(result["problems"])


async def test_saving_with_check_refuses_a_wrong_key_and_saves_nothing(
    hub: Harness, clinic: str
) -> None:
    response = await hub.client.put(
        f"/api/v1/clinics/{CLINIC}/plugins/smsru",
        params={"check": "true"},
        json={"enabled": True, "settings": {"api_id": "WRONG-KEY-0000"}},
    )
    assert response.status_code == 422 and "rejected the api_id" in response.text
    assert "WRONG-KEY-0000" not in response.text
    shown = (await hub.client.get(f"/api/v1/clinics/{CLINIC}/plugins/smsru")).json()
    assert shown["settings"]["api_id"] == "••••E8F9"


# --- on_stoplist_changed -----------------------------------------------------------------------


async def test_hook_on_stoplist_changed_adds_and_removes(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    await hub.call("smsru", "on_stoplist_changed", phone=PHONE, blocked=True, note="отказ")
    assert fake.account.stoplist == {DIGITS: "отказ"}
    await hub.call("smsru", "on_stoplist_changed", phone=PHONE, blocked=False, note="")
    assert fake.account.stoplist == {}


async def test_hook_on_stoplist_changed_bad_number_is_not_retried(
    hub: Harness, clinic: str, fake: FakeSmsRu
) -> None:
    result = await hub.call("smsru", "on_stoplist_changed", phone="+12", blocked=True, note="")
    assert result is None and fake.account.stoplist == {}


@pytest.mark.parametrize("code", [220, 200])
async def test_hook_on_stoplist_changed_raises_to_be_retried(
    hub: Harness, clinic: str, fake: FakeSmsRu, code: int
) -> None:
    fake.fail_next(code, method="stoplist/add")
    with pytest.raises(PluginCallError):
        await hub.call("smsru", "on_stoplist_changed", phone=PHONE, blocked=True, note="x")
    assert fake.account.stoplist == {}
    await hub.call("smsru", "on_stoplist_changed", phone=PHONE, blocked=True, note="x")
    assert fake.account.stoplist == {DIGITS: "x"}
