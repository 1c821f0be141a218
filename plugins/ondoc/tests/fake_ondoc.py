"""A fake ONDOC portal: an ASGI app speaking ``assumed-protocols.md`` §1, with its own state.

State: the two tokens (``company_token`` for ``/directories/*``, ``branch_token`` for the
rest), issued codes, linked patients and the links feed, appointments (mirrored by the
clinic or booked by patients), the changes feed with acknowledgements, the uploaded
directories and the mapping a person made in the portal.

What a person does in the portal is simulated by methods:

    enter_code(code)                     the patient types the 9-digit code: linked
    unlink(mis_patient_id)               staff or the patient unlink in the portal
    book(mis_patient_id, ...)            the patient books: a ``created`` change
    reschedule(booking_id, ...)          the patient changes a booking: ``updated``
    cancel(booking_id or mis id, reason) the patient cancels: ``cancelled``
    map(kind, mis_id, ondoc_id)          someone maps an uploaded item in the portal

Knobs: :meth:`fail_next` (an HTTP status, optionally with an error body, for the next N
calls of a path prefix), :meth:`time_out_next` (the next N calls time out: use
:meth:`transport`), ``answer_next`` (a raw answer body for a path prefix: malformed data).
Every request is recorded in ``requests``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

COMPANY_TOKEN = "company-0f3c9a7e51d2"
BRANCH_TOKEN = "branch-8b21d4e6c9a0"
CODE_LIFETIME = dt.timedelta(hours=24)
DIRECTORIES = ("doctors", "services", "specialties")


@dataclass(frozen=True)
class Recorded:
    """A request the fake received (``body`` parsed JSON or ``None``)."""

    method: str
    path: str
    query: dict[str, str]
    token: str | None
    body: Any


@dataclass
class Code:
    code: str
    mis_patient_id: str
    expires_at: dt.datetime
    patient: dict[str, Any]
    used: bool = False


@dataclass
class Appt:
    """An appointment in the portal."""

    mis_appointment_id: str | None
    ondoc_appointment_id: str
    data: dict[str, Any]
    status: str = "active"  # or "cancelled" («Отменена»)
    reason: str | None = None
    booking_id: str | None = None


@dataclass
class Failure:
    status: int
    body: Any = None


@dataclass
class FakeOndoc:
    """The fake portal; ``app`` is the ASGI app, :meth:`transport` the httpx transport."""

    company_token: str = COMPANY_TOKEN
    branch_token: str = BRANCH_TOKEN
    company: str = "ООО «Клиника»"
    branch: str = "Филиал на Баумана"
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    requests: list[Recorded] = field(default_factory=list)
    codes: dict[str, Code] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # mis_patient_id -> ondoc_patient_id
    link_feed: list[dict[str, Any]] = field(default_factory=list)
    appointments: dict[str, Appt] = field(default_factory=dict)  # by ondoc_appointment_id
    changes: list[dict[str, Any]] = field(default_factory=list)
    acks: dict[str, str] = field(default_factory=dict)  # booking id -> mis_appointment_id
    directories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    mapping: dict[str, dict[str, str | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[Failure]] = {}
        self._timeouts: dict[str, int] = {}
        self.answer_next: dict[str, Any] = {}
        self._codes = itertools.count(418_205_731)
        self._ids = itertools.count(1)
        routes = [
            Route("/ping", self._ping, methods=["GET"]),
            Route("/patients/link-codes", self._link_code, methods=["POST"]),
            Route("/patients/links", self._links, methods=["GET"]),
            Route("/patients/{mis_patient_id:path}/link", self._unlink, methods=["DELETE"]),
            Route("/appointments/changes", self._changes, methods=["GET"]),
            Route("/appointments/changes/{id}/ack", self._ack, methods=["POST"]),
            Route("/appointments/{mis_id:path}", self._put_appt, methods=["PUT"]),
            Route("/appointments/{mis_id:path}", self._delete_appt, methods=["DELETE"]),
            Route("/directories/{kind}", self._put_directory, methods=["PUT"]),
            Route("/directories/{kind}/mapping", self._mapping, methods=["GET"]),
        ]
        self.app = Starlette(routes=routes)
        self.app.add_middleware(_Gate, fake=self)  # type: ignore[arg-type]

    # --- knobs --------------------------------------------------------------------------

    def fail_next(self, prefix: str, status: int, times: int = 1, body: Any = None) -> None:
        """Answer the next ``times`` requests whose path starts with ``prefix`` with ``status``."""
        self._failures.setdefault(prefix, deque()).extend([Failure(status, body)] * times)

    def time_out_next(self, prefix: str, times: int = 1) -> None:
        """The next ``times`` requests under ``prefix`` time out (through :meth:`transport`)."""
        self._timeouts[prefix] = self._timeouts.get(prefix, 0) + times

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport to this app that can also simulate time-outs."""
        return _Transport(self)

    def calls(self, method: str, prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    # --- the portal's people --------------------------------------------------------------

    def enter_code(self, code: str) -> str:
        """The patient enters ``code`` in their ONDOC account; their ONDOC id."""
        issued = self.codes.get(code)
        if issued is None or issued.used or issued.expires_at <= self.clock():
            raise ValueError(f"ONDOC does not accept code {code}")
        issued.used = True
        ondoc_id = f"op-{next(self._ids)}"
        self.links[issued.mis_patient_id] = ondoc_id
        self._link_event(issued.mis_patient_id, ondoc_id, "linked")
        return ondoc_id

    def unlink(self, mis_patient_id: str) -> None:
        """Staff or the patient unlink them in the portal."""
        ondoc_id = self.links.pop(mis_patient_id)
        self._link_event(mis_patient_id, ondoc_id, "unlinked")

    def book(
        self,
        mis_patient_id: str,
        *,
        doctor_id: str | None,
        start: dt.datetime,
        end: dt.datetime | None = None,
        service_ids: tuple[str, ...] = (),
        specialty_id: str | None = None,
    ) -> str:
        """The patient books in the portal; the booking's id."""
        if mis_patient_id not in self.links:
            raise ValueError("only a linked patient books through the portal")
        booking_id = f"b-{next(self._ids)}"
        data = {
            "mis_patient_id": mis_patient_id,
            "doctor_id": doctor_id,
            "specialty_id": specialty_id,
            "service_ids": list(service_ids),
            "start": start.isoformat(),
            "end": (end or start + dt.timedelta(minutes=30)).isoformat(),
        }
        appt = Appt(None, f"oa-{next(self._ids)}", data, booking_id=booking_id)
        self.appointments[appt.ondoc_appointment_id] = appt
        self._change(booking_id, "created", None, data)
        return booking_id

    def reschedule(self, booking_id: str, *, start: dt.datetime, end: dt.datetime) -> None:
        appt = self._by_booking(booking_id)
        appt.data = {**appt.data, "start": start.isoformat(), "end": end.isoformat()}
        self._change(booking_id, "updated", self.acks.get(booking_id), appt.data)

    def cancel(self, booking_or_mis_id: str, reason: str) -> None:
        """The patient cancels a booking (by its id) or a mirrored appointment (by the
        clinic's id) in the portal."""
        appt = next(
            (
                a
                for a in self.appointments.values()
                if booking_or_mis_id in (a.booking_id, a.mis_appointment_id)
            ),
            None,
        )
        if appt is None:
            raise KeyError(booking_or_mis_id)
        appt.status, appt.reason = "cancelled", reason
        booking_id = appt.booking_id or f"b-{next(self._ids)}"
        appt.booking_id = booking_id
        mis_id = appt.mis_appointment_id or self.acks.get(booking_id)
        self._change(booking_id, "cancelled", mis_id, appt.data, reason=reason)

    def map(self, kind: str, mis_id: str, ondoc_id: str | None) -> None:
        """Someone maps an uploaded item to the portal's own in the portal."""
        if mis_id not in self.mapping.get(kind, {}):
            raise KeyError(f"{kind} {mis_id} was never uploaded")
        self.mapping[kind][mis_id] = ondoc_id

    # --- reading the state --------------------------------------------------------------

    def appointment(self, mis_appointment_id: str) -> Appt | None:
        """The portal's appointment the clinic knows as ``mis_appointment_id``."""
        for appt in self.appointments.values():
            if appt.mis_appointment_id == mis_appointment_id:
                return appt
        return None

    def _by_booking(self, booking_id: str) -> Appt:
        return next(a for a in self.appointments.values() if a.booking_id == booking_id)

    def _link_event(self, mis_patient_id: str, ondoc_id: str, state: str) -> None:
        self.link_feed.append(
            {
                "mis_patient_id": mis_patient_id,
                "ondoc_patient_id": ondoc_id,
                "state": state,
                "at": self.clock().isoformat(),
            }
        )

    def _change(
        self,
        booking_id: str,
        type_: str,
        mis_id: str | None,
        data: dict[str, Any],
        reason: str | None = None,
    ) -> None:
        item: dict[str, Any] = {
            "id": booking_id,
            "type": type_,
            "mis_appointment_id": mis_id,
            "appointment": dict(data),
            "at": self.clock().isoformat(),
        }
        if reason is not None:
            item["reason"] = reason
        self.changes.append(item)

    # --- HTTP ---------------------------------------------------------------------------

    def _gate(self, method: str, path: str) -> Response | None:
        for prefix, queue in self._failures.items():
            if path.startswith(prefix) and queue:
                failure = queue.popleft()
                body = failure.body if failure.body is not None else {"error": "server_error"}
                return JSONResponse(body, status_code=failure.status)
        for prefix, body in list(self.answer_next.items()):
            if path.startswith(prefix):
                del self.answer_next[prefix]
                return Response(
                    body if isinstance(body, str | bytes) else json.dumps(body),
                    media_type="application/json",
                )
        wanted = self.company_token if path.startswith("/directories") else self.branch_token
        token = _bearer(self.requests[-1].token)
        if path == "/ping":
            if token not in (self.company_token, self.branch_token):
                return _error(401, "unauthorized", "wrong token")
        elif token != wanted:
            return _error(401, "unauthorized", "wrong token")
        return None

    async def _ping(self, request: Request) -> Response:
        return JSONResponse({"company": self.company, "branch": self.branch})

    async def _link_code(self, request: Request) -> Response:
        body = await _json(request)
        if not isinstance(body, dict):
            return _error(400, "bad_request", "a JSON object is required")
        missing = [f for f in ("mis_patient_id", "last_name", "first_name") if not body.get(f)]
        try:
            dt.date.fromisoformat(str(body.get("birth_date")))
        except ValueError:
            missing.append("birth_date")
        if not body.get("phone") and not body.get("email"):
            missing.append("phone")
        if missing:
            return JSONResponse(
                {"error": "invalid", "message": "missing data", "fields": missing},
                status_code=422,
            )
        patient_id = str(body["mis_patient_id"])
        if patient_id in self.links:
            return _error(409, "already_linked", "the patient is already linked")
        code = f"{next(self._codes):09d}"
        expires = self.clock() + CODE_LIFETIME
        self.codes[code] = Code(code, patient_id, expires, body)
        return JSONResponse({"code": code, "expires_at": expires.isoformat()}, status_code=201)

    async def _links(self, request: Request) -> Response:
        return _feed(self.link_feed, request)

    async def _unlink(self, request: Request) -> Response:
        patient_id = request.path_params["mis_patient_id"]
        if patient_id not in self.links:
            return _error(404, "not_linked", "the patient is not linked")
        self.unlink(patient_id)
        return Response(status_code=204)

    async def _put_appt(self, request: Request) -> Response:
        mis_id = request.path_params["mis_id"]
        body = await _json(request)
        if not isinstance(body, dict):
            return _error(400, "bad_request", "a JSON object is required")
        problems = [f for f in ("mis_patient_id", "start", "end") if not body.get(f)]
        for name in ("start", "end"):
            try:
                if dt.datetime.fromisoformat(str(body.get(name))).tzinfo is None:
                    problems.append(name)
            except ValueError:
                problems.append(name)
        if not isinstance(body.get("service_ids"), list):
            problems.append("service_ids")
        if problems:
            return JSONResponse(
                {"error": "invalid", "message": "bad data", "fields": sorted(set(problems))},
                status_code=422,
            )
        if body["mis_patient_id"] not in self.links:
            return _error(409, "not_linked", "the patient is not linked")
        appt = self.appointment(mis_id)
        if appt is None:
            appt = Appt(mis_id, f"oa-{next(self._ids)}", {})
            self.appointments[appt.ondoc_appointment_id] = appt
        appt.data, appt.status, appt.reason = dict(body), "active", None
        return JSONResponse({"ondoc_appointment_id": appt.ondoc_appointment_id})

    async def _delete_appt(self, request: Request) -> Response:
        appt = self.appointment(request.path_params["mis_id"])
        if appt is None:
            return _error(404, "not_found", "no such appointment")
        body = await _json(request)
        appt.status = "cancelled"
        appt.reason = str(body.get("reason") or "") if isinstance(body, dict) else ""
        return Response(status_code=204)

    async def _changes(self, request: Request) -> Response:
        return _feed(self.changes, request)

    async def _ack(self, request: Request) -> Response:
        booking_id = request.path_params["id"]
        body = await _json(request)
        mis_id = body.get("mis_appointment_id") if isinstance(body, dict) else None
        if not mis_id:
            return JSONResponse(
                {"error": "invalid", "fields": ["mis_appointment_id"]}, status_code=422
            )
        if not any(c["id"] == booking_id for c in self.changes):
            return _error(404, "not_found", "no such booking")
        self.acks[booking_id] = str(mis_id)
        appt = self._by_booking(booking_id)
        appt.mis_appointment_id = str(mis_id)
        return Response(status_code=204)

    async def _put_directory(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in DIRECTORIES:
            return _error(404, "not_found", f"no directory {kind}")
        body = await _json(request)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and i.get("id") and i.get("name") for i in items
        ):
            return JSONResponse(
                {"error": "invalid", "message": "each item needs id and name", "fields": ["items"]},
                status_code=422,
            )
        self.directories[kind] = items
        old = self.mapping.get(kind, {})
        self.mapping[kind] = {str(i["id"]): old.get(str(i["id"])) for i in items}
        return JSONResponse({"received": len(items)})

    async def _mapping(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in DIRECTORIES:
            return _error(404, "not_found", f"no directory {kind}")
        rows = [{"mis_id": k, "ondoc_id": v} for k, v in self.mapping.get(kind, {}).items()]
        return JSONResponse({"items": rows})


# --- plumbing ---------------------------------------------------------------------------------


class _Gate:
    """ASGI middleware: records every request, then fails or refuses it as the knobs say."""

    def __init__(self, app: Any, fake: FakeOndoc) -> None:
        self.app, self.fake = app, fake

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        self.fake.requests.append(
            Recorded(
                request.method,
                request.url.path,
                dict(request.query_params),
                request.headers.get("authorization"),
                body,
            )
        )
        refused = self.fake._gate(request.method, request.url.path)
        if refused is not None:
            await refused(scope, receive, send)
            return

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": raw, "more_body": False}

        await self.app(scope, replay, send)


class _Transport(httpx.AsyncBaseTransport):
    def __init__(self, fake: FakeOndoc) -> None:
        self.fake = fake
        self.inner = httpx.ASGITransport(app=fake.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for prefix, left in self.fake._timeouts.items():
            if left and request.url.path.startswith(prefix):
                self.fake._timeouts[prefix] = left - 1
                raise httpx.ReadTimeout("timed out", request=request)
        return await self.inner.handle_async_request(request)


def _bearer(header: str | None) -> str | None:
    if header and header.startswith("Bearer "):
        return header[len("Bearer ") :]
    return None


def _error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"error": code, "message": message}, status_code=status)


async def _json(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _feed(items: list[dict[str, Any]], request: Request) -> Response:
    after = request.query_params.get("after")
    try:
        start = int(after) if after else 0
    except ValueError:
        return _error(400, "bad_cursor", "unknown cursor")
    return JSONResponse({"items": items[start:], "next": str(len(items))})
