"""Clinic events the clinic system posts: ``POST /api/v1/clinics/{clinic}/events``.

service.charged        {"appointment_id", "service_id"}                 on_service_charged
lab_results.ready      {"patient_id", "appointment_id"?, "order_id"?,
                        "complete", "items": [...]}                     on_lab_results_ready
discount_card.issued   {"patient_id", "number"}                         on_discount_card_issued
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from hub.schemas.common import StrictModel

RefId = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


class ServiceCharged(StrictModel):
    type: Literal["service.charged"]
    appointment_id: RefId
    service_id: RefId


class LabResultsReady(StrictModel):
    type: Literal["lab_results.ready"]
    patient_id: RefId
    appointment_id: RefId | None = None
    order_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    complete: bool = Field(True, description="Every result ordered in that visit is in.")
    items: list[dict[str, Any]] = Field(default_factory=list, max_length=1000)


class DiscountCardIssued(StrictModel):
    type: Literal["discount_card.issued"]
    patient_id: RefId
    number: Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]


ClinicEventIn = Annotated[
    ServiceCharged | LabResultsReady | DiscountCardIssued, Field(discriminator="type")
]


class ClinicEventAccepted(BaseModel):
    """The event recorded: its id, the hook it becomes and the plugins it goes to."""

    id: int
    type: str
    hook: str
    subject: str
    plugins: list[str]


class EventPublic(BaseModel):
    id: int
    hook: str
    subject: str
    source: str
    created_at: dt.datetime
    deliveries: dict[str, str] = Field(description="Each plugin's delivery status.")


class EventList(BaseModel):
    items: list[EventPublic]
