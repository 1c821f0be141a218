"""Send to a patient by contact priority: the first channel that can reach the patient,
the next one when it cannot — a missing or unusable address at once, a permanent
delivery error when it happens — and the journal shows every attempt."""

from __future__ import annotations

from typing import Any

from probekit import CLINIC, action, action_status, probe_clinic  # noqa: F401

from hub import DeliveryReport
from hub.testing import Harness

MOBILE = "+79181234567"


async def send(hub: Harness, patient_id: str, channels: list[str], **fields: Any) -> int:
    answer = await action(
        hub,
        "send_to_patient",
        {"patient_id": patient_id, "channels": channels, "text": "Ваш код: 4321", **fields},
    )
    return int(answer["message_id"])


def events(message: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(line["event"], line.get("channel")) for line in message["history"]]


async def test_first_usable_channel_is_used_and_skipped_ones_are_journaled(hub: Harness) -> None:
    await probe_clinic(hub)
    await hub.put_patient("P-1", phones=["+7 (495) 123-45-67"], email="ivanov@example.ru")
    message_id = await send(
        hub, "P-1", ["sms", "email"], subject="Код для портала", html="<b>4321</b>"
    )
    await hub.drain()

    message = await hub.message(message_id)
    assert (message["channel"], message["status"]) == ("email", "sent")
    assert events(message)[:2] == [("channel_skipped", "sms"), ("queued", None)]
    assert message["history"][0]["code"] == "not_mobile"
    (call,) = await action(hub, "sent")
    assert call["hook"] == "send_messages"
    (sent,) = call["messages"]
    assert (sent["channel"], sent["address"]) == ("email", "ivanov@example.ru")
    assert (sent["subject"], sent["html"], sent["text"]) == (
        "Код для портала",
        "<b>4321</b>",
        "Ваш код: 4321",
    )


async def test_a_permanent_error_moves_the_message_to_the_next_channel(hub: Harness) -> None:
    await probe_clinic(hub, settings={"fail_addresses": [MOBILE]})
    await hub.put_patient("P-1", phones=["8 (918) 123-45-67"], email="ivanov@example.ru")
    sms_id = await send(hub, "P-1", ["sms", "email"], subject="Код")
    await hub.drain()  # the sms fails for good; the e-mail is queued with that result
    await hub.drain()

    sms = await hub.message(sms_id)
    assert (sms["channel"], sms["status"], sms["error_code"]) == ("sms", "failed", "bad_recipient")
    moved = sms["history"][-1]
    assert (moved["event"], moved["channel"]) == ("channel_fallback", "email")
    email = await hub.message(moved["message_id"])
    assert (email["channel"], email["status"], email["address"], email["subject"]) == (
        "email",
        "sent",
        "ivanov@example.ru",
        "Код",
    )
    assert email["history"][0]["event"] == "channel_fallback"
    assert email["history"][0]["from_message"] == sms_id
    journal = await hub.journal(CLINIC)
    assert sorted(m["channel"] for m in journal["items"]) == ["email", "sms"]
    calls = await action(hub, "sent")
    assert [m["channel"] for c in calls for m in c["messages"]] == ["sms", "email"]
    assert [m["subject"] for c in calls for m in c["messages"]] == [None, "Код"]


async def test_a_failed_delivery_report_moves_it_too(hub: Harness) -> None:
    await probe_clinic(hub)
    await hub.put_patient("P-1", phones=[MOBILE], email="ivanov@example.ru")
    sms_id = await send(hub, "P-1", ["sms", "voice", "email"])
    await hub.drain()
    ctx = await hub.context("probe")
    report = DeliveryReport(provider_message_id=f"probe-{sms_id}", status="failed")
    assert await ctx.report_delivery(report)
    await hub.drain()
    sms = await hub.message(sms_id)
    assert sms["status"] == "failed"
    voice = await hub.message(sms["history"][-1]["message_id"])
    assert (voice["channel"], voice["status"], voice["address"]) == ("voice", "sent", MOBILE)


async def test_when_every_channel_fails_the_last_failure_says_so(hub: Harness) -> None:
    await probe_clinic(hub, settings={"fail_addresses": [MOBILE, "ivanov@example.ru"]})
    await hub.put_patient("P-1", phones=[MOBILE], email="ivanov@example.ru")
    sms_id = await send(hub, "P-1", ["sms", "email"])
    await hub.drain()
    await hub.drain()
    items = (await hub.journal(CLINIC))["items"]
    assert sorted((m["channel"], m["status"]) for m in items) == [
        ("email", "failed"),
        ("sms", "failed"),
    ]
    sms = await hub.message(sms_id)
    email = await hub.message(sms["history"][-1]["message_id"])
    assert email["history"][-1]["event"] == "attempt"  # no channel left: the chain ends


async def test_no_usable_channel_is_an_error_naming_each_reason(hub: Harness) -> None:
    await probe_clinic(hub)
    await hub.put_patient("P-1", phones=["12345"])
    status, body = await action_status(
        hub, "send_to_patient", {"patient_id": "P-1", "channels": ["sms", "email"], "text": "x"}
    )
    assert status == 422
    assert "sms:" in body["detail"] and "invalid_phone" in body["detail"]
    assert "email:" in body["detail"] and "no_email" in body["detail"]
    status, body = await action_status(
        hub, "send_to_patient", {"patient_id": "P-1", "channels": ["fax"], "text": "x"}
    )
    assert (status, "unknown channel 'fax'" in body["detail"]) == (422, True)
    status, body = await action_status(
        hub, "send_to_patient", {"patient_id": "P-404", "channels": ["sms"], "text": "x"}
    )
    assert (status, "unknown patient 'P-404'" in body["detail"]) == (422, True)
    assert (await hub.journal(CLINIC))["total"] == 0


async def test_a_dedupe_key_queues_once(hub: Harness) -> None:
    await probe_clinic(hub)
    await hub.put_patient("P-1", phones=[MOBILE])
    body = {"patient_id": "P-1", "channels": ["sms"], "text": "x", "dedupe_key": "code:1"}
    first = await action(hub, "send_to_patient", body)
    again = await action(hub, "send_to_patient", body)
    assert first["message_id"] is not None and again["message_id"] is None
