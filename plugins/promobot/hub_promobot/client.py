"""PromobotClient: the scanner's HTTP protocol over ``httpx``; knows nothing of the hub.

ASSUMED PROTOCOL.  Promobot publishes no API.  This module speaks the protocol fixed
in ``/work/shared/design/assumed-protocols.md`` §2 (field names after DaData's
document-recognition API) and is the only place that knows it: the paths, the JSON
shapes, the wire names of the fields, the error codes.  With Promobot's real
documentation, rewrite this module (or add a class with the same two methods, see
:class:`hub_promobot.scanner.Scanner`) and nothing else changes.

    GET  <scanner_url>/api/status
         200 {"state": "ready" | "busy" | "error", "model", "version"}
    POST <scanner_url>/api/scan   {"document": "passport" | "snils" | "oms" | "auto"}
         200 {"document", "fields": {<wire name>: "text" | null},
              "confidence": {<wire name>: 0-1}}
         409 {"error": "busy"}; 422 {"error": "no_document" | "unreadable"};
         504 {"error": "timeout"} (nobody put a document on the glass in the scanner's time)

No authentication (a device on the clinic's network).  Redirects are never followed:
an answer sending the hub elsewhere is refused.  Every failure is a
:class:`~hub_promobot.scanner.ScannerError`; its text never carries what the scanner
read, only what went wrong.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
from hub_promobot.const import STATUS_TIMEOUT, DocumentKind
from hub_promobot.scanner import (
    Failure,
    Reading,
    Recognised,
    ScannerError,
    ScannerStatus,
    State,
)

STATUS_PATH: Final = "/api/status"
SCAN_PATH: Final = "/api/scan"

_PEOPLE: Final = {
    "surname": "last_name",
    "name": "first_name",
    "patronymic": "middle_name",
    "birthdate": "birth_date",
    "gender": "sex",
}
#: Wire field name -> card vocabulary, per document.
WIRE_FIELDS: Final[Mapping[DocumentKind, Mapping[str, str]]] = {
    DocumentKind.PASSPORT: {
        **_PEOPLE,
        "birthplace": "birth_place",
        "series": "passport_series",
        "number": "passport_number",
        "issue_date": "passport_issue_date",
        "issue_authority": "passport_issued_by",
        "issue_authority_code": "passport_issuer_code",
        "registration_address": "registration_address",
    },
    DocumentKind.SNILS: {**_PEOPLE, "number": "snils"},
    DocumentKind.OMS: {**_PEOPLE, "number": "oms_number"},
}

#: Error codes the protocol defines, by HTTP status.
_ERRORS: Final = {
    (409, "busy"): Failure.BUSY,
    (422, "no_document"): Failure.NO_DOCUMENT,
    (422, "unreadable"): Failure.UNREADABLE,
    (504, "timeout"): Failure.TIMEOUT,
}
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class PromobotClient:
    """The scanner at ``base_url`` (implements :class:`hub_promobot.scanner.Scanner`)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self._http = http
        self.base_url = base_url.rstrip("/")

    async def status(self) -> ScannerStatus:
        data = await self._call("GET", STATUS_PATH, None, STATUS_TIMEOUT)
        state = data.get("state")
        if state not in {s.value for s in State}:
            raise _malformed("status", "a state other than ready, busy or error")
        return ScannerStatus(
            state=State(state), model=_text(data.get("model")), version=_text(data.get("version"))
        )

    async def scan(self, kind: DocumentKind | None, *, wait: float) -> Recognised:
        body = {"document": kind.value if kind is not None else "auto"}
        data = await self._call("POST", SCAN_PATH, body, wait)
        return _recognised(data)

    # --- transport ------------------------------------------------------------------------

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None, wait: float
    ) -> dict[str, Any]:
        url = self.base_url + path
        try:
            # asyncio's limit as well as httpx's: it holds for any transport
            async with asyncio.timeout(wait):
                response = await self._http.request(
                    method, url, json=body, timeout=wait, follow_redirects=False
                )
        except (TimeoutError, httpx.TimeoutException):
            raise ScannerError(
                Failure.NO_ANSWER, f"the scanner at {self.base_url} did not answer in {wait:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise ScannerError(
                Failure.UNREACHABLE,
                f"could not connect to the scanner at {self.base_url} ({type(exc).__name__})",
            ) from None
        return self._answer(response, path)

    def _answer(self, response: httpx.Response, path: str) -> dict[str, Any]:
        status = response.status_code
        if response.is_redirect:
            where = urlsplit(response.headers.get("location", "")).netloc or "another address"
            raise ScannerError(
                Failure.REFUSED,
                f"the scanner at {self.base_url} answered {path} with a redirect to {where}; "
                "the hub does not follow redirects from the scanner",
            )
        try:
            data = response.json()
        except ValueError:
            data = None
        if status != 200:
            code = data.get("error") if isinstance(data, dict) else None
            failure = _ERRORS.get((status, code)) if isinstance(code, str) else None
            if failure is not None:
                raise ScannerError(failure, f"the scanner answered {status} {code}")
            shown = f" {code}" if isinstance(code, str) and _CODE.match(code) else ""
            raise ScannerError(
                Failure.FAULT, f"the scanner answered {path} with HTTP {status}{shown}"
            )
        if not isinstance(data, dict):
            raise _malformed(path.rsplit("/", 1)[-1], "not a JSON object")
        return data


# --- the scan answer ------------------------------------------------------------------------


def _recognised(data: dict[str, Any]) -> Recognised:
    try:
        kind = DocumentKind(str(data.get("document")))
    except ValueError:
        raise _malformed("scan", "no document kind the protocol knows") from None
    fields = data.get("fields")
    confidence = data.get("confidence", {})
    if not isinstance(fields, dict) or not isinstance(confidence, dict):
        raise _malformed("scan", "fields or confidence that are not JSON objects")
    readings: dict[str, Reading] = {}
    for wire, name in WIRE_FIELDS[kind].items():
        value = fields.get(wire)
        if value is not None and not isinstance(value, str):
            raise _malformed("scan", f"a field ({wire}) that is not text")
        readings[name] = Reading(text=value, confidence=_confidence(confidence.get(wire), wire))
    return Recognised(kind=kind, fields=readings)


def _confidence(value: Any, wire: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _malformed("scan", f"a confidence ({wire}) that is not a number from 0 to 1")
    return float(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _malformed(what: str, problem: str) -> ScannerError:
    return ScannerError(Failure.MALFORMED, f"the scanner's {what} answer has {problem}")
