"""A fake Promobot scanner: an ASGI app speaking the assumed protocol, errors included.

As ``/work/shared/design/assumed-protocols.md`` §2 fixes it:

* ``GET /api/status`` → ``200 {"state": "ready" | "busy" | "error", "model", "version"}``;
  the state is ``busy`` while a scan is in progress.
* ``POST /api/scan`` ``{"document": "passport" | "snils" | "oms" | "auto"}`` → ``200
  {"document", "fields", "confidence"}`` with the document on the glass (by default
  the one asked for; ``auto``: whatever lies there, the passport unless told);
  ``409 {"error": "busy"}`` while another scan runs; ``422 {"error": "no_document"}``,
  ``422 {"error": "unreadable"}``, ``504 {"error": "timeout"}``; a body that is not
  ``{"document": <one of the four>}`` answers ``400 {"error": "bad_request"}``.

The documents are a fictional person's, printed as the real ones are (capitals,
``DD.MM.YYYY``, «45 15»), with confidences like a recogniser's: high on printed
digits, lower on the issuing authority and the handwritten-looking address.

Knobs for tests: ``state`` (what the status says when idle); :meth:`next` queues what
the next scans do (``"busy"``, ``"no_document"``, ``"unreadable"``, ``"timeout"``,
``"hang"`` — never answers —, ``"redirect"``, ``"not_json"``, ``"malformed"``,
``"bad_confidence"``, or a :class:`Slow` delay before the document); ``on_glass``
(the document lying there: its kind, fields and confidences, editable per test);
``down`` (the transport refuses connections, see :class:`FakeTransport`).  Every
request is recorded in ``requests``.
"""

from __future__ import annotations

import asyncio
import copy
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MODEL = "Promobot Scanner V2"
VERSION = "2.4.1"

PASSPORT: dict[str, Any] = {
    "document": "passport",
    "fields": {
        "surname": "КУЗНЕЦОВ",
        "name": "ДМИТРИЙ",
        "patronymic": "СЕРГЕЕВИЧ",
        "gender": "М",
        "birthdate": "15.08.1990",
        "birthplace": "ГОР. МОСКВА",
        "series": "45 15",
        "number": "940229",
        "issue_authority": "ОТДЕЛОМ УФМС РОССИИ ПО ГОР. МОСКВЕ ПО РАЙОНУ ХАМОВНИКИ",
        "issue_date": "23.09.2010",
        "issue_authority_code": "770-053",
        "registration_address": "Г. МОСКВА, УЛ. ЛЬВА ТОЛСТОГО, Д. 16, КВ. 25",
    },
    "confidence": {
        "surname": 0.9986,
        "name": 0.9977,
        "patronymic": 0.9969,
        "gender": 0.9995,
        "birthdate": 0.9921,
        "birthplace": 0.9712,
        "series": 0.9954,
        "number": 0.9961,
        "issue_authority": 0.9418,
        "issue_date": 0.9897,
        "issue_authority_code": 0.9932,
        "registration_address": 0.9105,
    },
}
SNILS: dict[str, Any] = {
    "document": "snils",
    "fields": {
        "number": "112-233-445 95",
        "surname": "КУЗНЕЦОВ",
        "name": "ДМИТРИЙ",
        "patronymic": "СЕРГЕЕВИЧ",
        "birthdate": "15.08.1990",
        "gender": "М",
    },
    "confidence": {
        "number": 0.9948,
        "surname": 0.9963,
        "name": 0.9958,
        "patronymic": 0.9941,
        "birthdate": 0.9877,
        "gender": 0.9990,
    },
}
OMS: dict[str, Any] = {
    "document": "oms",
    "fields": {
        "number": "8451999122899990",
        "surname": "КУЗНЕЦОВ",
        "name": "ДМИТРИЙ",
        "patronymic": "СЕРГЕЕВИЧ",
        "birthdate": "15.08.1990",
        "gender": "М",
        "issue_date": "01.02.2021",
    },
    "confidence": {
        "number": 0.9972,
        "surname": 0.9981,
        "name": 0.9979,
        "patronymic": 0.9966,
        "birthdate": 0.9903,
        "gender": 0.9991,
        "issue_date": 0.9688,
    },
}
DOCUMENTS = {"passport": PASSPORT, "snils": SNILS, "oms": OMS}
ERRORS = {
    "busy": (409, "busy"),
    "no_document": (422, "no_document"),
    "unreadable": (422, "unreadable"),
    "timeout": (504, "timeout"),
}


