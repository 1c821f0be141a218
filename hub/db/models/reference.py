"""Reference data of a clinic: doctors, specialties, services, price-list sections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Field, SQLModel

from hub.db.types import JSONType, UTCDateTime


class ReferenceItem(SQLModel, table=True):
    """One item of one kind of a clinic's reference data.

    ``data`` is the item as sent (without ``id``), plus what the hub computed:
    ``auto`` holds the automatic name forms (dative...), next to the ``dative`` override
    the clinic may give.  An item left out of a later bulk replace keeps its row with
    ``removed_at`` set: old appointments still show its name, new ones may not use it.
    """

    __tablename__ = "reference_item"

    clinic_id: str = Field(foreign_key="clinic.id", ondelete="CASCADE", primary_key=True, max_length=63)
    kind: str = Field(primary_key=True, max_length=40)
    external_id: str = Field(primary_key=True, max_length=100)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    removed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
