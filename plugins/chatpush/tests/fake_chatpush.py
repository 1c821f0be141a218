"""A fake ChatPush speaking the REST API of ``/work/shared/design/protocols.md`` §7.3 and
``protocols-2.md`` §5.2.

Every request must carry ``Authorization: Bearer <token>`` (401 otherwise).  The API:

    POST /api/v1/delivery {phone, text}    200 {"meta", "delivery": {id, status, price...}}
                                           422 {"meta", "errors": {field: [...]}} on a bad field
                                           402 when the account has no money            [?]
    GET  /api/v1/delivery/{id}             200 {"meta", "delivery"} or 404
    GET  /api/v1/account                   200 {"meta", "account": {"total_amount": "780.70"}}
    GET  /api/v1/webhooks/                 200 {"meta", "webhooks": [{id, url, types}]}
    POST /api/v1/webhooks?url=&types[]=    200 {"meta", "webhook"}; 422 without url or types
    DELETE /api/v1/webhooks/{id}           200 or 404

Tests steer it:

    fake.total_amount = Decimal("0")        the next send answers 402
    fake.fail_next(429)                      the next send answers that HTTP status
    fake.fail_next(422, {"phone": [...]})    ... with these validation errors
    fake.fail_next(401, method="account")    the next GET /account answers 401
    fake.set_status(id, "delivered")         a delivery's status changes
    await fake.emit(http, id)                POST the delivery's status to every webhook
                                             registered for a delivery type, as ChatPush does
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PRICE = Decimal("1.50")
DELIVERY_TYPE = "delivery_status"
API = "/api/v1"
MESSAGES = {
    401: "Unauthenticated.",
    402: "Insufficient funds.",
    422: "The given data was invalid.",
    429: "Too Many Attempts.",
}


@dataclass
class Message:
    id: int
    phone: str
    text: str
    price: Decimal
    status: str = "queued"
    error: str | None = None
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    updated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "phone": self.phone,
            "text": self.text,
            "status": self.status,
            "price": f"{self.price:.2f}",
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class Hook:
    id: int
    url: str
    types: list[str]


def meta(code: int = 200, message: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"code": code, "status": "success" if code < 400 else "error"}
    if message:
        out["message"] = message
    return out


class FakeChatpush:
    def __init__(self, token: str) -> None:
        self.token = token
        self.total_amount = Decimal("780.70")
        self.messages: dict[int, Message] = {}
        self.hooks: dict[int, Hook] = {}
        self.requests: list[httpx.URL | str] = []
        self.headers: list[dict[str, str]] = []
        self._ids = itertools.count(339788505)
        self._hook_ids = itertools.count(11)
        self._failures: dict[str, list[tuple[int, dict[str, list[str]] | None]]] = {
            "send": [],
            "delivery": [],
            "account": [],
            "webhooks": [],
        }
        self.clock = lambda: dt.datetime.now(dt.UTC)
        self.app = Starlette(
            routes=[
                Route(f"{API}/delivery", self._send, methods=["POST"]),
                Route(f"{API}/delivery/{{id}}", self._delivery, methods=["GET"]),
                Route(f"{API}/account", self._account, methods=["GET"]),
                Route(f"{API}/webhooks/", self._webhooks, methods=["GET"]),
                Route(f"{API}/webhooks", self._add_webhook, methods=["POST"]),
                Route(f"{API}/webhooks/{{id}}", self._delete_webhook, methods=["DELETE"]),
            ]
        )

    # --- steering -----------------------------------------------------------------------

    def fail_next(
        self, status: int, errors: dict[str, list[str]] | None = None, method: str = "send"
    ) -> None:
        """The next request of ``method`` (send, delivery, account, webhooks) fails."""
        self._failures[method].append((status, errors))

    def set_status(self, message_id: int | str, status: str, error: str | None = None) -> None:
        message = self.messages[int(message_id)]
        message.status, message.error, message.updated_at = status, error, self.clock()

    def sent(self) -> list[Message]:
        return list(self.messages.values())

    async def emit(self, http: httpx.AsyncClient, message_id: int | str) -> list[httpx.Response]:
        """POST the delivery's status to each webhook registered for delivery statuses."""
        message = self.messages[int(message_id)]
        event = {"type": DELIVERY_TYPE, "payload": {"delivery": message.as_json()}}
        return [
            await http.post(hook.url, json=event)
            for hook in self.hooks.values()
            if DELIVERY_TYPE in hook.types
        ]

    # --- the API ------------------------------------------------------------------------

    @staticmethod
    def _error(code: int, message: str, errors: dict[str, list[str]] | None = None) -> Response:
        body: dict[str, Any] = {"meta": meta(code, message)}
        if errors:
            body["errors"] = errors
        return JSONResponse(body, status_code=code)

    def _refusal(self, request: Request, method: str) -> Response | None:
        self.requests.append(request.url)
        self.headers.append(dict(request.headers))
        if self._failures[method]:
            status, errors = self._failures[method].pop(0)
            if status >= 500:
                return Response("<html>Bad Gateway</html>", status_code=status)
            return self._error(status, MESSAGES.get(status, "Error"), errors)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return self._error(401, "Unauthenticated.")
        return None

    async def _send(self, request: Request) -> Response:
        if (refused := self._refusal(request, "send")) is not None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            return self._error(422, "The given data was invalid.", {"body": ["must be JSON"]})
        phone, text = str(body.get("phone") or ""), str(body.get("text") or "")
        errors: dict[str, list[str]] = {}
        if not (phone.isdigit() and 10 <= len(phone) <= 15):
            errors["phone"] = ["The phone format is invalid."]
        if not text.strip():
            errors["text"] = ["The text field is required."]
        if errors:
            return self._error(422, "The given data was invalid.", errors)
        if self.total_amount < PRICE:
            return self._error(402, "Insufficient funds.")
        self.total_amount -= PRICE
        now = self.clock()
        message = Message(next(self._ids), phone, text, PRICE, created_at=now, updated_at=now)
        self.messages[message.id] = message
        return JSONResponse({"meta": meta(), "delivery": message.as_json()})

    async def _delivery(self, request: Request) -> Response:
        if (refused := self._refusal(request, "delivery")) is not None:
            return refused
        raw = request.path_params["id"]
        message = self.messages.get(int(raw)) if raw.isdigit() else None
        if message is None:
            return self._error(404, "Delivery not found.")
        return JSONResponse({"meta": meta(), "delivery": message.as_json()})

    async def _account(self, request: Request) -> Response:
        if (refused := self._refusal(request, "account")) is not None:
            return refused
        account = {"total_amount": f"{self.total_amount:.2f}", "currency": "RUB"}
        return JSONResponse({"meta": meta(), "account": account})

    async def _webhooks(self, request: Request) -> Response:
        if (refused := self._refusal(request, "webhooks")) is not None:
            return refused
        hooks = [{"id": h.id, "url": h.url, "types": h.types} for h in self.hooks.values()]
        return JSONResponse({"meta": meta(), "webhooks": hooks})

    async def _add_webhook(self, request: Request) -> Response:
        if (refused := self._refusal(request, "webhooks")) is not None:
            return refused
        url = request.query_params.get("url", "")
        types = request.query_params.getlist("types[]")
        if not url.startswith(("http://", "https://")) or not types:
            return self._error(
                422, "The given data was invalid.", {"url": ["url and types[] are required."]}
            )
        hook = Hook(next(self._hook_ids), url, types)
        self.hooks[hook.id] = hook
        return JSONResponse(
            {"meta": meta(), "webhook": {"id": hook.id, "url": hook.url, "types": hook.types}}
        )

    async def _delete_webhook(self, request: Request) -> Response:
        if (refused := self._refusal(request, "webhooks")) is not None:
            return refused
        raw = request.path_params["id"]
        if not raw.isdigit() or self.hooks.pop(int(raw), None) is None:
            return self._error(404, "Webhook not found.")
        return JSONResponse({"meta": meta()})
