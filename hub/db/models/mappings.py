"""Id mappings plugins keep between the hub's ids and an external system's."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.db.types import UTCDateTime


class IdMapping(SQLModel, table=True):
    """One (hub id, external id) pair of a plugin's mapping kind for a clinic.

    Many-to-many: a hub id may have several rows (one per external id) and an external
    id several (one per hub id).  The primary key serves lookups by hub id, the index
    ``ix_id_mapping_external`` lookups by external id.
    """

    __tablename__ = "id_mapping"
    __table_args__ = (
        sa.Index("ix_id_mapping_external", "clinic_id", "plugin", "kind", "external_id"),
    )

    clinic_id: str = Field(
        foreign_key="clinic.id", ondelete="CASCADE", primary_key=True, max_length=63
    )
    plugin: str = Field(primary_key=True, max_length=100)
    kind: str = Field(primary_key=True, max_length=40)
    hub_id: str = Field(primary_key=True, max_length=100)
    external_id: str = Field(primary_key=True, max_length=255)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
