"""OndocClient: the ONDOC portal over HTTP, as ``assumed-protocols.md`` §1 writes it down.

ONDOC publishes no API.  This module is the only place that knows the wire format (the
paths, the JSON fields, which token goes where, what an error looks like); it implements
:class:`hub_ondoc.portal.Portal` and knows nothing of the hub.  When a clinic brings
ONDOC's partner documentation, the real format replaces this module and nothing else.

Assumed, in short::

    Authorization: Bearer <company_token>   /directories/*
    Authorization: Bearer <branch_token>    everything else
    GET  /ping                              {"company", "branch"}
    POST /patients/link-codes               {"code", "expires_at"}  409 already_linked, 422
    GET  /patients/links?after=             {"items": [...], "next"}
    DELETE /patients/{id}/link              204                         404 not_linked
    PUT  /appointments/{id}                 {"ondoc_appointment_id"}    409 not_linked
    DELETE /appointments/{id}  {"reason"}   204
    GET  /appointments/changes?after=       {"items": [...], "next"}
    POST /appointments/changes/{id}/ack     204
    PUT  /directories/{kind}  {"items"}     {"received"}
    GET  /directories/{kind}/mapping        {"items": [{"mis_id", "ondoc_id"}]}

Errors are ``{"error", "message"}`` with a non-2xx status.  5xx, 408, 409 (without a code
the plugin handles), 429, time-outs and an unreachable portal are transient; a 401 names
the token refused; other 4xx are permanent.  Neither token ever appears in an error text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from hub_ondoc.const import CALL_TIMEOUT, TOKEN_LABELS, Err, Token
from hub_ondoc.portal import (
    BookingChange,
    LinkChange,
    LinkCode,
    LinkRequest,
    MappingRow,
    OndocError,
    Page,
    Ping,
    PortalAppointment,
    Rejected,
)
from pydantic import BaseModel, ValidationError

__all__ = ["OndocClient", "OndocError"]

M = TypeVar("M", bound=BaseModel)
REDACTED = "***"


class OndocClient:
    """The assumed ONDOC protocol for one clinic (its server and its two tokens)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        server: str,
        company_token: str,
        branch_token: str,
        *,
        timeout: float = CALL_TIMEOUT,
    ) -> None:
        if not company_token or not branch_token:
            raise ValueError("ONDOC needs both tokens")
        self._http = http
        self.server = server.rstrip("/")
        self._tokens = {Token.COMPANY: company_token, Token.BRANCH: branch_token}
        self._timeout = timeout

    # --- account ------------------------------------------------------------------------

    async def ping(self, token: Token) -> Ping:
        data = await self._call("GET", "/ping", token)
        return _parse(Ping, data, "GET /ping")

    # --- patients -------------------------------------------------------------------------

    async def issue_link_code(self, patient: LinkRequest) -> LinkCode:
        body: dict[str, Any] = {
            "mis_patient_id": patient.mis_patient_id,
            "last_name": patient.last_name,
            "first_name": patient.first_name,
            "birth_date": patient.birth_date.isoformat(),
        }
        if patient.middle_name:
            body["middle_name"] = patient.middle_name
        if patient.phone:
            body["phone"] = patient.phone
        if patient.email:
            body["email"] = patient.email
        data = await self._call("POST", "/patients/link-codes", Token.BRANCH, body)
        return _parse(LinkCode, data, "POST /patients/link-codes")

    async def link_changes(self, after: str | None) -> Page[LinkChange]:
        data = await self._call("GET", "/patients/links", Token.BRANCH, params=_after(after))
        return _page(LinkChange, data, "GET /patients/links")

    async def unlink(self, mis_patient_id: str) -> None:
        await self._call("DELETE", f"/patients/{_seg(mis_patient_id)}/link", Token.BRANCH)

    # --- appointments ---------------------------------------------------------------------

    async def put_appointment(self, mis_appointment_id: str, appointment: PortalAppointment) -> str:
        body: dict[str, Any] = {
            "mis_patient_id": appointment.mis_patient_id,
            "doctor_id": appointment.doctor_id,
            "service_ids": list(appointment.service_ids),
            "start": appointment.start.isoformat(),
            "end": (appointment.end or appointment.start).isoformat(),
        }
        for name in ("specialty_id", "cabinet", "comment"):
            value = getattr(appointment, name)
            if value:
                body[name] = value
        path = f"/appointments/{_seg(mis_appointment_id)}"
        data = await self._call("PUT", path, Token.BRANCH, body)
        return str(data.get("ondoc_appointment_id") or "") if isinstance(data, dict) else ""

    async def cancel_appointment(self, mis_appointment_id: str, reason: str) -> None:
        path = f"/appointments/{_seg(mis_appointment_id)}"
        await self._call("DELETE", path, Token.BRANCH, {"reason": reason})

    async def booking_changes(self, after: str | None) -> Page[BookingChange]:
        data = await self._call("GET", "/appointments/changes", Token.BRANCH, params=_after(after))
        return _page(BookingChange, data, "GET /appointments/changes")

    async def ack_booking(self, booking_id: str, mis_appointment_id: str) -> None:
        path = f"/appointments/changes/{_seg(booking_id)}/ack"
        await self._call("POST", path, Token.BRANCH, {"mis_appointment_id": mis_appointment_id})

    # --- directories ----------------------------------------------------------------------

    async def put_directory(self, kind: str, items: Sequence[dict[str, Any]]) -> int:
        data = await self._call(
            "PUT", f"/directories/{_seg(kind)}", Token.COMPANY, {"items": list(items)}
        )
        received = data.get("received") if isinstance(data, dict) else None
        return received if isinstance(received, int) else len(items)

    async def directory_mapping(self, kind: str) -> list[MappingRow]:
        what = f"GET /directories/{kind}/mapping"
        data = await self._call("GET", f"/directories/{_seg(kind)}/mapping", Token.COMPANY)
        page = _page(MappingRow, {"next": None, **data}, what)
        if page.rejected:
            raise OndocError(
                f"{what}: ONDOC answered items that cannot be read ({page.rejected[0].problem})",
                transient=False,
                code="malformed",
            )
        return page.items

    # --- transport ------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """``text`` without either token."""
        for token in self._tokens.values():
            text = text.replace(token, REDACTED)
        return text

    async def _call(
        self,
        method: str,
        path: str,
        token: Token,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
    ) -> Any:
        """One request; the JSON answer (``{}`` for an empty one), or :class:`OndocError`."""
        what = f"{method} {path}"
        headers = {"Authorization": f"Bearer {self._tokens[token]}", "Accept": "application/json"}
        try:
            response = await self._http.request(
                method,
                self.server + path,
                headers=headers,
                params=params,
                content=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
                timeout=self._timeout,
                follow_redirects=False,
            )
        except httpx.TimeoutException:
            raise OndocError(f"{what}: ONDOC did not answer in time", transient=True) from None
        except httpx.HTTPError as exc:
            reason = self.redact(f"{type(exc).__name__}: {exc}".rstrip(": "))
            raise OndocError(
                f"{what}: could not reach ONDOC at {self.server} ({reason})", transient=True
            ) from None
        status = response.status_code
        if 200 <= status < 300:
            if not response.content:
                return {}
            try:
                return response.json()
            except ValueError:
                raise OndocError(
                    f"{what}: ONDOC answered something that is not JSON (HTTP {status})",
                    transient=True,
                    status=status,
                ) from None
        raise self._error(what, token, response)

    def _error(self, what: str, token: Token, response: httpx.Response) -> OndocError:
        status = response.status_code
        code, text, fields = _error_body(response)
        if status == 401:
            return OndocError(
                f"ONDOC refused {token.value} («{TOKEN_LABELS[token]}»): copy it again from "
                "the clinic's ONDOC account, section «Интеграция и реферальный код»",
                transient=False,
                status=status,
                code=code or Err.UNAUTHORIZED,
                token=token,
            )
        transient = status >= 500 or status in (408, 409, 429)
        if code in (Err.ALREADY_LINKED, Err.NOT_LINKED, Err.INVALID):
            transient = False
        detail = self.redact(text or code or "no details")
        if fields:
            detail += f" (fields: {', '.join(fields)})"
        if status in (404, 405) and code is None:
            detail += f"; check the server setting ({self.server})"
        return OndocError(
            f"{what}: ONDOC answered HTTP {status}: {detail}",
            transient=transient,
            status=status,
            code=code,
            fields=fields,
        )


