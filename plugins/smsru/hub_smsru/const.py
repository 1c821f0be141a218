"""sms.ru constants: the base URL, the API's limits and what every status code means.

sms.ru answers HTTP 200 even for errors; the outcome is the ``status_code`` of the
JSON envelope (top level: the whole request; inside ``sms{}``: one number or one
message).  Every documented code is classified here once, and both the client and
the plugin read this table:

    Kind.ACCEPTED       100                    the request / message was taken
    Kind.TRANSIENT      220, 500, 231          try again later
    Kind.PERMANENT      the rest               never succeeds as is
      provider_side     account faults         (bad api_id, no money, sender not approved,
                                                daily limit, anti-fraud...): the hub tries
                                                the clinic's next provider
      not provider_side recipient / message    (bad number, stop list, no route, too long,
                        faults                  forbidden word...): the message fails

Message states (``sms/status`` and callbacks) are a separate table: pending
(100-102), delivered (103, and 110 "read"), failed (104-108, 150), not found (-1).

Texts are sms.ru's own (see ``/work/shared/design/protocols.md`` §1.11 for sources).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

DEFAULT_BASE_URL: Final = "https://sms.ru"
#: Most numbers one sms/send, sms/cost or sms/status request may carry.
MAX_BATCH: Final = 100
#: Most SMS parts one text may take (more is refused with code 205).
MAX_PARTS: Final = 8
#: The body a callback handler must answer, or sms.ru considers the handler broken.
CALLBACK_ANSWER: Final = "100"
#: Record types a callback ``data[i]`` may carry (first line of the record).
RECORD_SMS_STATUS: Final = "sms_status"

OK: Final = 100
NOT_FOUND: Final = -1


class Kind(enum.StrEnum):
    """What a request status code means for the caller."""

    ACCEPTED = "accepted"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Code:
    """One sms.ru status code: its kind, whether the account is at fault, sms.ru's text."""

    kind: Kind
    text: str
    provider_side: bool = False


def _transient(text: str) -> Code:
    return Code(Kind.TRANSIENT, text)


def _account(text: str) -> Code:
    return Code(Kind.PERMANENT, text, provider_side=True)


def _recipient(text: str) -> Code:
    return Code(Kind.PERMANENT, text)


#: Request codes (top level and per number of sms/send, sms/cost and the other methods).
CODES: Final = MappingProxyType(
    {
        100: Code(Kind.ACCEPTED, "Запрос выполнен"),
        200: _account("Неправильный api_id"),
        201: _account("Не хватает средств на лицевом счету"),
        202: _recipient("Неправильно указан номер телефона получателя, либо на него нет маршрута"),
        203: _recipient("Нет текста сообщения"),
        204: _account("Имя отправителя не согласовано с администрацией"),
        205: _recipient("Сообщение слишком длинное (превышает 8 СМС)"),
        206: _account("Будет превышен или уже превышен дневной лимит на отправку сообщений"),
        207: _recipient("На этот номер нет маршрута для доставки сообщений"),
        208: _recipient("Параметр time указан неправильно"),
        209: _recipient("Номер получателя в вашем стоп-листе"),
        210: _account("Используется GET, где необходимо использовать POST"),
        211: _account("Метод не найден"),
        212: _recipient("Текст сообщения необходимо передать в кодировке UTF-8"),
        213: _recipient("Указано более 5000 номеров в списке получателей"),
        214: _recipient(
            "Номер находится за рубежом (включена настройка «Отправлять только на номера РФ»)"
        ),
        215: _recipient("Номер находится в стоп-листе SMS.RU (жалоба на спам)"),
        216: _recipient("В тексте содержится запрещенное слово"),
        217: _recipient("Реклама кредита без обязательной фразы"),
        220: _transient("Сервис временно недоступен, попробуйте чуть позже"),
        221: _account("Для отправки необходимо создать буквенного отправителя"),
        230: _recipient("Превышен общий лимит количества сообщений на этот номер в день"),
        231: _transient("Превышен лимит одинаковых сообщений на этот номер в минуту"),
        232: _recipient("Превышен лимит одинаковых сообщений на этот номер в день"),
        233: _recipient("Превышен лимит отправки повторных сообщений с кодом на этот номер"),
        300: _account("Неправильный token (возможно истек срок действия, либо ваш IP изменился)"),
        301: _account("Неправильный api_id, либо логин/пароль"),
        302: _account("Пользователь авторизован, но аккаунт не подтвержден"),
        303: _recipient("Код подтверждения неверен"),
        304: _recipient("Отправлено слишком много кодов подтверждения"),
        305: _recipient("Слишком много неверных вводов кода"),
        500: _transient("Ошибка на сервере, повторите запрос"),
        501: _account("Превышен лимит: IP адрес пользователя в сети TOR"),
        502: _account("Превышен лимит: страна IP адреса и номера не совпадают"),
        503: _account("Превышен лимит: страна IP адреса запрещена"),
        504: _account("Превышен лимит авторизаций из-за рубежа"),
        505: _account("Превышен лимит авторизаций с одного IP адреса"),
        506: _account("Превышен лимит: IP адрес хостинга"),
        507: _account("IP адрес пользователя указан неверно или из частной подсети"),
        508: _account("Превышен лимит звонков за 5 минут"),
        550: _account("Страна заблокирована"),
        901: _account("Callback: URL неверный (не начинается на http://)"),
        902: _account("Callback: обработчик не найден (возможно был удален ранее)"),
    }
)


def classify(code: int, text: str | None = None) -> Code:
    """The meaning of a request ``code``; an undocumented code is a permanent failure
    (shown with sms.ru's own ``text``) rather than a silent retry loop."""
    known = CODES.get(code)
    if known is not None:
        return known
    return Code(Kind.PERMANENT, text or f"Неизвестный код ответа sms.ru {code}")


class State(enum.StrEnum):
    """Where a sent message is, as ``sms/status`` and callbacks report it."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    NOT_FOUND = "not_found"


#: Message state codes with sms.ru's texts.
STATES: Final = MappingProxyType(
    {
        -1: (State.NOT_FOUND, "Сообщение не найдено"),
        100: (State.PENDING, "Сообщение находится в очереди"),
        101: (State.PENDING, "Сообщение передается оператору"),
        102: (State.PENDING, "Сообщение отправлено (в пути)"),
        103: (State.DELIVERED, "Сообщение доставлено"),
        104: (State.FAILED, "Не может быть доставлено: время жизни истекло"),
        105: (State.FAILED, "Не может быть доставлено: удалено оператором"),
        106: (State.FAILED, "Не может быть доставлено: сбой в телефоне"),
        107: (State.FAILED, "Не может быть доставлено: неизвестная причина"),
        108: (State.FAILED, "Не может быть доставлено: отклонено"),
        110: (State.DELIVERED, "Сообщение прочитано"),
        150: (State.FAILED, "Не может быть доставлено: не найден маршрут на данный номер"),
    }
)


def message_state(code: int) -> tuple[State, str]:
    """The state of a message ``code`` and its text; unknown codes stay pending."""
    return STATES.get(code, (State.PENDING, f"Неизвестный статус sms.ru {code}"))
