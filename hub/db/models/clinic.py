"""A clinic: the unit every token, setting, patient and message belongs to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Field, SQLModel

from hub.db.types import JSONType, UTCDateTime


class Clinic(SQLModel, table=True):
    """One clinic; ``options`` holds the typed options of ``hub.schemas.clinics``."""

    __tablename__ = "clinic"

    id: str = Field(primary_key=True, max_length=63)
    name: str = Field(max_length=255)
    timezone: str = Field(max_length=64)
    address: str = Field(default="", max_length=500)
    phone: str = Field(default="", max_length=64)
    options: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
