"""A fake QuickTelecom speaking the HTTP protocol of ``/work/shared/design/protocols.md`` §3.

``/public/http/`` takes GET or a POSTed form (``application/x-www-form-urlencoded;
charset=UTF-8``), checks ``user`` + ``pass`` on every request and answers ``text/xml``
UTF-8 **gzip-compressed with ``Content-Encoding: gzip`` unless the request says
``gzip=none``**, as QuickTelecom does (so also whenever a client sends ``Accept-Encoding:
gzip``).  The actions:

    post_sms   <output><result sms_group_id><sms id smstype phone sms_res_count>CDATA…
               with <errors><error>…</error></errors> for the targets it refused
    status     by sms_id, sms_group_id, or date_from/date_to (+ smstype=SENDSMS):
               <output><MESSAGES><MESSAGE SMS_ID SMSTYPE><CREATED>…<SMSSTC_CODE>…
    balance    <output><BALANCE><AGT_BALANCE>…</AGT_BALANCE><OVERDRAFT>…</OVERDRAFT>…

It keeps a balance (with an overdraft), registered sender names, the messages and their
states.  Only «Неправильный номер телефона: <номер>» is QuickTelecom's confirmed wording;
the other error texts (:data:`TEXTS`) are assumed [?].  Tests steer it:

    fake.balance = Decimal("0")             the next send is refused for money
    fake.fail_next(TEXTS["busy"])           the next post_sms answers that error
    fake.http_error_next(503)               the next request answers that HTTP status
    fake.gzip_header = False                gzip bodies without Content-Encoding
    fake.deliver(id) / fake.set_state(id, "not_delivered")
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PRICE = Decimal("1.90")  # per part
MOSCOW = dt.timezone(dt.timedelta(hours=3))
MAX_LENGTH = 480

#: QuickTelecom's error texts; only ``bad_number`` is confirmed by the sources [LIB].
TEXTS = {
    "bad_number": "Неправильный номер телефона: {target}",
    "auth": "Неверный логин или пароль",
    "no_money": "Недостаточно средств на счёте",
    "sender": "Имя отправителя не зарегистрировано: {sender}",
    "text": "Превышена максимальная длина сообщения (480 символов)",
    "empty": "Не указан текст сообщения",
    "busy": "Слишком много запросов, повторите попытку позже",
    "action": "Неизвестное действие: {action}",
}

#: SMSSTC_CODE -> (SMS_STATUS, SMS_CLOSED, SMS_SENT)
STATES = {
    "queued": ("Сообщение в очереди отправки", 0, 0),
    "wait": ("Сообщение в процессе доставки", 0, 0),
    "accepted": ("Сообщение принято оператором", 0, 1),
    "delivered": ("Сообщение доставлено", 1, 1),
    "not_delivered": ("Сообщение не доставлено", 1, 0),
    "failed": ("Ошибка при работе по сообщению", 1, 0),
}


@dataclass
class Message:
    id: int
    group_id: int
    phone: str
    text: str
    sender: str | None
    parts: int
    created: dt.datetime
    code: str = "wait"
    closed_at: dt.datetime | None = None


@dataclass
class Received:
    params: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)


def parts_of(text: str) -> int:
    cyrillic = any(ord(c) > 127 for c in text)
    single, multi = (70, 67) if cyrillic else (160, 153)
    return 1 if len(text) <= single else -(-len(text) // multi)


def moscow(moment: dt.datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S")


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class FakeQtelecom:
    def __init__(self, login: str, password: str) -> None:
        self.login, self.password = login, password
        self.balance = Decimal("100.00")
        self.overdraft = Decimal("0.00")
        self.senders = {"Clinic"}
        self.messages: dict[int, Message] = {}
        self.requests: list[Received] = []
        self.gzip_header = True
        self._ids = itertools.count(99991)
        self._groups = itertools.count(996)
        self._failures: dict[str, list[str]] = {"post_sms": [], "status": [], "balance": []}
        self._http_failures: list[int] = []
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.app = Starlette(routes=[Route("/public/http/", self._handle, methods=["GET", "POST"])])

    # --- steering -----------------------------------------------------------------------

    def fail_next(self, text: str, action: str = "post_sms") -> None:
        self._failures[action].append(text)

    def http_error_next(self, status: int) -> None:
        self._http_failures.append(status)

    def set_state(self, message_id: int | str, code: str) -> None:
        message = self.messages[int(message_id)]
        message.code = code
        message.closed_at = self.clock() if STATES[code][1] else None

    def deliver(self, message_id: int | str) -> None:
        self.set_state(message_id, "delivered")

    def sent(self) -> list[Message]:
        return list(self.messages.values())

    # --- the protocol -------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            form = await request.form()
            params.update({k: str(v) for k, v in form.items()})
        self.requests.append(Received(params, dict(request.headers)))
        if self._http_failures:
            return Response("Service Unavailable", status_code=self._http_failures.pop(0))
        action = params.get("action", "")
        if params.get("user") != self.login or params.get("pass") != self.password:
            body = self._errors([TEXTS["auth"]])
        elif action not in self._failures:
            body = self._errors([TEXTS["action"].format(action=action)])
        elif self._failures[action]:
            body = self._errors([self._failures[action].pop(0)])
        elif action == "post_sms":
            body = self._post_sms(params)
        elif action == "status":
            body = self._status(params)
        else:
            body = self._balance()
        return self._answer(body, compress=params.get("gzip") != "none")

    def _answer(self, xml: str, *, compress: bool) -> Response:
        data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml).encode()
        headers = {}
        if compress:
            data = gzip.compress(data)
            if self.gzip_header:
                headers["Content-Encoding"] = "gzip"
        return Response(data, media_type="text/xml; charset=UTF-8", headers=headers)

    @staticmethod
    def _errors(texts: list[str]) -> str:
        return "<output>" + FakeQtelecom._error_block(texts) + "</output>"

    @staticmethod
    def _error_block(texts: list[str]) -> str:
        if not texts:
            return ""
        items = "".join(f"<error>{escape(t)}</error>" for t in texts)
        return f"<errors>{items}</errors>"

    def _post_sms(self, params: dict[str, str]) -> str:
        text, sender = params.get("message", ""), params.get("sender") or None
        if not text.strip():
            return self._errors([TEXTS["empty"]])
        if len(text) > MAX_LENGTH:
            return self._errors([TEXTS["text"]])
        if sender is not None and sender not in self.senders:
            return self._errors([TEXTS["sender"].format(sender=sender)])
        targets = [t.strip() for t in params.get("target", "").split(",") if t.strip()]
        if not targets:
            return self._errors([TEXTS["bad_number"].format(target="")])
        errors: list[str] = []
        accepted: list[Message] = []
        group = next(self._groups)
        parts = parts_of(text)
        now = self.clock()
        for target in targets:
            number = target.lstrip("+")
            if not (number.isdigit() and len(number) == 11 and number[0] in "78"):
                errors.append(TEXTS["bad_number"].format(target=target))
                continue
            cost = PRICE * parts
            if self.balance + self.overdraft < cost:
                errors.append(TEXTS["no_money"])
                continue
            self.balance -= cost
            message = Message(next(self._ids), group, target, text, sender, parts, now)
            self.messages[message.id] = message
            accepted.append(message)
        result = ""
        if accepted:
            items = "".join(
                f'<sms id="{m.id}" smstype="SENDSMS" phone={quoteattr(m.phone)} '
                f'sms_res_count="{m.parts}">{cdata(m.text)}</sms>'
                for m in accepted
            )
            result = f'<result sms_group_id="{group}">{items}</result>'
        return f"<output>{result}{self._error_block(errors)}</output>"

    def _status(self, params: dict[str, str]) -> str:
        if params.get("sms_id"):
            chosen = [m for m in self.messages.values() if str(m.id) == params["sms_id"]]
        elif params.get("sms_group_id"):
            chosen = [
                m for m in self.messages.values() if str(m.group_id) == params["sms_group_id"]
            ]
        elif params.get("date_from") and params.get("date_to"):
            start = dt.datetime.strptime(params["date_from"], "%d.%m.%Y %H:%M:%S")
            end = dt.datetime.strptime(params["date_to"], "%d.%m.%Y %H:%M:%S")
            chosen = [
                m
                for m in self.messages.values()
                if start.replace(tzinfo=MOSCOW) <= m.created <= end.replace(tzinfo=MOSCOW)
            ]
        else:
            return self._errors(["Не указан sms_id, sms_group_id или период"])
        return "<output><MESSAGES>" + "".join(map(self._message, chosen)) + "</MESSAGES></output>"

    def _message(self, m: Message) -> str:
        status, closed, sent = STATES[m.code]
        fields = [
            ("SMS_GROUP_ID", str(m.group_id)),
            ("CREATED", moscow(m.created)),
            ("SMS_SUBMITTER_SUBSYSTEM", "HTTP"),
            ("AUL_USERNAME", escape(self.login)),
            ("AUL_CLIENT_ADR", "127.0.0.1"),
            ("SMS_SENDER", escape(m.sender or "QTSMS")),
            ("SMS_TARGET", escape(m.phone)),
            ("SMS_RES_COUNT", str(m.parts)),
            ("SMS_TEXT", cdata(m.text)),
            ("SMSSTC_CODE", m.code),
            ("SMS_STATUS", escape(status)),
            ("SMS_CLOSED", str(closed)),
            ("SMS_SENT", str(sent)),
        ]
        if m.closed_at is not None:
            fields.append(("SMS_CLOSE_TIME", moscow(m.closed_at)))
        inner = "".join(f"<{name}>{value}</{name}>" for name, value in fields)
        return f'<MESSAGE SMS_ID="{m.id}" SMSTYPE="SENDSMS">{inner}</MESSAGE>'

    def _balance(self) -> str:
        return (
            f"<output><BALANCE><AGT_BALANCE>{self.balance:.2f}</AGT_BALANCE>"
            f"<OVERDRAFT>{self.overdraft:.2f}</OVERDRAFT></BALANCE></output>"
        )
