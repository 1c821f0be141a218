"""IvoiceClient: the Ivoice robot-call request over an ``httpx.AsyncClient``; knows nothing
of the hub.

    call(payload)      POST <api_url> JSON (Mgerm's payload)  -> Started(id, raw)
    check()            GET <api_url>: whether the token is taken

Every request carries ``Authorization: Bearer <token>``; the token is never in a URL
and is cut from every error text.  An HTTP error raises :class:`IvoiceError` classified
by :mod:`hub_ivoice.const` with Ivoice's own words (``message``, ``error``, ``detail``,
``errors``); so do network errors and time-outs (transient).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from hub_ivoice.const import Kind, http_error

_MASK = "***"


class IvoiceError(Exception):
    """A request Ivoice did not carry out: its code (the HTTP status; ``None`` for
    transport faults), its text, whether a retry may succeed, whether the account is at
    fault, and Ivoice's answer (``raw``)."""

    def __init__(
        self,
        code: int | None,
        text: str,
        transient: bool,
        *,
        provider_side: bool = False,
        raw: Any = None,
    ) -> None:
        super().__init__(f"Ivoice error {code}: {text}" if code is not None else text)
        self.code, self.text, self.transient = code, text, transient
        self.provider_side, self.raw = provider_side, raw


@dataclass(frozen=True)
class Started:
    """Ivoice took the call: its id when the answer names one [?], and the answer."""

    id: str | None
    raw: Any


class IvoiceClient:
    """One Ivoice account (its address and token)."""

    def __init__(self, http: httpx.AsyncClient, api_url: str, token: str) -> None:
        self._http, self._url, self._token = http, api_url, token

    def _hide(self, text: str) -> str:
        return text.replace(self._token, _MASK) if self._token else text

    async def _request(self, method: str, payload: Mapping[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        try:
            response = await self._http.request(method, self._url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            detail = self._hide(str(exc) or type(exc).__name__)
            raise IvoiceError(None, f"Ivoice unreachable: {detail}", True) from None
        try:
            body = json.loads(response.text) if response.text.strip() else None
        except ValueError:
            body = self._hide(response.text[:200])
        if not response.is_success:
            meaning = http_error(response.status_code)
            said = _said(body)
            text = self._hide(f"{meaning.text}: {said}" if said else meaning.text)
            raise IvoiceError(
                response.status_code,
                text,
                meaning.kind is Kind.TRANSIENT,
                provider_side=meaning.provider_side,
                raw=body,
            )
        return body

    async def call(self, payload: Mapping[str, Any]) -> Started:
        """Ask the robot to call (``payload``: Mgerm's ``id``, ``patient``, ``referrals``,
        ``firstReferral``)."""
        body = await self._request("POST", payload)
        call_id = body.get("id") if isinstance(body, dict) else None
        return Started(id=str(call_id) if call_id not in (None, "") else None, raw=body)

    async def check(self) -> None:
        """Raise :class:`IvoiceError` unless Ivoice takes the token (any answer but 401,
        403, 404, 429 and 5xx: the address is a POST one, so 405 means "token taken")."""
        try:
            await self._request("GET")
        except IvoiceError as exc:
            if exc.code in (400, 405, 422):
                return
            raise


def _said(body: Any) -> str:
    """Ivoice's own words in an error answer."""
    if isinstance(body, str):
        return body.strip()
    if not isinstance(body, dict):
        return ""
    parts = [str(body[k]) for k in ("message", "error", "detail") if body.get(k)]
    errors = body.get("errors")
    if isinstance(errors, dict):
        for field, problems in errors.items():
            listed = problems if isinstance(problems, list) else [problems]
            parts.append(f"{field}: " + "; ".join(str(p) for p in listed))
    return "; ".join(dict.fromkeys(parts))
