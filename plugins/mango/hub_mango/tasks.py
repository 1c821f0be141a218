"""What a robot task says about an appointment: the custom-field values and the
journal text, in the clinic's time zone.

    field_values(appointment, tz)   {"time": "10:30", "date": "24.11.2026", ...}
    custom_fields(names, ids, ...)  the values keyed by Mango's field ids
    journal_text(appointment, tz)   what the journal shows for the robot call
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from hub_mango.settings import CustomFields

from hub import Appointment


def doctor_text(appointment: Appointment) -> str:
    """The doctor with the specialty: «Петрова Анна Сергеевна, врач-терапевт»."""
    doctor = appointment.doctor
    specialty = appointment.specialty.name if appointment.specialty else ""
    name = doctor.full_name if doctor else ""
    return ", ".join(part for part in (name, specialty) if part)


def field_values(appointment: Appointment, tz: ZoneInfo) -> dict[str, str]:
    """The five values of a task, by :class:`CustomFields` attribute."""
    local = appointment.start.astimezone(tz)
    patient = appointment.patient
    return {
        "time": local.strftime("%H:%M"),
        "date": local.strftime("%d.%m.%Y"),
        "service": ", ".join(s.name for s in appointment.services if s.name),
        "doctor": doctor_text(appointment),
        "patient": patient.full_name if patient else "",
    }


def missing_fields(names: CustomFields, ids: Mapping[str, int]) -> list[str]:
    """Configured field names the account does not have."""
    wanted = [name for name in names.model_dump().values() if name]
    return [name for name in wanted if name.strip() not in ids]


def custom_fields(
    names: CustomFields, ids: Mapping[str, int], values: Mapping[str, str]
) -> dict[int, str]:
    """The values keyed by the ids of the configured field names (unknown names left out)."""
    out: dict[int, str] = {}
    for attribute, name in names.model_dump().items():
        field_id = ids.get(name.strip()) if name else None
        if field_id is not None:
            out[field_id] = values.get(attribute, "")
    return out


def journal_text(appointment: Appointment, tz: ZoneInfo) -> str:
    """«Голосовой робот Mango: подтверждение записи 24.11.2026 10:30, Приём терапевта, …»."""
    values = field_values(appointment, tz)
    parts = [f"{values['date']} {values['time']}", values["service"], values["doctor"]]
    return "Голосовой робот Mango: подтверждение записи " + ", ".join(p for p in parts if p)