@dataclass(frozen=True)
class Slow:
    """The person takes ``seconds`` to put the document on the glass."""

    seconds: float


@dataclass
class FakeScanner:
    state: str = "ready"
    down: bool = False
    #: The document on the glass; None: the one each request asks for.
    on_glass: dict[str, Any] | None = None
    outcomes: deque[str | Slow] = field(default_factory=deque)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    scanning: int = 0

    def __post_init__(self) -> None:
        self.app = Starlette(
            routes=[
                Route("/api/status", self._status, methods=["GET"]),
                Route("/api/scan", self._scan, methods=["POST"]),
            ]
        )

    def next(self, *outcomes: str | Slow) -> None:
        """What the next scans do, in order (afterwards: the document)."""
        self.outcomes.extend(outcomes)

    def put(self, kind: str, **changes: Any) -> dict[str, Any]:
        """Lay a document of ``kind`` on the glass; ``changes``: wire field -> text, or
        ``(text, confidence)``; returns it (for further edits)."""
        document = copy.deepcopy(DOCUMENTS[kind])
        for name, change in changes.items():
            text, confidence = change if isinstance(change, tuple) else (change, None)
            document["fields"][name] = text
            if confidence is not None:
                document["confidence"][name] = confidence
        self.on_glass = document
        return document

    # --- the protocol -----------------------------------------------------------------------

    async def _status(self, request: Request) -> Response:
        self.requests.append(("GET", "/api/status", None))
        state = "busy" if self.scanning else self.state
        return JSONResponse({"state": state, "model": MODEL, "version": VERSION})

    async def _scan(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        self.requests.append(("POST", "/api/scan", body))
        asked = body.get("document") if isinstance(body, dict) else None
        if asked not in ("passport", "snils", "oms", "auto"):
            return _error(400, "bad_request")
        if self.scanning or self.state == "busy":
            return _error(409, "busy")
        outcome = self.outcomes.popleft() if self.outcomes else None
        self.scanning += 1
        try:
            return await self._outcome(outcome, asked)
        finally:
            self.scanning -= 1

    async def _outcome(self, outcome: str | Slow | None, asked: str) -> Response:
        if isinstance(outcome, Slow):
            await asyncio.sleep(outcome.seconds)
        elif outcome == "hang":
            await asyncio.Event().wait()
        elif outcome in ERRORS:
            return _error(*ERRORS[outcome])
        elif outcome == "redirect":
            return Response(status_code=302, headers={"Location": "http://elsewhere.example/x"})
        elif outcome == "not_json":
            return Response("<html>Scanner UI</html>", media_type="text/html")
        elif outcome == "malformed":
            return JSONResponse({"document": "driver_licence", "fields": {}})
        document = copy.deepcopy(self.on_glass or DOCUMENTS.get(asked, PASSPORT))
        if outcome == "bad_confidence":
            document["confidence"]["number"] = 97.2
        return JSONResponse(document)


def _error(status: int, code: str) -> Response:
    return JSONResponse({"error": code, "message": code.replace("_", " ")}, status_code=status)


class FakeTransport(httpx.AsyncBaseTransport):
    """The fake behind httpx; refuses connections while ``scanner.down`` is set."""

    def __init__(self, scanner: FakeScanner) -> None:
        self.scanner = scanner
        self._asgi = httpx.ASGITransport(app=scanner.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.scanner.down:
            raise httpx.ConnectError("[Errno 113] No route to host", request=request)
        return await self._asgi.handle_async_request(request)
