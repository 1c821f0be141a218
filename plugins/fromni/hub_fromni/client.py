"""FromniClient: the Fromni Bots API and the Imobis API v3 over an ``httpx.AsyncClient``.

Knows nothing of the hub.  Every call is ``POST`` with a JSON body and the header
``Authorization: Token <token>``; the token travels in that header only, and is cut
from every error text and raw answer this module produces.  A failed call raises
:class:`FromniError`, classified by :mod:`hub_fromni.const`.

    transmit_event(name, data)           Bots API  event        -> Accepted(id)
    send_cascade(route, custom_id, report)  Imobis message/send  -> Accepted(id)
    balance()                            Imobis balance        -> Balance(amount, currency)
    info()                               Imobis info           -> the account's description
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from hub_fromni.const import (
    BALANCE_PATH,
    CASCADE_PATH,
    DEFAULT_API_URL,
    DEFAULT_BOTS_URL,
    EVENT_PATH,
    INFO_PATH,
    SUCCESS,
    TOKEN_HTTP,
    TRANSIENT_HTTP,
    Kind,
    meaning_of,
)

MASK = "***"


class FromniError(Exception):
    """A request Fromni / Imobis did not carry out: the code (the API's own ``code``,
    else the HTTP status; ``None`` for transport faults), its text, whether a retry may
    succeed and whether the account is at fault."""

    def __init__(
        self,
        code: str | None,
        text: str,
        transient: bool,
        *,
        provider_side: bool = False,
        raw: Any = None,
    ) -> None:
        super().__init__(f"Fromni error {code}: {text}" if code is not None else text)
        self.code, self.text, self.transient = code, text, transient
        self.provider_side, self.raw = provider_side, raw


@dataclass(frozen=True)
class Accepted:
    id: str
    raw: Any


@dataclass(frozen=True)
class AccountBalance:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Step:
    """One step of a cascade route: a channel, its text and sender, its time-to-live."""

    channel: str
    text: str
    ttl: int
    sender: str | None = None

    def json(self, phone: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "channel": self.channel,
            "phone": phone,
            "text": self.text,
            "ttl": self.ttl,
        }
        if self.sender:
            body["sender"] = self.sender
        return body


def digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def money(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def describe(desc: Any) -> str:
    """An error's ``desc``: a string, or a nested object of field -> messages."""
    if isinstance(desc, str):
        return desc
    if isinstance(desc, Mapping):
        return "; ".join(f"{k}: {describe(v)}" for k, v in desc.items())
    if isinstance(desc, Sequence):
        return ", ".join(describe(v) for v in desc)
    return "" if desc is None else str(desc)


class FromniClient:
    """One Fromni / Imobis account (one token)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        token: str,
        *,
        bots_url: str = DEFAULT_BOTS_URL,
        api_url: str = DEFAULT_API_URL,
    ) -> None:
        if not token:
            raise ValueError("Fromni needs the token of the account")
        self._http = http
        self._token = token
        self._bots = bots_url.rstrip("/")
        self._api = api_url.rstrip("/")

    # --- the methods ----------------------------------------------------------------------

    async def transmit_event(self, name: str, data: Mapping[str, Any]) -> Accepted:
        """Start the campaign launched by event ``name`` with ``data`` (the recipient's
        phone must be where the campaign's variables look for it)."""
        body = await self._call(f"{self._bots}/{EVENT_PATH}", {"name": name, "data": data})
        return self._accepted(body)

    async def send_cascade(
        self, phone: str, route: Sequence[Step], *, custom_id: str, report: str | None
    ) -> Accepted:
        """Send along ``route``: each step once the one before has not delivered in its ttl."""
        number = digits(phone)
        payload: dict[str, Any] = {
            "route": [step.json(number) for step in route],
            "custom_id": custom_id,
        }
        if report:
            payload["report"] = report
        body = await self._call(f"{self._api}/{CASCADE_PATH}", payload)
        return self._accepted(body)

    async def balance(self) -> AccountBalance:
        body = await self._call(f"{self._api}/{BALANCE_PATH}", {})
        amount = money(body.get("balance"))
        if amount is None:
            raise FromniError(
                None, f"the balance answer has no amount: {self._scrub(body)!r}"[:200], True
            )
        return AccountBalance(amount, str(body.get("currency") or "RUB"))

    async def info(self) -> dict[str, Any]:
        """What the token belongs to (the check: a wrong token is refused here)."""
        return self._scrub(await self._call(f"{self._api}/{INFO_PATH}", {}))  # type: ignore[no-any-return]

    # --- the transport --------------------------------------------------------------------

    def _hide(self, text: str) -> str:
        return text.replace(self._token, MASK)

    def _scrub(self, value: Any) -> Any:
        """``value`` with the token cut from every string in it."""
        if isinstance(value, str):
            return self._hide(value)
        if isinstance(value, Mapping):
            return {str(k): self._scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v) for v in value]
        return value

    def _accepted(self, body: dict[str, Any]) -> Accepted:
        if not body.get("id"):
            raise FromniError(
                None, f"the answer has no id: {self._scrub(body)!r}"[:200], True, raw=body
            )
        return Accepted(str(body["id"]), body)

    async def _call(self, url: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Token {self._token}", "Content-Type": "application/json"}
        try:
            response = await self._http.post(
                url, content=json.dumps(payload, ensure_ascii=False).encode(), headers=headers
            )
        except httpx.HTTPError as exc:
            detail = self._hide(str(exc) or type(exc).__name__)
            raise FromniError(None, f"Fromni unreachable: {detail}", True) from None
        status = response.status_code
        try:
            body: Any = json.loads(response.text)
        except ValueError:
            body = None
        if isinstance(body, dict):
            body = self._scrub(body)
        # An answer without "result" is taken as success when it is 200 (the documented
        # shape always has it; a missing one must not fail a message Fromni accepted).
        if status == 200 and isinstance(body, dict) and body.get("result", SUCCESS) == SUCCESS:
            return body
        raise self._error(status, body, response.text)

    def _error(self, status: int, body: Any, text: str) -> FromniError:
        is_api_error = isinstance(body, dict) and ("desc" in body or body.get("result"))
        if status in TRANSIENT_HTTP or (status >= 500 and not is_api_error):
            return FromniError(str(status), f"Fromni answered HTTP {status}", True, raw=body)
        if not isinstance(body, dict):
            words = self._hide(text[:200])
            return FromniError(
                str(status), f"the answer is not JSON (HTTP {status}): {words!r}", True
            )
        desc = describe(body.get("desc") or body.get("error") or body.get("message"))
        code = body.get("code")
        code_text = str(code) if code not in (None, "") else str(status)
        if status in TOKEN_HTTP:
            return FromniError(
                code_text, desc or "the token was refused", False, provider_side=True, raw=body
            )
        meaning = meaning_of(desc)
        return FromniError(
            code_text,
            desc or f"HTTP {status}, result {body.get('result')!r}",
            meaning.kind is Kind.TRANSIENT,
            provider_side=meaning.provider_side,
            raw=body,
        )
