"""SmsRuClient: the sms.ru HTTP API over an ``httpx.AsyncClient``; knows nothing of the hub.

Every call is a ``POST <base_url>/<group>/<method>?json=1`` with a form body that
carries ``api_id`` (so the key never appears in a URL).  sms.ru answers HTTP 200 even
for errors: the outcome is the JSON envelope's ``status`` / ``status_code``, top level
(the whole request) and per number or message inside ``sms{}``.

    SmsRuError                  the request was not carried out (raised)
      .kind == TRANSIENT        network error, time-out, HTTP 5xx/429, not JSON, 220, 500
      .kind == PERMANENT        any other top-level error code (.provider_side: account fault)
    SendResult / CostResult     per-number results (NumberResult), each with its own code
    MessageStatus               one message's state (sms/status)

The ``api_id`` is redacted (``***``) from every error text this module produces.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from hub_smsru.const import (
    DEFAULT_BASE_URL,
    MAX_BATCH,
    NOT_FOUND,
    OK,
    Code,
    Kind,
    State,
    classify,
    message_state,
)

REDACTED = "***"
_KOPECK = Decimal("0.01")
_NON_DIGITS = re.compile(r"\D+")


def digits(phone: str) -> str:
    """A number as sms.ru takes it: digits only (``+7 (918) 123-45-67`` -> ``79181234567``)."""
    return _NON_DIGITS.sub("", phone)


class SmsRuError(Exception):
    """sms.ru did not carry out a request, or could not be reached.

    ``code`` is sms.ru's ``status_code`` (``None`` when sms.ru gave none: network,
    time-out, HTTP error); ``kind`` and ``provider_side`` come from :data:`CODES`.
    """

    def __init__(
        self, code: int | None, text: str, kind: Kind, *, provider_side: bool = False,
        raw: Any = None,
    ) -> None:
        super().__init__(f"sms.ru {code}: {text}" if code is not None else f"sms.ru: {text}")
        self.code = code
        self.text = text
        self.kind = kind
        self.provider_side = provider_side
        self.raw = raw

    @property
    def transient(self) -> bool:
        return self.kind is Kind.TRANSIENT


@dataclass(frozen=True)
class NumberResult:
    """sms.ru's answer for one number of a send or cost request."""

    phone: str
    code: int
    text: str
    sms_id: str | None = None
    cost: Decimal | None = None
    parts: int | None = None

    @property
    def meaning(self) -> Code:
        return classify(self.code, self.text)

    @property
    def ok(self) -> bool:
        return self.code == OK


@dataclass(frozen=True)
class SendResult:
    """The answer to ``sms/send``: a result per number and the balance after sending."""

    numbers: Mapping[str, NumberResult]
    balance: Decimal | None
    raw: dict[str, Any] = field(repr=False)

    def for_number(self, phone: str) -> NumberResult | None:
        """The result for ``phone`` (any format), or the only result there is."""
        found = self.numbers.get(digits(phone))
        if found is None and len(self.numbers) == 1:
            return next(iter(self.numbers.values()))
        return found


@dataclass(frozen=True)
class CostResult:
    """The answer to ``sms/cost``: per-number cost and parts, and the totals."""

    numbers: Mapping[str, NumberResult]
    total_cost: Decimal
    total_sms: int
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class MessageStatus:
    """One message as ``sms/status`` reports it."""

    sms_id: str
    code: int
    state: State
    text: str
    cost: Decimal | None = None


@dataclass(frozen=True)
class Limit:
    """The account's daily limit (``my/limit``)."""

    total_limit: int
    used_today: int | None


@dataclass(frozen=True)
class Free:
    """Free messages a day (``my/free``); ``used_today`` may be ``None`` (sms.ru sends null)."""

    total_free: int
    used_today: int | None


