"""Feed events the intake publishes for the clinic system (what happened outside it).

    appointment.booked      a plugin created an appointment (a portal booking)
    appointment.changed     a plugin changed or restored one      {"result", "changes"}
    appointment.cancelled   a plugin cancelled one                {"reason"}

Each carries ``appointment_id``, ``patient_id`` and the whole ``appointment`` (times in
UTC), so the clinic system can apply it without asking back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.types import Appointment, FieldChange

_TYPES = {
    "created": "appointment.booked",
    "updated": "appointment.changed",
    "restored": "appointment.changed",
    "cancelled": "appointment.cancelled",
}


def written_back(
    result: str, appointment: Appointment, changes: Sequence[FieldChange]
) -> tuple[str, dict[str, Any]] | None:
    """The feed event (type, data) for an appointment a plugin wrote, or ``None``."""
    kind = _TYPES.get(result)
    if kind is None:
        return None
    data: dict[str, Any] = {
        "appointment_id": appointment.id,
        "patient_id": appointment.patient_id,
        "appointment": appointment.model_dump(
            mode="json", exclude={"patient", "doctor", "specialty"}
        ),
    }
    if kind == "appointment.changed":
        data.update(result=result, changes=[c.model_dump(mode="json") for c in changes])
    if kind == "appointment.cancelled":
        data["reason"] = appointment.cancel_reason or ""
    return kind, data
