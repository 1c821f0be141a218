"""The delivery worker: sent, retried, failed, fallen back, each attempt in the journal."""

from __future__ import annotations

import datetime as dt

import pytest
from messagekit import SECRET, ScriptedProvider, send

from hub.settings import HubSettings
from hub.testing import Harness


def events(message: dict) -> list[tuple[str, str, str | None]]:
    return [(h["event"], h["status"], h.get("provider")) for h in message["history"]]


async def test_accepted_message_is_sent_with_provider_id_and_cost(
    hub: Harness, clinic: str, primary: ScriptedProvider
) -> None:
    queued = await send(hub)
    assert queued["status"] == "queued"
    assert queued["phone"] == "+79181234567"
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["status"] == "sent"
    assert message["provider"] == "primary"
    assert message["provider_message_id"] == f"primary-{queued['id']}-1"
    assert message["cost"] == "1.40"
    assert message["sent_at"] == hub.clock.now().isoformat().replace("+00:00", "Z")
    assert events(message) == [("queued", "queued", None), ("attempt", "sent", "primary")]
    assert primary.calls[0].text == "Напоминание о приёме"
    assert primary.keys == [f"clinic-1:message:{queued['id']}"]


@pytest.mark.parametrize("failure", ["transient", "raise"])
async def test_transient_failure_retries_with_growing_backoff(
    hub: Harness, clinic: str, primary: ScriptedProvider, failure: str
) -> None:
    primary.script = [failure, failure]
    queued = await send(hub)
    delays = []
    for _ in range(2):
        start = hub.clock.now()
        await hub.drain()
        message = await hub.message(queued["id"])
        assert message["status"] == "queued"
        due = dt.datetime.fromisoformat(message["next_attempt_at"])
        delays.append((due - start).total_seconds())
        hub.clock.set(due)
    assert 2.5 <= delays[0] <= 5.0  # base 5 s, equal jitter
    assert 5.0 <= delays[1] <= 10.0
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["status"] == "sent"
    assert message["attempts"] == 3
    attempts = [h for h in message["history"] if h["event"] == "attempt"]
    assert [a["outcome"] for a in attempts] == ["transient", "transient", "accepted"]
    assert all(a["provider"] == "primary" for a in attempts)
    # the idempotency key is the same for every retry
    assert len(set(primary.keys)) == 1


async def test_exception_text_is_kept_without_the_secret(
    hub: Harness, clinic: str, primary: ScriptedProvider
) -> None:
    primary.script = ["raise"]
    queued = await send(hub)
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["error_code"] == "plugin_error"
    assert "connection reset" in message["error"]
    assert SECRET not in str(message)


async def test_permanent_failure_fails_at_once_with_code_and_text(
    hub: Harness, clinic: str, primary: ScriptedProvider, backup: ScriptedProvider
) -> None:
    primary.script = ["permanent"]
    queued = await send(hub)
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["status"] == "failed"
    assert (message["error_code"], message["error"]) == ("207", "На этот номер нет маршрута")
    assert message["attempts"] == 1
    assert backup.calls == []  # the recipient's fault: another provider would not help
    assert message["sent_at"] is None


async def test_no_money_falls_back_to_the_next_provider(
    hub: Harness, clinic: str, primary: ScriptedProvider, backup: ScriptedProvider
) -> None:
    primary.script = ["no_money"]
    queued = await send(hub)
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["status"] == "sent"
    assert message["provider"] == "backup"
    assert events(message) == [
        ("queued", "queued", None),
        ("attempt", "queued", "primary"),
        ("fallback", "queued", "primary"),
        ("attempt", "sent", "backup"),
    ]
    assert message["history"][1]["code"] == "201"
    assert message["history"][2]["next"] == "backup"
    assert len(primary.calls) == len(backup.calls) == 1
    journal = await hub.journal("clinic-1")
    assert journal["items"][0]["provider"] == "backup"


async def test_secrets_are_redacted_from_the_raw_answer(
    hub: Harness, clinic: str, primary: ScriptedProvider
) -> None:
    queued = await send(hub)
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["raw"]["request"] == "api_id=***&to=+79181234567"


@pytest.fixture
def hub_settings(hub_settings: HubSettings) -> HubSettings:
    return hub_settings.model_copy(update={"retry_max_attempts": 3})


async def test_provider_down_past_its_retries_falls_back(
    hub: Harness, clinic: str, primary: ScriptedProvider, backup: ScriptedProvider
) -> None:
    primary.script = ["transient", "transient", "transient"]
    queued = await send(hub)
    for _ in range(3):
        await hub.drain()
        hub.clock.advance(dt.timedelta(minutes=5))
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["status"] == "sent"
    assert message["provider"] == "backup"
    assert len(primary.calls) == 3
    fallback = [h for h in message["history"] if h["event"] == "fallback"]
    assert "still failing after 3 attempts" in fallback[0]["text"]


async def test_when_the_last_provider_fails_the_message_fails(
    hub: Harness, clinic: str, primary: ScriptedProvider, backup: ScriptedProvider
) -> None:
    primary.script = ["no_money"]
    backup.script = ["no_money"]
    queued = await send(hub)
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["status"] == "failed"
    assert message["error_code"] == "201"
    assert message["provider"] == "backup"
    assert "no other provider" in message["history"][-1]["text"]


async def test_message_for_a_disabled_provider_route_fails_with_the_reason(
    hub: Harness, clinic: str
) -> None:
    queued = await send(hub)
    for name in ("primary", "backup"):
        response = await hub.client.put(
            f"/api/v1/clinics/clinic-1/plugins/{name}", json={"enabled": False, "settings": {}}
        )
        assert response.status_code == 200, response.text
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["status"] == "failed"
    assert message["error_code"] == "no_provider"
    assert "primary is not enabled" in message["error"]
