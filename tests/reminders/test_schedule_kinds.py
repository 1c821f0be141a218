"""Each of the seven mailing-schedule kinds, driven by the scheduler's ticks: what it
selects, when, once; and the communication status it sets after sending."""

from __future__ import annotations

import datetime as dt
from typing import Any

from remkit import appointment, clinic, feed_of, local, messages, utc_of

from hub.testing import Harness

ZONE = "Europe/Moscow"
TODAY = dt.date(2026, 11, 23)


async def schedule(hub: Harness, kind: str, params: dict[str, Any], text: str, **extra: Any) -> int:
    response = await hub.client.post(
        "/api/v1/clinics/msk/schedules",
        json={"kind": kind, "params": params, "text": text, **extra},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def setup(hub: Harness, at: dt.time = dt.time(8)) -> None:
    hub.clock.set(utc_of(TODAY, at, ZONE))
    await clinic(hub, "msk", ZONE, reminders={"enabled": False})


async def texts(hub: Harness) -> list[str]:
    return [(await hub.message(m["id"]))["text"] for m in await messages(hub, "msk")]


async def test_days_before_sets_the_communication_status_once_sent(hub: Harness) -> None:
    await setup(hub)
    await appointment(hub, "msk", "A-1", "P-ok", local(TODAY + dt.timedelta(days=2), 10))
    await appointment(hub, "msk", "A-2", "P-ok", local(TODAY + dt.timedelta(days=1), 10))
    await schedule(
        hub,
        "days_before",
        {"days": 2, "send_time": "13:00"},
        "Операция {date} в {time}",
        communication_status="Отправили SMS",
    )
    await schedule(hub, "days_before", {"days": 1, "send_time": "13:00"}, "Завтра в {time}")
    hub.clock.set(utc_of(TODAY, dt.time(12, 59), ZONE))
    await hub.tick()
    assert await messages(hub, "msk") == []
    hub.clock.set(utc_of(TODAY, dt.time(13), ZONE))
    await hub.tick()
    await hub.tick()
    assert sorted(await texts(hub)) == ["Завтра в 10:00", "Операция 25.11.2026 в 10:00"]
    await hub.drain()  # the console provider sends them
    shown = (await hub.client.get("/api/v1/clinics/msk/appointments/A-1")).json()
    assert shown["communication_status"] == "Отправили SMS"
    statuses = [e["data"] for e in await feed_of(hub, "msk", "appointment.communication_status", 1)]
    assert [s["appointment_id"] for s in statuses] == ["A-1"]


async def test_minutes_before_only_for_appointments_created_today(hub: Harness) -> None:
    await setup(hub, dt.time(8))
    hub.clock.set(utc_of(TODAY - dt.timedelta(days=1), dt.time(9), ZONE))
    await appointment(hub, "msk", "A-old", "P-ok", local(TODAY, 15))  # booked yesterday
    hub.clock.set(utc_of(TODAY, dt.time(9), ZONE))
    await appointment(hub, "msk", "A-new", "P-ok", local(TODAY, 15))
    await schedule(
        hub, "minutes_before", {"minutes": 90, "only_created_today": True}, "Ждём вас в {time}"
    )
    hub.clock.set(utc_of(TODAY, dt.time(13, 29), ZONE))
    await hub.tick()
    assert await messages(hub, "msk") == []
    hub.clock.set(utc_of(TODAY, dt.time(13, 30), ZONE))
    await hub.tick()
    hub.clock.advance(60)
    await hub.tick()
    assert [m["appointment_id"] for m in await messages(hub, "msk")] == ["A-new"]
    hub.clock.set(utc_of(TODAY, dt.time(15, 1), ZONE))  # it started: never about the past
    await hub.tick()
    assert len(await messages(hub, "msk")) == 1


async def test_birthday_on_the_day_and_leap_day_birthdays(hub: Harness) -> None:
    await setup(hub)
    await hub.put_patient("P-ok", "msk", phones=["+79181234567"], birth_date="1980-11-23")
    await hub.put_patient("P-other", "msk", phones=["+79181234568"], birth_date="1980-11-24")
    await schedule(
        hub,
        "birthday",
        {"days_before": 0, "send_time": "12:00"},
        "{patient_name_patronymic}, с днём рождения! {clinic_name}",
    )
    hub.clock.set(utc_of(TODAY, dt.time(12), ZONE))
    await hub.tick()
    await hub.tick()
    assert await texts(hub) == ["Иван Иванович, с днём рождения! Клиника msk"]
    # 29 February is celebrated on 28 February in 2027
    await hub.put_patient("P-leap", "msk", phones=["+79181234569"], birth_date="2000-02-29")
    hub.clock.set(utc_of(dt.date(2027, 2, 28), dt.time(12), ZONE))
    await hub.tick()
    journal = (await hub.journal("msk", sent_from="2026-01-01"))["items"]
    assert sorted(m["recipient"] for m in journal) == [
        "Иванов Иван Иванович",
        "Иванов Иван Иванович",
    ]
    assert sorted(m["phone"] for m in journal) == ["+79181234567", "+79181234569"]


async def test_after_services_looks_back_days_after(hub: Harness) -> None:
    await setup(hub)
    hub.clock.set(utc_of(TODAY - dt.timedelta(days=15), dt.time(9), ZONE))
    two_weeks_ago = TODAY - dt.timedelta(days=14)
    await appointment(
        hub, "msk", "A-srv", "P-ok", local(two_weeks_ago, 10), services=[{"id": "SRV-1"}]
    )
    await appointment(
        hub, "msk", "A-dms", "P-ok", local(two_weeks_ago, 11), services=[{"id": "SRV-2"}]
    )
    await schedule(
        hub,
        "after_services",
        {"days_after": 14, "send_time": "13:00", "services": ["SRV-1"]},
        "Как вы себя чувствуете после приёма {date}?",
    )
    hub.clock.set(utc_of(TODAY, dt.time(13), ZONE))
    await hub.tick()
    assert [m["appointment_id"] for m in await messages(hub, "msk")] == ["A-srv"]
    assert (await texts(hub))[0] == "Как вы себя чувствуете после приёма 09.11.2026?"


async def test_minutes_after_a_status_change(hub: Harness) -> None:
    await setup(hub, dt.time(9))
    await schedule(
        hub,
        "after_status_change",
        {"minutes": 180, "status": "completed"},
        "Оцените приём у {doctor_dative_short}: https://clinic.example/review",
    )
    await appointment(hub, "msk", "A-1", "P-ok", local(TODAY, 9, 30))
    await appointment(hub, "msk", "A-2", "P-ok", local(TODAY, 9, 45))
    hub.clock.set(utc_of(TODAY, dt.time(10), ZONE))
    await appointment(hub, "msk", "A-1", "P-ok", local(TODAY, 9, 30), status="completed")
    await appointment(hub, "msk", "A-2", "P-ok", local(TODAY, 9, 45), status="no_show")
    hub.clock.set(utc_of(TODAY, dt.time(12, 59), ZONE))
    await hub.tick()
    assert await messages(hub, "msk") == []
    hub.clock.set(utc_of(TODAY, dt.time(13), ZONE))
    await hub.tick()
    hub.clock.advance(600)
    await hub.tick()
    assert await texts(hub) == ["Оцените приём у Петровой А. С.: https://clinic.example/review"]


async def _post_event(hub: Harness, **event: Any) -> None:
    """A clinic event, as the clinic system reports it."""
    response = await hub.client.post("/api/v1/clinics/msk/events", json=event)
    assert response.status_code == 201, response.text


async def test_lab_results_ready_once_complete(hub: Harness) -> None:
    await setup(hub, dt.time(9))
    await schedule(
        hub,
        "lab_results_ready",
        {"minutes": 10, "only_when_complete": True},
        "{patient_first_name}, результаты анализов готовы",
    )
    await _post_event(
        hub, type="lab_results.ready", patient_id="P-ok", order_id="O-1", complete=False
    )
    hub.clock.advance(60)
    await _post_event(
        hub, type="lab_results.ready", patient_id="P-ok", order_id="O-1", complete=True
    )
    hub.clock.advance(9 * 60)
    await hub.tick()
    assert await messages(hub, "msk") == []
    hub.clock.advance(60)
    await hub.tick()
    await hub.tick()
    assert await texts(hub) == ["Иван, результаты анализов готовы"]


async def test_discount_card_issued_with_its_number(hub: Harness) -> None:
    await setup(hub, dt.time(9))
    await _post_event(
        hub, type="discount_card.issued", patient_id="P-ok", number="DC-0042"
    )  # before the schedule
    hub.clock.advance(1)
    sid = await schedule(
        hub, "discount_card_issued", {"minutes": 5}, "Ваша карта {discount_card_number} готова"
    )
    hub.clock.advance(60)
    await _post_event(hub, type="discount_card.issued", patient_id="P-ok", number="DC-0043")
    hub.clock.advance(5 * 60)
    await hub.tick()
    await hub.tick()
    assert await texts(hub) == ["Ваша карта DC-0043 готова"]
    assert (
        await hub.client.patch(f"/api/v1/clinics/msk/schedules/{sid}", json={"enabled": False})
    ).status_code == 200
    await _post_event(hub, type="discount_card.issued", patient_id="P-ok", number="DC-0044")
    hub.clock.advance(6 * 60)
    await hub.tick()
    assert len(await messages(hub, "msk")) == 1
