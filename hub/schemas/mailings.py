"""Group mailings (seed 002: «Рассылка СМС» for a period with a template)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field, field_serializer, model_validator

from hub.schemas.common import SUBJECT_MAX_LENGTH, IsoDate, StrictModel
from hub.schemas.messages import Channel, Clean, Ref, RowId, money

MAX_DAYS = 366


class MailingCreate(StrictModel):
    """``POST /api/v1/clinics/{clinic}/mailings``: whom (appointments in a period of
    local dates, narrowed by doctor / specialty / service) and what (a template)."""

    name: Clean = Field("", max_length=255)
    period_from: IsoDate
    period_to: IsoDate = Field(description="Inclusive.")
    doctor_ids: list[Ref] = Field(default_factory=list)
    specialty_ids: list[Ref] = Field(default_factory=list)
    service_ids: list[Ref] = Field(default_factory=list)
    template_id: RowId | None = Field(None, description="Unset: the default template of `kind`.")
    kind: str = Field("mailing", min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    channel: Channel = "sms"
    subject: Clean | None = Field(
        None,
        max_length=SUBJECT_MAX_LENGTH,
        description="E-mail subject with the template's placeholders (channel `email` only); "
        "unset: the template's subject, else the e-mail provider's default.",
    )
    dry_run: bool = Field(False, description="Only say who would get what; store and send nothing.")

    @model_validator(mode="after")
    def _subject(self) -> MailingCreate:
        if self.subject is not None and self.channel != "email":
            raise ValueError("subject is for the email channel only")
        return self

    @model_validator(mode="after")
    def _period(self) -> MailingCreate:
        if self.period_to < self.period_from:
            raise ValueError("period_to is before period_from")
        if (self.period_to - self.period_from).days >= MAX_DAYS:
            raise ValueError(f"the period may span at most {MAX_DAYS} days")
        return self


class Skipped(BaseModel):
    """A patient who gets nothing, and why."""

    patient_id: str
    appointment_id: str | None
    reason: str
    detail: str


class Estimate(BaseModel):
    provider: str
    total_cost: Decimal
    parts: int
    currency: str

    @field_serializer("total_cost")
    def _cost(self, value: Decimal) -> str | None:
        return money(value)


class MailingPublic(BaseModel):
    """A mailing: what was asked, how many were queued, who was skipped and why, and
    its progress (its messages by status)."""

    id: int | None
    clinic: str
    name: str
    period_from: dt.date
    period_to: dt.date
    filters: dict[str, list[str]]
    template_id: int | None
    kind: str
    channel: str
    subject: str | None = Field(None, description="The subject asked for (e-mail only).")
    matched: int = Field(description="Patients with a matching appointment.")
    queued: int
    skipped: list[Skipped]
    estimate: Estimate | None
    progress: dict[str, int]
    status: str = Field(description="sending while messages wait, then done; dry_run.")
    created_at: dt.datetime


class MailingList(BaseModel):
    items: list[MailingPublic]
