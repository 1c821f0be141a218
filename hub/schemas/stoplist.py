"""The clinic's stop list as the API shows it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from hub.schemas.common import StrictModel


class StopListPut(StrictModel):
    """``PUT /api/v1/clinics/{clinic}/stoplist/{phone}``: why the number is blocked."""

    note: str = Field("", max_length=500)


class StopListEntryPublic(BaseModel):
    phone: str
    note: str
    actor: str
    created_at: dt.datetime


class StopListPublic(BaseModel):
    items: list[StopListEntryPublic]
