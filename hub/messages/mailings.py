"""Group mailings: a period and filters choose patients, a template writes each text.

Appointments (not cancelled) starting within the period's local dates are matched by
doctor, specialty (the appointment's, or its doctor's) and service; each patient gets
one message, rendered for their earliest matching appointment.  Nobody is skipped in
silence: a deleted card, an inpatient, an opt-out, a number on the stop list, a card
without a usable phone (also published as ``card.warning``) or a template with an
empty placeholder for that appointment lands in ``skipped`` with its reason.  A period
and filters that match nobody is an error (nothing is stored).

Before queueing, the provider is asked what it would cost (``estimate_cost``); the
mailing keeps the answer.  Its messages carry ``mailing_id`` and a dedupe key per
patient, so the same mailing can never write twice to one patient.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.crud import templates as templates_crud
from hub.db.models import Mailing, MessageTemplate
from hub.intake.snapshots import load_appointments
from hub.messages import policy, recipients, routing
from hub.messages import templates as tpl
from hub.messages.queue import Draft, queue_messages
from hub.plugins import PluginCallError
from hub.runtime import ClinicSnapshot, Runtime
from hub.schemas.clinics import ClinicOptions
from hub.schemas.mailings import MailingCreate
from hub.types import Appointment, OutgoingMessage


class MailingRefused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class Plan:
    """Who gets which text, and who is skipped."""

    texts: list[tuple[Appointment, str, str]] = field(
        default_factory=list
    )  # (appointment, address, text)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    matched: int = 0
    #: E-mail: the subject and HTML body of each appointment's message, by its id.
    email: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)


def matches(appointment: Appointment, request: MailingCreate) -> bool:
    if request.doctor_ids and appointment.doctor_id not in request.doctor_ids:
        return False
    if request.specialty_ids and appointment.specialty_id not in request.specialty_ids:
        return False
    if request.service_ids and not {s.id for s in appointment.services} & set(request.service_ids):
        return False
    return True


async def template_for(
    session: AsyncSession, clinic_id: str, request: MailingCreate
) -> MessageTemplate:
    if request.template_id is not None:
        found = await templates_crud.get(
            session, clinic_id=clinic_id, template_id=request.template_id
        )
        if found is None:
            raise MailingRefused(
                422, f"template_id: no template {request.template_id} in this clinic"
            )
        return found
    found = await templates_crud.default(
        session, clinic_id=clinic_id, kind=request.kind, channel=request.channel
    )
    if found is None:
        raise MailingRefused(
            422, f"no default {request.channel} template of kind {request.kind!r}: give template_id"
        )
    return found


def check_subject(request: MailingCreate) -> None:
    """The requested subject is a valid template (422 naming ``subject``)."""
    if request.subject:
        try:
            tpl.validate_subject(request.subject)
        except tpl.TemplateError as exc:
            raise MailingRefused(422, f"subject: {exc}") from None


async def plan(
    session: AsyncSession,
    snapshot: ClinicSnapshot,
    request: MailingCreate,
    template: MessageTemplate,
) -> Plan:
    info = snapshot.info
    options = ClinicOptions.model_validate(snapshot.options)
    start = dt.datetime.combine(request.period_from, dt.time(), tzinfo=info.tz)
    stop = dt.datetime.combine(request.period_to + dt.timedelta(days=1), dt.time(), tzinfo=info.tz)
    found = await load_appointments(
        session, info.id, start_from=start.astimezone(dt.UTC), start_to=stop.astimezone(dt.UTC)
    )
    first: dict[str, Appointment] = {}
    for appointment in found:  # ordered by start: the first one per patient wins
        if matches(appointment, request):
            first.setdefault(appointment.patient_id, appointment)
    result = Plan(matched=len(first))
    blocked = await policy.stop_listed_many(
        session,
        info.id,
        {
            a
            for ap in first.values()
            if ap.patient
            for a in [
                recipients.for_card(ap.patient, request.channel, options.phone_region).address
            ]
            if a
        },
    )
    for patient_id, appointment in first.items():
        card = appointment.patient

        def skip(
            reason: str,
            detail: str,
            appointment: Appointment = appointment,
            patient_id: str = patient_id,
        ) -> None:
            result.skipped.append(
                {
                    "patient_id": patient_id,
                    "appointment_id": appointment.id,
                    "reason": reason,
                    "detail": detail,
                }
            )

        if card is None or card.deleted:
            skip("no_card", "the patient's card is missing or was deleted")
            continue
        if card.inpatient:
            skip("inpatient", "the patient is in hospital")
            continue
        if card.opt_out:
            skip("opt_out", "the patient opted out of informational messages")
            continue
        address = recipients.for_card(card, request.channel, options.phone_region)
        if address.address is None:
            reason = address.reason or "no_phone"
            skip(reason, address.detail)
            result.warnings.append(
                {"patient_id": patient_id, "reason": reason, "detail": address.detail}
            )
            continue
        if address.address in blocked:
            skip("stop_list", f"{address.address} is on the clinic's stop list")
            continue
        context = tpl.TemplateContext.build(appointment, info)
        try:
            text = tpl.render(template.body, context)
            if request.channel == "email":
                subject = request.subject or template.subject
                result.email[appointment.id] = (
                    tpl.render_subject(subject, context) if subject else None,
                    tpl.render_html(template.html, context) if template.html else None,
                )
        except tpl.EmptyPlaceholder as exc:
            skip("empty_placeholder", str(exc))
            continue
        result.texts.append((appointment, address.address, text))
    return result


async def estimate(
    runtime: Runtime, snapshot: ClinicSnapshot, channel: str, p: Plan
) -> dict[str, Any] | None:
    """What the clinic's provider says the mailing will cost, or ``None``."""
    options = ClinicOptions.model_validate(snapshot.options)
    providers = [
        n
        for n in routing.route(runtime, snapshot, options, channel).providers
        if runtime.host.implements(n, "estimate_cost")
    ]
    if not providers or not p.texts:
        return None
    provider = providers[0]
    messages = tuple(
        OutgoingMessage(
            id=0,
            clinic_id=snapshot.info.id,
            kind="mailing",
            channel=channel,
            address=address,
            text=text,
            subject=p.email.get(a.id, (None, None))[0],
            html=p.email.get(a.id, (None, None))[1],
            patient_id=a.patient_id,
            appointment_id=a.id,
            idempotency_key="estimate",
        )
        for a, address, text in p.texts
    )
    try:
        ctx = await runtime.context(snapshot.info.id, provider)
        result = await runtime.host.estimate_cost(provider, ctx, messages)
    except (PluginCallError, LookupError, ValueError):
        return None
    if result is None:
        return None
    return {
        "provider": provider,
        "total_cost": str(result.total_cost),
        "parts": result.parts,
        "currency": result.currency,
    }


