"""The patient's answer page: links sent in reminders and the answers given."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.db.types import JSONType, UTCDateTime


class AnswerLink(SQLModel, table=True):
    """A link ``/r/{token}`` about one appointment, valid until ``expires_at`` (its start).

    Only the SHA-256 of the token is stored: a database dump cannot answer for anyone.
    The token itself (``secrets.token_urlsafe(16)``, 128 random bits) exists only in the
    message text.
    """

    __tablename__ = "answer_link"
    __table_args__ = (sa.Index("ix_answer_link_appointment", "clinic_id", "appointment_id"),)

    token_hash: str = Field(primary_key=True, max_length=64)
    clinic_id: str = Field(foreign_key="clinic.id", ondelete="CASCADE", max_length=63)
    appointment_id: str = Field(max_length=100)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_seen_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class AppointmentAnswer(SQLModel, table=True):
    """The patient's answer about one appointment (the latest; ``history`` keeps each).

    ``answer`` is ``confirmed``, ``cancelled`` or ``callback``.
    """

    __tablename__ = "appointment_answer"

    clinic_id: str = Field(
        foreign_key="clinic.id", ondelete="CASCADE", primary_key=True, max_length=63
    )
    appointment_id: str = Field(primary_key=True, max_length=100)
    answer: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=500)
    source: str = Field(default="answer_page", max_length=100)
    answered_at: dt.datetime = Field(sa_type=UTCDateTime)
    history: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
