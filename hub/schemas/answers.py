"""The patient's answer as the API shows it on an appointment."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field


class PatientAnswerPublic(BaseModel):
    """The latest answer about an appointment, and every answer given (``history``)."""

    answer: Literal["confirmed", "cancelled", "callback"]
    reason: str | None = None
    at: dt.datetime
    source: str = Field(description="answer_page, or the plugin that reported it.")
    history: list[dict[str, Any]] = Field(default_factory=list)
