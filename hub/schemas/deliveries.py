"""Event deliveries as the operations API shows them."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

DeliveryStatus = Literal["pending", "retrying", "done", "dead"]


class DeliveryStats(BaseModel):
    """Open and dead deliveries of one plugin for one clinic."""

    clinic: str
    plugin: str
    pending: int
    retrying: int
    dead: int
    blocked: int = Field(description="Open deliveries waiting behind a dead one of the same "
                         "appointment or card: they move once it is re-queued and delivered.")
    oldest_due: dt.datetime | None = Field(description="Due time of the oldest open delivery.")


class DeliveryStatsList(BaseModel):
    items: list[DeliveryStats]


class DeliveryPublic(BaseModel):
    id: int
    event_id: int
    clinic: str
    plugin: str
    hook: str
    subject: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    idempotency_key: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    blocked_by: int | None = Field(description="The dead delivery holding this one back, if any.")


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    total: int
    page: int
    per_page: int


class RequeueResult(BaseModel):
    requeued: int
