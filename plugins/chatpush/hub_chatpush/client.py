"""ChatpushClient: the ChatPush REST API over an ``httpx.AsyncClient``; knows nothing of the hub.

Every request carries ``Authorization: Bearer <token>`` and ``Accept: application/json``;
the token is never in a URL.  An HTTP error raises :class:`ChatpushError` classified by
:mod:`hub_chatpush.const` with ChatPush's own text (``meta.message``, ``message``,
``errors``); so do network errors, time-outs and answers that are not JSON (transient).
The token and the webhook secret are cut from every error text this module produces.

    send(phone, text)              POST /delivery           -> Sent(id, status, cost)
    delivery(id)                   GET /delivery/{id}       -> Delivery
    balance()                      GET /account             -> Decimal (account.total_amount)
    webhooks()                     GET /webhooks/           -> [Webhook]
    add_webhook(url, types)        POST /webhooks?url=&types[]=
    delete_webhook(id)             DELETE /webhooks/{id}

Where the answer's shape was not in the material read [?], the object is looked for
under the resource's name (``delivery``, ``webhook(s)``, as ``account`` is), then
``data``, then at the top level.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from hub_chatpush.const import DEFAULT_BASE_URL, Kind, State, http_error, state

_MASK = "***"


class ChatpushError(Exception):
    """A request ChatPush did not carry out: its code (the HTTP status; ``None`` for
    transport faults), its text, whether a retry may succeed, whether the account is at
    fault, and ChatPush's answer (``raw``)."""

    def __init__(
        self,
        code: int | None,
        text: str,
        transient: bool,
        *,
        provider_side: bool = False,
        raw: Any = None,
    ) -> None:
        super().__init__(f"ChatPush error {code}: {text}" if code is not None else text)
        self.code, self.text, self.transient = code, text, transient
        self.provider_side, self.raw = provider_side, raw


@dataclass(frozen=True)
class Sent:
    id: str
    status: str | None
    cost: Decimal | None
    raw: Any


@dataclass(frozen=True)
class Delivery:
    id: str
    status: str
    state: State
    error: str | None
    at: dt.datetime | None
    cost: Decimal | None


@dataclass(frozen=True)
class Webhook:
    id: str
    url: str
    types: tuple[str, ...]


def money(value: Any) -> Decimal | None:
    try:
        return None if value in (None, "") or isinstance(value, bool) else Decimal(str(value))
    except InvalidOperation:
        return None


def digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def resource(body: Any, name: str) -> Any:
    """The object of ``name`` in an answer: ``body[name]``, ``body["data"]`` or ``body``."""
    if isinstance(body, dict):
        for key in (name, "data"):
            if key in body and body[key] is not None:
                return body[key]
    return body


def delivery_of(item: Any) -> Delivery | None:
    """A delivery object (``{"id", "status", "error"?, "price"?, "updated_at"?}``)."""
    if not isinstance(item, dict) or item.get("id") in (None, "") or not item.get("status"):
        return None
    status = str(item["status"])
    error = item.get("error") or item.get("error_message")
    return Delivery(
        id=str(item["id"]),
        status=status,
        state=state(status),
        error=str(error) if error else None,
        at=_time(item.get("updated_at") or item.get("status_at")),
        cost=money(item.get("price", item.get("cost"))),
    )


class ChatpushClient:
    """One ChatPush instance (its token)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        hide: Sequence[str] = (),
    ) -> None:
        self._http = http
        self._token = token
        self._base = base_url.rstrip("/")
        self._secrets = [s for s in (token, *hide) if s]

    def _hide(self, text: str) -> str:
        for value in self._secrets:
            text = text.replace(value, _MASK)
        return text

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: httpx.QueryParams | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        try:
            response = await self._http.request(
                method, f"{self._base}{path}", json=json_body, params=params, headers=headers
            )
        except httpx.HTTPError as exc:
            detail = self._hide(str(exc) or type(exc).__name__)
            raise ChatpushError(None, f"ChatPush unreachable: {detail}", True) from None
        try:
            body = json.loads(response.text) if response.text.strip() else None
        except ValueError:
            body = None
            if response.is_success:
                raise ChatpushError(
                    None,
                    f"ChatPush's answer is not JSON: {self._hide(response.text[:200])!r}",
                    True,
                ) from None
        if not response.is_success:
            meaning = http_error(response.status_code)
            said = _said(body)
            text = self._hide(f"{meaning.text}: {said}" if said else meaning.text)
            raise ChatpushError(
                response.status_code,
                text,
                meaning.kind is Kind.TRANSIENT,
                provider_side=meaning.provider_side,
                raw=body,
            )
        return body

    async def send(self, phone: str, text: str) -> Sent:
        """Send one message to ``phone`` (international, digits only)."""
        body = await self._call(
            "POST", "/delivery", json_body={"phone": digits(phone), "text": text}
        )
        item = resource(body, "delivery")
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            raise ChatpushError(
                None, f"ChatPush's answer has no delivery id: {body!r}"[:200], True, raw=body
            )
        return Sent(
            id=str(item["id"]),
            status=str(item["status"]) if item.get("status") else None,
            cost=money(item.get("price", item.get("cost"))),
            raw=body,
        )

    async def delivery(self, delivery_id: str) -> Delivery | None:
        """A delivery's status, or ``None`` if its answer names none."""
        body = await self._call("GET", f"/delivery/{delivery_id}")
        return delivery_of(resource(body, "delivery"))

    async def balance(self) -> Decimal:
        """``account.total_amount`` of ``GET /account``."""
        body = await self._call("GET", "/account")
        account = resource(body, "account")
        amount = money(account.get("total_amount")) if isinstance(account, dict) else None
        if amount is None:
            raise ChatpushError(
                None, f"ChatPush's account answer has no amount: {body!r}"[:200], True
            )
        return amount

    async def webhooks(self) -> list[Webhook]:
        body = await self._call("GET", "/webhooks/")
        items = resource(body, "webhooks")
        return [w for w in (_webhook(i) for i in items) if w] if isinstance(items, list) else []

    async def add_webhook(self, url: str, types: Sequence[str]) -> Webhook | None:
        """Register ``url`` for ``types`` (in the query string, as ChatPush takes them)."""
        params = httpx.QueryParams([("url", url), *(("types[]", t) for t in types)])
        body = await self._call("POST", "/webhooks", params=params)
        return _webhook(resource(body, "webhook"))

    async def delete_webhook(self, webhook_id: str) -> None:
        await self._call("DELETE", f"/webhooks/{webhook_id}")


def _said(body: Any) -> str:
    """ChatPush's own words in an error answer."""
    if not isinstance(body, dict):
        return ""
    meta = body.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    parts = [str(x) for x in (meta.get("message"), body.get("message"), body.get("error")) if x]
    errors = body.get("errors")
    if isinstance(errors, dict):
        for field, problems in errors.items():
            listed = problems if isinstance(problems, list) else [problems]
            parts.append(f"{field}: " + "; ".join(str(p) for p in listed))
    return "; ".join(dict.fromkeys(parts))


def _webhook(item: Any) -> Webhook | None:
    if not isinstance(item, dict) or item.get("id") in (None, "") or not item.get("url"):
        return None
    types = item.get("types") or ()
    return Webhook(str(item["id"]), str(item["url"]), tuple(str(t) for t in types))


def _time(value: Any) -> dt.datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None
