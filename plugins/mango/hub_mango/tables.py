"""The plugin's own tables (SQLAlchemy Core; created by ``migrations/mango_0001.py``).

    mango_reference   the reference each robot task carries in «Доп. информация»
                      (``comment``): token -> clinic, appointment, journal message; and
                      the robot's answer once it came
    mango_call        every finished call (``/events/summary``): the call history
    mango_command     click-to-call commands and their asynchronous results

Times are stored in UTC; SQLite hands them back naive, so :func:`utc` reads them.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

metadata = sa.MetaData()

REFERENCE = sa.Table(
    "mango_reference",
    metadata,
    sa.Column("token", sa.String(40), primary_key=True),
    sa.Column("clinic_id", sa.String(63), nullable=False),
    sa.Column("appointment_id", sa.String(255), nullable=False),
    sa.Column("message_id", sa.Integer, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answer_status", sa.Integer, nullable=True),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("call_result", sa.String(40), nullable=True),
    sa.UniqueConstraint("clinic_id", "message_id", name="uq_mango_reference_message"),
)

CALL = sa.Table(
    "mango_call",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("clinic_id", sa.String(63), nullable=False),
    sa.Column("entry_id", sa.String(255), nullable=False),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("from_number", sa.String(64), nullable=True),
    sa.Column("from_extension", sa.String(32), nullable=True),
    sa.Column("to_number", sa.String(64), nullable=True),
    sa.Column("to_extension", sa.String(32), nullable=True),
    sa.Column("line_number", sa.String(64), nullable=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("talk_seconds", sa.Integer, nullable=False),
    sa.Column("answered", sa.Boolean, nullable=False),
    sa.Column("disconnect_reason", sa.Integer, nullable=True),
    sa.UniqueConstraint("clinic_id", "entry_id", name="uq_mango_call_entry"),
    sa.Index("ix_mango_call_clinic_start", "clinic_id", "started_at"),
)

COMMAND = sa.Table(
    "mango_command",
    metadata,
    sa.Column("command_id", sa.String(64), primary_key=True),
    sa.Column("clinic_id", sa.String(63), nullable=False),
    sa.Column("phone", sa.String(64), nullable=False),
    sa.Column("extension", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("result", sa.Integer, nullable=True),
    sa.Column("result_at", sa.DateTime(timezone=True), nullable=True),
)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC time (SQLite returns it naive)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
