"""``POST /api/v1/clinics/{clinic}/reminders/run``: request and answer (CONTRACT: Reminders)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from hub.schemas.common import IsoDate, StrictModel


class ReminderRunRequest(StrictModel):
    """Run the reminder selection now for the appointments of ``date`` (local)."""

    date: IsoDate | None = Field(
        None,
        description="The appointments' local date; default: today + days_ahead "
        "(for a schedule: the date its run today would cover).",
    )
    dry_run: bool = Field(False, description="Only list who would get what, and who is skipped.")
    schedule_id: int | None = Field(
        None,
        description="Run this «days before» / «after services» schedule instead of the "
        "clinic's default reminder.",
    )


class Recipient(BaseModel):
    """Who gets (or would get) which text."""

    appointment_id: str
    patient_id: str
    name: str | None
    channel: str
    address: str
    start: dt.datetime
    text: str
    message_id: int | None = None


class Skipped(BaseModel):
    """An appointment left out, and why (``reason`` is a stable code)."""

    appointment_id: str
    patient_id: str
    reason: str = Field(
        description="opt_out, inpatient, excluded_service, "
        "excluded_price_list_section, no_phone, invalid_phone, not_mobile, "
        "cancelled, already_sent; also no_card, no_email, stop_list, "
        "empty_placeholder"
    )
    detail: str = ""


class ReminderRunResult(BaseModel):
    date: dt.date
    dry_run: bool
    rule: str = Field(description="default, or schedule:<id>.")
    queued: int
    recipients: list[Recipient]
    skipped: list[Skipped]
