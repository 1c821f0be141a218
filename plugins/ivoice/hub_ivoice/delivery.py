"""Robot calls and the robot's answers, in the hub's terms.

    payload(ctx, message, appointment)   Mgerm's payload: id, patient, referrals, firstReferral
    send(ctx, message)                   POST <api_url> -> DeliveryResult
    callback (route)                     POST /plugins/ivoice/callback/{clinic}/{secret}
    check(ctx)                           the token, and the address to give Ivoice

A ``voice`` message must be about an appointment (``message.appointment_id``, as the
hub's reminders and ``POST /messages {"appointment_id"}`` queue it): its patient,
doctor, specialty and time fill ``firstReferral``, which the robot's text reads
(``{{ firstReferral.doctor.specialty.name }}``...).  As Mgerm does, ``id`` is the
patient's id; the robot's answer names that ``id`` only, so each call is remembered
per patient (``ctx.state``, ``answer_hours``) and the answer applies to the patient's
latest call:

    secret in the path wrong                  403, nothing read, nothing changed
    not a JSON object, no id, or
    patientConfirmation not true/false        422
    an id with no call waiting for an answer  200, nothing changed
    patientConfirmation true                  feed appointment.confirmed
                                              (status «Запись подтверждена»)
    patientConfirmation false                 feed appointment.cancelled_by_patient
                                              (status «Запись отменена»);
                                              either: the call's journal entry ``delivered``
    the hub could not record it               503, so it may be sent again

Each step is idempotent: a repeated answer changes nothing.
"""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from hub_ivoice.client import IvoiceClient, IvoiceError
from hub_ivoice.const import ANSWER_TEXT, ANSWERS, CANCEL_REASON
from hub_ivoice.settings import IvoiceSettings

from hub import (
    Appointment,
    CheckResult,
    DeliveryReport,
    DeliveryResult,
    HookContext,
    OutgoingMessage,
    PluginHubDep,
)

Ctx = HookContext[IvoiceSettings]
_MASK = "•••"

router = APIRouter()


def client_for(ctx: Ctx) -> IvoiceClient:
    return IvoiceClient(ctx.http, ctx.settings.api_url, ctx.settings.token.get_secret_value())


def failure(error: IvoiceError) -> DeliveryResult:
    code = None if error.code is None else str(error.code)
    if error.transient:
        return DeliveryResult.transient(code, error.text, raw=error.raw)
    return DeliveryResult.permanent(
        code, error.text, provider_side=error.provider_side, raw=error.raw
    )


def digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def call_key(patient_id: str) -> str:
    """The ``ctx.state`` key of a patient's latest call."""
    return f"call:{patient_id}"


# --- the payload --------------------------------------------------------------------------


def referral(ctx: Ctx, appointment: Appointment) -> dict[str, Any]:
    """One appointment as Mgerm's referral: hospital, doctor with specialty, date, timeStart
    (clinic time), with the dative forms the seed's robot texts use."""
    local = appointment.start.astimezone(ctx.clinic.tz)
    doctor, specialty = appointment.doctor, appointment.specialty
    return {
        "id": appointment.id,
        "date": local.strftime("%d.%m.%Y"),
        "timeStart": local.strftime("%H:%M"),
        "cabinet": appointment.cabinet,
        "hospital": {
            "name": ctx.clinic.name,
            "address": ctx.clinic.address,
            "phone": ctx.clinic.phone,
        },
        "doctor": {
            "id": doctor.id if doctor else appointment.doctor_id,
            "name": doctor.full_name if doctor else None,
            "shortName": doctor.short_name if doctor else None,
            "dative": doctor.dative if doctor else None,
            "specialty": {
                "id": specialty.id if specialty else appointment.specialty_id,
                "name": specialty.name if specialty else None,
                "dative": specialty.dative if specialty else None,
            },
        },
    }


def payload(ctx: Ctx, message: OutgoingMessage, appointment: Appointment) -> dict[str, Any]:
    """Mgerm's payload, with exactly its four top-level keys."""
    card = appointment.patient
    first = referral(ctx, appointment)
    return {
        "id": appointment.patient_id,
        "patient": {
            "id": appointment.patient_id,
            "lastName": card.last_name if card else None,
            "firstName": card.first_name if card else None,
            "middleName": card.middle_name if card else None,
            "fullName": card.full_name if card else message.recipient_name,
            "phone": digits(message.address),
        },
        "referrals": [first],
        "firstReferral": first,
    }


