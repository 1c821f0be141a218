"""The recipient and text of a one-off send to a patient or about an appointment."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.runtime import ClinicSnapshot, Runtime
from hub.schemas.clinics import ClinicOptions
from hub.schemas.messages import SendRequest


async def draft_for_patient(
    session: AsyncSession, runtime: Runtime, snapshot: ClinicSnapshot, options: ClinicOptions,
    request: SendRequest,
) -> object:
    from hub.messages.send import SendRefused

    raise SendRefused(422, "sending to a patient or an appointment needs the patient data")
