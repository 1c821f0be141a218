"""QuickTelecom constants: the address, the limits and what each error and state means.

QuickTelecom's HTTP protocol (``/work/shared/design/protocols.md`` §3) has no numeric
error codes: a refusal is the ``<errors><error>text</error></errors>`` block of the XML
answer, in QuickTelecom's own words.  Each text is classified here once, by the words it
contains, into a class with a stable name (the journal's error code; the text is kept
as QuickTelecom wrote it):

    class          QuickTelecom's words contain          kind
    auth           «логин», «парол», «авториз»           permanent, provider side
    no_money       «средств», «баланс»                   permanent, provider side
    sender         «отправител»                          permanent, provider side
    bad_number     «номер» (Неправильный номер телефона)  permanent (the recipient)
    text           «текст», «длин»                       permanent (the message as sent)
    busy           «слишком», «повторите», «временно»    transient
    other          anything else                         permanent, provider side

Only «Неправильный номер телефона: <номер>» is confirmed by the sources [LIB]; the other
texts are not published [?], hence matching by word stems rather than whole sentences,
and an unknown text is the account's problem (the clinic's next provider is tried)
rather than the recipient's.

Message states (``SMSSTC_CODE`` of ``action=status``):

    queued, wait, accepted                    none yet (``accepted``: the operator took
                                              it, delivery unknown — asked again)
    delivered                                 delivered
    not_delivered, failed                     failed, with QuickTelecom's ``SMS_STATUS``
    anything else                             by ``SMS_CLOSED`` / ``SMS_SENT``: closed
                                              and sent is delivered, closed and not sent
                                              is failed, open is none yet
"""

from __future__ import annotations

import enum
import zoneinfo
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

DEFAULT_BASE_URL: Final = "https://go.qtelecom.ru/public/http/"
#: The longest text QuickTelecom takes ("Максимальная длина сообщений: 480 символов").
MAX_LENGTH: Final = 480
#: The most parts declared to the hub: 7 Cyrillic parts of 67 are 469 characters, under
#: 480 (8 parts would let 481-536 Cyrillic characters through to a sure refusal).
MAX_PARTS: Final = 7
#: QuickTelecom's times (``CREATED``, ``SMS_CLOSE_TIME``) carry no zone: Moscow's [?].
PROVIDER_ZONE: Final = zoneinfo.ZoneInfo("Europe/Moscow")


class Kind(enum.StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class ErrorClass:
    """A class of QuickTelecom's error texts: its name, kind, whether the account is at
    fault, and the lower-case word stems that identify it."""

    name: str
    kind: Kind
    provider_side: bool
    stems: tuple[str, ...]


#: First match wins: a sender's «номер» is the sender's, not the recipient's.
ERROR_CLASSES: Final = (
    ErrorClass("auth", Kind.PERMANENT, True, ("логин", "парол", "авториз")),
    ErrorClass("no_money", Kind.PERMANENT, True, ("средств", "баланс")),
    ErrorClass("sender", Kind.PERMANENT, True, ("отправител",)),
    ErrorClass("bad_number", Kind.PERMANENT, False, ("номер",)),
    ErrorClass("text", Kind.PERMANENT, False, ("текст", "длин")),
    ErrorClass("busy", Kind.TRANSIENT, False, ("слишком", "повторите", "временно")),
)
OTHER: Final = ErrorClass("other", Kind.PERMANENT, True, ())


def classify(text: str) -> ErrorClass:
    """The class of one of QuickTelecom's error texts."""
    lower = text.lower()
    for candidate in ERROR_CLASSES:
        if any(stem in lower for stem in candidate.stems):
            return candidate
    return OTHER


class State(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


#: ``SMSSTC_CODE`` values and what they mean (the Ruby gateway's list [LIB]).
STATES: Final = MappingProxyType(
    {
        "queued": State.PENDING,  # сообщение в очереди отправки
        "wait": State.PENDING,  # передано оператору на отправку
        "accepted": State.PENDING,  # принято оператором, но статус доставки неизвестен
        "delivered": State.DELIVERED,  # сообщение доставлено
        "not_delivered": State.FAILED,  # сообщение не доставлено
        "failed": State.FAILED,  # ошибка при работе по сообщению
    }
)


def state(code: str, closed: bool, sent: bool) -> State:
    """A message's state from its ``SMSSTC_CODE``, else from ``SMS_CLOSED``/``SMS_SENT``."""
    known = STATES.get(code.strip().lower())
    if known is not None:
        return known
    if not closed:
        return State.PENDING
    return State.DELIVERED if sent else State.FAILED