class SmsRuClient:
    """The sms.ru API for one account (``api_id``)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_id: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float | None = None,
    ) -> None:
        if not api_id:
            raise ValueError("sms.ru needs an api_id")
        self._http = http
        self._api_id = api_id
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout

    # --- sending ------------------------------------------------------------------------

    async def send(
        self, to: str | Sequence[str], text: str, *, sender: str | None = None,
        test: bool = False, translit: bool = False,
    ) -> SendResult:
        """Send one text to one number or up to 100 (``sms/send``)."""
        form = {"to": ",".join(_numbers(to)), "msg": text,
                **_options(sender=sender, test=test, translit=translit)}
        data, raw = await self._call("sms/send", form)
        return SendResult(_per_number(data), _decimal(data.get("balance")), raw)

    async def send_multi(
        self, texts: Mapping[str, str], *, sender: str | None = None, test: bool = False,
        translit: bool = False,
    ) -> SendResult:
        """Send a different text to each of up to 100 numbers (``to[<number>]=<text>``)."""
        form = {**_multi(texts), **_options(sender=sender, test=test, translit=translit)}
        data, raw = await self._call("sms/send", form)
        return SendResult(_per_number(data), _decimal(data.get("balance")), raw)

    async def cost(
        self, to: str | Sequence[str], text: str, *, sender: str | None = None,
        translit: bool = False,
    ) -> CostResult:
        """What sending ``text`` to these numbers would cost (``sms/cost``); sends nothing."""
        form = {"to": ",".join(_numbers(to)), "msg": text,
                **_options(sender=sender, translit=translit)}
        return _cost_result(*await self._call("sms/cost", form))

    async def cost_multi(
        self, texts: Mapping[str, str], *, sender: str | None = None, translit: bool = False,
    ) -> CostResult:
        """The cost of a different text per number, up to 100 numbers."""
        form = {**_multi(texts), **_options(sender=sender, translit=translit)}
        return _cost_result(*await self._call("sms/cost", form))

    async def status(self, sms_ids: Sequence[str]) -> dict[str, MessageStatus]:
        """The state of up to 100 sent messages (``sms/status``), by id."""
        if not sms_ids:
            return {}
        if len(sms_ids) > MAX_BATCH:
            raise ValueError(f"sms/status takes at most {MAX_BATCH} ids, got {len(sms_ids)}")
        data, _ = await self._call("sms/status", {"sms_id": ",".join(sms_ids)})
        out: dict[str, MessageStatus] = {}
        for sms_id, item in _items(data.get("sms")):
            code = _int(item.get("status_code"), NOT_FOUND)
            state, text = message_state(code)
            out[sms_id] = MessageStatus(
                sms_id=sms_id, code=code, state=state,
                text=str(item.get("status_text") or text), cost=_decimal(item.get("cost")),
            )
        return out

    # --- account --------------------------------------------------------------------------

    async def auth_check(self) -> None:
        """Raise :class:`SmsRuError` unless the ``api_id`` is valid (``auth/check``)."""
        await self._call("auth/check", {})

    async def balance(self) -> Decimal:
        """The account balance in roubles (``my/balance``)."""
        data, raw = await self._call("my/balance", {})
        amount = _decimal(data.get("balance"))
        if amount is None:
            raise SmsRuError(None, "my/balance answered without a balance", Kind.TRANSIENT, raw=raw)
        return amount

    async def limit(self) -> Limit:
        """The daily limit and how much of it is used (``my/limit``)."""
        data, _ = await self._call("my/limit", {})
        return Limit(_int(data.get("total_limit"), 0), _optional_int(data.get("used_today")))

    async def free(self) -> Free:
        """Free messages a day and how many are used (``my/free``)."""
        data, _ = await self._call("my/free", {})
        return Free(_int(data.get("total_free"), 0), _optional_int(data.get("used_today")))

    async def senders(self) -> list[str]:
        """The sender names approved for this account (``my/senders``)."""
        data, _ = await self._call("my/senders", {})
        return [str(s) for s in data.get("senders") or ()]

    # --- stop list and callbacks ----------------------------------------------------------

    async def stoplist_add(self, phone: str, note: str) -> None:
        """Put a number on the account's stop list (``stoplist/add``)."""
        await self._call("stoplist/add", {"stoplist_phone": digits(phone), "stoplist_text": note})

    async def stoplist_del(self, phone: str) -> None:
        """Take a number off the account's stop list (``stoplist/del``)."""
        await self._call("stoplist/del", {"stoplist_phone": digits(phone)})

    async def stoplist_get(self) -> dict[str, str]:
        """The whole stop list: number -> note (``stoplist/get``)."""
        data, _ = await self._call("stoplist/get", {})
        stoplist = data.get("stoplist") or {}
        return {str(k): str(v) for k, v in stoplist.items()} if isinstance(stoplist, dict) else {}

    async def callback_add(self, url: str) -> list[str]:
        """Register a delivery-status handler; returns every handler now registered."""
        data, _ = await self._call("callback/add", {"url": url})
        return [str(u) for u in data.get("callback") or ()]

    async def callback_get(self) -> list[str]:
        """Every registered delivery-status handler (``callback/get``)."""
        data, _ = await self._call("callback/get", {})
        return [str(u) for u in data.get("callback") or ()]

    async def callback_del(self, url: str) -> None:
        """Remove a handler (``callback/del``)."""
        await self._call("callback/del", {"url": url})

    # --- transport ------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """``text`` without the api_id."""
        return text.replace(self._api_id, REDACTED)

    async def _call(
        self, method: str, form: Mapping[str, str]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """POST ``method``; the envelope parsed with exact decimals, and as plain JSON."""
        url = f"{self.base_url}/{method}"
        body = {"api_id": self._api_id, **form}
        kwargs: dict[str, Any] = {} if self._timeout is None else {"timeout": self._timeout}
        try:
            response = await self._http.post(url, params={"json": "1"}, data=body, **kwargs)
        except httpx.TimeoutException:
            raise SmsRuError(
                None, f"{method}: sms.ru did not answer in time", Kind.TRANSIENT
            ) from None
        except httpx.HTTPError as exc:
            reason = self.redact(f"{type(exc).__name__}: {exc}".rstrip(": "))
            raise SmsRuError(
                None, f"{method}: could not reach sms.ru ({reason})", Kind.TRANSIENT
            ) from None
        status = response.status_code
        if status != 200:
            transient = status >= 500 or status in (408, 429)
            raise SmsRuError(
                None, f"{method}: sms.ru answered HTTP {status}"
                + ("" if transient else f"; check base_url ({self.base_url})"),
                Kind.TRANSIENT if transient else Kind.PERMANENT, provider_side=not transient,
            )
        try:
            data = json.loads(response.content, parse_float=Decimal)
            raw = json.loads(response.content)
        except ValueError:
            raise SmsRuError(None, f"{method}: sms.ru answered something that is not JSON",
                             Kind.TRANSIENT) from None
        if not isinstance(data, dict):
            raise SmsRuError(
                None, f"{method}: sms.ru answered an unexpected JSON value", Kind.TRANSIENT
            )
        code = _int(data.get("status_code"), 0)
        if data.get("status") != "OK" or code != OK:
            meaning = classify(code, _text(data))
            text = self.redact(_text(data) or meaning.text)
            kind = Kind.PERMANENT if meaning.kind is Kind.ACCEPTED else meaning.kind
            raise SmsRuError(code, text, kind, provider_side=meaning.provider_side,
                             raw=_redact_json(raw, self._api_id))
        return data, _redact_json(raw, self._api_id)


# --- helpers --------------------------------------------------------------------------------


def _numbers(to: str | Sequence[str]) -> list[str]:
    numbers = [digits(p) for p in ([to] if isinstance(to, str) else to)]
    if not numbers:
        raise ValueError("no number to send to")
    if len(numbers) > MAX_BATCH:
        raise ValueError(
            f"sms.ru takes at most {MAX_BATCH} numbers per request, got {len(numbers)}"
        )
    return numbers


def _multi(texts: Mapping[str, str]) -> dict[str, str]:
    if not texts:
        raise ValueError("no number to send to")
    if len(texts) > MAX_BATCH:
        raise ValueError(f"sms.ru takes at most {MAX_BATCH} numbers per request, got {len(texts)}")
    return {f"to[{digits(phone)}]": text for phone, text in texts.items()}


def _options(*, sender: str | None, test: bool = False, translit: bool = False) -> dict[str, str]:
    out: dict[str, str] = {}
    if sender:
        out["from"] = sender
    if test:
        out["test"] = "1"
    if translit:
        out["translit"] = "1"
    return out


def _items(value: Any) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(value, dict):
        return []
    return [(str(k), v) for k, v in value.items() if isinstance(v, dict)]


def _per_number(data: dict[str, Any]) -> dict[str, NumberResult]:
    out: dict[str, NumberResult] = {}
    for phone, item in _items(data.get("sms")):
        code = _int(item.get("status_code"), 0)
        out[phone] = NumberResult(
            phone=phone, code=code, text=str(item.get("status_text") or classify(code).text),
            sms_id=str(item["sms_id"]) if item.get("sms_id") else None,
            cost=_decimal(item.get("cost")), parts=_optional_int(item.get("sms")),
        )
    return out


def _cost_result(data: dict[str, Any], raw: dict[str, Any]) -> CostResult:
    numbers = _per_number(data)
    total = _decimal(data.get("total_cost"))
    if total is None:
        total = sum((n.cost or Decimal(0) for n in numbers.values() if n.ok), Decimal(0))
    total_sms = _optional_int(data.get("total_sms"))
    if total_sms is None:
        total_sms = sum(n.parts or 0 for n in numbers.values() if n.ok)
    return CostResult(numbers, total, total_sms, raw)


def _text(data: dict[str, Any]) -> str:
    return str(data.get("status_text") or "")


def _int(value: Any, default: int) -> int:
    parsed = _optional_int(value)
    return default if parsed is None else parsed


def _optional_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _decimal(value: Any) -> Decimal | None:
    """Roubles as an exact decimal with at least kopecks (``1000.0`` -> ``1000.00``)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent > -2:
            amount = amount.quantize(_KOPECK)
        return amount
    except ArithmeticError:
        return None


def _redact_json(value: dict[str, Any], secret: str) -> dict[str, Any]:
    text = json.dumps(value, ensure_ascii=False)
    if secret not in text:
        return value
    redacted: dict[str, Any] = json.loads(text.replace(secret, REDACTED))
    return redacted
