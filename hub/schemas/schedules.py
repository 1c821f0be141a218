"""Mailing schedules («График рассылки», seed 003): seven kinds, each with typed parameters.

    kind                    parameters                                      runs
    days_before             days, send_time                                 daily at send_time
    minutes_before          minutes, only_created_today                     every tick
    birthday                days_before, send_time                          daily at send_time
    after_services          days_after, send_time, services                 daily at send_time
    after_status_change     minutes, status, only_created_today             every tick
    lab_results_ready       minutes, only_when_complete                     every tick
    discount_card_issued    minutes                                         every tick

A request names the ``kind`` and gives its ``params``; the body is a union discriminated
by ``kind``, so a wrong parameter is reported at ``body.<kind>.params.<field>``.
Several schedules of the same kind may be enabled at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from hub.schemas.clinics import Channel
from hub.schemas.common import SUBJECT_MAX_LENGTH, ExternalId, StrictModel

ScheduleKind = Literal[
    "days_before",
    "minutes_before",
    "birthday",
    "after_services",
    "after_status_change",
    "lab_results_ready",
    "discount_card_issued",
]
KINDS: tuple[str, ...] = ScheduleKind.__args__  # type: ignore[attr-defined]

#: One week: the longest delay of the minute-based kinds.
MAX_MINUTES = 7 * 24 * 60


# --- parameters, one model per kind ------------------------------------------------------


class DaysBeforeParams(StrictModel):
    """«Дней до записи на приём»: ``days`` before the appointment's day, at ``send_time``."""

    days: int = Field(ge=0, le=365, description="Days before the appointment's local date.")
    send_time: dt.time = Field(description="Local time of the daily run.")


class MinutesBeforeParams(StrictModel):
    """«Минут до записи на приём»: ``minutes`` before the appointment starts."""

    minutes: int = Field(ge=1, le=MAX_MINUTES, description="Minutes before the start.")
    only_created_today: bool = Field(
        False, description="Only appointments created on the day of sending."
    )


class BirthdayParams(StrictModel):
    """«Дней до дня рождения»: ``days_before`` the birthday (0: on the day), at ``send_time``."""

    days_before: int = Field(ge=0, le=60, description="Days before the birthday (0: that day).")
    send_time: dt.time = Field(description="Local time of the daily run.")


class AfterServicesParams(StrictModel):
    """«Пациентам, которые проходили услуги»: ``days_after`` an appointment with one of
    ``services``, at ``send_time``."""

    days_after: int = Field(ge=0, le=365, description="Days after the appointment's local date.")
    send_time: dt.time = Field(description="Local time of the daily run.")
    services: list[ExternalId] = Field(
        min_length=1, max_length=500, description="Service ids (the clinic system's own)."
    )


class AfterStatusChangeParams(StrictModel):
    """«Минут после смены статуса записи на …»: ``minutes`` after the appointment's status
    became ``status``."""

    minutes: int = Field(ge=0, le=MAX_MINUTES, description="Minutes after the change.")
    status: str = Field(min_length=1, max_length=50, description="The appointment status.")
    only_created_today: bool = Field(
        False, description="Only appointments created on the day of sending."
    )


class LabResultsReadyParams(StrictModel):
    """«Готовность результата анализа»: ``minutes`` after results came in."""

    minutes: int = Field(ge=0, le=MAX_MINUTES, description="Minutes after the results came in.")
    only_when_complete: bool = Field(
        False, description="Only once every result of the visit is in."
    )


class DiscountCardIssuedParams(StrictModel):
    """«Выдача дисконтной карты»: ``minutes`` after a discount card was issued."""

    minutes: int = Field(ge=0, le=MAX_MINUTES, description="Minutes after the card was issued.")


PARAMS: dict[str, type[StrictModel]] = {
    "days_before": DaysBeforeParams,
    "minutes_before": MinutesBeforeParams,
    "birthday": BirthdayParams,
    "after_services": AfterServicesParams,
    "after_status_change": AfterStatusChangeParams,
    "lab_results_ready": LabResultsReadyParams,
    "discount_card_issued": DiscountCardIssuedParams,
}

#: Kinds that run once a day at ``params.send_time``; the others run on every tick.
DAILY_KINDS = frozenset({"days_before", "birthday", "after_services"})


# --- requests -------------------------------------------------------------------------------


class ScheduleFields(StrictModel):
    """What every schedule has besides its kind and parameters."""

    name: str = Field("", max_length=255)
    channel: Channel = "sms"
    template_id: int | None = Field(None, description="A template of this clinic…")
    text: str | None = Field(
        None, min_length=1, max_length=4000, description="…or the text itself, with placeholders."
    )
    subject: str | None = Field(
        None,
        max_length=SUBJECT_MAX_LENGTH,
        description="E-mail subject with placeholders (channel `email`; ignored by others). "
        "Unset: the template's subject, else `reminders.subject` for appointment reminders, "
        "else the e-mail provider's default.",
    )
    enabled: bool = True
    communication_status: str | None = Field(
        None,
        max_length=255,
        description="Set on the appointment once the message is sent (e.g. «Отправили SMS»).",
    )

    @model_validator(mode="after")
    def _template_or_text(self) -> ScheduleFields:
        if (self.template_id is None) == (self.text is None):
            raise ValueError("give exactly one of template_id or text")
        return self


class _DaysBefore(ScheduleFields):
    kind: Literal["days_before"]
    params: DaysBeforeParams


class _MinutesBefore(ScheduleFields):
    kind: Literal["minutes_before"]
    params: MinutesBeforeParams


class _Birthday(ScheduleFields):
    kind: Literal["birthday"]
    params: BirthdayParams


class _AfterServices(ScheduleFields):
    kind: Literal["after_services"]
    params: AfterServicesParams


class _AfterStatusChange(ScheduleFields):
    kind: Literal["after_status_change"]
    params: AfterStatusChangeParams


class _LabResultsReady(ScheduleFields):
    kind: Literal["lab_results_ready"]
    params: LabResultsReadyParams


class _DiscountCardIssued(ScheduleFields):
    kind: Literal["discount_card_issued"]
    params: DiscountCardIssuedParams


#: ``POST`` and ``PUT`` bodies: a schedule of one kind with its parameters.
ScheduleCreate = Annotated[
    _DaysBefore
    | _MinutesBefore
    | _Birthday
    | _AfterServices
    | _AfterStatusChange
    | _LabResultsReady
    | _DiscountCardIssued,
    Field(discriminator="kind"),
]


class ScheduleUpdate(StrictModel):
    """``PATCH``: only the fields given change; ``params`` are merged into the stored ones
    and validated for the schedule's kind (the kind itself cannot change: use ``PUT``)."""

    name: str | None = Field(None, max_length=255)
    channel: Channel | None = None
    template_id: int | None = None
    text: str | None = Field(None, min_length=1, max_length=4000)
    subject: str | None = Field(
        None, max_length=SUBJECT_MAX_LENGTH, description='null or "": none.'
    )
    enabled: bool | None = None
    communication_status: str | None = Field(None, max_length=255)
    params: dict[str, Any] | None = None


# --- responses ------------------------------------------------------------------------------


class SchedulePublic(BaseModel):
    """A schedule as the API shows it."""

    id: int
    clinic: str
    name: str
    kind: ScheduleKind
    params: dict[str, Any]
    channel: Channel
    template_id: int | None
    text: str | None
    subject: str | None
    enabled: bool
    communication_status: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ScheduleList(BaseModel):
    items: list[SchedulePublic]
