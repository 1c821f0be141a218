"""One clinic's sending: ``POST /api/v1/clinics/{clinic}/messages`` (one-off send) and
``GET /api/v1/clinics/{clinic}/balance`` (the provider's balance)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from hub.api.deps import ClinicReader, ClinicSystem, RuntimeDep
from hub.api.routes.messages import to_detail
from hub.messages import recipients
from hub.messages.balance import CACHE_SECONDS, balance
from hub.messages.one_off import NoAddress, SendRefused
from hub.messages.send import send
from hub.schemas.messages import BalancePublic, Channel, SendRequest, SendResult

router = APIRouter(prefix="/api/v1/clinics/{clinic}", tags=["messages"])


@router.post("/messages", status_code=201, response_model=SendResult)
async def send_message(
    request: SendRequest, access: ClinicSystem, runtime: RuntimeDep
) -> SendResult:
    """Send one message now: ``{"phone", "text"}``, ``{"appointment_id", "template_id"}``
    (or the default template of ``kind``), or ``{"patient_id", "text"}``.

    Answers with the queued message (the worker sends it within moments, outside quiet
    hours) and the provider's balance when it reports one.
    """
    try:
        async with runtime.db.session() as session:
            message = await send(session, runtime, access.clinic, request)
    except NoAddress as exc:
        async with runtime.db.session() as session:
            await recipients.warn(
                session,
                clinic_id=access.clinic_id,
                patient_id=exc.patient_id,
                reason=exc.reason,
                detail=exc.warning,
                now=runtime.clock.now(),
            )
        raise HTTPException(exc.status, exc.detail) from None
    except SendRefused as exc:
        raise HTTPException(exc.status, exc.detail) from None
    info = await balance(runtime, access.clinic_id, channel=request.channel, max_age=CACHE_SECONDS)
    return SendResult(
        message=to_detail(message, {access.clinic_id: access.clinic.info.name}),
        balance=BalancePublic(
            provider=info.provider, amount=info.amount, currency=info.currency, error=info.error
        ),
    )


@router.get("/balance", response_model=BalancePublic)
async def get_balance(
    access: ClinicReader,
    runtime: RuntimeDep,
    channel: Channel = "sms",
    provider: Annotated[str | None, Query(description="Ask this provider plugin instead.")] = None,
) -> BalancePublic:
    """The balance of the clinic's provider for ``channel``, asked now."""
    if provider is not None and provider not in runtime.host.loaded_names():
        raise HTTPException(404, f"Unknown plugin {provider!r}: see GET /api/v1/plugins")
    info = await balance(runtime, access.clinic_id, channel=channel, provider=provider)
    return BalancePublic(
        provider=info.provider, amount=info.amount, currency=info.currency, error=info.error
    )
