"""Message templates: a clinic's texts with named placeholders (``{patient_first_name}``)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.db.types import BigIntKey, UTCDateTime


class MessageTemplate(SQLModel, table=True):
    """A template of one clinic; at most one ``is_default`` per (kind, recipient, channel)."""

    __tablename__ = "message_template"
    __table_args__ = (sa.Index("ix_message_template_clinic_kind", "clinic_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntKey)
    clinic_id: str = Field(foreign_key="clinic.id", ondelete="CASCADE", max_length=63)
    name: str = Field(max_length=255)
    recipient: str = Field(default="patient", max_length=16)
    kind: str = Field(default="reminder", max_length=40)
    channel: str = Field(default="sms", max_length=16)
    is_default: bool = False
    body: str = Field(sa_type=sa.Text)
    #: E-mail only: a subject line and an HTML body, templates like ``body`` (which is the
    #: plain-text part); unset: the subject comes from elsewhere, the mail is text only.
    subject: str | None = Field(default=None, max_length=998)
    html: str | None = Field(default=None, sa_type=sa.Text)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
