"""SMSC.ru constants: the base URL and what every error and status code means.

SMSC answers HTTP 200 with ``fmt=3`` JSON; an error is ``{"error": ..., "error_code": N}``.
Every documented code is classified once here (``/work/shared/design/protocols.md`` §2):

    send.php error codes                 kind
      1 parameters, 5 date format        permanent (the message as sent is wrong)
      2 login or password                permanent, provider side (the next provider tries)
      3 no money                         permanent, provider side
      4 IP blocked for a while           transient
      6 message forbidden                permanent (text or sender)
      7 number format, 8 undeliverable   permanent (the recipient)
      9 duplicate / too frequent         transient

    message states (status.php)          report
      -1 waiting, 0 with the operator    none yet
      1 delivered, 2 read, 4 link opened delivered
      3 expired, 20-25 not delivered     failed
      -3 not found, -2 stopped           failed (never delivered)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

DEFAULT_BASE_URL: Final = "https://smsc.ru/sys/"
#: The longest text send.php takes is 1000 characters: 15 Cyrillic parts of 67.
MAX_PARTS: Final = 15
#: Numbers one status.php request asks about.
MAX_STATUS_BATCH: Final = 100


class Kind(enum.StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Code:
    """One SMSC error code: its kind, whether the account is at fault, SMSC's text."""

    kind: Kind
    text: str
    provider_side: bool = False


#: Error codes of send.php (and, for 1, 2, 4, 9, of status.php and balance.php).
ERRORS: Final = MappingProxyType(
    {
        1: Code(Kind.PERMANENT, "Ошибка в параметрах"),
        2: Code(Kind.PERMANENT, "Неверный логин или пароль", provider_side=True),
        3: Code(Kind.PERMANENT, "Недостаточно средств на счете Клиента", provider_side=True),
        4: Code(Kind.TRANSIENT, "IP-адрес временно заблокирован из-за частых ошибок в запросах"),
        5: Code(Kind.PERMANENT, "Неверный формат даты"),
        6: Code(Kind.PERMANENT, "Сообщение запрещено (по тексту или по имени отправителя)"),
        7: Code(Kind.PERMANENT, "Неверный формат номера телефона"),
        8: Code(Kind.PERMANENT, "Сообщение на указанный номер не может быть доставлено"),
        9: Code(Kind.TRANSIENT, "Слишком много одинаковых запросов за минуту"),
    }
)


def error(code: int) -> Code:
    """What an error code means; an undocumented one is permanent, with its number."""
    return ERRORS.get(code) or Code(Kind.PERMANENT, f"Ошибка SMSC {code}")


class State(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


#: Message states of status.php: (state, SMSC's text).
STATES: Final = MappingProxyType(
    {
        -3: (State.FAILED, "Сообщение не найдено"),
        -2: (State.FAILED, "Остановлено"),
        -1: (State.PENDING, "Ожидает отправки"),
        0: (State.PENDING, "Передано оператору"),
        1: (State.DELIVERED, "Доставлено"),
        2: (State.DELIVERED, "Прочитано"),
        3: (State.FAILED, "Просрочено"),
        4: (State.DELIVERED, "Нажата ссылка"),
        20: (State.FAILED, "Невозможно доставить"),
        22: (State.FAILED, "Неверный номер"),
        23: (State.FAILED, "Запрещено"),
        24: (State.FAILED, "Недостаточно средств"),
        25: (State.FAILED, "Недоступный номер"),
    }
)


def state(code: int) -> tuple[State, str]:
    """A message state; an undocumented one is still pending (asked again later)."""
    return STATES.get(code) or (State.PENDING, f"Статус {code}")
