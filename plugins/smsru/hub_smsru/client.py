"""SmsRuClient: the sms.ru HTTP API over an ``httpx.AsyncClient``; knows nothing of the hub.

Every call is a ``POST <base_url>/<group>/<method>?json=1`` with a form body that
carries ``api_id`` (so the key never appears in a URL).  The POST goes through
``post_form`` when one is given (the hub's ``ctx.post_form``, much cheaper than httpx
per request), else through the ``httpx.AsyncClient``; either raises httpx's exceptions.
sms.ru answers HTTP 200 even for errors: the outcome is the JSON envelope's ``status`` /
``status_code``, top level (the whole request) and per number or message inside ``sms{}``.

A failed request raises :class:`SmsRuError` (transient: network, time-out, HTTP
5xx/429, not JSON, codes 220/500; permanent: any other top-level code); answers are
the typed values of :mod:`hub_smsru.results`, re-exported here.

The ``api_id`` is redacted (``***``) from every error text this module produces.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

import httpx
from hub_smsru.const import (
    DEFAULT_BASE_URL,
    MAX_BATCH,
    NOT_FOUND,
    OK,
    Kind,
    classify,
    message_state,
)
from hub_smsru.results import (
    CostResult,
    Free,
    Limit,
    MessageStatus,
    NumberResult,
    SendResult,
    SmsRuError,
    cost_result,
    digits,
    items_of,
    money,
    optional_int,
    per_number,
    status_text,
    to_int,
)

__all__ = [
    "CostResult",
    "Free",
    "Limit",
    "MessageStatus",
    "NumberResult",
    "PostForm",
    "SendResult",
    "SmsRuClient",
    "SmsRuError",
    "digits",
]

REDACTED = "***"
#: Reads JSON numbers with a fraction as exact decimals (money); built once, where
#: ``json.loads(..., parse_float=Decimal)`` builds a decoder on every call.
_DECIMALS = json.JSONDecoder(parse_float=Decimal)


class Answer(Protocol):
    """An HTTP answer as ``post_form`` gives it (the hub's ``HttpAnswer``)."""

    @property
    def status(self) -> int: ...

    @property
    def content(self) -> bytes: ...


class PostForm(Protocol):
    """POST a form to a URL; the answer whatever its status.  Raises httpx's exceptions
    (``httpx.TimeoutException``, other ``httpx.HTTPError``) as ``httpx`` does."""

    def __call__(
        self, url: str, form: Mapping[str, str], *, timeout: float | None = None
    ) -> Awaitable[Answer]: ...


class SmsRuClient:
    """The sms.ru API for one account (``api_id``).

    Requests go through ``post_form`` (the hub's ``ctx.post_form``) when given, else
    through ``http``.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_id: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float | None = None,
        post_form: PostForm | None = None,
    ) -> None:
        if not api_id:
            raise ValueError("sms.ru needs an api_id")
        self._http = http
        self._post: PostForm = post_form or _HttpxPost(http)
        self._api_id = api_id
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout

    # --- sending ------------------------------------------------------------------------

    async def send(
        self,
        to: str | Sequence[str],
        text: str,
        *,
        sender: str | None = None,
        test: bool = False,
        translit: bool = False,
    ) -> SendResult:
        """Send one text to one number or up to 100 (``sms/send``)."""
        form = {
            "to": ",".join(_numbers(to)),
            "msg": text,
            **_options(sender=sender, test=test, translit=translit),
        }
        data, raw = await self._call("sms/send", form)
        return SendResult(per_number(data), money(data.get("balance")), raw)

    async def send_multi(
        self,
        texts: Mapping[str, str],
        *,
        sender: str | None = None,
        test: bool = False,
        translit: bool = False,
    ) -> SendResult:
        """Send a different text to each of up to 100 numbers (``to[<number>]=<text>``)."""
        form = {**_multi(texts), **_options(sender=sender, test=test, translit=translit)}
        data, raw = await self._call("sms/send", form)
        return SendResult(per_number(data), money(data.get("balance")), raw)

    async def cost(
        self,
        to: str | Sequence[str],
        text: str,
        *,
        sender: str | None = None,
        translit: bool = False,
    ) -> CostResult:
        """What sending ``text`` to these numbers would cost (``sms/cost``); sends nothing."""
        form = {
            "to": ",".join(_numbers(to)),
            "msg": text,
            **_options(sender=sender, translit=translit),
        }
        return cost_result(*await self._call("sms/cost", form))

    async def cost_multi(
        self,
        texts: Mapping[str, str],
        *,
        sender: str | None = None,
        translit: bool = False,
    ) -> CostResult:
        """The cost of a different text per number, up to 100 numbers."""
        form = {**_multi(texts), **_options(sender=sender, translit=translit)}
        return cost_result(*await self._call("sms/cost", form))

    async def status(self, sms_ids: Sequence[str]) -> dict[str, MessageStatus]:
        """The state of up to 100 sent messages (``sms/status``), by id."""
        if not sms_ids:
            return {}
        if len(sms_ids) > MAX_BATCH:
            raise ValueError(f"sms/status takes at most {MAX_BATCH} ids, got {len(sms_ids)}")
        data, _ = await self._call("sms/status", {"sms_id": ",".join(sms_ids)})
        out: dict[str, MessageStatus] = {}
        for sms_id, item in items_of(data.get("sms")):
            code = to_int(item.get("status_code"), NOT_FOUND)
            state, text = message_state(code)
            out[sms_id] = MessageStatus(
                sms_id=sms_id,
                code=code,
                state=state,
                text=str(item.get("status_text") or text),
                cost=money(item.get("cost")),
            )
        return out

    # --- account --------------------------------------------------------------------------

    async def auth_check(self) -> None:
        """Raise :class:`SmsRuError` unless the ``api_id`` is valid (``auth/check``)."""
        await self._call("auth/check", {})

    async def balance(self) -> Decimal:
        """The account balance in roubles (``my/balance``)."""
        data, raw = await self._call("my/balance", {})
        amount = money(data.get("balance"))
        if amount is None:
            raise SmsRuError(None, "my/balance answered without a balance", Kind.TRANSIENT, raw=raw)
        return amount

    async def limit(self) -> Limit:
        """The daily limit and how much of it is used (``my/limit``)."""
        data, _ = await self._call("my/limit", {})
        return Limit(to_int(data.get("total_limit"), 0), optional_int(data.get("used_today")))

    async def free(self) -> Free:
        """Free messages a day and how many are used (``my/free``)."""
        data, _ = await self._call("my/free", {})
        return Free(to_int(data.get("total_free"), 0), optional_int(data.get("used_today")))

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
        url = f"{self.base_url}/{method}?json=1"
        body = {"api_id": self._api_id, **form}
        try:
            response = await self._post(url, body, timeout=self._timeout)
        except httpx.TimeoutException:
            raise SmsRuError(
                None, f"{method}: sms.ru did not answer in time", Kind.TRANSIENT
            ) from None
        except httpx.HTTPError as exc:
            reason = self.redact(f"{type(exc).__name__}: {exc}".rstrip(": "))
            raise SmsRuError(
                None, f"{method}: could not reach sms.ru ({reason})", Kind.TRANSIENT
            ) from None
        status = response.status
        if status != 200:
            transient = status >= 500 or status in (408, 429)
            raise SmsRuError(
                None,
                f"{method}: sms.ru answered HTTP {status}"
                + ("" if transient else f"; check base_url ({self.base_url})"),
                Kind.TRANSIENT if transient else Kind.PERMANENT,
                provider_side=not transient,
            )
        try:
            text, data, raw = _envelope(response.content)
        except ValueError:
            raise SmsRuError(
                None, f"{method}: sms.ru answered something that is not JSON", Kind.TRANSIENT
            ) from None
        if not isinstance(data, dict):
            raise SmsRuError(
                None, f"{method}: sms.ru answered an unexpected JSON value", Kind.TRANSIENT
            )
        code = to_int(data.get("status_code"), 0)
        if data.get("status") != "OK" or code != OK:
            meaning = classify(code, status_text(data))
            text = self.redact(status_text(data) or meaning.text)
            kind = Kind.PERMANENT if meaning.kind is Kind.ACCEPTED else meaning.kind
            raise SmsRuError(
                code,
                text,
                kind,
                provider_side=meaning.provider_side,
                raw=_redact_json(raw, self._api_id),
            )
        if self._api_id not in text and "\\u" not in text:
            return data, raw  # the api_id is nowhere in it, not even spelt with escapes
        return data, _redact_json(raw, self._api_id)


# --- helpers --------------------------------------------------------------------------------


class _HttpxPost:
    """:class:`PostForm` over an ``httpx.AsyncClient`` (when no ``post_form`` is given)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def __call__(
        self, url: str, form: Mapping[str, str], *, timeout: float | None = None
    ) -> _Answer:
        # httpx reads timeout=None as "no time limit": leave it out for the client's own
        kwargs: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        response = await self._http.post(url, data=form, **kwargs)
        return _Answer(response.status_code, response.content)


class _Answer(NamedTuple):
    status: int
    content: bytes


def _envelope(content: bytes) -> tuple[str, Any, Any]:
    """The answer as text (decoded as ``json.loads`` decodes bytes) and its JSON twice:
    with exact decimals (to read) and plain (to keep).
    :raises ValueError: not JSON."""
    text = content.decode(json.detect_encoding(content), "surrogatepass")
    return text, _DECIMALS.decode(text), json.loads(text)


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


def _redact_json(value: dict[str, Any], secret: str) -> dict[str, Any]:
    text = json.dumps(value, ensure_ascii=False)
    if secret not in text:
        return value
    redacted: dict[str, Any] = json.loads(text.replace(secret, REDACTED))
    return redacted
