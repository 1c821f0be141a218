"""The daily push to the voice robot: at export_time, clinic time, the appointments
days_ahead days later become campaign tasks with their custom fields; once only."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.testing import Harness

from .fake_mango import FakeMango
from .support import CAMPAIGN, CLINIC, action, feed_of, job_runs, run_push, voice_messages

#: The frozen clock starts at 07:00 UTC = 17:00 in Vladivostok; export_time is 18:00.
BEFORE = dt.datetime(2026, 11, 23, 7, 59, tzinfo=dt.UTC)


async def book(hub: Harness, appointment_id: str = "A-1", **fields: object) -> None:
    """An appointment tomorrow (24.11, Vladivostok) at 10:30 by default."""
    await hub.put_appointment(appointment_id, CLINIC, **fields)


async def test_push_fires_at_export_time_in_vladivostok(
    hub: Harness, clinic: str, fake: FakeMango
) -> None:
    """At 18:00 Vladivostok (08:00 UTC) the next day's appointments are pushed, with
    the custom fields filled in Vladivostok time, in one tasks/push."""
    await book(hub, "A-1")
    await hub.put_patient(
        "P-2",
        CLINIC,
        last_name="Сидорова",
        first_name="Мария",
        middle_name="Петровна",
        phones=["+7 918 765-43-21"],
    )
    await book(hub, "A-2", patient_id="P-2", start="2026-11-24T16:00:00", end="2026-11-24T16:30:00")
    await book(hub, "A-3", start="2026-11-25T10:00:00", end="2026-11-25T10:30:00")  # day after
    hub.clock.set(BEFORE)
    await hub.tick()
    await hub.drain()
    assert fake.tasks == []
    hub.clock.advance(dt.timedelta(minutes=1))
    await hub.tick()
    await hub.drain()
    assert len(fake.pushes()) == 1
    tasks = {t.number: t for t in fake.tasks}
    assert set(tasks) == {"79181234567", "79187654321"}
    first = tasks["79181234567"]
    assert first.campaign_id == CAMPAIGN and first.name == "Иванов Иван Иванович"
    names = {str(fid): name for fid, name in fake.fields.items()}
    assert {names[k]: v for k, v in first.custom_fields.items()} == {
        "Время": "10:30",
        "Дата": "24.11.2026",
        "Услуга": "Приём терапевта",
        "Специалист": "Петрова Анна Сергеевна, врач-терапевт",
        "Пациент_ФИО": "Иванов Иван Иванович",
    }
    second = {names[k]: v for k, v in tasks["79187654321"].custom_fields.items()}
    assert (second["Время"], second["Пациент_ФИО"]) == ("16:00", "Сидорова Мария Петровна")
    # the references: distinct, 120 random bits each
    refs = [t.comment for t in fake.tasks]
    assert len(set(refs)) == 2 and all(len(r) == 25 and r.startswith("m") for r in refs)
    # each task is a journal entry: channel voice, provider mango, sent
    journal = await voice_messages(hub)
    assert [(m["appointment_id"], m["provider"], m["status"]) for m in journal] == [
        ("A-1", "mango", "sent"),
        ("A-2", "mango", "sent"),
    ]
    detail = await hub.message(journal[0]["id"])
    assert all(ref not in str(detail) for ref in refs)  # the reference stays out of the journal
    (run,) = [r for r in await job_runs(hub) if r["job"] == "push"]
    assert run["status"] == "ok"
    assert "Найдено записей: 2" in run["summary"] and "Поставлено роботу: 2" in run["summary"]
    # the next tick the same day does nothing
    hub.clock.advance(dt.timedelta(minutes=5))
    await hub.tick()
    await hub.drain()
    assert len(fake.pushes()) == 1


async def test_rerun_and_manual_push_never_push_twice(
    hub: Harness, clinic: str, fake: FakeMango
) -> None:
    await book(hub, "A-1")
    await run_push(hub)
    second = await run_push(hub)
    assert "Уже отправлены раньше: 1" in second["summary"]
    answer = await action(hub, "send_to_robot", {"appointment_id": "A-1"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["pushed"] is False and answer.json()["reason"] == "already_pushed"
    await hub.drain()
    assert len(fake.tasks) == 1
    assert len(await voice_messages(hub)) == 1


async def test_manual_push_of_one_appointment(hub: Harness, clinic: str, fake: FakeMango) -> None:
    await book(hub, "A-1", start="2026-11-27T09:00:00", end="2026-11-27T09:30:00")
    answer = await action(hub, "send_to_robot", {"appointment_id": "A-1"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["pushed"], body["day"], body["campaign_id"]) == (True, "2026-11-27", CAMPAIGN)
    await hub.drain()
    (task,) = fake.tasks
    assert "27.11.2026" in task.custom_fields.values()
    missing = await action(hub, "send_to_robot", {"appointment_id": "A-404"})
    assert missing.status_code == 404
    bad = await action(hub, "send_to_robot", {})
    assert bad.status_code == 422


async def test_the_sms_skip_rules_apply(hub: Harness, clinic: str, fake: FakeMango) -> None:
    """Opt-out and a card without a phone are skipped; the missing phone publishes the
    card.warning the SMS reminders publish."""
    await hub.put_patient("P-2", CLINIC, last_name="Без", first_name="Телефона", phones=[])
    await hub.put_patient("P-3", CLINIC, last_name="Против", first_name="Звонков", opt_out=True)
    await book(hub, "A-1")
    await book(hub, "A-2", patient_id="P-2")
    await book(hub, "A-3", patient_id="P-3")
    run = await run_push(hub)
    assert [t.number for t in fake.tasks] == ["79181234567"]
    assert "Поставлено роботу: 1" in run["summary"] and "Пропущено" in run["summary"]
    warnings = await feed_of(hub, "card.warning")
    assert [w["data"]["patient_id"] for w in warnings] == ["P-2"]
    answer = await action(hub, "send_to_robot", {"appointment_id": "A-3"})
    assert answer.json() == {"pushed": False, "appointment_id": "A-3", "reason": "opt_out"}


async def test_a_finished_campaign_is_an_error_in_the_job_log(
    hub: Harness, clinic: str, fake: FakeMango
) -> None:
    await book(hub, "A-1")
    fake.campaigns[CAMPAIGN].status = 4
    run = await run_push(hub)
    assert run["status"] == "error" and "finished" in run["summary"]
    assert fake.tasks == [] and await voice_messages(hub) == []
    answer = await action(hub, "send_to_robot", {"appointment_id": "A-1"})
    assert answer.status_code == 409 and "finished" in answer.json()["detail"]


async def test_a_deleted_campaign_is_an_error(hub: Harness, clinic: str, fake: FakeMango) -> None:
    await book(hub, "A-1")
    del fake.campaigns[CAMPAIGN]
    run = await run_push(hub)
    assert run["status"] == "error" and f"no campaign {CAMPAIGN}" in run["summary"]


@pytest.mark.parametrize("status", [429, 503])
async def test_mango_overloaded_is_retried_not_lost(
    hub: Harness, clinic: str, fake: FakeMango, status: int
) -> None:
    await book(hub, "A-1")
    fake.http_error_next(status, "tasks/push")
    await run_push(hub)
    assert fake.tasks == []
    (message,) = await voice_messages(hub)
    assert message["status"] in ("queued", "sending")
    hub.clock.advance(dt.timedelta(minutes=10))
    await hub.drain()
    (task,) = fake.tasks
    (message,) = await voice_messages(hub)
    assert message["status"] == "sent"
    assert len({r.payload["tasks"][0]["comment"] for r in fake.pushes()}) == 1  # same reference


async def test_many_appointments_go_in_few_requests(
    hub: Harness, clinic: str, fake: FakeMango
) -> None:
    for i in range(12):
        await hub.put_patient(f"P-{i}", CLINIC, phones=[f"+7918555{i:04d}"])
        await book(
            hub,
            f"A-{i}",
            patient_id=f"P-{i}",
            start=f"2026-11-24T{8 + i % 10:02d}:00:00",
            end=f"2026-11-24T{8 + i % 10:02d}:20:00",
        )
    await run_push(hub)
    assert len(fake.tasks) == 12
    assert len(fake.pushes()) < 12


async def test_a_missing_custom_field_fails_in_plain_words(
    hub: Harness, clinic: str, fake: FakeMango
) -> None:
    await book(hub, "A-1")
    date_field = next(fid for fid, name in fake.fields.items() if name == "Дата")
    del fake.fields[date_field]
    await run_push(hub)
    assert fake.tasks == []
    (message,) = await voice_messages(hub)
    assert message["status"] == "failed" and "«Дата»" in message["error"]
