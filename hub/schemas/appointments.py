"""Appointments: ``PUT/DELETE /api/v1/clinics/{clinic}/appointments/{external_id}``.

Times are ISO 8601 (``2026-11-23T10:30:00`` or with an offset); a time without an
offset is the clinic's local time.  Anything else (``23.11.2026 10:30``, a bare date, a
number) is refused with 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from hub.schemas.answers import PatientAnswerPublic
from hub.schemas.common import StrictModel
from hub.types import FieldChange

RefId = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


def _iso_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date and time string, e.g. 2026-11-23T10:30:00")
    text = value.strip()
    if len(text) < 16 or text[10] not in "T ":
        raise ValueError(
            f"{text[:40]!r} is not an ISO 8601 date and time: use 2026-11-23T10:30:00 "
            "(clinic time) or 2026-11-23T10:30:00+03:00"
        )
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text[:40]!r} is not an ISO 8601 date and time: use 2026-11-23T10:30:00"
        ) from None


#: An ISO 8601 date-time; naive means the clinic's local time.
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]


class ServiceRef(StrictModel):
    """A service of the appointment and the price-list section it is billed under."""

    id: RefId
    price_list_section: RefId | None = None


class AppointmentIn(StrictModel):
    """An appointment as the clinic system sends it (``PUT`` body)."""

    patient_id: RefId
    doctor_id: RefId | None = None
    specialty_id: RefId | None = Field(None, description="Default: the doctor's specialty.")
    services: list[ServiceRef] = Field(default_factory=list, max_length=100)
    start: IsoDateTime
    end: IsoDateTime | None = None
    cabinet: Annotated[str, StringConstraints(max_length=100)] | None = None
    status: Annotated[
        str, StringConstraints(min_length=1, max_length=50, strip_whitespace=True)
    ] = Field(
        "booked", description="The clinic system's status; `cancelled` cancels the appointment."
    )
    comment: Annotated[str, StringConstraints(max_length=4000)] = ""
    cancel_reason: Annotated[str, StringConstraints(max_length=1000)] | None = Field(
        None, description="Why, when `status` is `cancelled`."
    )


class AppointmentPut(AppointmentIn):
    """The ``PUT`` body: an appointment, and the booking made outside it adopts."""

    adopts: RefId | None = Field(
        None,
        description="The id of an appointment a plugin booked outside (the "
        "`appointment_id` of its `appointment.booked` feed event) that this appointment "
        "is: the hub re-keys that one to this id instead of creating a second.",
    )


class AppointmentBulkIn(AppointmentIn):
    """An appointment in a bulk request: the same, with its ``id``."""

    id: RefId


class CancelIn(StrictModel):
    """``DELETE`` body (optional; ``?reason=`` works too)."""

    reason: Annotated[str, StringConstraints(max_length=1000)] = ""


class ServicePublic(BaseModel):
    id: str
    name: str | None
    price_list_section: str | None


class AppointmentPublic(BaseModel):
    id: str
    patient_id: str
    doctor_id: str | None
    specialty_id: str | None
    services: list[ServicePublic]
    start: dt.datetime
    end: dt.datetime | None
    cabinet: str | None
    status: str
    comment: str
    cancelled: bool
    cancel_reason: str | None
    communication_status: str | None
    patient_answer: PatientAnswerPublic | None = Field(
        None, description="The patient's answer to a reminder (answer page or a plugin)."
    )


class AppointmentResult(BaseModel):
    """What a ``PUT``/``DELETE`` of an appointment did."""

    id: str
    result: str = Field(description="created, updated, unchanged, cancelled or restored.")
    changes: list[FieldChange] = Field(default_factory=list)
    adopted: str | None = Field(
        None, description="The id of the booking made outside this PUT adopted (`adopts`)."
    )
    appointment: AppointmentPublic
