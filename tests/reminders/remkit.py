"""Helpers of the reminder tests: clinics of every time zone, cards with every kind of problem."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from hub.testing import Harness

#: Patients: one that gets reminders and one for each reason to skip a card.
PATIENTS: dict[str, dict[str, Any]] = {
    "P-ok": {"phones": ["8 (918) 123-45-67"]},
    "P-opt": {"phones": ["+79181110001"], "opt_out": True},
    "P-in": {"phones": ["+79181110002"], "inpatient": True},
    "P-none": {"phones": []},
    "P-bad": {"phones": ["12345"]},
    "P-land": {"phones": ["+7 (495) 123-45-67"]},
}


async def clinic(hub: Harness, clinic_id: str, timezone: str, **options: Any) -> None:
    """A clinic whose SMS go to the console plugin, with reference data and the cards."""
    await hub.create_clinic(
        clinic_id,
        timezone=timezone,
        address="ул. Ленина, 1",
        phone="+74951234567",
        channels={"sms": ["console"]},
        reminders={
            "excluded_services": ["SRV-9"],
            "excluded_price_list_sections": ["PL-DMS"],
            **options.pop("reminders", {}),
        },
        **options,
    )
    await hub.enable("console", clinic_id)
    await hub.put_reference(
        "price_list_sections",
        [{"id": "PL-A", "name": "Платные"}, {"id": "PL-DMS", "name": "ДМС"}],
        clinic_id,
    )
    await hub.put_reference("specialties", [{"id": "S-3", "name": "врач-терапевт"}], clinic_id)
    await hub.put_reference(
        "doctors",
        [
            {
                "id": "D-7",
                "last_name": "Петрова",
                "first_name": "Анна",
                "middle_name": "Сергеевна",
                "sex": "female",
                "specialty_id": "S-3",
            }
        ],
        clinic_id,
    )
    await hub.put_reference(
        "services",
        [
            {"id": "SRV-1", "name": "Приём терапевта", "price_list_section": "PL-A"},
            {"id": "SRV-9", "name": "Справка", "price_list_section": "PL-A"},
            {"id": "SRV-2", "name": "Приём по ДМС", "price_list_section": "PL-DMS"},
        ],
        clinic_id,
    )
    for patient_id, fields in PATIENTS.items():
        await hub.put_patient(patient_id, clinic_id, **fields)


def local(day: dt.date, hour: int, minute: int = 0) -> str:
    """An offset-less start: the clinic's local time."""
    return dt.datetime.combine(day, dt.time(hour, minute)).isoformat()


async def appointment(
    hub: Harness, clinic_id: str, appointment_id: str, patient_id: str, start: str, **fields: Any
) -> None:
    await hub.put_appointment(
        appointment_id, clinic_id, patient_id=patient_id, start=start, end=None, **fields
    )


async def full_day(hub: Harness, clinic_id: str, day: dt.date) -> None:
    """One appointment of ``day`` for every reason to skip, and one that is reminded."""
    await appointment(hub, clinic_id, "A-ok", "P-ok", local(day, 10, 30))
    for patient_id in ("P-opt", "P-in", "P-none", "P-bad", "P-land"):
        await appointment(hub, clinic_id, "A-" + patient_id[2:], patient_id, local(day, 11))
    await appointment(
        hub, clinic_id, "A-srv", "P-ok", local(day, 12), services=[{"id": "SRV-1"}, {"id": "SRV-9"}]
    )
    await appointment(hub, clinic_id, "A-dms", "P-ok", local(day, 13), services=[{"id": "SRV-2"}])
    await appointment(hub, clinic_id, "A-cancel", "P-ok", local(day, 14), status="cancelled")
    # not that day: never selected
    await appointment(hub, clinic_id, "A-before", "P-ok", local(day - dt.timedelta(days=1), 15))
    await appointment(hub, clinic_id, "A-after", "P-ok", local(day + dt.timedelta(days=1), 9))


EXPECTED_SKIPS = {
    "A-opt": "opt_out",
    "A-in": "inpatient",
    "A-none": "no_phone",
    "A-bad": "invalid_phone",
    "A-land": "not_mobile",
    "A-srv": "excluded_service",
    "A-dms": "excluded_price_list_section",
    "A-cancel": "cancelled",
}


def utc_of(day: dt.date, at: dt.time, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


async def messages(hub: Harness, clinic_id: str) -> list[dict[str, Any]]:
    return list((await hub.journal(clinic_id, per_page=20))["items"])


async def feed_of(hub: Harness, clinic_id: str, type: str, count: int) -> list[dict[str, Any]]:
    """The clinic's feed events of ``type``, waiting (up to 10 s) until there are ``count``.

    On PostgreSQL the feed shows an event only once every older transaction has ended
    (gap-free cursors, see ``hub.feed``); on a server shared with other test runs that
    can take a moment.
    """
    import asyncio

    for _ in range(100):
        events = [e for e in await hub.feed(clinic_id) if e["type"] == type]
        if len(events) >= count:
            return events
        await asyncio.sleep(0.1)
    return events
