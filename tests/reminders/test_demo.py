"""The demo clinic (``hub demo``, ``make run``): its default reminder queues messages for
the demo appointments, the console provider sends them, and a second ``hub demo`` sends
nothing twice."""

from __future__ import annotations

from pathlib import Path

from hub import demo
from hub.testing import Harness


async def test_demo_reminders_are_queued_and_sent_once(hub: Harness, tmp_path: Path) -> None:
    await demo.ensure(hub.runtime, tmp_path / "token")
    await demo.ensure(hub.runtime, tmp_path / "token")  # make run, again
    journal = (await hub.journal("demo"))["items"]
    # one patient per case: only Иванов (a mobile, nothing excluded) gets a reminder
    assert [m["recipient"] for m in journal] == ["Иванов Иван Иванович"]
    await hub.drain()
    journal = (await hub.journal("demo"))["items"]
    assert {m["status"] for m in journal} == {"sent"}
    text = (await hub.message(journal[0]["id"]))["text"]
    assert "напоминаем" in text and "/r/" in text
    warnings = [e["data"] for e in await hub.feed("demo") if e["type"] == "card.warning"]
    # each real run that skips a card for its phone says so again (an idempotent mark)
    assert {(w["patient_id"], w["reason"]) for w in warnings} == {
        ("P-2", "not_mobile"),
        ("P-3", "no_phone"),
    }
