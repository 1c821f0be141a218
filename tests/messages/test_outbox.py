"""Queueing, quiet hours, rate limits, leases, dedupe keys and delivery reports."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from messagekit import ScriptedProvider, send

from hub import DeliveryReport
from hub.db.models import Message
from hub.messages.claim import claim
from hub.messages.queue import EmptyText, InvalidAddress, queue_message
from hub.testing import Harness

MSK = dt.timezone(dt.timedelta(hours=3))


async def test_night_message_waits_for_the_morning(
    hub: Harness, clinic: str, primary: ScriptedProvider
) -> None:
    hub.clock.set(dt.datetime(2026, 11, 23, 22, 30, tzinfo=MSK))
    queued = await send(hub)
    assert queued["next_attempt_at"] == "2026-11-24T06:00:00Z"  # 09:00 in Moscow
    await hub.drain()
    assert primary.calls == []
    hub.clock.set(dt.datetime(2026, 11, 24, 9, 0, tzinfo=MSK))
    await hub.drain()
    assert (await hub.message(queued["id"]))["status"] == "sent"


async def test_quiet_hours_follow_the_clinic_time_zone_and_options(
    hub: Harness, primary: ScriptedProvider
) -> None:
    await hub.create_clinic(
        "clinic-1",
        timezone="Asia/Vladivostok",
        channels={"sms": ["primary"]},
        quiet_hours={"start": "20:00", "end": "08:30"},
    )
    await hub.enable("primary", "clinic-1")
    hub.clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))  # 20:00 in Vladivostok
    queued = await send(hub)
    assert queued["next_attempt_at"] == "2026-11-23T22:30:00Z"  # 08:30 next day there


async def test_a_retry_that_falls_into_the_night_waits_again(
    hub: Harness, clinic: str, primary: ScriptedProvider
) -> None:
    """The worker checks quiet hours at send time, not only when queueing."""
    hub.clock.set(dt.datetime(2026, 11, 23, 20, 59, 58, tzinfo=MSK))
    primary.script = ["transient"]
    queued = await send(hub)
    await hub.drain()
    message = await hub.message(queued["id"])
    retry_at = dt.datetime.fromisoformat(message["next_attempt_at"])
    assert retry_at == dt.datetime(2026, 11, 24, 9, 0, tzinfo=MSK)  # moved out of the night
    # a message claimed during the night (say the options changed) is put back, unsent
    async with hub.runtime.db.session() as session:
        await session.execute(
            sa.update(Message)
            .where(Message.id == queued["id"])
            .values(  # type: ignore[arg-type]
                next_attempt_at=dt.datetime(2026, 11, 23, 23, 0, tzinfo=MSK)
            )
        )
    hub.clock.set(dt.datetime(2026, 11, 23, 23, 0, tzinfo=MSK))
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["status"] == "queued"
    assert message["history"][-1]["event"] == "quiet_hours"
    assert len(primary.calls) == 1


async def test_rate_limit_holds_the_excess_for_later(
    hub: Harness, clinic: str, primary: ScriptedProvider
) -> None:
    await hub.enable("primary", "clinic-1", settings={"rate_limit_per_second": 0.01})
    first, second = await send(hub), await send(hub)
    await hub.drain()
    assert len(primary.calls) == 1
    held = await hub.message(second["id"] if primary.calls[0].id == first["id"] else first["id"])
    assert held["status"] == "queued"
    assert held["history"][-1]["event"] == "rate_limited"
    assert held["attempts"] == 0  # waiting for the rate limit is not an attempt
    wait = dt.datetime.fromisoformat(held["next_attempt_at"]) - hub.clock.now()
    assert dt.timedelta(seconds=90) <= wait <= dt.timedelta(seconds=101)


async def test_message_of_a_dead_worker_is_reclaimed_after_its_lease(
    hub: Harness, clinic: str, primary: ScriptedProvider
) -> None:
    queued = await send(hub)
    async with hub.runtime.db.session() as session:  # a worker claims it, then dies
        taken = await claim(
            session, now=hub.clock.now(), token="dead:1", lease=dt.timedelta(seconds=60), limit=10
        )
    assert [c["id"] for c in taken] == [queued["id"]]
    await hub.drain()
    assert primary.calls == []  # leased: nobody else touches it
    assert (await hub.message(queued["id"]))["status"] == "sending"
    hub.clock.advance(61)
    await hub.drain()
    message = await hub.message(queued["id"])
    assert message["status"] == "sent"
    assert message["attempts"] == 2  # the lost attempt is counted
    assert [h["event"] for h in message["history"]] == ["queued", "lease_expired", "attempt"]
    assert "may have sent it" in message["history"][1]["text"]


async def test_dedupe_key_queues_once_per_clinic(hub: Harness, clinic: str) -> None:
    await hub.create_clinic("clinic-2")
    async with hub.runtime.db.session() as session:
        args = dict(
            kind="reminder",
            channel="sms",
            address="+79181234567",
            text="x",
            dedupe_key="reminder:1:A-1:2026-11-24",
        )
        first = await queue_message(session, hub.runtime, clinic_id="clinic-1", **args)
        again = await queue_message(session, hub.runtime, clinic_id="clinic-1", **args)
        other = await queue_message(session, hub.runtime, clinic_id="clinic-2", **args)
        plain = [
            await queue_message(
                session, hub.runtime, clinic_id="clinic-1", **{**args, "dedupe_key": None}
            )
            for _ in range(2)
        ]
    assert first is not None and other is not None
    assert again is None
    assert all(m is not None for m in plain)
    assert (await hub.journal("clinic-1"))["total"] == 3


@pytest.mark.parametrize(
    ("channel", "address", "error"),
    [
        ("sms", "", "no_phone"),
        ("sms", "12345", "invalid_phone"),
        ("sms", "+7 (495) 123-45-67", "not_mobile"),
        ("email", "not an address", "invalid_email"),
    ],
)
async def test_queue_refuses_an_unusable_address(
    hub: Harness, clinic: str, channel: str, address: str, error: str
) -> None:
    async with hub.runtime.db.session() as session:
        with pytest.raises(InvalidAddress) as caught:
            await queue_message(
                session,
                hub.runtime,
                clinic_id="clinic-1",
                kind="custom",
                channel=channel,
                address=address,
                text="x",
            )
    assert caught.value.reason == error


async def test_queue_refuses_an_empty_text(hub: Harness, clinic: str) -> None:
    async with hub.runtime.db.session() as session:
        with pytest.raises(EmptyText):
            await queue_message(
                session,
                hub.runtime,
                clinic_id="clinic-1",
                kind="custom",
                channel="sms",
                address="+79181234567",
                text="  ",
            )


async def test_landline_is_fine_for_a_voice_call(hub: Harness, clinic: str) -> None:
    async with hub.runtime.db.session() as session:
        message = await queue_message(
            session,
            hub.runtime,
            clinic_id="clinic-1",
            kind="custom",
            channel="voice",
            address="8 495 123-45-67",
            text="x",
        )
    assert message is not None and message.address == "+74951234567"


async def test_ctx_queue_message_and_delivery_reports(
    hub: Harness, clinic: str, primary: ScriptedProvider
) -> None:
    ctx = await hub.context("primary")
    message_id = await ctx.queue_message(
        kind="link_code",
        channel="sms",
        address="89181234567",
        text="Код: 123456789",
        essential=True,
        dedupe_key="link:P-1",
    )
    assert message_id is not None
    assert (
        await ctx.queue_message(
            kind="link_code",
            channel="sms",
            address="89181234567",
            text="Код: 123456789",
            dedupe_key="link:P-1",
        )
        is None
    )
    await hub.drain()
    provider_id = (await hub.message(message_id))["provider_message_id"]

    assert await ctx.awaiting_report(dt.timedelta(minutes=5)) == []
    hub.clock.advance(dt.timedelta(minutes=10))
    assert await ctx.awaiting_report(dt.timedelta(minutes=5)) == [provider_id]

    delivered_at = hub.clock.now() - dt.timedelta(minutes=1)
    report = DeliveryReport(
        provider_message_id=provider_id, status="delivered", at=delivered_at, channel="sms"
    )
    assert await ctx.report_delivery(report) is True
    assert await ctx.report_delivery(report) is True  # a repeated callback changes nothing
    message = await hub.message(message_id)
    assert message["status"] == "delivered"
    assert dt.datetime.fromisoformat(message["delivered_at"]) == delivered_at
    assert [h["event"] for h in message["history"]][-1] == "report"
    assert message["history"][-1]["channel"] == "sms"  # the channel the provider used
    assert sum(h["event"] == "report" for h in message["history"]) == 1
    assert await ctx.awaiting_report(dt.timedelta(minutes=5)) == []

    other = await hub.context("backup")  # another plugin's ids are not its to report
    assert await other.report_delivery(report) is False
    assert (
        await ctx.report_delivery(DeliveryReport(provider_message_id="nope", status="failed"))
        is False
    )


async def test_failed_delivery_report_keeps_code_and_text(
    hub: Harness, clinic: str, primary: ScriptedProvider
) -> None:
    queued = await send(hub)
    await hub.drain()
    provider_id = (await hub.message(queued["id"]))["provider_message_id"]
    ctx = await hub.context("primary")
    assert await ctx.report_delivery(
        DeliveryReport(
            provider_message_id=provider_id,
            status="failed",
            error_code="104",
            error_text="Не доставлено: время жизни истекло",
        )
    )
    message = await hub.message(queued["id"])
    assert (message["status"], message["error_code"]) == ("failed", "104")
    assert message["error"] == "Не доставлено: время жизни истекло"


async def test_awaiting_report_goes_round_every_id(
    hub: Harness, clinic: str, primary: ScriptedProvider
) -> None:
    for _ in range(5):
        await send(hub)
    await hub.drain()
    hub.clock.advance(dt.timedelta(minutes=10))
    ctx = await hub.context("primary")
    seen = []
    for _ in range(3):
        seen.extend(await ctx.awaiting_report(dt.timedelta(minutes=5), limit=2))
        hub.clock.advance(1)
    assert len(set(seen[:5])) == 5
