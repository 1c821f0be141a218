"""A fake sms.ru: an ASGI app that speaks the sms.ru HTTP API as documented.

Implemented as protocols.md §1 and §8 describe the real service:

* ``<group>/<method>`` by GET or POST (form), parameters from the query and the body;
  ``json=1`` selects JSON, otherwise the old plain-text lines.
* HTTP 200 always, with the ``status`` / ``status_code`` envelope at the top level and
  per number (``sms{}``); ids ``NNNNNN-NNNNNNN``; ``balance`` as a JSON number.
* ``sms/send`` (``to`` list or ``to[<number>]=<text>``, up to 100), ``sms/status``,
  ``sms/cost``, ``my/balance``, ``my/limit``, ``my/free`` (``used_today`` null when
  unused), ``my/senders``, ``auth/check``, ``stoplist/add|del|get``, ``callback/add|get|del``.
* The balance falls by the cost of what is sent (``PRICE`` a part; 160/153 Latin or
  70/67 Cyrillic characters a part); ``test=1`` checks and answers but neither stores
  nor charges (its ids are unknown to ``sms/status``, as with the real service).
* Delivery callbacks: :meth:`FakeSmsRu.send_callbacks` POSTs ``data[0..n]`` + ``hash``
  to every registered handler through the httpx client it is given, and treats any
  answer other than the body ``100`` as a failure (the records stay pending).

Knobs for tests: :meth:`fail_next` (a top-level code such as 220 for the next N
calls), :meth:`http_error_next` (HTTP 5xx), ``number_codes`` (a per-number code for a
number), ``Account`` fields (balance, senders, limit, ``confirmed``), ``leak_key`` (echo
the api_id in error texts, to test redaction).  Every request is recorded in ``requests``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import math
import re
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PRICE = Decimal("3.49")
TEXTS = {
    -1: "Сообщение не найдено",
    100: "Сообщение находится в очереди",
    103: "Сообщение доставлено",
    104: "Не может быть доставлено: время жизни истекло",
    105: "Не может быть доставлено: удалено оператором",
    106: "Не может быть доставлено: сбой в телефоне",
    107: "Не может быть доставлено: неизвестная причина",
    108: "Не может быть доставлено: отклонено",
    150: "Не может быть доставлено: не найден маршрут на данный номер",
    200: "Неправильный api_id",
    201: "Не хватает средств на лицевом счету",
    202: "Неправильно указан номер телефона получателя, либо на него нет маршрута",
    203: "Нет текста сообщения",
    204: "Имя отправителя не согласовано с администрацией",
    205: "Сообщение слишком длинное (превышает 8 СМС)",
    206: "Будет превышен или уже превышен дневной лимит на отправку сообщений",
    207: "На этот номер (или один из номеров) нельзя отправлять сообщения, либо указано "
    "более 100 номеров в списке получателей",
    209: "Вы добавили этот номер (или один из номеров) в стоп-лист",
    211: "Метод не найден",
    215: "Номер находится в стоп-листе SMS.RU (возможно ранее вы рассылали сообщения с "
    "нарушениями, и абонент пожаловался)",
    220: "Сервис временно недоступен, попробуйте чуть позже",
    302: "Пользователь авторизован, но аккаунт не подтвержден",
    500: "Ошибка на сервере. Повторите запрос.",
    901: "Callback: URL неверный (не начинается на http://)",
    902: "Callback: Обработчик не найден (возможно был удален ранее)",
}
_NUMBER = re.compile(r"^[1-9]\d{10,14}$")
_MULTI = re.compile(r"^to\[(\d+)\]$")


@dataclass
class Account:
    """One sms.ru account."""

    api_id: str
    balance: Decimal = Decimal("100.00")
    senders: list[str] = field(default_factory=lambda: ["Clinic"])
    stoplist: dict[str, str] = field(default_factory=dict)
    callbacks: list[str] = field(default_factory=list)
    total_limit: int = 500
    used_today: int = 0
    total_free: int = 5
    confirmed: bool = True


@dataclass
class FakeMessage:
    """A message sms.ru took."""

    sms_id: str
    api_id: str
    phone: str
    text: str
    sender: str | None
    parts: int
    cost: Decimal
    code: int = 100


@dataclass(frozen=True)
class Recorded:
    """A request the fake received: ``params`` merges query and form (api_id included)."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]

    @property
    def params(self) -> dict[str, str]:
        return {**self.query, **self.form}


