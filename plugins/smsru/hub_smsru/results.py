"""What sms.ru answers, as typed values, and the error a failed request raises.

    SmsRuError                  the request was not carried out (raised by the client)
      .kind == TRANSIENT        network error, time-out, HTTP 5xx/429, not JSON, 220, 500
      .kind == PERMANENT        any other top-level error code (.provider_side: account fault)
    SendResult / CostResult     per-number results (NumberResult), each with its own code
    MessageStatus               one message's state (sms/status)
    Limit, Free                 the account's daily limit and free messages

The parsing helpers read sms.ru's JSON leniently: a missing or malformed field becomes
``None`` (or a stated default), never an exception, and money is an exact ``Decimal``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hub_smsru.const import OK, Code, Kind, State, classify

_KOPECK = Decimal("0.01")
_NON_DIGITS = re.compile(r"\D+")


def digits(phone: str) -> str:
    """A number as sms.ru takes it: digits only (``+7 (918) 123-45-67`` -> ``79181234567``)."""
    # the common spellings without the regular expression (asked up to three times a
    # message); ``isdecimal`` is exactly what ``\d`` matches
    if phone.isdecimal():
        return phone
    if phone[:1] == "+" and phone[1:].isdecimal():
        return phone[1:]
    return _NON_DIGITS.sub("", phone)


class SmsRuError(Exception):
    """sms.ru did not carry out a request, or could not be reached.

    ``code`` is sms.ru's ``status_code`` (``None`` when sms.ru gave none: network,
    time-out, HTTP error); ``kind`` and ``provider_side`` come from :data:`CODES`.
    """

    def __init__(
        self,
        code: int | None,
        text: str,
        kind: Kind,
        *,
        provider_side: bool = False,
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


# --- parsing ------------------------------------------------------------------------------


def items_of(value: Any) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(value, dict):
        return []
    return [(str(k), v) for k, v in value.items() if isinstance(v, dict)]


def per_number(data: dict[str, Any]) -> dict[str, NumberResult]:
    out: dict[str, NumberResult] = {}
    for phone, item in items_of(data.get("sms")):
        code = to_int(item.get("status_code"), 0)
        out[phone] = NumberResult(
            phone=phone,
            code=code,
            text=str(item.get("status_text") or classify(code).text),
            sms_id=str(item["sms_id"]) if item.get("sms_id") else None,
            cost=money(item.get("cost")),
            parts=optional_int(item.get("sms")),
        )
    return out


def cost_result(data: dict[str, Any], raw: dict[str, Any]) -> CostResult:
    numbers = per_number(data)
    total = money(data.get("total_cost"))
    if total is None:
        total = sum((n.cost or Decimal(0) for n in numbers.values() if n.ok), Decimal(0))
    total_sms = optional_int(data.get("total_sms"))
    if total_sms is None:
        total_sms = sum(n.parts or 0 for n in numbers.values() if n.ok)
    return CostResult(numbers, total, total_sms, raw)


def status_text(data: dict[str, Any]) -> str:
    return str(data.get("status_text") or "")


def to_int(value: Any, default: int) -> int:
    parsed = optional_int(value)
    return default if parsed is None else parsed


def optional_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def money(value: Any) -> Decimal | None:
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