async def create(
    session: AsyncSession,
    runtime: Runtime,
    snapshot: ClinicSnapshot,
    request: MailingCreate,
    *,
    actor: str,
    p: Plan,
    template: MessageTemplate,
    cost: dict[str, Any] | None,
) -> Mailing:
    """Store the mailing and queue its messages (in the caller's transaction)."""
    now = runtime.clock.now()
    mailing = Mailing(
        clinic_id=snapshot.info.id,
        name=request.name,
        period_from=request.period_from,
        period_to=request.period_to,
        filters=filters_of(request),
        template_id=template.id,
        channel=request.channel,
        kind=request.kind,
        subject=request.subject or None,
        matched=p.matched,
        skipped=p.skipped,
        estimate=cost,
        actor=actor,
        created_at=now,
    )
    session.add(mailing)
    await session.flush()
    drafts = [
        Draft(
            kind=request.kind,
            channel=request.channel,
            address=address,
            text=text,
            dedupe_key=f"mailing:{mailing.id}:{appointment.patient_id}",
            recipient_name=appointment.patient.full_name if appointment.patient else None,
            patient_id=appointment.patient_id,
            appointment_id=appointment.id,
            appointment_at=appointment.start,
            mailing_id=mailing.id,
            normalized=True,
            subject=p.email.get(appointment.id, (None, None))[0],
            html=p.email.get(appointment.id, (None, None))[1],
        )
        for appointment, address, text in p.texts
    ]
    queued = len(await queue_messages(session, runtime, clinic_id=snapshot.info.id, drafts=drafts))
    mailing.queued = queued
    for warning in p.warnings:
        await recipients.warn(session, clinic_id=snapshot.info.id, now=now, **warning)
    return mailing


def filters_of(request: MailingCreate) -> dict[str, list[str]]:
    return {
        "doctor_ids": request.doctor_ids,
        "specialty_ids": request.specialty_ids,
        "service_ids": request.service_ids,
    }
