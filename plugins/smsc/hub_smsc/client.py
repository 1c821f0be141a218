"""SmscClient: the SMSC.ru HTTP API over an ``httpx.AsyncClient``; knows nothing of the hub.

Every call is a form ``POST <base_url><method>.php`` with ``fmt=3`` (JSON) and
``charset=utf-8``; the credentials travel in the body, never in a URL.  SMSC answers
HTTP 200 for its own errors (``{"error", "error_code"}``): those raise
:class:`SmscError` classified by :mod:`hub_smsc.const`; so do network errors, time-outs,
HTTP 429/5xx and answers that are not JSON (transient).  Credentials are redacted from
every error text this module produces.

    send(phone, text, sender, client_id)   send.php, cost=3  -> Sent(id, parts, cost, balance)
    status(pairs)                          status.php (id, phone) pairs -> {id: Status}
    balance()                              balance.php -> Decimal
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from hub_smsc.const import DEFAULT_BASE_URL, Kind, State, error, state


class SmscError(Exception):
    """A request SMSC did not carry out: its code (``None`` for transport faults), its
    text, whether a retry may succeed and whether the account is at fault."""

    def __init__(
        self,
        code: int | None,
        text: str,
        transient: bool,
        *,
        provider_side: bool = False,
        raw: Any = None,
    ) -> None:
        super().__init__(f"SMSC error {code}: {text}" if code is not None else text)
        self.code, self.text, self.transient = code, text, transient
        self.provider_side, self.raw = provider_side, raw


@dataclass(frozen=True)
class Sent:
    id: str
    parts: int
    cost: Decimal | None
    balance: Decimal | None
    raw: Any


@dataclass(frozen=True)
class Status:
    code: int
    state: State
    text: str
    at: dt.datetime | None
    cost: Decimal | None
    error: int | None


def money(value: Any) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


class SmscClient:
    """One SMSC account."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        credentials: Mapping[str, str],
        base_url: str = DEFAULT_BASE_URL,
    ) -> None:
        self._http = http
        self._credentials = dict(credentials)
        self._base = base_url if base_url.endswith("/") else base_url + "/"

    def _hide(self, text: str) -> str:
        for value in self._credentials.values():
            if value:
                text = text.replace(value, "***")
        return text

    async def _call(self, method: str, params: Mapping[str, str]) -> dict[str, Any]:
        form = {**self._credentials, **params, "fmt": "3", "charset": "utf-8"}
        try:
            response = await self._http.post(f"{self._base}{method}.php", data=form)
        except httpx.HTTPError as exc:
            detail = self._hide(str(exc) or type(exc).__name__)
            raise SmscError(None, f"SMSC unreachable: {detail}", True) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise SmscError(None, f"SMSC answered HTTP {response.status_code}", True)
        if response.status_code >= 400:
            raise SmscError(None, f"SMSC answered HTTP {response.status_code}", False)
        try:
            body = json.loads(response.text)
        except ValueError:
            raise SmscError(
                None, f"SMSC's answer is not JSON: {self._hide(response.text[:200])!r}", True
            ) from None
        if not isinstance(body, dict):
            raise SmscError(None, f"SMSC's answer is not an object: {body!r}"[:200], True)
        if "error_code" in body or "error" in body:
            code = _int(body.get("error_code"))
            meaning = error(code) if code is not None else None
            text = str(body.get("error") or (meaning.text if meaning else "error"))
            raise SmscError(
                code,
                self._hide(text),
                meaning is not None and meaning.kind is Kind.TRANSIENT,
                provider_side=meaning is not None and meaning.provider_side,
                raw=body,
            )
        return body

    async def send(
        self, phone: str, text: str, *, sender: str | None = None, client_id: str | None = None
    ) -> Sent:
        """Send one SMS to ``phone`` (digits; ``+`` added so SMSC does not "correct" it)."""
        params = {"phones": f"+{digits(phone)}", "mes": text, "cost": "3"}
        if sender:
            params["sender"] = sender
        if client_id:
            params["id"] = client_id[:40]
        body = await self._call("send", params)
        if "id" not in body:
            raise SmscError(
                None, f"SMSC's answer has no message id: {body!r}"[:200], True, raw=body
            )
        return Sent(
            id=str(body["id"]),
            parts=_int(body.get("cnt")) or 1,
            cost=money(body.get("cost")),
            balance=money(body.get("balance")),
            raw=body,
        )

    async def status(self, pairs: Sequence[tuple[str, str]]) -> dict[str, Status]:
        """The state of each (message id, phone) — SMSC finds a message by both."""
        out: dict[str, Status] = {}
        for sms_id, phone in pairs:
            body = await self._call(
                "status", {"id": sms_id, "phone": f"+{digits(phone)}", "all": "1"}
            )
            code = _int(body.get("status"))
            if code is None:
                continue
            meaning, text = state(code)
            stamp = _int(body.get("last_timestamp"))
            out[sms_id] = Status(
                code=code,
                state=meaning,
                text=str(body.get("status_name") or text),
                at=dt.datetime.fromtimestamp(stamp, dt.UTC) if stamp else None,
                cost=money(body.get("cost")),
                error=_int(body.get("err")),
            )
        return out

    async def balance(self) -> Decimal:
        body = await self._call("balance", {"cur": "1"})
        amount = money(body.get("balance"))
        if amount is None:
            raise SmscError(None, f"SMSC's balance answer has no amount: {body!r}"[:200], True)
        return amount


def _int(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None
