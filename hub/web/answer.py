"""The patient's answer page: ``GET /r/{token}`` shows it, ``POST /r/{token}`` answers.

Every answer of these routes is an HTML page, never JSON: a patient follows a link
from an SMS.  (Only the hub-wide guard against unstorable input — a NUL character in
the path — answers before them, with JSON.)

    GET  200  the appointment and the buttons (or the recorded answer)
         404  unknown token: a friendly page (we cannot tell which clinic)
         410  the appointment started or is gone: a page with the clinic's phone
         429  too many requests from this address (``HUB_ANSWER_RATE_LIMIT`` a minute)
    POST 303  answer taken → back to GET (post/redirect/get: a reload sends nothing twice)
         400  no valid answer, or the form's nonce is missing, forged or older than a day
         409  the answer cannot be taken now (cancelled by the clinic, past the cut-off)

A link is good until the appointment starts — its current start: a postponed appointment
keeps its link, and the page shows the new time.  The token in the URL is the credential.
A POST must also carry the nonce of a page this hub rendered (an HMAC of the token and
the time), so a form on another site cannot answer for a patient even if it learned the
link.  Pages are ``no-store``,
``noindex``, send no referrer (the token must not leak) and need no JavaScript.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.api.deps import RuntimeDep
from hub.db.models import AnswerLink
from hub.messages import links
from hub.reminders import answers
from hub.runtime import ClinicNotFound, Runtime
from hub.schemas.clinics import ClinicOptions
from hub.types import Appointment, ClinicInfo
from hub.web import view
from hub.web.ratelimit import AddressLimiter

log = logging.getLogger("hub.web.answer")

router = APIRouter(prefix="/r", tags=["patient pages"], include_in_schema=True)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

NONCE_TTL: Final = dt.timedelta(days=1)
FORM_ANSWERS: Final = {"confirm": "confirmed", "cancel": "cancelled", "callback": "callback"}
HEADERS: Final = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}

# --- helpers ---------------------------------------------------------------------------------


def _limiter(request: Request, runtime: Runtime) -> AddressLimiter:
    limiter: AddressLimiter | None = getattr(request.app.state, "answer_limiter", None)
    if limiter is None:
        limiter = AddressLimiter(
            runtime.settings.answer_rate_limit, runtime.settings.answer_rate_limit_storage
        )
        request.app.state.answer_limiter = limiter
    return limiter


def _page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(HEADERS)
    return response


def _notice(
    request: Request,
    status: int,
    title: str,
    text: str,
    clinic: ClinicInfo | None = None,
    **extra: Any,
) -> Response:
    return _page(request, "notice.html", status, title=title, text=text, clinic=clinic, **extra)


def _nonce(runtime: Runtime, token: str, now: dt.datetime) -> str:
    stamp = str(int(now.timestamp()))
    return f"{stamp}.{runtime.box.mac(f'answer:{links.hash_token(token)}:{stamp}')}"


def _nonce_ok(runtime: Runtime, token: str, nonce: str, now: dt.datetime) -> bool:
    stamp, _, mac = nonce.partition(".")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12) or not mac:
        return False
    expected = runtime.box.mac(f"answer:{links.hash_token(token)}:{stamp}")
    if not hmac.compare_digest(mac, expected):
        return False
    issued = dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    return now - NONCE_TTL <= issued <= now + dt.timedelta(minutes=5)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _too_many(request: Request, limiter: AddressLimiter) -> Response:
    response = _notice(
        request,
        429,
        "Слишком много запросов",
        "Пожалуйста, подождите минуту и откройте ссылку снова.",
    )
    response.headers["Retry-After"] = str(limiter.retry_after(_client(request)))
    return response


@dataclass(frozen=True, slots=True)
class _Visit:
    """A live link and what the page needs of it."""

    link: AnswerLink
    clinic: ClinicInfo
    options: ClinicOptions
    appointment: Appointment
    now: dt.datetime


async def _open(token: str, request: Request, runtime: Runtime) -> _Visit | Response:
    """The link behind ``token`` if it is live; otherwise the page that says why not."""
    from hub.intake.snapshots import load_appointments

    limiter = _limiter(request, runtime)
    if not limiter.hit(_client(request)):
        return _too_many(request, limiter)
    now = runtime.clock.now()
    async with runtime.db.session() as session:
        link = await links.resolve(session, token)
        found = (
            await load_appointments(
                session, link.clinic_id, ids=[link.appointment_id], include_cancelled=True
            )
            if link
            else []
        )
    if link is None:
        return _unknown(request)
    try:
        snapshot = await runtime.snapshot(link.clinic_id)
    except ClinicNotFound:
        return _unknown(request)
    if not found or now >= found[0].start:
        return _gone(request, snapshot.info)
    options = ClinicOptions.model_validate(snapshot.options)
    return _Visit(link, snapshot.info, options, found[0], now)


def _unknown(request: Request) -> Response:
    return _notice(
        request,
        404,
        "Ссылка не найдена",
        "Эта ссылка не действует. Проверьте, что она скопирована из сообщения целиком, "
        "или позвоните в клинику по телефону из сообщения.",
    )


def _gone(request: Request, clinic: ClinicInfo) -> Response:
    return _notice(
        request,
        410,
        "Ссылка больше не действует",
        "Приём уже начался или прошёл. Если нужно записаться снова или что-то уточнить, "
        "позвоните в клинику.",
        clinic,
    )


# --- routes ----------------------------------------------------------------------------------


@router.get("/{token}", response_class=Response, summary="The patient's answer page")
async def show(token: str, request: Request, runtime: RuntimeDep, done: str = "") -> Response:
    """Shows the appointment and the buttons Confirm / Cancel / Call me back."""
    visit = await _open(token, request, runtime)
    if isinstance(visit, Response):
        return visit
    async with runtime.db.session() as session:
        answer = await answers.current(session, visit.link.clinic_id, visit.link.appointment_id)
    clinic, now = visit.clinic, visit.now
    page = view.build(
        clinic=clinic,
        appointment=visit.appointment,
        answer=answer,
        cutoff=dt.timedelta(minutes=visit.options.answer_cutoff_minutes),
        now=now,
    )
    if page.state == "expired":
        return _gone(request, clinic)
    return _page(
        request,
        "answer.html",
        page=page,
        clinic=clinic,
        nonce=_nonce(runtime, token, now),
        action=f"/r/{token}",
        just_answered=done == "1" and page.answer is not None,
    )


@router.post("/{token}", response_class=Response, summary="Answer from the page's form")
async def answer(token: str, request: Request, runtime: RuntimeDep) -> Response:
    """Takes the form of the page: ``answer`` (confirm / cancel / callback), ``reason``
    (optional, for cancel) and ``nonce``."""
    visit = await _open(token, request, runtime)
    if isinstance(visit, Response):
        return visit
    clinic, now = visit.clinic, visit.now
    try:
        form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    except StarletteHTTPException:  # a malformed form: say so on a page, never JSON
        form = None
    choice = FORM_ANSWERS.get(str(form.get("answer", ""))) if form else None
    nonce = str(form.get("nonce", "")) if form else ""
    if choice is None or not _nonce_ok(runtime, token, nonce, now):
        return _notice(
            request,
            400,
            "Не получилось отправить ответ",
            "Страница устарела или форма заполнена неверно. Откройте ссылку из сообщения "
            "ещё раз и нажмите нужную кнопку.",
            clinic,
            retry=f"/r/{token}",
        )
    reason = str(form.get("reason", "")) if form else ""
    try:
        async with runtime.db.session() as session:
            await answers.record(
                session,
                runtime,
                clinic_id=visit.link.clinic_id,
                appointment=visit.appointment,
                answer=choice,  # type: ignore[arg-type]
                reason=reason,
                cutoff=dt.timedelta(minutes=visit.options.answer_cutoff_minutes),
                now=now,
            )
    except answers.AnswerRefused as exc:
        text = {
            "too_late": "Ответ уже нельзя изменить через эту страницу: до приёма осталось мало "
            "времени. Пожалуйста, позвоните в клинику.",
            "cancelled": "Клиника отменила эту запись. Чтобы записаться снова, позвоните "
            "в клинику.",
        }.get(exc.code, "Приём уже начался. Если что-то нужно уточнить, позвоните в клинику.")
        return _notice(request, 409, "Ответ не принят", text, clinic, retry=f"/r/{token}")
    return RedirectResponse(f"/r/{token}?done=1", status_code=303, headers=HEADERS)
