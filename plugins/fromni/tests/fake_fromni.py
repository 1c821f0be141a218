"""A fake Fromni / Imobis speaking the APIs of ``/work/shared/design/protocols.md`` §7.1–7.2.

Two APIs, one token (``Authorization: Token <token>``), JSON both ways:

    POST /user/event          Bots API "transmit event": 200 {"result": "success", "id"}
                              (24 hex digits); every API error is HTTP 500
                              {"result": "error", "desc"}: a wrong token, no campaign for
                              the event, no ``client.phone`` in the data
    POST /v3/message/send     Imobis cascade ``route[]``: 200 {"result": "success", "id"}
                              (a UUID); HTTP 401 for a wrong token, HTTP 400 {"result":
                              "error", "desc"} (a string, or field -> messages) otherwise
    POST /v3/balance          {"result": "success", "balance": "…", "currency": "RUB"}
    POST /v3/info             {"result": "success", "login", "name"}

It keeps the campaigns (event name -> campaign), a balance, what was launched or sent
and the ``report`` address of each, and posts statuses there as Imobis does:

    fake.http_error_next(503)                 the next request answers that HTTP status
    fake.api_error_next(500, "desc")          the next request answers that API error
    fake.balance = Decimal("0")               the next cascade answers "Insufficient funds"
    await fake.report(id, "delivered", channel="telegram", price="0.45")
    await fake.expire_to_sms(id)              messenger ``expired``, then SMS ``delivered``

``fake.hub`` is the HTTP client those webhooks go through (the tests point it at the hub).
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CHANNELS = ("sms", "telegram", "viber", "vk", "whatsapp")
PRICE = {"sms": Decimal("2.50"), "telegram": Decimal("0.45"), "viber": Decimal("1.20")}


@dataclass
class Sent:
    """One launch (mode event) or cascade (mode cascade) the fake accepted."""

    id: str
    kind: str  # "event" or "cascade"
    phone: str
    body: dict[str, Any]
    report: str | None


class FakeFromni:
    def __init__(self, token: str, events: tuple[str, ...] = ("clinic_hub_message",)) -> None:
        self.token = token
        self.events = set(events)
        self.balance = Decimal("150.00")
        self.sent: dict[str, Sent] = {}
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.webhooks: list[httpx.Response] = []
        self.hub: httpx.AsyncClient | None = None
        self._http_failures: list[int] = []
        self._api_failures: list[tuple[int, Any]] = []
        self.app = Starlette(
            routes=[
                Route("/user/event", self._event, methods=["POST"]),
                Route("/v3/message/send", self._cascade, methods=["POST"]),
                Route("/v3/balance", self._balance, methods=["POST"]),
                Route("/v3/info", self._info, methods=["POST"]),
            ]
        )

    # --- steering -----------------------------------------------------------------------

    def http_error_next(self, status: int) -> None:
        self._http_failures.append(status)

    def api_error_next(self, status: int, desc: Any) -> None:
        """The next request answers the API's own error ``{"result": "error", "desc"}``."""
        self._api_failures.append((status, desc))

    def only(self) -> Sent:
        (sent,) = self.sent.values()
        return sent

    async def report(self, sent_id: str, status: str, **fields: Any) -> httpx.Response:
        """POST a status to the message's ``report`` address, as Imobis does."""
        sent = self.sent[sent_id]
        assert sent.report and self.hub is not None, "no report address or no hub to call"
        custom_id = sent.body.get("custom_id") or sent.body.get("data", {}).get("custom_id")
        payload = {"id": sent_id, "status": status, "custom_id": custom_id, **fields}
        response = await self.hub.post(sent.report, json=payload)
        self.webhooks.append(response)
        return response

    async def expire_to_sms(self, sent_id: str) -> None:
        """The cascade's messenger step runs out of time; its SMS step is delivered."""
        messenger = self.sent[sent_id].body["route"][0]["channel"]
        await self.report(sent_id, "expired", channel=messenger, code=5, error="TTL expired")
        await self.report(sent_id, "delivered", channel="sms", price=str(PRICE["sms"]), parts=1)

    # --- the API ------------------------------------------------------------------------

    async def _read(self, request: Request) -> tuple[Any, Response | None]:
        """The JSON body, or the answer to a request refused before its method runs."""
        raw = await request.body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        self.requests.append((request.url.path, dict(request.headers), body))
        if self._http_failures:
            return body, Response("Bad Gateway", status_code=self._http_failures.pop(0))
        if self._api_failures:
            return body, self._error(*self._api_failures.pop(0))
        bots = request.url.path.startswith("/user/")
        if request.headers.get("authorization") != f"Token {self.token}":
            return body, self._error(500 if bots else 401, "Invalid token")
        if not isinstance(body, dict) or "json" not in request.headers.get("content-type", ""):
            return body, self._error(500 if bots else 400, "Invalid JSON")
        return body, None

    @staticmethod
    def _error(status: int, desc: Any) -> JSONResponse:
        return JSONResponse({"result": "error", "desc": desc}, status_code=status)

    async def _event(self, request: Request) -> Response:
        body, refused = await self._read(request)
        if refused is not None:
            return refused
        name, data = body.get("name"), body.get("data")
        if not isinstance(name, str) or not name:
            return self._error(500, "Event name is required")
        if name not in self.events:
            return self._error(500, f"Campaign for event '{name}' not found")
        phone = str(((data or {}).get("client") or {}).get("phone") or "")
        if not phone.isdigit() or not 10 <= len(phone) <= 15:
            return self._error(500, "Phone number not found in event data")
        launch = secrets.token_hex(12)
        self.sent[launch] = Sent(launch, "event", phone, body, data.get("report"))
        return JSONResponse({"result": "success", "id": launch})

    async def _cascade(self, request: Request) -> Response:
        body, refused = await self._read(request)
        if refused is not None:
            return refused
        route = body.get("route")
        if not isinstance(route, list) or not route:
            return self._error(400, {"route": ["The route field is required."]})
        problems: dict[str, list[str]] = {}
        for n, step in enumerate(route):
            if not isinstance(step, dict):
                problems[f"route.{n}"] = ["Must be an object."]
                continue
            if step.get("channel") not in CHANNELS:
                problems[f"route.{n}.channel"] = ["The selected channel is invalid."]
            phone = str(step.get("phone") or "")
            if not phone.isdigit() or not 10 <= len(phone) <= 15:
                problems[f"route.{n}.phone"] = ["The phone format is invalid."]
            if not step.get("text"):
                problems[f"route.{n}.text"] = ["The text field is required."]
            ttl = step.get("ttl", 600)
            if not isinstance(ttl, int) or not 60 <= ttl <= 172800:
                problems[f"route.{n}.ttl"] = ["The ttl must be between 60 and 172800."]
            if step.get("channel") in ("sms", "viber") and not step.get("sender"):
                problems[f"route.{n}.sender"] = ["The sender field is required."]
        if problems:
            return self._error(400, problems)
        if self.balance <= 0:
            return self._error(400, "Insufficient funds on the balance")
        message = str(uuid.uuid4())
        phone = str(route[0]["phone"])
        self.sent[message] = Sent(message, "cascade", phone, body, body.get("report"))
        return JSONResponse({"result": "success", "id": message})

    async def _balance(self, request: Request) -> Response:
        _, refused = await self._read(request)
        if refused is not None:
            return refused
        return JSONResponse(
            {"result": "success", "balance": f"{self.balance:.2f}", "currency": "RUB"}
        )

    async def _info(self, request: Request) -> Response:
        _, refused = await self._read(request)
        if refused is not None:
            return refused
        return JSONResponse({"result": "success", "login": "clinic", "name": "Клиника"})
