"""Patient cards mirrored from the clinic system (keyed by the clinic's own id)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.db.types import JSONType, UTCDateTime


class PatientRecord(SQLModel, table=True):
    """One patient card of one clinic.

    ``phones`` are stored as the clinic system sent them (which of them a message may
    use is decided per channel when it is sent); their E.164 forms are indexed in
    :class:`PatientPhone` for finding a card by a caller's number, and what they are
    worth to messages in ``phone_verdict`` (:class:`hub.text.phones.CardPhones`: the
    best mobile's E.164, or why there is none), decided when the card is written, so
    that a reminder run does not check every card's phones again.  A deleted card
    keeps its row with ``deleted_at`` set, so that events and messages about it still
    resolve; a later ``PUT`` restores it.
    """

    __tablename__ = "patient"

    clinic_id: str = Field(
        foreign_key="clinic.id", ondelete="CASCADE", primary_key=True, max_length=63
    )
    external_id: str = Field(primary_key=True, max_length=100)
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    middle_name: str = Field(default="", max_length=100)
    birth_date: dt.date | None = None
    sex: str | None = Field(default=None, max_length=6)
    phones: list[str] = Field(default_factory=list, sa_type=JSONType)
    email: str | None = Field(default=None, max_length=254)
    #: ``CardPhones.to_json()`` of ``phones`` in the clinic's region; NULL for a row
    #: written otherwise (checked when read).
    phone_verdict: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    opt_out: bool = False
    inpatient: bool = False
    deleted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)


class PatientPhone(SQLModel, table=True):
    """One phone of a card in E.164 (``+79181234567``), whatever spelling the clinic sent:
    the index behind ``ctx.find_cards(phone=...)``.  Rewritten with the card at intake;
    values that are no valid number of any country are not indexed."""

    __tablename__ = "patient_phone"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["clinic_id", "patient_id"],
            ["patient.clinic_id", "patient.external_id"],
            name="fk_patient_phone_patient",
            ondelete="CASCADE",
        ),
        sa.Index("ix_patient_phone_patient", "clinic_id", "patient_id"),
    )

    #: The primary key (clinic_id, e164, patient_id) is the lookup's index.
    clinic_id: str = Field(primary_key=True, max_length=63)
    e164: str = Field(primary_key=True, max_length=32)
    patient_id: str = Field(primary_key=True, max_length=100)
