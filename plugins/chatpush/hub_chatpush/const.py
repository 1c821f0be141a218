"""ChatPush constants: the base URL, what each HTTP answer and delivery status means.

ChatPush is a JSON REST API (``/work/shared/design/protocols.md`` §7.3 and
``protocols-2.md`` §5.2).  Its success answers carry a ``meta`` envelope
(``{"meta": {"code": 200, "status": "success"}, "account": {...}}`` [LIB]); an error is
an HTTP status, **422** for a request that fails validation [DOC].  Classified once here:

    HTTP answer                          kind
      422 validation (phone, text)       permanent (the message as sent is wrong)
      401, 403 token refused             permanent, provider side (the next provider tries)
      402 no money                       permanent, provider side            [?]
      404 unknown delivery / webhook     permanent
      429 too many requests              transient (the hub backs off)
      5xx, network, time-out, not JSON   transient

    delivery status (GET /delivery/{id}, webhook)          report
      delivered, read                                       delivered
      failed, error, undelivered, rejected, expired         failed
      anything else (new, queued, pending, sent...)         none yet       [?]

The status names are not in the material read [?]: an unknown one is still pending
and asked about again, so nothing is reported wrongly.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

DEFAULT_BASE_URL: Final = "https://api.chatpush.ru/api/v1"
#: The webhook event types registered (``types[]``); delivery-status type names were
#: not seen [?], so the list is a setting.  ``max_incoming_msg`` is seen [LIB].
DEFAULT_WEBHOOK_TYPES: Final = ("delivery_status",)
#: ChatPush's rate limits are not documented [?]: one message a second per account
#: unless the clinic sets another (messengers ban numbers that send in bursts).
DEFAULT_RATE_PER_SECOND: Final = 1.0


class Kind(enum.StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Code:
    """One HTTP answer of ChatPush: its kind, whether the account is at fault, its meaning."""

    kind: Kind
    text: str
    provider_side: bool = False


HTTP_ERRORS: Final = MappingProxyType(
    {
        400: Code(Kind.PERMANENT, "Неверный запрос"),
        401: Code(Kind.PERMANENT, "Токен не принят", provider_side=True),
        402: Code(Kind.PERMANENT, "Недостаточно средств", provider_side=True),
        403: Code(Kind.PERMANENT, "Доступ запрещён", provider_side=True),
        404: Code(Kind.PERMANENT, "Не найдено"),
        422: Code(Kind.PERMANENT, "Ошибка валидации"),
        429: Code(Kind.TRANSIENT, "Слишком много запросов"),
    }
)


def http_error(status: int) -> Code:
    """What an HTTP error status means: 5xx transient, an undocumented 4xx permanent."""
    if status >= 500:
        return Code(Kind.TRANSIENT, f"Ошибка сервера ChatPush (HTTP {status})")
    return HTTP_ERRORS.get(status) or Code(Kind.PERMANENT, f"HTTP {status}")


class State(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


DELIVERED_STATUSES: Final = frozenset({"delivered", "read"})
FAILED_STATUSES: Final = frozenset({"failed", "error", "undelivered", "rejected", "expired"})


def state(status: str) -> State:
    """A delivery status in the hub's terms; an unknown one is still pending."""
    name = status.strip().lower()
    if name in DELIVERED_STATUSES:
        return State.DELIVERED
    if name in FAILED_STATUSES:
        return State.FAILED
    return State.PENDING
