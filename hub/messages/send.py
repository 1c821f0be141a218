"""One-off sends (``POST /api/v1/clinics/{clinic}/messages``): decide and queue.

Unlike messages queued by the hub's own rules, a one-off send answers its caller at
once: a problem is an error of the request, not a ``failed`` row to find later.

    422  empty text, a text over the SMS parts the first provider of the channel takes
         (``hub.ChannelSpec.max_parts``, declared by the provider), an invalid / landline number for
         SMS (a card without a usable number is also published as ``card.warning``),
         an unknown template or appointment, a template that renders an empty
         placeholder
    409  the number is on the stop list, the patient opted out, or no provider
         serves the channel for this clinic
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import Message
from hub.messages import links, policy, routing, targets
from hub.messages.addresses import InvalidAddress, normalize
from hub.messages.one_off import OneOffDraft, SendRefused
from hub.messages.queue import queue_message
from hub.runtime import ClinicSnapshot, Runtime
from hub.schemas.clinics import ClinicOptions
from hub.schemas.messages import SendRequest


def check_text(text: str) -> None:
    if not text.strip():
        raise SendRefused(422, "text is empty")


def check_parts(text: str, limit: int | None, provider: str) -> None:
    """The provider's own limit of SMS parts per text (``ChannelSpec.max_parts``)."""
    if limit is None:
        return
    from hub.messages.sms import parts

    count = parts(text)
    if count > limit:
        raise SendRefused(
            422,
            f"text is {len(text)} characters, {count} SMS parts; {provider} sends at most "
            f"{limit} parts as one message",
        )


async def draft(
    session: AsyncSession, runtime: Runtime, snapshot: ClinicSnapshot, request: SendRequest
) -> OneOffDraft:
    """Resolve the recipient and the text of ``request``."""
    options = ClinicOptions.model_validate(snapshot.options)
    if request.phone is not None and request.appointment_id is None and request.patient_id is None:
        try:
            address = normalize(request.channel, request.phone, options.phone_region)
        except InvalidAddress as exc:
            raise SendRefused(422, f"phone: {exc.detail} ({exc.reason})") from None
        assert request.text is not None
        return OneOffDraft(
            address, request.text, request.kind or "custom", request.recipient_name, None, None
        )
    return await targets.draft_for_patient(session, runtime, snapshot, options, request)


async def send(
    session: AsyncSession, runtime: Runtime, snapshot: ClinicSnapshot, request: SendRequest
) -> Message:
    """Queue the one-off message of ``request`` or raise :class:`SendRefused`."""
    clinic_id = snapshot.info.id
    d = await draft(session, runtime, snapshot, request)
    check_text(d.text)
    refused = await policy.refusal(
        session,
        clinic_id=clinic_id,
        address=d.address,
        patient_id=d.patient_id,
        essential=request.essential,
    )
    if refused is not None:
        raise SendRefused(409, f"{refused.text} ({refused.code}); nothing was sent")
    found = routing.route(
        runtime, snapshot, ClinicOptions.model_validate(snapshot.options), request.channel
    )
    if not found.providers:
        raise SendRefused(409, found.explain(request.channel))
    first = found.providers[0]
    check_parts(d.text, runtime.host.max_parts(first, request.channel), first)
    message = await queue_message(
        session,
        runtime,
        clinic_id=clinic_id,
        kind=d.kind,
        channel=request.channel,
        address=d.address,
        text=d.text,
        recipient_name=d.recipient_name,
        patient_id=d.patient_id,
        appointment_id=d.appointment_id,
        essential=request.essential,
        subject=request.subject or d.subject,
        html=request.html or d.html,
    )
    assert message is not None  # no dedupe key: always inserted
    if d.link is not None:
        await links.save(session, [d.link], now=runtime.clock.now())
    return message