async def send(ctx: Ctx, message: OutgoingMessage) -> DeliveryResult:
    """Ask the robot to call about the message's appointment; remember the call for the answer."""
    appointment = (
        await ctx.get_appointment(message.appointment_id) if message.appointment_id else None
    )
    if appointment is None:
        return DeliveryResult.permanent(
            "no_appointment", "Ivoice's robot calls only about an appointment the hub knows"
        )
    if appointment.cancelled:
        return DeliveryResult.permanent(
            "appointment_cancelled", f"appointment {appointment.id} was cancelled: no call"
        )
    try:
        started = await client_for(ctx).call(payload(ctx, message, appointment))
    except IvoiceError as exc:
        return failure(exc)
    provider_id = started.id or f"call:{message.id}"
    await ctx.state.set(
        call_key(appointment.patient_id),
        {"appointment_id": appointment.id, "provider_id": provider_id},
        ttl=ctx.settings.answer_window,
    )
    return DeliveryResult.accepted(provider_id, raw=started.raw)


# --- the connection check -----------------------------------------------------------------


def callback_path(plugin: str, clinic_id: str, secret: str) -> str:
    """The answer's path below the hub's public URL (routes are under ``/plugins/{plugin}``)."""
    return f"/plugins/{plugin}/callback/{quote(clinic_id, safe='')}/{quote(secret, safe='')}"


async def check(ctx: Ctx) -> CheckResult:
    """The token against Ivoice; the details give the answer's address (secret masked)."""
    try:
        await client_for(ctx).check()
    except IvoiceError as exc:
        if exc.code in (401, 403):
            return CheckResult.failed(
                "Ivoice did not accept the token: check the token Ivoice gave the clinic."
            )
        return CheckResult.failed(f"Ivoice: {exc.text}")
    path = callback_path(ctx.plugin, ctx.clinic.id, "") + _MASK
    base = ctx.public_url.rstrip("/") if ctx.public_url else "<HUB_PUBLIC_URL>"
    return CheckResult.passed(
        note="Ivoice took the token. Give Ivoice callback_url with ••• replaced by "
        "callback_secret: the robot posts the patient's answer there.",
        callback_url=base + path,
    )


# --- the robot's answer -------------------------------------------------------------------


def confirmation_of(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def patient_id_of(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip() if isinstance(value, int | str) else ""
    return text or None


@router.post("/callback/{clinic}/{secret}")
async def callback(
    clinic: str, secret: str, request: Request, hub: PluginHubDep[IvoiceSettings]
) -> dict[str, Any]:
    """The robot's answer: ``{"id": <patient id>, "patientConfirmation": true|false}``."""
    ctx = await hub.context(clinic)
    wanted = ctx.settings.callback_secret.get_secret_value()
    if not hmac.compare_digest(secret.encode(), wanted.encode()):
        raise HTTPException(403, "wrong secret in the callback address")
    try:
        data = json.loads(await request.body())
    except ValueError:
        raise HTTPException(422, "the body is not JSON") from None
    if not isinstance(data, dict):
        raise HTTPException(422, "the body is not a JSON object")
    patient_id = patient_id_of(data.get("id"))
    if patient_id is None:
        raise HTTPException(422, "the body has no id (the patient's id the call was made with)")
    confirmed = confirmation_of(data.get("patientConfirmation"))
    if confirmed is None:
        raise HTTPException(
            422,
            f"patientConfirmation must be true or false, got {data.get('patientConfirmation')!r}",
        )
    call = await ctx.state.get(call_key(patient_id))
    if not isinstance(call, dict):
        return {"ok": True, "taken": False}
    try:
        taken = await apply(ctx, call, confirmed)
    except Exception:
        ctx.log.exception("could not record the robot's answer about %s", call["appointment_id"])
        raise HTTPException(503, "The hub could not record the answer; send it again.") from None
    return {"ok": True, "taken": taken}


async def apply(ctx: Ctx, call: dict[str, Any], confirmed: bool) -> bool:
    """Record the answer; each step is idempotent, so a repeat changes nothing."""
    appointment_id = str(call["appointment_id"])
    reason = None if confirmed else CANCEL_REASON
    try:
        taken = await ctx.report_answer(appointment_id, ANSWERS[confirmed], reason)
    except ValueError as exc:  # the clinic deleted the appointment since
        ctx.log.warning("robot answer about %s not taken: %s", appointment_id, exc)
        return False
    await ctx.report_delivery(
        DeliveryReport(provider_message_id=str(call["provider_id"]), status="delivered")
    )
    if taken:
        await ctx.set_communication_status(appointment_id, ANSWER_TEXT[confirmed])
    return taken