# --- helpers ----------------------------------------------------------------------------------


def _seg(value: str) -> str:
    """``value`` as one path segment."""
    return quote(value, safe="")


def _after(cursor: str | None) -> dict[str, str] | None:
    return {"after": cursor} if cursor else None


def _error_body(response: httpx.Response) -> tuple[str | None, str | None, tuple[str, ...]]:
    try:
        data = response.json()
    except ValueError:
        return None, None, ()
    if not isinstance(data, dict):
        return None, None, ()
    code = data.get("error")
    text = data.get("message")
    fields = data.get("fields")
    return (
        str(code) if code else None,
        str(text) if text else None,
        tuple(str(f) for f in fields) if isinstance(fields, list) else (),
    )


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "item"
    return f"{where}: {first['msg']}"


def _parse(model: type[M], data: Any, what: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise OndocError(
            f"{what}: ONDOC answered data that cannot be read ({_problem(exc)})",
            transient=False,
            code="malformed",
        ) from None


def _page(model: type[M], data: Any, what: str) -> Page[M]:
    """A feed page; items that cannot be read are kept aside as :class:`Rejected`."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise OndocError(
            f"{what}: ONDOC answered without a list of items", transient=True, code="malformed"
        )
    cursor = data.get("next")
    if cursor is not None and not isinstance(cursor, str | int):
        raise OndocError(f"{what}: ONDOC answered a bad cursor", transient=True, code="malformed")
    items: list[M] = []
    rejected: list[Rejected] = []
    for raw in data["items"]:
        try:
            items.append(model.model_validate(raw))
        except ValidationError as exc:
            rejected.append(Rejected(raw, _problem(exc)))
    return Page(items, None if cursor is None else str(cursor), rejected)
