"""API tokens: only a hash is stored; the token itself is shown once, when created."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from hub.db.types import UTCDateTime


class ApiToken(SQLModel, table=True):
    """A bearer token with a role (admin, webadmin, clinic) and, for clinic, its clinic."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255)
    role: str = Field(max_length=16)
    clinic_id: str | None = Field(
        default=None, foreign_key="clinic.id", ondelete="CASCADE", index=True
    )
    token_hash: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
