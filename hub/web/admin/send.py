"""Sending by hand (seed 002): ``/admin/c/{clinic}/send`` and ``/admin/c/{clinic}/mailing``.

One-off SMS: pick a day and an appointment, the clinic's default template is rendered
for it (editable), with the characters, SMS parts, the provider's cost estimate and the
live balance updating as one types; or free text to a phone number.  A group mailing:
a period, doctors / specialties / services, a template; «Предпросмотр» shows who gets
which text and who is skipped and why (the API's dry run), then «Отправить».

Only an admin may send (the API's rule: a ``webadmin`` reads); a webadmin sees the
pages without the send buttons, and a forced post is refused by the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from hub.api.deps import RuntimeDep
from hub.messages import mailings
from hub.runtime import ClinicNotFound, ClinicSnapshot, Runtime
from hub.schemas.mailings import MailingCreate
from hub.types import Appointment
from hub.web.admin.api import ApiError, HubApi
from hub.web.admin.pages import HEADERS, AdminDep, FormDep, api, notice, render
from hub.web.admin.strings import T

router = APIRouter(prefix="/c/{clinic}")

PREVIEW_ROWS = 30


async def _snapshot(runtime: Runtime, clinic: str) -> ClinicSnapshot:
    try:
        return await runtime.snapshot(clinic)
    except ClinicNotFound:
        raise ApiError(404, f"Unknown clinic {clinic!r}") from None


def _name(card: dict[str, Any] | None) -> str:
    if not card:
        return ""
    return " ".join(p for p in (card["last_name"], card["first_name"], card["middle_name"]) if p)


async def _templates(hub: HubApi, clinic: str) -> list[dict[str, Any]]:
    items = (await hub.get(f"/api/v1/clinics/{clinic}/templates"))["items"]
    return [t for t in items if t["channel"] == "sms" and t["recipient"] == "patient"]


def _default(templates: list[dict[str, Any]]) -> dict[str, Any] | None:
    defaults = [t for t in templates if t["is_default"]]
    for t in defaults:
        if t["kind"] == "reminder":
            return t
    return defaults[0] if defaults else (templates[0] if templates else None)


async def _day_appointments(hub: HubApi, clinic: str, day: dt.date) -> list[dict[str, Any]]:
    items = (
        await hub.get(
            f"/api/v1/clinics/{clinic}/appointments",
            params={
                "start_from": f"{day.isoformat()}T00:00:00",
                "start_to": f"{(day + dt.timedelta(days=1)).isoformat()}T00:00:00",
            },
        )
    )["items"]
    cards: dict[str, dict[str, Any] | None] = {}
    for a in items[:200]:
        if a["patient_id"] not in cards:
            try:
                cards[a["patient_id"]] = await hub.get(
                    f"/api/v1/clinics/{clinic}/patients/{a['patient_id']}"
                )
            except ApiError:
                cards[a["patient_id"]] = None
        a["patient_name"] = _name(cards[a["patient_id"]])
        card = cards[a["patient_id"]]
        a["phone"] = card["phones"][0] if card and card["phones"] else ""
    return list(items)


@dataclass
class _One:
    """A stand-in for the mailing plan's (appointment, address, text) of one message."""

    id: str
    patient_id: str | None


async def estimate(
    runtime: Runtime, clinic: str, text: str, address: str, appointment: str | None
) -> dict[str, Any] | None:
    """The provider's estimate for one message, asked as a mailing asks it."""
    try:
        snapshot = await runtime.snapshot(clinic)
    except ClinicNotFound:
        return None
    plan = mailings.Plan()
    one = cast(Appointment, _One(id=appointment or "", patient_id=None))
    plan.texts.append((one, address or "+70000000000", text))
    return await mailings.estimate(runtime, snapshot, "sms", plan)


