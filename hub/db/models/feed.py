"""The clinic feed: what the clinic system must apply, read with a cursor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.db.types import BigIntKey, JSONType, UTCDateTime


class FeedEvent(SQLModel, table=True):
    """One event of a clinic's feed.

    ``txid`` is the PostgreSQL transaction id that wrote the row: readers order by
    (txid, id) and only read rows older than every running transaction, so a cursor
    never skips an event committed late (see ``hub.feed``).  On SQLite it is 0.
    """

    __tablename__ = "feed_event"
    __table_args__ = (sa.Index("ix_feed_event_clinic_order", "clinic_id", "txid", "id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntKey)
    txid: int = Field(default=0, sa_type=sa.BigInteger)
    clinic_id: str = Field(max_length=63)
    type: str = Field(max_length=100)
    source: str = Field(max_length=100)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    at: dt.datetime = Field(sa_type=UTCDateTime, index=True)
