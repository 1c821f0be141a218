"""QtelecomClient: QuickTelecom's HTTP protocol over an ``httpx.AsyncClient``; knows
nothing of the hub.

Every call is a form ``POST <base_url>`` (``application/x-www-form-urlencoded;
charset=UTF-8``) with ``user``, ``pass`` and ``action``; the credentials travel in the
body, never in a URL.  QuickTelecom answers ``text/xml`` in UTF-8, gzip-compressed: with
``Content-Encoding: gzip`` (httpx undoes it) or, from some hosts, a gzip body with no
such header (undone here).  A refusal is the ``<errors><error>`` block in QuickTelecom's
words: it raises :class:`QtelecomError`, classified by :func:`hub_qtelecom.const.classify`;
so do network errors, time-outs, HTTP 429/5xx and answers that are not XML (transient).
The password is cut from every text this module produces, raw answers included.

    send(phone, text, sender)   action=post_sms  -> Sent(id, group id, parts, raw XML)
    status(sms_ids)             action=status, one sms_id each -> {id: Status}
    account()                   action=balance   -> Account(balance, overdraft)
"""

from __future__ import annotations

import datetime as dt
import gzip
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote_plus, urlencode
from xml.sax.saxutils import escape

import httpx
from hub_qtelecom.const import (
    DEFAULT_BASE_URL,
    MAX_LENGTH,
    PROVIDER_ZONE,
    Kind,
    State,
    classify,
    state,
)

HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
    "Accept-Encoding": "gzip",
}
GZIP_MAGIC = b"\x1f\x8b"


class QtelecomError(Exception):
    """A request QuickTelecom did not carry out: the class of its error (``None`` for
    transport faults), QuickTelecom's text, whether a retry may succeed, whether the
    account is at fault, and the answer as received (XML, password cut)."""

    def __init__(
        self,
        code: str | None,
        text: str,
        transient: bool,
        *,
        provider_side: bool = False,
        raw: str | None = None,
    ) -> None:
        super().__init__(f"QuickTelecom error {code}: {text}" if code is not None else text)
        self.code, self.text, self.transient = code, text, transient
        self.provider_side, self.raw = provider_side, raw


@dataclass(frozen=True)
class Sent:
    id: str
    group_id: str | None
    parts: int
    raw: str


@dataclass(frozen=True)
class Status:
    id: str
    code: str
    state: State
    text: str
    at: dt.datetime | None


@dataclass(frozen=True)
class Account:
    balance: Decimal
    overdraft: Decimal | None


def digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def money(value: str | None) -> Decimal | None:
    try:
        return None if not value or not value.strip() else Decimal(value.strip())
    except InvalidOperation:
        return None


def moscow_time(value: str | None) -> dt.datetime | None:
    """``dd.mm.yyyy hh:mm:ss`` (or ``dd.mm.yy``) in QuickTelecom's zone, as UTC."""
    if not value or not value.strip():
        return None
    for pattern in ("%d.%m.%Y %H:%M:%S", "%d.%m.%y %H:%M:%S"):
        try:
            naive = dt.datetime.strptime(value.strip(), pattern)
        except ValueError:
            continue
        return naive.replace(tzinfo=PROVIDER_ZONE).astimezone(dt.UTC)
    return None


def _child(element: ET.Element, name: str) -> ET.Element | None:
    """The first descendant named ``name`` in any letter case (``BALANCE``/``balance``)."""
    wanted = name.lower()
    return next((e for e in element.iter() if e.tag.lower() == wanted), None)


def _text(element: ET.Element, name: str) -> str | None:
    found = _child(element, name)
    return None if found is None or found.text is None else found.text.strip()


def _attribute(element: ET.Element, name: str) -> str | None:
    """An attribute in any letter case (``SMS_ID`` / ``sms_id``)."""
    return next((v for k, v in element.attrib.items() if k.lower() == name), None)


def _int(value: str | None) -> int | None:
    try:
        return None if value is None else int(value.strip())
    except ValueError:
        return None


