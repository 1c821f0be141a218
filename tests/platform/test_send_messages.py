"""The batch hook ``send_messages``: a provider that implements it gets the messages of
one clinic that are due together in one call (at most 100), and each result is recorded
as ``send_message``'s would be."""

from __future__ import annotations

from probekit import CLINIC, action, probe_clinic  # noqa: F401

from hub.testing import Harness


async def queue_many(hub: Harness, count: int, clinic: str = CLINIC) -> None:
    for i in range(count):
        response = await hub.client.post(
            f"/api/v1/clinics/{clinic}/messages",
            json={"phone": f"+7918{i:07d}", "text": f"Сообщение {i}"},
        )
        assert response.status_code == 201, response.text


async def test_due_messages_of_a_clinic_go_in_one_call_each_with_its_result(
    hub: Harness,
) -> None:
    await probe_clinic(hub, settings={"fail_addresses": ["+79180000001"]})
    await queue_many(hub, 3)
    await hub.drain()

    (call,) = await action(hub, "sent")
    assert call["hook"] == "send_messages"
    assert [m["address"] for m in call["messages"]] == [
        "+79180000000",
        "+79180000001",
        "+79180000002",
    ]
    keys = {m["idempotency_key"] for m in call["messages"]}
    assert len(keys) == 3  # each message keeps its own idempotency key
    items = {m["phone"]: m for m in (await hub.journal(CLINIC))["items"]}
    assert items["+79180000000"]["status"] == "sent"
    assert items["+79180000001"]["status"] == "failed"
    assert items["+79180000002"]["status"] == "sent"
    failed = await hub.message(items["+79180000001"]["id"])
    assert failed["history"][-1]["code"] == "bad_recipient"
    sent = await hub.message(items["+79180000000"]["id"])
    assert sent["provider_message_id"] == f"probe-{sent['id']}"


async def test_at_most_a_hundred_per_call_and_clinics_apart(hub: Harness) -> None:
    await probe_clinic(hub)
    await probe_clinic(hub, "clinic-2")
    await queue_many(hub, 130)
    await queue_many(hub, 2, "clinic-2")
    await hub.drain()

    sizes = sorted(len(c["messages"]) for c in await action(hub, "sent"))
    assert max(sizes) <= 100 and sum(sizes) == 130
    assert [len(c["messages"]) for c in await action(hub, "sent", clinic="clinic-2")] == [2]
    assert (await hub.journal(CLINIC, status="sent"))["total"] == 130


async def test_a_provider_that_declines_the_batch_gets_them_one_by_one(hub: Harness) -> None:
    await probe_clinic(hub, settings={"decline_batches": True})
    await queue_many(hub, 2)
    await hub.drain()
    calls = await action(hub, "sent")
    assert [(c["hook"], len(c["messages"])) for c in calls] == [
        ("send_message", 1),
        ("send_message", 1),
    ]
    assert (await hub.journal(CLINIC, status="sent"))["total"] == 2


async def test_the_provider_declares_its_own_sms_parts_limit(hub: Harness) -> None:
    await probe_clinic(hub)  # the probe takes at most 4 parts
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages", json={"phone": "+79181234567", "text": "я" * 300}
    )
    assert response.status_code == 422
    assert "5 SMS parts; probe sends at most 4" in response.text
    response = await hub.client.post(
        f"/api/v1/clinics/{CLINIC}/messages", json={"phone": "+79181234567", "text": "я" * 260}
    )
    assert response.status_code == 201, response.text
