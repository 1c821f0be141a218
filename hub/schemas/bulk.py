"""Bulk intake: ``POST /api/v1/clinics/{clinic}/bulk``.

Each item is validated on its own: bad items are reported with their index and
reason, good ones are kept (in one transaction, all or nothing per item).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from hub.schemas.common import StrictModel
from hub.schemas.patients import PhoneWarning

MAX_ITEMS = 20_000


class BulkIn(StrictModel):
    """Patients and appointments (each with its ``id``); patients are applied first."""

    patients: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_ITEMS)
    appointments: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_ITEMS)


class Problem(BaseModel):
    """One reason an item was refused (the shape of a 422 detail entry)."""

    loc: list[str | int]
    msg: str
    type: str


class BulkItemResult(BaseModel):
    index: int
    kind: Literal["patient", "appointment"]
    id: str | None
    result: Literal["created", "updated", "unchanged", "cancelled", "restored", "error"]
    changes: list[str] = Field(default_factory=list)
    warnings: list[PhoneWarning] = Field(default_factory=list)
    error: str | None = None
    problems: list[Problem] = Field(default_factory=list)


class BulkResult(BaseModel):
    counts: dict[str, int]
    items: list[BulkItemResult]