class QtelecomClient:
    """One QuickTelecom account."""

    def __init__(
        self, http: httpx.AsyncClient, login: str, password: str, base_url: str = DEFAULT_BASE_URL
    ) -> None:
        self._http = http
        self._login, self._password = login, password
        self._url = base_url

    def _hide(self, text: str) -> str:
        password = self._password
        for secret in sorted(
            {password, quote_plus(password), escape(password)}, key=len, reverse=True
        ):
            if secret:
                text = text.replace(secret, "***")
        return text

    def _error(self, errors: list[str], raw: str) -> QtelecomError:
        text = self._hide("; ".join(errors))
        meaning = classify(text)
        return QtelecomError(
            meaning.name,
            text,
            meaning.kind is Kind.TRANSIENT,
            provider_side=meaning.provider_side,
            raw=raw,
        )

    async def _call(
        self, action: str, params: Mapping[str, str]
    ) -> tuple[ET.Element, list[str], str]:
        """The ``<output>`` of an action, the texts of its ``<errors>`` and the answer."""
        form = {"user": self._login, "pass": self._password, "action": action, **params}
        try:
            response = await self._http.post(
                self._url, content=urlencode(form).encode(), headers=HEADERS
            )
        except httpx.HTTPError as exc:
            detail = self._hide(str(exc) or type(exc).__name__)
            raise QtelecomError(None, f"QuickTelecom unreachable: {detail}", True) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise QtelecomError(None, f"QuickTelecom answered HTTP {response.status_code}", True)
        if response.status_code >= 400:
            raise QtelecomError(
                None,
                f"QuickTelecom answered HTTP {response.status_code}",
                False,
                provider_side=True,
            )
        body = response.content
        try:
            if body[:2] == GZIP_MAGIC:  # compressed, with no Content-Encoding to say so
                body = gzip.decompress(body)
            raw = self._hide(body.decode("utf-8"))
        except (OSError, EOFError, zlib.error, UnicodeDecodeError):
            raise QtelecomError(None, "QuickTelecom's answer cannot be decoded", True) from None
        root = self._parse(raw)
        errors = [
            (e.text or "").strip() for e in root.iter() if e.tag.lower() == "error" and e.text
        ]
        return root, errors, raw

    @staticmethod
    def _parse(raw: str) -> ET.Element:
        if "<!DOCTYPE" in raw or "<!ENTITY" in raw:  # no document of QuickTelecom has them
            raise QtelecomError(None, "QuickTelecom's answer declares a DTD", True, raw=raw[:200])
        try:
            root = ET.fromstring(raw)
        except ET.ParseError:
            raise QtelecomError(
                None, f"QuickTelecom's answer is not XML: {raw[:200]!r}", True
            ) from None
        if root.tag.lower() != "output":
            raise QtelecomError(
                None, f"QuickTelecom's answer is not <output>: <{root.tag}>", True, raw=raw[:500]
            )
        return root

    async def send(self, phone: str, text: str, *, sender: str | None = None) -> Sent:
        """Send one SMS to ``phone`` (any spelling; sent as ``+`` and its digits)."""
        if len(text) > MAX_LENGTH:
            raise QtelecomError(
                "text",
                f"the text is {len(text)} characters; QuickTelecom takes at most {MAX_LENGTH}",
                False,
            )
        params = {"target": f"+{digits(phone)}", "message": text}
        if sender:
            params["sender"] = sender
        root, errors, raw = await self._call("post_sms", params)
        result = _child(root, "result")
        sms = _child(result, "sms") if result is not None else None
        if result is not None and sms is not None and sms.get("id"):
            return Sent(
                id=str(sms.get("id")),
                group_id=result.get("sms_group_id"),
                parts=_int(sms.get("sms_res_count")) or 1,
                raw=raw,
            )
        if errors:
            raise self._error(errors, raw)
        raise QtelecomError(None, "QuickTelecom's answer has no message id", True, raw=raw)

    async def status(self, sms_ids: Iterable[str]) -> dict[str, Status]:
        """The state of each message QuickTelecom knows (one ``sms_id`` a request)."""
        out: dict[str, Status] = {}
        for sms_id in sms_ids:
            root, errors, raw = await self._call("status", {"sms_id": sms_id})
            found = [e for e in root.iter() if e.tag.upper() == "MESSAGE"]
            if not found and errors:
                raise self._error(errors, raw)
            for message in found:
                if _attribute(message, "sms_id") != sms_id:
                    continue
                code = _text(message, "SMSSTC_CODE") or ""
                out[sms_id] = Status(
                    id=sms_id,
                    code=code,
                    state=state(
                        code,
                        closed=_text(message, "SMS_CLOSED") == "1",
                        sent=_text(message, "SMS_SENT") == "1",
                    ),
                    text=_text(message, "SMS_STATUS") or code,
                    at=moscow_time(_text(message, "SMS_CLOSE_TIME")),
                )
        return out

    async def account(self) -> Account:
        """The account's balance (``AGT_BALANCE``) and overdraft (``OVERDRAFT``)."""
        root, errors, raw = await self._call("balance", {})
        amount = money(_text(root, "AGT_BALANCE"))
        if amount is None:
            if errors:
                raise self._error(errors, raw)
            raise QtelecomError(None, "QuickTelecom's balance answer has no amount", True, raw=raw)
        return Account(balance=amount, overdraft=money(_text(root, "OVERDRAFT")))
