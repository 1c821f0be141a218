"""The clinic's stop list: numbers that must receive nothing at all."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from hub.db.types import UTCDateTime


class StopListEntry(SQLModel, table=True):
    """One blocked number (E.164) of a clinic, with the admin's note."""

    __tablename__ = "stoplist_entry"

    clinic_id: str = Field(foreign_key="clinic.id", ondelete="CASCADE", primary_key=True)
    phone: str = Field(primary_key=True, max_length=32)
    note: str = Field(default="", max_length=500)
    actor: str = Field(default="", max_length=255)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
