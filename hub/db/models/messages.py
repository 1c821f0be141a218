"""Messages: one table that is both the journal and the delivery outbox, and mailings.

A message moves through these states (``status``)::

    queued ──claim──▶ sending ──accepted──▶ sent ──report──▶ delivered
      ▲                 │  │                 │
      └──transient / ───┘  └──permanent──▶ failed ◀──report──┘
         quiet hours / rate limit / fallback to the next provider

``next_attempt_at`` is when a worker may take the message next: for ``queued`` the
due time, for ``sending`` the end of the claiming worker's lease (a message still
``sending`` after it is re-claimed).  ``history`` keeps every status change and
provider attempt as ``{"at", "event", "status", "provider", "code", "text", ...}``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.db.types import BigIntKey, JSONType, UTCDateTime

#: Money: up to 99,999,999.9999 (sums of a journal filter stay exact on PostgreSQL).
Money = sa.Numeric(12, 4)

ACTIVE = ("queued", "sending")


class Message(SQLModel, table=True):
    """One message to one address: what was asked, what happened, what it cost."""

    __tablename__ = "message"
    __table_args__ = (
        sa.Index("uq_message_dedupe", "clinic_id", "dedupe_key", unique=True),
        sa.Index(
            "ix_message_due",
            "next_attempt_at",
            postgresql_where=sa.text("status IN ('queued', 'sending')"),
            sqlite_where=sa.text("status IN ('queued', 'sending')"),
        ),
        sa.Index("ix_message_clinic_created", "clinic_id", "created_at"),
        sa.Index("ix_message_provider_id", "provider", "provider_message_id"),
        sa.Index("ix_message_clinic_appointment", "clinic_id", "appointment_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntKey)
    clinic_id: str = Field(foreign_key="clinic.id", ondelete="CASCADE", max_length=63)
    kind: str = Field(max_length=40)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=320)
    recipient_name: str | None = Field(default=None, max_length=255)
    #: ``recipient_name`` case-folded (ё → е), for the journal's name filter.
    recipient_search: str = Field(default="", max_length=255)
    patient_id: str | None = Field(default=None, max_length=100)
    appointment_id: str | None = Field(default=None, max_length=100)
    appointment_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    mailing_id: int | None = Field(default=None, index=True, sa_type=sa.BigInteger)
    text: str = Field(sa_type=sa.Text)
    #: E-mail only: the subject line and an optional HTML body (``text`` is the plain one).
    subject: str | None = Field(default=None, max_length=998)
    html: str | None = Field(default=None, sa_type=sa.Text)
    #: Sent to a patient by contact priority: ``{"channels": [the channels still to try],
    #: "subject", "html"}``; a permanent failure queues the message on the next one.
    fallback: dict[str, Any] | None = Field(default=None, sa_type=JSONType, nullable=True)
    essential: bool = False
    #: Set on the appointment once sent (else the clinic option ``communication_status``).
    communication_status: str | None = Field(default=None, max_length=255)
    dedupe_key: str | None = Field(default=None, max_length=255)

    status: str = Field(default="queued", max_length=16)
    history: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(sa_type=UTCDateTime)
    lease_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_owner: str | None = Field(default=None, max_length=100)

    provider: str | None = Field(default=None, max_length=100)
    provider_message_id: str | None = Field(default=None, max_length=100)
    cost: Decimal | None = Field(default=None, sa_type=Money)
    error_code: str | None = Field(default=None, max_length=64)
    error_text: str | None = Field(default=None, sa_type=sa.Text)
    raw: Any = Field(default=None, sa_type=JSONType, nullable=True)

    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: When a status poll last asked about this message (``ctx.awaiting_report``).
    polled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def idempotency_key(self) -> str:
        """Stable across retries and providers: ``<clinic>:message:<id>``."""
        return f"{self.clinic_id}:message:{self.id}"


class Mailing(SQLModel, table=True):
    """A group mailing: a period and filters chose the patients, a template the text.

    Its progress is the count of its messages (``message.mailing_id``) by status.
    """

    __tablename__ = "mailing"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntKey)
    clinic_id: str = Field(foreign_key="clinic.id", ondelete="CASCADE", index=True, max_length=63)
    name: str = Field(default="", max_length=255)
    period_from: dt.date
    period_to: dt.date
    filters: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    template_id: int | None = None
    channel: str = Field(max_length=16)
    kind: str = Field(default="mailing", max_length=40)
    #: E-mail only: the subject asked for (a template); unset: the template's own.
    subject: str | None = Field(default=None, max_length=998)
    matched: int = 0
    queued: int = 0
    skipped: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    estimate: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    actor: str = Field(default="", max_length=255)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
