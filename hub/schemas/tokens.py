"""API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from hub.schemas.common import Slug, StrictModel


class TokenCreate(StrictModel):
    """``POST /api/v1/tokens``: a ``clinic`` token needs its clinic; others have none."""

    name: str = Field(min_length=1, max_length=255)
    role: Literal["admin", "webadmin", "clinic"]
    clinic: Slug | None = None

    @model_validator(mode="after")
    def _clinic_matches_role(self) -> TokenCreate:
        if self.role == "clinic" and self.clinic is None:
            raise ValueError("a clinic token needs 'clinic': the id of its clinic")
        if self.role != "clinic" and self.clinic is not None:
            raise ValueError(f"a {self.role} token is not bound to a clinic: leave 'clinic' out")
        return self


class TokenPublic(BaseModel):
    id: int
    name: str
    role: str
    clinic: str | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenPublic):
    token: str = Field(description="The token itself: shown this once, stored only as a hash.")


class TokenList(BaseModel):
    items: list[TokenPublic]