async def _meter(
    hub: HubApi, runtime: Runtime, clinic: str, text: str, address: str, appointment: str | None
) -> dict[str, Any]:
    meter: dict[str, Any] = {"text": text}
    if text.strip():
        try:
            preview = await hub.post(
                f"/api/v1/clinics/{clinic}/templates/preview", json={"body": text}
            )
            meter.update(
                characters=preview["characters"],
                parts=preview["parts"],
                encoding=preview["encoding"],
            )
        except ApiError as exc:
            meter["error"] = exc.message
        meter["estimate"] = await estimate(runtime, clinic, text, address, appointment)
    try:
        meter["balance"] = await hub.get(f"/api/v1/clinics/{clinic}/balance")
    except ApiError as exc:
        meter["balance"] = {"amount": None, "error": exc.message}
    return meter


@router.get("/send")
async def send_page(
    request: Request,
    admin: AdminDep,
    runtime: RuntimeDep,
    clinic: str,
    day: Annotated[dt.date | None, Query()] = None,
    appointment: Annotated[str, Query(max_length=200)] = "",
    template: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    sent: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    snapshot = await _snapshot(runtime, clinic)
    today = runtime.clock.now().astimezone(snapshot.info.tz).date()
    day = day or today
    preview: dict[str, Any] | None = None
    error = ""
    async with api(request, admin) as hub:
        templates = await _templates(hub, clinic)
        chosen = next((t for t in templates if t["id"] == template), None) or _default(templates)
        appointments = await _day_appointments(hub, clinic, day)
        picked = next((a for a in appointments if a["id"] == appointment), None)
        if picked is not None and chosen is not None:
            try:
                preview = await hub.post(
                    f"/api/v1/clinics/{clinic}/templates/{chosen['id']}/preview",
                    json={"appointment_id": picked["id"]},
                )
            except ApiError as exc:
                error = exc.message
        meter = await _meter(
            hub,
            runtime,
            clinic,
            preview["text"] if preview else "",
            picked["phone"] if picked else "",
            picked["id"] if picked else None,
        )
    return await render(
        request,
        admin,
        "admin/send.html",
        day=day,
        appointments=appointments,
        picked=picked,
        templates=templates,
        chosen=chosen,
        preview=preview,
        meter=meter,
        error=error,
        sent=sent,
    )


@router.post("/send/meter")
async def send_meter(
    request: Request, admin: AdminDep, form: FormDep, runtime: RuntimeDep, clinic: str
) -> Response:
    """The characters, parts, estimate and balance of the text being typed (htmx)."""
    text = str(form.get("text", ""))[:4000]
    async with api(request, admin) as hub:
        meter = await _meter(
            hub,
            runtime,
            clinic,
            text,
            str(form.get("phone", "")),
            str(form.get("appointment_id", "")) or None,
        )
    return await render(request, admin, "admin/_meter.html", meter=meter)


@router.post("/send")
async def send(request: Request, admin: AdminDep, form: FormDep, clinic: str) -> Response:
    body: dict[str, Any] = {"text": str(form.get("text", "")).strip() or None}
    appointment = str(form.get("appointment_id", "")).strip()
    if appointment:
        body["appointment_id"] = appointment
        body["kind"] = str(form.get("kind", "")) or "custom"
    else:
        body["phone"] = str(form.get("phone", "")).strip() or None
        body["kind"] = "custom"
        name = str(form.get("recipient_name", "")).strip()
        if name:
            body["recipient_name"] = name
    try:
        async with api(request, admin) as hub:
            result = await hub.post(f"/api/v1/clinics/{clinic}/messages", json=body)
    except ApiError as exc:
        if exc.status == 403:
            raise
        return await notice(request, admin, exc.status, T["error_title"], exc.message)
    return RedirectResponse(
        f"/admin/c/{clinic}/send?sent={result['message']['id']}", status_code=303, headers=HEADERS
    )


# --- group mailing -----------------------------------------------------------------------


def _mailing_body(form: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": str(form.get("name", "")).strip(),
        "period_from": str(form.get("period_from", "")),
        "period_to": str(form.get("period_to", "")),
        "doctor_ids": [str(v) for v in form.getlist("doctor_ids") if v],
        "specialty_ids": [str(v) for v in form.getlist("specialty_ids") if v],
        "service_ids": [str(v) for v in form.getlist("service_ids") if v],
    }
    template = str(form.get("template_id", ""))
    if template.isdigit():
        body["template_id"] = int(template)
    return body


async def _reference(hub: HubApi, clinic: str, kind: str) -> list[dict[str, Any]]:
    try:
        return list((await hub.get(f"/api/v1/clinics/{clinic}/reference/{kind}"))["items"])
    except ApiError:
        return []


async def _mailing_page(
    request: Request,
    admin: Any,
    runtime: Runtime,
    clinic: str,
    *,
    body: dict[str, Any] | None = None,
    plan: dict[str, Any] | None = None,
    recipients: list[dict[str, Any]] | None = None,
    error: str = "",
    created: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    snapshot = await _snapshot(runtime, clinic)
    today = runtime.clock.now().astimezone(snapshot.info.tz).date()
    async with api(request, admin) as hub:
        templates = await _templates(hub, clinic)
        doctors = await _reference(hub, clinic, "doctors")
        specialties = await _reference(hub, clinic, "specialties")
        services = await _reference(hub, clinic, "services")
        history = (await hub.get(f"/api/v1/clinics/{clinic}/mailings"))["items"][:10]
    body = body or {
        "name": "",
        "period_from": (today + dt.timedelta(days=1)).isoformat(),
        "period_to": (today + dt.timedelta(days=7)).isoformat(),
        "doctor_ids": [],
        "specialty_ids": [],
        "service_ids": [],
    }
    return await render(
        request,
        admin,
        "admin/mailing.html",
        status,
        body=body,
        templates=templates,
        doctors=doctors,
        specialties=specialties,
        services=services,
        plan=plan,
        recipients=recipients or [],
        error=error,
        created=created,
        history=history,
    )


@router.get("/mailing")
async def mailing_page(
    request: Request, admin: AdminDep, runtime: RuntimeDep, clinic: str
) -> Response:
    return await _mailing_page(request, admin, runtime, clinic)


@router.post("/mailing")
async def mailing(
    request: Request, admin: AdminDep, form: FormDep, runtime: RuntimeDep, clinic: str
) -> Response:
    body = _mailing_body(form)
    go = str(form.get("go", "")) == "send"
    try:
        async with api(request, admin) as hub:
            answer = await hub.post(
                f"/api/v1/clinics/{clinic}/mailings", json={**body, "dry_run": not go}
            )
            recipients: list[dict[str, Any]] = []
            if not go:
                recipients = await _who_gets_what(runtime, clinic, body)
    except ApiError as exc:
        if exc.status == 403:
            raise
        return await _mailing_page(
            request, admin, runtime, clinic, body=body, error=exc.message, status=exc.status
        )
    if go:
        return await _mailing_page(request, admin, runtime, clinic, body=body, created=answer)
    return await _mailing_page(
        request, admin, runtime, clinic, body=body, plan=answer, recipients=recipients
    )


async def _who_gets_what(
    runtime: Runtime, clinic: str, body: dict[str, Any]
) -> list[dict[str, Any]]:
    """The first recipients and their texts: the mailing service's own plan (the API's
    dry run answered only the counts), asked after the API allowed the dry run."""
    request = MailingCreate.model_validate({**body, "dry_run": True})
    snapshot = await runtime.snapshot(clinic)
    async with runtime.db.session() as session:
        template = await mailings.template_for(session, clinic, request)
        plan = await mailings.plan(session, snapshot, request, template)
    return [
        {"appointment": a, "address": address, "text": text}
        for a, address, text in plan.texts[:PREVIEW_ROWS]
    ]
