"""Appointments mirrored from the clinic system (keyed by the clinic's own id)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.db.types import JSONType, UTCDateTime


class AppointmentRecord(SQLModel, table=True):
    """One appointment of one clinic.

    ``start``/``end`` are aware UTC times (the API localises offset-less input in the
    clinic's time zone).  ``services`` is a JSON list of ``{"id", "price_list_section"}``.
    ``cancelled`` is the hub's view (a DELETE or ``status == "cancelled"``);
    ``status_changed_at`` is when ``status`` last changed (mailing schedules react to it).
    """

    __tablename__ = "appointment"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["clinic_id", "patient_id"],
            ["patient.clinic_id", "patient.external_id"],
            name="fk_appointment_patient",
            ondelete="CASCADE",
        ),
        sa.Index("ix_appointment_clinic_start", "clinic_id", "start"),
        sa.Index("ix_appointment_clinic_patient", "clinic_id", "patient_id"),
    )

    clinic_id: str = Field(
        foreign_key="clinic.id", ondelete="CASCADE", primary_key=True, max_length=63
    )
    external_id: str = Field(primary_key=True, max_length=100)
    patient_id: str = Field(max_length=100)
    doctor_id: str | None = Field(default=None, max_length=100)
    specialty_id: str | None = Field(default=None, max_length=100)
    services: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    start: dt.datetime = Field(sa_type=UTCDateTime)
    end: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    cabinet: str | None = Field(default=None, max_length=100)
    status: str = Field(default="booked", max_length=50)
    comment: str = Field(default="")
    cancelled: bool = False
    cancel_reason: str | None = None
    communication_status: str | None = Field(default=None, max_length=255)
    #: The plugin that created it (a booking made outside), ``None`` for the clinic's own.
    origin: str | None = Field(default=None, max_length=100)
    status_changed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class AppointmentAlias(SQLModel, table=True):
    """An id an appointment was known by before the clinic system adopted it under its
    own (``PUT .../appointments/{its_id}`` with ``"adopts": "<old id>"``): a plugin that
    writes back under the old id changes the adopted appointment."""

    __tablename__ = "appointment_alias"

    clinic_id: str = Field(
        foreign_key="clinic.id", ondelete="CASCADE", primary_key=True, max_length=63
    )
    alias: str = Field(primary_key=True, max_length=100)
    appointment_id: str = Field(max_length=100)
    adopted_at: dt.datetime = Field(sa_type=UTCDateTime)
