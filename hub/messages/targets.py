"""The recipient and text of a one-off send to a patient or about an appointment.

``{"appointment_id", "template_id"}`` renders the template (or the clinic's default
template of ``kind``, ``reminder`` by default) for the appointment and sends it to its
patient; ``{"patient_id" | "appointment_id", "text"}`` sends the text as written.  By
e-mail the template's ``subject`` and ``html`` are rendered too (the request's own
``subject`` / ``html``, sent as written, take their place).  A
``phone`` given beside them replaces the card's number (the receptionist corrected
it, as in seed 002's send window).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.crud import templates as templates_crud
from hub.intake.snapshots import load_appointments, load_card
from hub.messages import links, recipients
from hub.messages import templates as tpl
from hub.messages.addresses import InvalidAddress, normalize
from hub.messages.one_off import NoAddress, OneOffDraft, SendRefused
from hub.runtime import ClinicSnapshot, Runtime
from hub.schemas.clinics import ClinicOptions
from hub.schemas.messages import SendRequest
from hub.types import Appointment, Card


async def load_appointment(
    session: AsyncSession, clinic_id: str, appointment_id: str
) -> Appointment | None:
    """The appointment (cancelled ones too) with its patient, doctor and specialty."""
    found = await load_appointments(
        session, clinic_id, ids=[appointment_id], include_cancelled=True
    )
    return found[0] if found else None


async def draft_for_patient(
    session: AsyncSession,
    runtime: Runtime,
    snapshot: ClinicSnapshot,
    options: ClinicOptions,
    request: SendRequest,
) -> OneOffDraft:
    clinic_id = snapshot.info.id
    appointment: Appointment | None = None
    card: Card | None
    if request.appointment_id is not None:
        appointment = await load_appointment(session, clinic_id, request.appointment_id)
        if appointment is None:
            raise SendRefused(
                422, f"appointment_id: no appointment {request.appointment_id!r} in this clinic"
            )
        if request.patient_id is not None and request.patient_id != appointment.patient_id:
            raise SendRefused(422, "patient_id: the appointment belongs to another patient")
        card = appointment.patient
        patient_id = appointment.patient_id
    else:
        assert request.patient_id is not None
        patient_id = request.patient_id
        card = await load_card(session, clinic_id, patient_id)
    if card is None:
        raise SendRefused(422, f"patient_id: no patient card {patient_id!r} in this clinic")
    if card.deleted:
        raise SendRefused(
            409, f"the card of patient {patient_id!r} was deleted in the clinic system"
        )

    if request.phone is not None:
        try:
            address = normalize(request.channel, request.phone, options.phone_region)
        except InvalidAddress as exc:
            raise SendRefused(422, f"phone: {exc.detail} ({exc.reason})") from None
    else:
        found = recipients.for_card(card, request.channel, options.phone_region)
        if found.address is None:
            raise NoAddress(patient_id, found.reason or "no_phone", found.detail)
        address = found.address

    kind = request.kind
    if request.text is not None:
        text = request.text
    else:
        assert appointment is not None
        template = await _template(session, clinic_id, request)
        kind = kind or template.kind
        email = request.channel == "email"
        subject = (template.subject if email and request.subject is None else None) or None
        html = (template.html if email and request.html is None else None) or None
        link = _answer_link(runtime, (template.body, subject, html), clinic_id, appointment)
        base = links.base_url(runtime.settings.public_url, runtime.settings.dev) if link else None
        context = tpl.TemplateContext.build(
            appointment, snapshot.info, confirm_link=links.url(base, link.token) if link else None
        )
        try:
            text = tpl.render(template.body, context)
            subject = tpl.render_subject(subject, context) if subject else None
            html = tpl.render_html(html, context) if html else None
        except tpl.EmptyPlaceholder as exc:
            raise SendRefused(422, f"template {template.id} ({template.name}): {exc}") from None
        return OneOffDraft(
            address,
            text,
            kind or "custom",
            request.recipient_name or card.full_name,
            patient_id,
            appointment.id,
            link,
            subject=subject,
            html=html,
        )
    return OneOffDraft(
        address,
        text,
        kind or "custom",
        request.recipient_name or card.full_name,
        patient_id,
        appointment.id if appointment else None,
    )


def _answer_link(
    runtime: Runtime, bodies: tuple[str | None, ...], clinic_id: str, appointment: Appointment
) -> links.NewLink | None:
    """A new answer-page link when the template (its body, subject or html) asks for
    ``{confirm_link}``."""
    if not tpl.uses("confirm_link", *bodies):
        return None
    try:
        links.base_url(runtime.settings.public_url, runtime.settings.dev)
    except links.PublicUrlMissing as exc:
        raise SendRefused(422, str(exc)) from None
    if appointment.cancelled or appointment.start <= runtime.clock.now():
        raise SendRefused(
            409, "the template has {confirm_link}, but the appointment is cancelled or over"
        )
    return links.NewLink(
        token=links.new_token(),
        clinic_id=clinic_id,
        appointment_id=appointment.id,
        expires_at=appointment.start,
    )


async def _template(session: AsyncSession, clinic_id: str, request: SendRequest):  # type: ignore[no-untyped-def]
    if request.template_id is not None:
        template = await templates_crud.get(
            session, clinic_id=clinic_id, template_id=request.template_id
        )
        if template is None:
            raise SendRefused(422, f"template_id: no template {request.template_id} in this clinic")
        return template
    kind = request.kind or "reminder"
    template = await templates_crud.default(
        session, clinic_id=clinic_id, kind=kind, channel=request.channel
    )
    if template is None:
        raise SendRefused(
            422,
            f"no default {request.channel} template of kind {kind!r} for patients: give "
            "template_id or text, or mark a template as default",
        )
    return template
