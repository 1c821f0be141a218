"""A fake SMSC.ru speaking the HTTP API of ``/work/shared/design/protocols.md`` §2.

``send.php``, ``status.php`` and ``balance.php`` take GET or a POSTed form, check the
credentials (login + psw, or apikey) on every request and answer ``fmt=3`` JSON exactly
as SMSC does: ``{"id", "cnt", "cost", "balance"}`` (amounts as strings) or
``{"error", "error_code"}`` (with ``"id"`` for codes 3, 6, 7, 8).  It keeps a balance,
the messages and their states; tests steer it:

    fake.balance = Decimal("0")           the next send answers error 3 (no money)
    fake.fail_next(4)                      the next send.php answers that error code
    fake.http_error_next(503)              the next request answers that HTTP status
    fake.deliver(id) / fake.set_state(id, 20)
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hub_smsc.const import ERRORS
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PRICE = Decimal("2.10")  # per part
DUPLICATE_WINDOW = dt.timedelta(minutes=1)


@dataclass
class Message:
    id: int
    phone: str
    text: str
    sender: str | None
    parts: int
    cost: Decimal
    state: int = 0
    sent_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def parts_of(text: str) -> int:
    cyrillic = any(ord(c) > 127 for c in text)
    single, multi = (70, 67) if cyrillic else (160, 153)
    return 1 if len(text) <= single else -(-len(text) // multi)


class FakeSmsc:
    def __init__(self, login: str, password: str, api_key: str | None = None) -> None:
        self.login, self.password, self.api_key = login, password, api_key
        self.balance = Decimal("100.00")
        self.messages: dict[int, Message] = {}
        self.requests: list[dict[str, str]] = []
        self._ids = itertools.count(5001)
        self._failures: dict[str, list[int]] = {"send": [], "status": [], "balance": []}
        self._http_failures: list[int] = []
        self._recent: dict[tuple[str, str, str], dt.datetime] = {}
        self.clock = lambda: dt.datetime.now(dt.UTC)
        self.app = Starlette(
            routes=[
                Route(f"/sys/{name}.php", handler, methods=["GET", "POST"])
                for name, handler in (
                    ("send", self._send),
                    ("status", self._status),
                    ("balance", self._balance),
                )
            ]
        )

    # --- steering -----------------------------------------------------------------------

    def fail_next(self, code: int, method: str = "send") -> None:
        self._failures[method].append(code)

    def http_error_next(self, status: int) -> None:
        self._http_failures.append(status)

    def set_state(self, message_id: int | str, state: int) -> None:
        self.messages[int(str(message_id).split(":")[0])].state = state

    def deliver(self, message_id: int | str) -> None:
        self.set_state(message_id, 1)

    def sent(self) -> list[Message]:
        return list(self.messages.values())

    # --- the API ------------------------------------------------------------------------

    async def _params(self, request: Request) -> dict[str, str]:
        params = dict(request.query_params)
        if request.method == "POST":
            form = await request.form()
            params.update({k: str(v) for k, v in form.items()})
        self.requests.append(params)
        return params

    @staticmethod
    def _error(code: int, message_id: int | None = None) -> JSONResponse:
        body: dict[str, Any] = {"error": ERRORS[code].text.lower(), "error_code": code}
        if message_id is not None and code in (3, 6, 7, 8):
            body["id"] = message_id
        return JSONResponse(body)

    def _refusal(self, method: str, params: dict[str, str]) -> Response | None:
        """The answer to a request that fails before its method runs, or ``None``."""
        if self._http_failures:
            return Response("Service Unavailable", status_code=self._http_failures.pop(0))
        if params.get("fmt") != "3":
            return Response("ERROR = 1 (parameters error)", media_type="text/plain")
        if self._failures[method]:
            return self._error(self._failures[method].pop(0))
        by_key = self.api_key is not None and params.get("apikey") == self.api_key
        by_login = params.get("login") == self.login and params.get("psw") == self.password
        if not (by_key or by_login):
            return self._error(2)
        return None

    async def _send(self, request: Request) -> Response:
        params = await self._params(request)
        refused = self._refusal("send", params)
        if refused is not None:
            return refused
        phones, text = params.get("phones", ""), params.get("mes", "")
        if not phones or not text:
            return self._error(1)
        phone = phones.lstrip("+")
        if not (phone.isdigit() and 10 <= len(phone) <= 15):
            return self._error(7)
        now = self.clock()
        key = (phone, text, params.get("id", ""))
        if key in self._recent and now - self._recent[key] < DUPLICATE_WINDOW:
            return self._error(9)
        self._recent[key] = now
        parts = parts_of(text)
        cost = PRICE * parts
        message_id = next(self._ids)
        if self.balance < cost:
            return self._error(3, message_id)
        self.balance -= cost
        self.messages[message_id] = Message(
            message_id, phone, text, params.get("sender"), parts, cost, sent_at=now
        )
        body: dict[str, Any] = {"id": message_id, "cnt": parts}
        if params.get("cost") in ("2", "3"):
            body["cost"] = f"{cost:.2f}"
        if params.get("cost") == "3":
            body["balance"] = f"{self.balance:.2f}"
        return JSONResponse(body)

    async def _status(self, request: Request) -> Response:
        params = await self._params(request)
        refused = self._refusal("status", params)
        if refused is not None:
            return refused
        if not params.get("id", "").isdigit() or not params.get("phone"):
            return self._error(1)
        message = self.messages.get(int(params["id"]))
        if message is None or message.phone != params["phone"].lstrip("+"):
            return JSONResponse({"status": -3, "last_date": "", "last_timestamp": 0})
        stamp = int(message.sent_at.timestamp())
        body: dict[str, Any] = {
            "status": message.state,
            "last_date": message.sent_at.strftime("%d.%m.%Y %H:%M:%S"),
            "last_timestamp": stamp,
        }
        if params.get("all") in ("1", "2"):
            body |= {"phone": message.phone, "cost": f"{message.cost:.2f}", "message": message.text}
            body["err"] = 0 if message.state in (0, 1, 2, 4) else 1
        return JSONResponse(body)

    async def _balance(self, request: Request) -> Response:
        params = await self._params(request)
        refused = self._refusal("balance", params)
        if refused is not None:
            return refused
        body = {"balance": f"{self.balance:.2f}"}
        if params.get("cur") == "1":
            body["currency"] = "RUB"
        return JSONResponse(body)