def parts_of(text: str, translit: bool = False) -> int:
    """SMS parts of ``text``: 160/153 characters in Latin, 70/67 otherwise."""
    latin = translit or all(ord(c) < 128 for c in text)
    single, multi = (160, 153) if latin else (70, 67)
    return 1 if len(text) <= single else math.ceil(len(text) / multi)


def callback_hash(api_id: str, records: list[str]) -> str:
    return hashlib.sha256((api_id + "".join(records)).encode()).hexdigest()


def callback_form(api_id: str, records: list[str]) -> dict[str, str]:
    """The form sms.ru posts for ``records``, signed with ``api_id``."""
    form = {f"data[{i}]": record for i, record in enumerate(records)}
    form["hash"] = callback_hash(api_id, records)
    return form


def status_record(sms_id: str, code: int, at: dt.datetime) -> str:
    return f"sms_status\n{sms_id}\n{code}\n{int(at.timestamp())}"


class _Error(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


class FakeSmsRu:
    """The fake service; ``app`` is the ASGI app to put behind ``httpx.ASGITransport``."""

    def __init__(self, api_id: str, **account: Any) -> None:
        self.accounts: dict[str, Account] = {api_id: Account(api_id, **account)}
        self.messages: dict[str, FakeMessage] = {}
        self.requests: list[Recorded] = []
        self.number_codes: dict[str, int] = {}
        self.callback_log: list[tuple[str, int, str]] = []
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        #: Echo the caller's api_id in error texts, as a chatty proxy might (redaction tests).
        self.leak_key = False
        self._failures: dict[str, deque[int]] = defaultdict(deque)
        self._http_errors: dict[str, deque[int]] = defaultdict(deque)
        self._pending: dict[str, list[str]] = defaultdict(list)
        self._ids = itertools.count(1000001)
        methods = {
            "sms/send": self._send,
            "sms/cost": self._cost,
            "sms/status": self._status,
            "my/balance": self._balance,
            "my/limit": self._limit,
            "my/free": self._free,
            "my/senders": self._senders,
            "auth/check": self._auth_check,
            "stoplist/add": self._stoplist_add,
            "stoplist/del": self._stoplist_del,
            "stoplist/get": self._stoplist_get,
            "callback/add": self._callback_add,
            "callback/get": self._callback_get,
            "callback/del": self._callback_del,
        }
        routes = [
            Route(f"/{name}", self._endpoint(name, handler), methods=["GET", "POST"])
            for name, handler in methods.items()
        ]
        routes.append(Route("/{group}/{method}", self._unknown, methods=["GET", "POST"]))
        self.app = Starlette(routes=routes)

    @property
    def account(self) -> Account:
        """The first (usually only) account."""
        return next(iter(self.accounts.values()))

    # --- knobs -----------------------------------------------------------------------------

    def fail_next(self, code: int, times: int = 1, method: str = "sms/send") -> None:
        """Answer the next ``times`` calls of ``method`` with the top-level error ``code``."""
        self._failures[method].extend([code] * times)

    def http_error_next(self, status: int, times: int = 1, method: str = "sms/send") -> None:
        """Answer the next ``times`` calls of ``method`` with a bare HTTP ``status``."""
        self._http_errors[method].extend([status] * times)

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == f"/{method}"]

    # --- delivery and callbacks --------------------------------------------------------------

    def deliver(self, sms_id: str, code: int = 103) -> None:
        """Move a message to state ``code`` (103 delivered, 104-108/150 failed) and queue
        a callback record for its account's handlers."""
        message = self.messages[sms_id]
        message.code = code
        self._pending[message.api_id].append(status_record(sms_id, code, self.clock()))

    async def send_callbacks(self, http: httpx.AsyncClient) -> list[httpx.Response]:
        """POST every pending record, all in one form per account, to each handler; the
        records stay pending unless every handler answered the body ``100``."""
        responses = []
        for api_id, records in list(self._pending.items()):
            if not records:
                continue
            ok = True
            for url in self.accounts[api_id].callbacks:
                response = await http.post(url, data=callback_form(api_id, records))
                self.callback_log.append((url, response.status_code, response.text))
                responses.append(response)
                ok = ok and response.status_code == 200 and response.text.strip() == "100"
            if ok:
                self._pending[api_id] = []
        return responses

    # --- HTTP --------------------------------------------------------------------------------

    def _endpoint(self, name: str, handler: Callable[[Account, dict[str, str]], dict[str, Any]]):  # type: ignore[no-untyped-def]
        async def endpoint(request: Request) -> Response:
            form = {k: v for k, v in (await request.form()).multi_items() if isinstance(v, str)}
            recorded = Recorded(request.method, request.url.path, dict(request.query_params), form)
            self.requests.append(recorded)
            params = recorded.params
            if self._http_errors[name]:
                return Response("Bad Gateway", status_code=self._http_errors[name].popleft())
            try:
                account = self._auth(params)
                if self._failures[name]:
                    raise _Error(self._failures[name].popleft())
                payload = {"status": "OK", "status_code": 100, **handler(account, params)}
            except _Error as error:
                payload = {
                    "status": "ERROR",
                    "status_code": error.code,
                    "status_text": TEXTS.get(error.code, "Ошибка"),
                }
            if self.leak_key:
                _leak(payload, params.get("api_id", ""))
            return self._answer(name, params, payload)

        return endpoint

    async def _unknown(self, request: Request) -> Response:
        payload = {"status": "ERROR", "status_code": 211, "status_text": TEXTS[211]}
        return self._answer("", dict(request.query_params), payload)

    def _answer(self, name: str, params: dict[str, str], payload: dict[str, Any]) -> Response:
        headers = {"Sms-Api": "1"}
        if params.get("json") == "1":
            body = json.dumps(payload, ensure_ascii=False, default=_number)
            return Response(body, media_type="application/json; charset=utf-8", headers=headers)
        return Response(
            _plain(name, payload), media_type="text/plain; charset=utf-8", headers=headers
        )

    def _auth(self, params: dict[str, str]) -> Account:
        account = self.accounts.get(params.get("api_id", ""))
        if account is None:
            raise _Error(200)
        if not account.confirmed:
            raise _Error(302)
        return account

    # --- methods -----------------------------------------------------------------------------

    def _texts(self, params: dict[str, str]) -> dict[str, str]:
        multi = {m.group(1): v for k, v in params.items() if (m := _MULTI.match(k))}
        if multi:
            return multi
        text = params.get("msg", params.get("text", ""))
        numbers = [n.strip() for n in params.get("to", "").split(",") if n.strip()]
        if not numbers:
            raise _Error(202)
        if not text:
            raise _Error(203)
        return {n: text for n in numbers}

    def _price(self, account: Account, params: dict[str, str]) -> dict[str, dict[str, Any]]:
        texts = self._texts(params)
        if len(texts) > 100:
            raise _Error(207)
        sender = params.get("from")
        if sender and sender not in account.senders:
            raise _Error(204)
        translit = params.get("translit") == "1"
        out: dict[str, dict[str, Any]] = {}
        for phone, text in texts.items():
            parts = parts_of(text, translit)
            code = (
                202
                if not _NUMBER.match(phone)
                else 209
                if phone in account.stoplist
                else self.number_codes.get(phone, 205 if parts > 8 else 100)
            )
            if code != 100:
                out[phone] = {
                    "status": "ERROR",
                    "status_code": code,
                    "status_text": TEXTS.get(code, "Ошибка"),
                }
            else:
                out[phone] = {
                    "status": "OK",
                    "status_code": 100,
                    "cost": PRICE * parts,
                    "sms": parts,
                    "_text": text,
                }
        return out

    def _send(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        priced = self._price(account, params)
        test = params.get("test") == "1"
        ok = {p: r for p, r in priced.items() if r["status"] == "OK"}
        total = sum((r["cost"] for r in ok.values()), Decimal(0))
        if not test and total > account.balance:
            raise _Error(201)
        if not test and account.used_today + len(ok) > account.total_limit:
            raise _Error(206)
        sms: dict[str, dict[str, Any]] = {}
        for phone, result in priced.items():
            if result["status"] != "OK":
                sms[phone] = result
                continue
            sms_id = f"{self.clock():%Y%m}-{next(self._ids):07d}"
            if not test:
                self.messages[sms_id] = FakeMessage(
                    sms_id,
                    account.api_id,
                    phone,
                    result["_text"],
                    params.get("from"),
                    result["sms"],
                    result["cost"],
                )
                account.balance -= result["cost"]
                account.used_today += 1
            sms[phone] = {"status": "OK", "status_code": 100, "sms_id": sms_id}
        return {"sms": sms, "balance": account.balance}

    def _cost(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        priced = self._price(account, params)
        for result in priced.values():
            result.pop("_text", None)
        ok = [r for r in priced.values() if r["status"] == "OK"]
        return {
            "sms": priced,
            "total_cost": sum((r["cost"] for r in ok), Decimal(0)),
            "total_sms": sum(r["sms"] for r in ok),
        }

    def _status(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        sms: dict[str, dict[str, Any]] = {}
        for sms_id in (i.strip() for i in params.get("sms_id", "").split(",") if i.strip()):
            message = self.messages.get(sms_id)
            if message is None or message.api_id != account.api_id:
                sms[sms_id] = {"status": "ERROR", "status_code": -1, "status_text": TEXTS[-1]}
            else:
                sms[sms_id] = {
                    "status": "OK",
                    "status_code": message.code,
                    "cost": message.cost,
                    "status_text": TEXTS.get(message.code, ""),
                }
        return {"sms": sms, "balance": account.balance}

    def _balance(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        return {"balance": account.balance}

    def _limit(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        return {"total_limit": account.total_limit, "used_today": account.used_today}

    def _free(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        return {"total_free": account.total_free, "used_today": None}

    def _senders(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        return {"senders": list(account.senders)}

    def _auth_check(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        return {}

    def _stoplist_add(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        phone = params.get("stoplist_phone", "")
        if not _NUMBER.match(phone):
            raise _Error(202)
        account.stoplist[phone] = params.get("stoplist_text", "")
        return {}

    def _stoplist_del(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        phone = params.get("stoplist_phone", "")
        if not _NUMBER.match(phone):
            raise _Error(202)
        account.stoplist.pop(phone, None)
        return {}

    def _stoplist_get(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        return {"stoplist": dict(account.stoplist)}

    def _callback_add(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        url = params.get("url", "")
        if not url.startswith(("http://", "https://")):
            raise _Error(901)
        if url not in account.callbacks:
            account.callbacks.append(url)
        return {"callback": list(account.callbacks)}

    def _callback_get(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        return {"callback": list(account.callbacks)}

    def _callback_del(self, account: Account, params: dict[str, str]) -> dict[str, Any]:
        url = params.get("url", "")
        if url not in account.callbacks:
            raise _Error(902)
        account.callbacks.remove(url)
        return {}


def _leak(payload: dict[str, Any], api_id: str) -> None:
    for item in [payload, *(payload.get("sms") or {}).values()]:
        if item.get("status") == "ERROR":
            item["status_text"] = f"{item.get('status_text', '')} (api_id={api_id})"


def _number(value: Any) -> float:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON: {value!r}")


def _plain(name: str, payload: dict[str, Any]) -> str:
    """The old plain-text answer: the code, then per-number ids or codes, then the balance."""
    lines = [str(payload["status_code"])]
    if payload["status"] == "OK" and name == "sms/send":
        lines += [r.get("sms_id") or str(r["status_code"]) for r in payload["sms"].values()]
        lines.append(f"balance={payload['balance']}")
    elif payload["status"] == "OK" and name == "my/balance":
        lines.append(str(payload["balance"]))
    return "\n".join(lines)
