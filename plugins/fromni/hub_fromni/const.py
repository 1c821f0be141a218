"""Fromni / Imobis constants: where the APIs are, what their statuses and errors mean.

Two APIs of one vendor, one token (``Authorization: Token <uuid>``), JSON both ways
(``/work/shared/design/protocols.md`` §7.1–7.2):

    Fromni Bots API   https://api.fromni.com/user   "transmit event" -> a chat-bot campaign
                      200 on success, HTTP 500 {"result": "error", "desc"} on an API error
    Imobis API v3     https://api.imobis.ru/v3      message/send (a cascade route), balance, info
                      200 on success, HTTP 400 {"result": "error", "desc"} on an API error

Errors are classified here once.  The vendors publish no error-code table, so the
``desc`` text decides (:data:`DESC_RULES`, matched case-insensitively, Russian or
English); what matches nothing is permanent for the message.

    answer                                       kind
      network error, time-out                    transient
      HTTP 429, 502, 503, 504                    transient
      HTTP 500 that is not the API's JSON        transient
      HTTP 401, 403                              permanent, provider side (the token)
      desc: token / authorization                permanent, provider side
      desc: balance / money                      permanent, provider side
      desc: too many requests / limit            transient
      desc: phone / number                       permanent (the recipient)
      desc: campaign / event / sender / channel  permanent, provider side (set-up)
      any other desc                             permanent

Statuses of the status webhook (``status`` field) and what the hub makes of them:

    accepted, sent, unknown                      none yet (still on its way)
    delivered, read                              delivered
    rejected, undelivered, expired, deleted,     failed — final, unless a cascade step
    error                                        follows (a messenger's time-to-live ran
                                                 out and the SMS step is next)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

DEFAULT_BOTS_URL: Final = "https://api.fromni.com/user"
DEFAULT_API_URL: Final = "https://api.imobis.ru/v3"
#: The Bots API's "transmit event" method, below ``bots_url`` (the exact sub-path is
#: not confirmed by the vendor's text; see the README's assumptions).
EVENT_PATH: Final = "event"
CASCADE_PATH: Final = "message/send"
BALANCE_PATH: Final = "balance"
INFO_PATH: Final = "info"

#: Messenger channels a cascade route may start with (Imobis ``route[].channel``).
MESSENGERS: Final = ("telegram", "viber", "vk", "whatsapp")
SMS: Final = "sms"
#: Time-to-live of a cascade step, seconds (Imobis: 60..172800; the SDK's default 600).
TTL_MIN: Final = 60
TTL_MAX: Final = 172800
DEFAULT_MESSENGER_TTL: Final = 600
#: Requests per second the plugin sends one account by default.  Neither vendor
#: publishes a limit; this is a conservative guess, and a 429 is retried anyway.
DEFAULT_RATE_LIMIT: Final = 10.0

SUCCESS: Final = "success"


class Kind(enum.StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Meaning:
    """What an error means: its kind and whether the account (not the message) is at fault."""

    kind: Kind
    provider_side: bool = False


TRANSIENT_HTTP: Final = frozenset({408, 425, 429, 502, 503, 504})
TOKEN_HTTP: Final = frozenset({401, 403})

#: ``desc`` fragments -> meaning, first match wins.
DESC_RULES: Final = (
    (("token", "токен", "authoriz", "авториз", "unauthor"), Meaning(Kind.PERMANENT, True)),
    (("balance", "баланс", "money", "средств", "funds"), Meaning(Kind.PERMANENT, True)),
    (("too many", "rate limit", "слишком много", "лимит запросов"), Meaning(Kind.TRANSIENT)),
    (("phone", "телефон", "номер", "number"), Meaning(Kind.PERMANENT)),
    (
        ("campaign", "кампани", "event", "событи", "sender", "отправител", "channel", "канал"),
        Meaning(Kind.PERMANENT, True),
    ),
)


def meaning_of(desc: str) -> Meaning:
    """The meaning of an API error's ``desc``; an unknown text is permanent for the message."""
    lowered = desc.lower()
    for fragments, meaning in DESC_RULES:
        if any(fragment in lowered for fragment in fragments):
            return meaning
    return Meaning(Kind.PERMANENT)


class State(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


#: Webhook ``status`` -> (state, the words the journal shows).
STATES: Final = MappingProxyType(
    {
        "accepted": (State.PENDING, "Принято"),
        "sent": (State.PENDING, "Отправлено"),
        "unknown": (State.PENDING, "Статус неизвестен"),
        "delivered": (State.DELIVERED, "Доставлено"),
        "read": (State.DELIVERED, "Прочитано"),
        "rejected": (State.FAILED, "Отклонено"),
        "undelivered": (State.FAILED, "Не доставлено"),
        "expired": (State.FAILED, "Истёк срок жизни"),
        "deleted": (State.FAILED, "Удалено"),
        "error": (State.FAILED, "Ошибка"),
    }
)


def state_of(status: str) -> tuple[State, str]:
    """A webhook status; an undocumented one is still pending."""
    return STATES.get(status.strip().lower()) or (State.PENDING, f"Статус {status}")
